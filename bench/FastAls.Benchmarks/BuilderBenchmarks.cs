using BenchmarkDotNet.Attributes;
using FastAls.IO;

namespace FastAls.Benchmarks;

/// <summary>COO to CSR (both orientations) for 1M interactions already mapped to dense indices.</summary>
[MemoryDiagnoser]
public class BuilderBenchmarks
{
    private int[] _u = [];
    private int[] _i = [];
    private float[] _v = [];

    [Params(1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _u = new int[N];
        _i = new int[N];
        _v = new float[N];
        for (int k = 0; k < N; k++)
        {
            _u[k] = (int)(N / 50 * Math.Pow(rng.NextDouble(), 2));
            _i[k] = (int)(N / 200 * Math.Pow(rng.NextDouble(), 3));
            _v[k] = 1f;
        }
    }

    [Benchmark]
    public long BuildCsr()
    {
        using var b = new InteractionBuilder(FastAls.IdMap.Identity(N / 50), FastAls.IdMap.Identity(N / 200));
        for (int k = 0; k < _u.Length; k++)
        {
            b.AddIndices(_u[k], _i[k], _v[k]);
        }

        using Dataset ds = b.Build();
        return ds.Nnz;
    }
}
