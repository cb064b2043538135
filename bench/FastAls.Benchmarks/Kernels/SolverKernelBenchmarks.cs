using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls.Benchmarks.Kernels;

/// <summary>Gram accumulation <c>G += A^T A</c> of a 256-row block (the exact solver's inner kernel).</summary>
public class GramBenchmarks
{
    private const int N = RowWorkspace.SyrkRows;
    private float[] _a = [];
    private float[] _g = [];
    private int _w;

    [Params(32, 64, 128, 256)]
    public int K { get; set; }

    [ParamsSource(nameof(Paths))]
    // A string parameter: KernelPath is internal to FastAls, and BenchmarkDotNet parameters are public properties.
    public string Path { get => _path.ToString(); set => _path = Enum.Parse<KernelPath>(value); }

    private KernelPath _path;

    public static IEnumerable<string> Paths => KernelIsa.Supported.Select(p => p.ToString());

    public static double Flops(BenchmarkCase c) => FlopCounts.Syrk(N, RateColumn.Param(c, nameof(K)));

    [GlobalSetup]
    public void Setup()
    {
        _w = (K + 15) / 16 * 16;
        _a = KernelProbe.RandomBlock(N * _w, K, _w, 1);
        _g = new float[_w * _w];
    }

    [Benchmark]
    public void Syrk256Rows() => KernelSet.For(_path).SyrkUpper(_a, N, _w, _g);
}

/// <summary>Cholesky factorization of a k x k SPD system plus the two triangular solves (includes copying the system in).</summary>
public class CholeskyBenchmarks
{
    private float[] _spd = [];
    private float[] _work = [];
    private float[] _b = [];
    private float[] _x = [];
    private int _w;

    [Params(32, 64, 128, 256)]
    public int K { get; set; }

    [ParamsSource(nameof(Paths))]
    // A string parameter: KernelPath is internal to FastAls, and BenchmarkDotNet parameters are public properties.
    public string Path { get => _path.ToString(); set => _path = Enum.Parse<KernelPath>(value); }

    private KernelPath _path;

    public static IEnumerable<string> Paths => KernelIsa.Supported.Select(p => p.ToString());

    public static double Flops(BenchmarkCase c) => FlopCounts.CholeskySolve(RateColumn.Param(c, nameof(K)));

    [GlobalSetup]
    public void Setup()
    {
        _w = (K + 15) / 16 * 16;
        float[] a = KernelProbe.RandomBlock(2 * K * _w, K, _w, 5);
        _spd = new float[_w * _w];
        KernelSet.For(KernelPath.Scalar).SyrkUpper(a, 2 * K, _w, _spd);
        Syrk.MirrorUpper(_spd, K, _w);
        for (int p = 0; p < K; p++)
        {
            _spd[p * _w + p] += 1f;
        }

        _work = new float[_w * _w];
        _b = KernelProbe.RandomBlock(_w, K, _w, 6);
        _x = new float[_w];
    }

    [Benchmark]
    public int FactorAndSolve()
    {
        _spd.CopyTo(_work, 0);
        int bad = KernelSet.For(_path).CholeskyFactor(_work, K, _w);
        _b.CopyTo(_x, 0);
        KernelSet.For(_path).CholeskySolve(_work, K, _w, _x);
        return bad;
    }
}

/// <summary>
/// The exact solver's factor and solves of sixteen systems: in lanes (<see cref="LaneCholesky{TOps, TVec}"/>, what the
/// vector paths run for k up to <see cref="LaneCholesky.MaxD"/>; transposing the systems in and the solutions out
/// included), two batches of eight (Vector256) or one of sixteen (Vector512, where the machine has it), and row by row
/// (<see cref="Cholesky"/> on the Vector256 path, what they ran before, and still run past MaxD).
/// </summary>
public class LaneCholeskyBenchmarks
{
    private const int Systems = LaneCholesky.MaxLanes;
    private float[][] _spd = [];
    private float[][] _work = [];
    private float[][] _b = [];
    private float[] _x = [];
    private float[] _t = [];
    private float[] _rhs = [];
    private readonly int[] _bad = new int[Systems];
    private int _w;

    [Params(16, 32, 48, 64)]
    public int K { get; set; }

    public static double Flops(BenchmarkCase c) => Systems * FlopCounts.CholeskySolve(RateColumn.Param(c, nameof(K)));

    [GlobalSetup]
    public void Setup()
    {
        _w = (K + 15) / 16 * 16;
        _spd = new float[Systems][];
        _work = new float[Systems][];
        _b = new float[Systems][];
        for (int l = 0; l < Systems; l++)
        {
            float[] a = KernelProbe.RandomBlock(2 * K * _w, K, _w, 5 + l);
            _spd[l] = new float[_w * _w];
            KernelSet.For(KernelPath.Scalar).SyrkUpper(a, 2 * K, _w, _spd[l]);
            for (int p = 0; p < K; p++)
            {
                _spd[l][p * _w + p] += 1f;
            }

            _work[l] = new float[_w * _w];
            _b[l] = KernelProbe.RandomBlock(_w, K, _w, 50 + l);
        }

        _x = new float[_w];

        // 64-byte aligned, as the solver's batches are (LaneBatch).
        _t = GC.AllocateArray<float>(LaneCholesky<Vector512Ops, Vector512<float>>.MatrixLength(K) + 16, pinned: true);
        _rhs = GC.AllocateArray<float>((K * Systems) + 16, pinned: true);
    }

    [Benchmark(Baseline = true)]
    public int RowByRow()
    {
        int bad = -1;
        for (int l = 0; l < Systems; l++)
        {
            _spd[l].CopyTo(_work[l], 0);
            bad &= Cholesky.Factor<Vector256Isa>(_work[l], K, _w);
            _b[l].CopyTo(_x, 0);
            Cholesky.Solve<Vector256Isa>(_work[l], K, _w, _x);
        }

        return bad;
    }

    [Benchmark]
    public int EightLanes() => InLanes<Vector256Ops, Vector256<float>>(0) + InLanes<Vector256Ops, Vector256<float>>(8);

    [Benchmark]
    public int SixteenLanes() => Vector512.IsHardwareAccelerated ? InLanes<Vector512Ops, Vector512<float>>(0) : 0;

    private int InLanes<TOps, TVec>(int first)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int lanes = LaneCholesky<TOps, TVec>.Lanes;
        Span<float> t = LaneCholesky.Aligned(_t), rhs = LaneCholesky.Aligned(_rhs);
        LaneCholesky<TOps, TVec>.PutAll(t, K, _spd.AsSpan(first, lanes), _w);
        for (int l = 0; l < lanes; l++)
        {
            LaneCholesky<TOps, TVec>.PutRhs(rhs, K, l, _b[first + l]);
        }

        LaneCholesky<TOps, TVec>.FactorSolve(t, rhs, K, _bad);
        for (int l = 0; l < lanes; l++)
        {
            LaneCholesky<TOps, TVec>.Get(rhs, K, l, _x);
        }

        return _bad[0];
    }
}

/// <summary>
/// One complete implicit-model row solve with 50 neighbours (the mean row length of the 10M synthetic
/// set) against 50,000 fixed rows: exact (gather, Gram, Cholesky) and CG with 3 steps.
/// </summary>
public class RowSolveBenchmarks : IDisposable
{
    private const int Neighbours = 50;
    private const int FixedRows = 50_000;
    private FactorMatrix? _fixed;
    private HalfStepContext? _ctx;
    private RowWorkspace? _ws;
    private int[] _cols = [];
    private float[] _vals = [];
    private float[] _x0 = [];
    private float[] _x = [];

    [Params(32, 64, 128)]
    public int K { get; set; }

    [Params(AlsSolver.Cholesky, AlsSolver.ConjugateGradient)]
    public AlsSolver Solver { get; set; }

    [ParamsSource(nameof(Paths))]
    // A string parameter: KernelPath is internal to FastAls, and BenchmarkDotNet parameters are public properties.
    public string Path { get => _path.ToString(); set => _path = Enum.Parse<KernelPath>(value); }

    private KernelPath _path;

    public static IEnumerable<string> Paths => KernelIsa.Supported.Select(p => p.ToString());

    public static double Flops(BenchmarkCase c)
    {
        int k = RateColumn.Param(c, nameof(K));
        return (AlsSolver)c.Parameters[nameof(Solver)] == AlsSolver.Cholesky
            ? FlopCounts.ExactRow(AlsModelKind.Implicit, k, Neighbours)
            : FlopCounts.CgRow(AlsModelKind.Implicit, k, Neighbours, 3);
    }

    [GlobalSetup]
    public void Setup()
    {
        var options = new AlsOptions { Kind = AlsModelKind.Implicit, Factors = K, Solver = Solver, CgSteps = 3, Regularization = 0.05f };
        var layout = AlsLayout.For(options);
        var rng = new Random(7);
        _fixed = RandomFixed(FixedRows, K, rng);

        GramMatrix gram = GramMatrix.Compute(layout, KernelSet.For(_path), _fixed, null);
        _ctx = new HalfStepContext(options, KernelSet.For(_path), _fixed, null, gram, 0f, "user");
        _ws = new RowWorkspace(layout, Neighbours);
        (_cols, _vals) = RandomRow(Neighbours, FixedRows, rng);
        _x0 = KernelProbe.RandomBlock(layout.FactorStride, K, layout.FactorStride, 8);
        _x = new float[layout.FactorStride];
    }

    /// <summary>A fixed side of <paramref name="rows"/> x <paramref name="k"/> factors, uniform in [-0.1, 0.1).</summary>
    internal static FactorMatrix RandomFixed(int rows, int k, Random rng)
    {
        var f = new FactorMatrix(rows, k);
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = f.Row(r);
            for (int p = 0; p < k; p++)
            {
                row[p] = (float)((rng.NextDouble() - 0.5) * 0.2);
            }
        }

        return f;
    }

    /// <summary>A row of <paramref name="n"/> distinct neighbours among <paramref name="fixedRows"/>, sorted, with counts 1 to 5.</summary>
    internal static (int[] Cols, float[] Vals) RandomRow(int n, int fixedRows, Random rng)
    {
        var set = new SortedSet<int>();
        while (set.Count < n)
        {
            set.Add(rng.Next(fixedRows));
        }

        int[] cols = [.. set];
        return (cols, cols.Select(_ => (float)(1 + rng.Next(5))).ToArray());
    }

    [Benchmark]
    public bool SolveRow()
    {
        _x0.CopyTo(_x, 0);
        float bias = 0f;
        return RowSolver.Solve(_ctx!, _ws!, 0, _cols, _vals, _x, ref bias, out _, out _);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _fixed?.Dispose();
        _fixed = null;
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// One implicit-model exact row solve with few neighbours at large k (gather included, against 50,000 fixed rows): by its
/// k x k system's Cholesky factor (<c>Direct</c>, the baseline) and by the Woodbury identity with its check
/// (<see cref="LowRankSolve"/>, what training runs for rows of at most k / 3 neighbours), on the active kernel path.
/// The rate column counts the direct solve's flops for both, so it reads as the speed-up.
/// </summary>
public class LowRankSolveBenchmarks : IDisposable
{
    private const int FixedRows = 50_000;
    private FactorMatrix? _fixed;
    private HalfStepContext? _lowRank;
    private HalfStepContext? _direct;
    private RowWorkspace? _ws;
    private int[] _cols = [];
    private float[] _vals = [];
    private float[] _x = [];

    [Params(80, 128, 200)]
    public int K { get; set; }

    /// <summary>The row's neighbours; 0 stands for the most that go the low-rank way at this k (<see cref="LowRankSolve.MaxRows"/>).</summary>
    [Params(5, 20, 0)]
    public int Neighbours { get; set; }

    private int Count => Rows(K, Neighbours);

    public static double Flops(BenchmarkCase c)
    {
        int k = RateColumn.Param(c, nameof(K));
        return FlopCounts.ExactRow(AlsModelKind.Implicit, k, Rows(k, RateColumn.Param(c, nameof(Neighbours))));
    }

    /// <summary>The neighbours of a row: <paramref name="neighbours"/>, or for 0 the low-rank solve's limit at k (which needs no Gram matrix to tell).</summary>
    private static int Rows(int k, int neighbours)
    {
        var o = new AlsOptions { Kind = AlsModelKind.Explicit, Factors = k, Solver = AlsSolver.Cholesky };
        return neighbours > 0 ? neighbours : LowRankSolve.For(o, AlsLayout.For(o), null)?.MaxRows ?? 0;
    }

    [GlobalSetup]
    public void Setup()
    {
        var options = new AlsOptions { Kind = AlsModelKind.Implicit, Factors = K, Solver = AlsSolver.Cholesky, Regularization = 0.05f, Alpha = 40f };
        var layout = AlsLayout.For(options);
        var rng = new Random(7);
        _fixed = RowSolveBenchmarks.RandomFixed(FixedRows, K, rng);
        KernelSet kernels = KernelSet.Active;
        GramMatrix gram = GramMatrix.Compute(layout, kernels, _fixed, null);
        _lowRank = new HalfStepContext(options, kernels, _fixed, null, gram, 0f, "user");
        _direct = new HalfStepContext(options, kernels, _fixed, null, gram, 0f, "user") { LowRank = null };
        int n = Count;
        if (_lowRank.LowRank is not { } lr || n > lr.MaxRows)
        {
            throw new InvalidOperationException($"k = {K} with {n} neighbours is not a low-rank row.");
        }

        _ws = new RowWorkspace(layout, n);
        (_cols, _vals) = RowSolveBenchmarks.RandomRow(n, FixedRows, rng);
        _x = new float[layout.FactorStride];
    }

    [Benchmark(Baseline = true)]
    public bool Direct() => SolveWith(_direct!);

    [Benchmark]
    public bool LowRank() => SolveWith(_lowRank!);

    /// <summary>The row solved in the given context (the two differ only in whether the low-rank path is on).</summary>
    private bool SolveWith(HalfStepContext context)
    {
        float bias = 0f;
        return RowSolver.Solve(context, _ws!, 0, _cols, _vals, _x, ref bias, out _, out _);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _fixed?.Dispose();
        _fixed = null;
        GC.SuppressFinalize(this);
    }
}
