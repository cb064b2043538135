using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks.Kernels;

/// <summary>
/// The BLAS-2 pieces of one CG matrix-vector product for a row with 50 neighbours, to show where a CG
/// step spends its time: <c>U v</c> (row dots, one horizontal sum per row), <c>U^T t</c> (weighted row
/// sum into one accumulator vector) and <c>G0 v</c> (row dots over the k x k Gram matrix).
/// </summary>
public class CgPartsBenchmarks
{
    private const int Neighbours = 50;
    private float[] _u = [];
    private float[] _g0 = [];
    private float[] _v = [];
    private float[] _t = [];
    private float[] _y = [];
    private int _w;

    [Params(64, 128)]
    public int K { get; set; }

    [ParamsSource(nameof(Paths))]
    // A string parameter: KernelPath is internal to FastAls, and BenchmarkDotNet parameters are public properties.
    public string Path { get => _path.ToString(); set => _path = Enum.Parse<KernelPath>(value); }

    private KernelPath _path;

    public static IEnumerable<string> Paths => KernelIsa.Supported.Where(p => p != KernelPath.Scalar).Select(p => p.ToString());

    public static double Flops(BenchmarkCase c)
    {
        int k = RateColumn.Param(c, nameof(K));
        return c.Descriptor.WorkloadMethod.Name == nameof(GramRowDots) ? 2.0 * k * k : 2.0 * Neighbours * k;
    }

    [GlobalSetup]
    public void Setup()
    {
        _w = (K + 15) / 16 * 16;
        _u = KernelProbe.RandomBlock(Neighbours * _w, K, _w, 1);
        _g0 = KernelProbe.RandomBlock(_w * _w, K, _w, 2);
        _v = KernelProbe.RandomBlock(_w, K, _w, 3);
        _t = KernelProbe.RandomBlock(Neighbours, Neighbours, Neighbours, 4);
        _y = new float[Math.Max(_w, Neighbours)];
    }

    [Benchmark]
    public void NeighbourRowDots() => KernelSet.For(_path).RowDots(_u, Neighbours, _w, _v, _y);

    [Benchmark]
    public void NeighbourAddWeightedRows() => KernelSet.For(_path).AddWeightedRows(_u, Neighbours, _w, _t, _y);

    [Benchmark]
    public void GramRowDots() => KernelSet.For(_path).RowDots(_g0, K, _w, _v, _y);
}

/// <summary>
/// The CG neighbour pass, <c>y += sum_j (w_j u_j . v) u_j</c> over a row's gathered neighbours, on each vector path:
/// the path's kernel (<see cref="KernelSet.WeightedRowsMatVec"/>: register rows at stride 32 on Vector256, grouped rows
/// of eight and four otherwise) against the same arithmetic row by row (the path's dot product, then its axpy), which
/// is what the kernels replace. Both give the same bits; short rows (most users have few neighbours) are where the
/// per-row horizontal sum costs most.
/// </summary>
public class NeighbourPassBenchmarks
{
    private float[] _u = [];
    private float[] _v = [];
    private float[] _wt = [];
    private float[] _y = [];
    private int _w;

    [Params(32, 64, 128)]
    public int K { get; set; }

    [Params(5, 20, 80)]
    public int Neighbours { get; set; }

    [ParamsSource(nameof(Paths))]
    // A string parameter: KernelPath is internal to FastAls, and BenchmarkDotNet parameters are public properties.
    public string Path { get => _path.ToString(); set => _path = Enum.Parse<KernelPath>(value); }

    private KernelPath _path;

    public static IEnumerable<string> Paths => CgPartsBenchmarks.Paths;

    /// <summary>A dot product and an axpy per neighbour: 4 k flops.</summary>
    public static double Flops(BenchmarkCase c) => 4.0 * RateColumn.Param(c, nameof(Neighbours)) * RateColumn.Param(c, nameof(K));

    [GlobalSetup]
    public void Setup()
    {
        _w = (K + 15) / 16 * 16;
        _u = KernelProbe.RandomBlock(Neighbours * _w, K, _w, 1);
        _v = KernelProbe.RandomBlock(_w, K, _w, 3);
        _wt = KernelProbe.RandomBlock(Neighbours, Neighbours, Neighbours, 4);
        _y = new float[_w];
    }

    [Benchmark(Baseline = true)]
    public void RowByRow()
    {
        KernelSet k = KernelSet.For(_path);
        for (int j = 0; j < Neighbours; j++)
        {
            ReadOnlySpan<float> row = _u.AsSpan(j * _w, _w);
            k.Axpy(_wt[j] * k.Dot(row, _v), row, _y);
        }
    }

    [Benchmark]
    public void Kernel() => KernelSet.For(_path).WeightedRowsMatVec(_u, Neighbours, _w, _wt, _v, _y);
}
