using System.Globalization;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;

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
        int k = 64, items = 50_000, threads = Environment.ProcessorCount;
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
                default:
                    Console.Error.WriteLine($"unknown score option '{args[i]}' (score [--k K] [--items N] [--threads T] [--seconds S])");
                    return 2;
            }
        }

        KernelPath path = KernelIsa.Active;
        (double wall1, _) = KernelProbe.Score(path, k, 1, seconds);
        (double wallAll, _) = KernelProbe.Score(path, k, threads, seconds);
        double perUser = FlopCounts.Score(1, items, k);
        (double kernelUs, double recommendUs, double similarUs) = Single(k, items);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"path\": \"{path}\", \"k\": {k}, \"items\": {items}, \"threads\": {threads}, \"gflops_1\": {wall1 / 1e9:F2}, \"gflops_all\": {wallAll / 1e9:F2}, \"users_per_s_1\": {wall1 / perUser:F0}, \"users_per_s_all\": {wallAll / perUser:F0}, \"single_kernel_us\": {kernelUs:F1}, \"recommend_us\": {recommendUs:F1}, \"similar_items_us\": {similarUs:F1}}}"));
        return 0;
    }

    private static (double KernelUs, double RecommendUs, double SimilarUs) Single(int k, int items)
    {
        using var model = new AlsModel(new AlsOptions { Factors = k, Threads = 1 }, 1, items);
        float[] f = KernelProbe.RandomBlock(items * k, k, k, 5);
        model.SetItemFactors(f);
        float[] user = f.AsSpan(0, k).ToArray();
        var rng = new Random(9);
        int[] seen = [.. Enumerable.Range(0, 50).Select(_ => rng.Next(items))];
        using var itemCopy = new FactorMatrix(items, k); // the same rows, for the kernel alone
        for (int i = 0; i < items; i++)
        {
            f.AsSpan(i * k, k).CopyTo(itemCopy.Row(i));
        }

        int stride = itemCopy.Stride;
        var q = new float[stride];
        user.CopyTo(q, 0);
        var scores = new float[BatchRecommender.ItemBlock];
        var options = new RecommendOptions { FilterSeen = true };
        const int reps = 301;
        var t = new double[3][];
        for (int m = 0; m < 3; m++)
        {
            t[m] = new double[reps];
        }

        for (int r = -20; r < reps; r++)
        {
            for (int m = 0; m < 3; m++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                switch (m)
                {
                    case 0:
                        for (int i0 = 0; i0 < items; i0 += BatchRecommender.ItemBlock)
                        {
                            int ib = Math.Min(BatchRecommender.ItemBlock, items - i0);
                            ScoreKernel.Score(q, 1, Rows(itemCopy, i0, ib), ib, stride, scores, ib);
                        }

                        break;
                    case 1:
                        model.RecommendForFactors(user, 0f, 10, seen, options);
                        break;
                    default:
                        model.SimilarItems(rng.Next(items), 10);
                        break;
                }

                if (r >= 0)
                {
                    t[m][r] = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                }
            }
        }

        foreach (double[] a in t)
        {
            Array.Sort(a);
        }

        return (t[0][reps / 2], t[1][reps / 2], t[2][reps / 2]);
    }

    private static unsafe ReadOnlySpan<float> Rows(FactorMatrix m, int start, int count) =>
        new(m.Pointer + ((long)start * m.Stride), count * m.Stride);
}
