using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;
using FastAls.IO;
using FastAls.Synthetic;

namespace FastAls.Benchmarks.Kernels;

/// <summary>
/// The serving score kernels on one 64-user x 1024-item block: the per-pair kernel (single-user and
/// similarity calls) and the packed kernel the batch recommender uses (items packed factor-major once per batch).
/// </summary>
public class ScoreBenchmarks
{
    private const int Users = 64;
    private const int Items = 1024;
    private float[] _u = [];
    private float[] _i = [];
    private float[] _s = [];
    private PackedPanels? _packed;
    private int _w;

    [Params(32, 64, 128)]
    public int K { get; set; }

    [ParamsSource(nameof(Paths))]
    // A string parameter: KernelPath is internal to FastAls, and BenchmarkDotNet parameters are public properties.
    public string Path { get => _path.ToString(); set => _path = Enum.Parse<KernelPath>(value); }

    private KernelPath _path;

    public static IEnumerable<string> Paths => KernelIsa.Supported.Select(p => p.ToString());

    public static double Flops(BenchmarkCase c) => FlopCounts.Score(Users, Items, RateColumn.Param(c, nameof(K)));

    [GlobalSetup]
    public void Setup()
    {
        _w = (K + 15) / 16 * 16;
        _u = KernelProbe.RandomBlock(Users * _w, K, _w, 2);
        _i = KernelProbe.RandomBlock(Items * _w, K, _w, 3);
        _s = new float[Users * Items];
        using var m = new FactorMatrix(Items, K);
        for (int r = 0; r < Items; r++)
        {
            _i.AsSpan(r * _w, K).CopyTo(m.Row(r));
        }

        _packed = new PackedPanels(m);
    }

    [Benchmark]
    public void ScoreBlock() => KernelSet.For(_path).Score(_u, Users, _i, Items, _w, _s, Items);

    [Benchmark]
    public void ScorePackedBlock() => KernelSet.For(_path).ScorePacked(_u, Users, _packed!.Panels(0, Items), Items, _w, _s, Items);
}

/// <summary>
/// Batch score-and-top-10 of 256 users against 50,000 items with ~50 seen items per user filtered,
/// one thread, on the process's active path (FASTALS_FORCE_KERNEL picks it).
/// </summary>
public class RecommendBenchmarks : IDisposable
{
    private const int Users = 256;
    private const int Items = 50_000;
    private FactorMatrix? _users;
    private FactorMatrix? _items;
    private FactorScorer? _scorer;
    private CsrMatrix? _seen;
    private int[] _sample = [];
    private readonly RecommendOptions _options = new() { FilterSeen = true, Threads = 1 };

    [Params(32, 64, 128)]
    public int K { get; set; }

    public static double Flops(BenchmarkCase c) => FlopCounts.Score(Users, Items, RateColumn.Param(c, nameof(K)));

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(11);
        _users = Random(Users, K, rng);
        _items = Random(Items, K, rng);
        _scorer = new FactorScorer(_users, _items, packedTargets: new PackedPanels(_items));
        var offsets = new long[Users + 1];
        var cols = new List<int>();
        for (int u = 0; u < Users; u++)
        {
            var set = new SortedSet<int>();
            while (set.Count < 50)
            {
                set.Add(rng.Next(Items));
            }

            cols.AddRange(set);
            offsets[u + 1] = cols.Count;
        }

        _seen = CsrMatrix.FromArrays(Users, Items, offsets, [.. cols], Enumerable.Repeat(1f, cols.Count).ToArray());
        _sample = Enumerable.Range(0, Users).ToArray();
    }

    [Benchmark]
    public BatchRecommendations Top10SeenFiltered() => BatchRecommender.Recommend(_scorer!, _sample, 10, _seen, _options);

    [GlobalCleanup]
    public void Dispose()
    {
        _users?.Dispose();
        _items?.Dispose();
        _seen?.Dispose();
        _users = _items = null;
        _seen = null;
        GC.SuppressFinalize(this);
    }

    private static FactorMatrix Random(int rows, int k, Random rng)
    {
        var m = new FactorMatrix(rows, k);
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = m.Row(r);
            for (int p = 0; p < k; p++)
            {
                row[p] = (float)(rng.NextDouble() - 0.5);
            }
        }

        return m;
    }
}

/// <summary>CSR transpose of a 1,000,000-interaction power-law user-item matrix (20,000 x 5,000).</summary>
public class TransposeBenchmarks : IDisposable
{
    private const long Nnz = 1_000_000;
    private Dataset? _data;

    public static double Items(BenchmarkCase c) => Nnz;

    [GlobalSetup]
    public void Setup() =>
        _data = new SyntheticData(new SyntheticDataOptions { Users = 20_000, Items = 5_000, Interactions = Nnz, Seed = 3 }).ToDataset(1);

    [Benchmark]
    public int Transpose()
    {
        using CsrMatrix t = _data!.UserItems.Transpose();
        return t.Rows;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _data?.Dispose();
        _data = null;
        GC.SuppressFinalize(this);
    }
}

/// <summary>Loading a 1,000,000-interaction Parquet file (int64 ids, float values) into a Dataset (CSR both ways).</summary>
public class ParquetLoadBenchmarks
{
    private const long Nnz = 1_000_000;
    private string _path = "";

    public static double Items(BenchmarkCase c) => Nnz;

    [GlobalSetup]
    public void Setup()
    {
        _path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fastals-bench-load-{Environment.ProcessId}.parquet");
        using Dataset data = new SyntheticData(new SyntheticDataOptions { Users = 20_000, Items = 5_000, Interactions = Nnz, Seed = 4 }).ToDataset(1);
        InteractionParquetWriter.WriteAsync(data, _path).GetAwaiter().GetResult();
    }

    [Benchmark]
    public long Load()
    {
        using Dataset d = InteractionLoader.Load(_path);
        return d.Nnz;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (File.Exists(_path))
        {
            File.Delete(_path);
        }
    }
}
