using System.Globalization;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;

namespace FastAls.Benchmarks;

/// <summary>
/// The <c>score</c> mode: the kernel-only serving rate, <see cref="KernelProbe.Score"/> (the batch recommender's packed
/// 64-user x 1024-item product, no top-n, no filters) on the active path, as users/s for a catalogue of
/// <c>--items</c> items; bench/serving-abi.sh compares the batch call's users/s with it in the same run. Also the
/// single-query path in this process, medians of alternating calls: the kernel alone (<see cref="ScoreKernel"/>, one
/// user against the catalogue in the batch recommender's 1024-item blocks), a whole <see cref="AlsModel.RecommendForFactors"/>
/// (50 seen items filtered) and a whole <see cref="AlsModel.SimilarItems"/>, so the fixed cost of a call shows as the
/// difference. Prints one JSON object.
/// </summary>
internal static class ScoreCommand
{
    public static int Run(string[] args)
    {
        int k = 64, items = 50_000, threads = Environment.ProcessorCount, singleThreads = 1;
        bool callsOnly = false;
        double seconds = 0.5;
        for (int i = 0; i < args.Length; i++)
        {
            string v = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--k": k = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--items": items = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--threads": threads = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--seconds": seconds = double.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--single-threads": singleThreads = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--calls-only": callsOnly = true; break;
                default:
                    Console.Error.WriteLine($"unknown score option '{args[i]}' (score [--k K] [--items N] [--threads T] [--seconds S] [--single-threads T] [--calls-only])");
                    return 2;
            }
        }

        KernelPath path = KernelIsa.Active;
        (double wall1, _) = KernelProbe.Score(path, k, 1, seconds);
        (double wallAll, _) = KernelProbe.Score(path, k, threads, seconds);
        double perUser = FlopCounts.Score(1, items, k);
        double[] us = Single(k, items, singleThreads, callsOnly);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"path\": \"{path}\", \"k\": {k}, \"items\": {items}, \"threads\": {threads}, \"single_threads\": {singleThreads}, \"gflops_1\": {wall1 / 1e9:F2}, \"gflops_all\": {wallAll / 1e9:F2}, \"users_per_s_1\": {wall1 / perUser:F0}, \"users_per_s_all\": {wallAll / perUser:F0}, \"single_kernel_us\": {us[0]:F1}, \"recommend_us\": {us[1]:F1}, \"similar_items_us\": {us[2]:F1}, \"recommend_one_pass_us\": {us[3]:F1}, \"similar_items_one_pass_us\": {us[4]:F1}}}"));
        return 0;
    }

    // Medians, µs: the kernel alone, RecommendForFactors, SimilarItems (the model's calls: the bounded two-pass path on a
    // vector path where Int8Catalogue.Pays), then the same two calls on the one-pass path (the scorer
    // the model builds, with the bounded path turned off), each pair checked for the same items and score bits.
    private static double[] Single(int k, int items, int threads, bool callsOnly)
    {
        using var model = new AlsModel(new AlsOptions { Factors = k, Threads = 1 }, 1, items);
        float[] f = KernelProbe.RandomBlock(items * k, k, k, 5);
        model.SetItemFactors(f);
        float[] user = f.AsSpan(0, k).ToArray();
        var rng = new Random(9);
        int[] seen = [.. Enumerable.Range(0, 50).Select(_ => rng.Next(items))];
        int[] sortedSeen = BatchRecommender.SortedSeen(seen, items, nameof(seen));
        FactorMatrix itemMatrix = model.ItemMatrix; // every mode reads the model's rows: one catalogue in the caches, as in a server
        using var one = new FactorMatrix(1, k);
        user.CopyTo(one.Row(0));
        float[] inv = model.CachedInverseNorms(items: true);
        var recommendScorer = new FactorScorer(one, itemMatrix);
        var similarScorer = new FactorScorer(itemMatrix, itemMatrix, queryScale: inv, targetScale: inv);
        int stride = itemMatrix.Stride;
        var q = new float[stride];
        user.CopyTo(q, 0);
        var scores = new float[BatchRecommender.ItemBlock];
        var options = new RecommendOptions { FilterSeen = true, Threads = threads };
        const int reps = 301;
        const int modes = 5;
        var t = new double[modes][];
        for (int m = 0; m < modes; m++)
        {
            t[m] = new double[reps];
        }

        for (int r = -20; r < reps; r++)
        {
            int item = rng.Next(items);
            Recommendations? recommend = null, similar = null;
            for (int m = 0; m < modes; m++)
            {
                if (callsOnly && m != 1 && m != 2)
                {
                    continue; // only the model's calls: no other pass evicts their catalogue from the cache
                }

                var sink = new LastSink();
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                switch (m)
                {
                    case 0:
                        for (int i0 = 0; i0 < items; i0 += BatchRecommender.ItemBlock)
                        {
                            int ib = Math.Min(BatchRecommender.ItemBlock, items - i0);
                            ScoreKernel.Score(q, 1, Rows(itemMatrix, i0, ib), ib, stride, scores, ib);
                        }

                        break;
                    case 1:
                        recommend = model.RecommendForFactors(user, 0f, 10, seen, options);
                        break;
                    case 2:
                        similar = model.SimilarItems(item, 10, options);
                        break;
                    case 3:
                        BatchRecommender.Run(recommendScorer, [0], 10, null, options, excludeSelf: false, sink, oneQuerySeen: sortedSeen, bounded: false);
                        break;
                    default:
                        BatchRecommender.Run(similarScorer, [item], 10, null, options, excludeSelf: true, sink, bounded: false);
                        break;
                }

                if (r >= 0)
                {
                    t[m][r] = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                }

                if (m >= 3 && !callsOnly)
                {
                    Recommendations expect = m == 3 ? recommend! : similar!;
                    if (!sink.Items.AsSpan().SequenceEqual(expect.Indices) || !sink.Scores.AsSpan().SequenceEqual(expect.Scores))
                    {
                        throw new InvalidOperationException($"The two-pass and one-pass {(m == 3 ? "recommend" : "similar_items")} results differ.");
                    }
                }
            }
        }

        foreach (double[] a in t)
        {
            Array.Sort(a);
        }

        return [.. t.Select(a => a[reps / 2])];
    }

    /// <summary>The items and scores of the one query a call wrote.</summary>
    private sealed class LastSink : IRecommendationSink
    {
        public int[] Items { get; private set; } = [];

        public float[] Scores { get; private set; } = [];

        public void Write(in RecommendationBlock block)
        {
            Items = block.Items[..block.Counts[0]].ToArray();
            Scores = block.Scores[..block.Counts[0]].ToArray();
        }
    }

    private static unsafe ReadOnlySpan<float> Rows(FactorMatrix m, int start, int count) =>
        new(m.Pointer + ((long)start * m.Stride), count * m.Stride);
}
