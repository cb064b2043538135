using System.Diagnostics;
using System.Globalization;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Serving;

namespace FastAls.Benchmarks;

/// <summary>
/// The <c>split</c> mode: one similar-items query (cosine, the query excluded, top 10) on one thread against the same
/// query split across <c>--threads</c> threads (<see cref="RecommendOptions.Threads"/> &gt; 1), for catalogues of
/// several sizes, with the small-catalogue rule off, so the size below which a split does not pay
/// (<c>BatchRecommender.SplitMinItems</c>) can be read off. The two calls alternate in one process, each on a random
/// query; medians of <c>--reps</c> calls. One JSON object per size.
/// </summary>
internal static class SplitCommand
{
    public static int Run(string[] args)
    {
        int k = 64, threads = 2, reps = 301;
        int[] sizes = [2_048, 4_096, 8_192, 12_288, 16_384, 24_576, 32_768, 50_000];
        for (int i = 0; i < args.Length; i++)
        {
            string v = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--k": k = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--threads": threads = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--reps": reps = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--items": sizes = [.. v.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; i++; break;
                default:
                    Console.Error.WriteLine($"unknown split option '{args[i]}' (split [--k K] [--items N,N,...] [--threads T] [--reps R])");
                    return 2;
            }
        }

        // Warm-up for a second: the tiered JIT's final code for both paths before the first size (a 200-call warm-up
        // left the first sizes on early code; DOTNET_TieredCompilation=0 gives the same figures from the start).
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1)
        {
            Measure(k, threads, 4_096, 50);
        }

        foreach (int items in sizes)
        {
            (double single, double split) = Measure(k, threads, items, reps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"items\": {items}, \"k\": {k}, \"threads\": {threads}, \"one_thread_us\": {single:F1}, \"split_us\": {split:F1}, \"one_over_split\": {single / split:F2}}}"));
        }

        return 0;
    }

    /// <summary>Medians (µs) of <paramref name="reps"/> alternating one-thread and split calls.</summary>
    private static (double Single, double Split) Measure(int k, int threads, int items, int reps)
    {
        using var model = new AlsModel(new AlsOptions { Factors = k, Threads = 1 }, 1, items);
        model.SetItemFactors(KernelProbe.RandomBlock(items * k, k, k, 5));
        float[] inv = model.CachedInverseNorms(items: true);
        var scorer = new FactorScorer(model.ItemMatrix, model.ItemMatrix, queryScale: inv, targetScale: inv);
        var one = new RecommendOptions { FilterSeen = false, Threads = 1 };
        RecommendOptions many = one with { Threads = threads };
        var sink = new NullSink();
        var rng = new Random(11);
        int[] query = [0];
        var t = new double[2][];
        t[0] = new double[reps];
        t[1] = new double[reps];
        for (int r = -20; r < reps; r++)
        {
            for (int m = 0; m < 2; m++)
            {
                query[0] = rng.Next(items);
                long t0 = Stopwatch.GetTimestamp();
                BatchRecommender.Run(scorer, query, 10, null, m == 0 ? one : many, excludeSelf: true, sink, splitMinItems: 0);
                if (r >= 0)
                {
                    t[m][r] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                }
            }
        }

        Array.Sort(t[0]);
        Array.Sort(t[1]);
        return (t[0][reps / 2], t[1][reps / 2]);
    }

    private sealed class NullSink : IRecommendationSink
    {
        public void Write(in RecommendationBlock block)
        {
        }
    }
}
