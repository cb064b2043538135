using System.Diagnostics;
using System.Globalization;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;
using FastAls.IO;

namespace FastAls.Benchmarks;

/// <summary>
/// The <c>recommend-all</c> mode: top-n for every user of a synthetic model (random factors, no training; the
/// 10M set's shape by default: 200,000 users x 50,000 items x k = 64, 50 seen items a user filtered), three ways in
/// one process, alternating over <c>--rounds</c>:
/// <list type="bullet">
/// <item>kernel-only: <see cref="KernelProbe.Score"/> (the packed score product alone) as users/s;</item>
/// <item>in memory: <see cref="AlsModel.RecommendAll"/> into a sink that drops the rows (scoring, filters, top-n);</item>
/// <item>Parquet: the same into a <see cref="ParquetRecommendationWriter"/> (encoding on its background writer), the
/// file completed (flushed and renamed) inside the timing.</item>
/// </list>
/// Prints a markdown table: users/s (best round) and the share of the kernel-only rate.
/// </summary>
internal static class RecommendAllCommand
{
    public static int Run(string[] args)
    {
        int users = 200_000, items = 50_000, k = 64, n = 10, perUser = 50, rounds = 2, threads = Environment.ProcessorCount;
        string dir = Path.GetTempPath();
        for (int i = 0; i < args.Length; i++)
        {
            string v = i + 1 < args.Length ? args[i + 1] : "";
            int Int() => int.Parse(v, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--users": users = Int(); i++; break;
                case "--items": items = Int(); i++; break;
                case "--k": k = Int(); i++; break;
                case "--n": n = Int(); i++; break;
                case "--per-user": perUser = Int(); i++; break;
                case "--rounds": rounds = Int(); i++; break;
                case "--threads": threads = Int(); i++; break;
                case "--dir": dir = v; i++; break;
                default:
                    Console.Error.WriteLine($"unknown recommend-all option '{args[i]}' (recommend-all [--users N] [--items N] [--k K] [--n N] [--per-user N] [--rounds R] [--threads T] [--dir DIR])");
                    return 2;
            }
        }

        Machine machine = Machine.Current();
        Console.WriteLine($"{machine.CpuModel} ({machine.CpuDetail}), {machine.LogicalCores} logical cores, {machine.Isa}, {machine.Runtime}, path {KernelIsa.Active}");
        using var model = new AlsModel(new AlsOptions { Factors = k, Threads = threads }, users, items);
        var rng = new Random(7);
        float scale = 1f / MathF.Sqrt(k);
        var f = new float[(long)Math.Max(users, items) * k];
        Fill(f.AsSpan(0, users * k), rng, scale);
        model.SetUserFactors(f.AsSpan(0, users * k));
        Fill(f.AsSpan(0, items * k), rng, scale);
        model.SetItemFactors(f.AsSpan(0, items * k));
        f = [];
        using CsrMatrix seen = SeenItems(rng, users, items, perUser);
        var ro = new RecommendOptions { FilterSeen = true, Threads = threads };
        model.RecommendBatch(BatchRecommender.AllRows(Math.Min(users, 512)), n, seen, ro); // warm-up (and the panels' build)

        double kernel = 0, memory = 0, parquet = 0;
        string path = Path.Combine(dir, $"fastals-recommend-all-{Environment.ProcessId}.parquet");
        try
        {
            for (int r = 0; r < rounds; r++)
            {
                kernel = Math.Max(kernel, KernelProbe.Score(KernelIsa.Active, k, threads, 0.5).Wall / FlopCounts.Score(1, items, k));
                var sw = Stopwatch.StartNew();
                model.RecommendAll(n, new DropSink(), seen, ro);
                memory = Math.Max(memory, users / sw.Elapsed.TotalSeconds);
                sw.Restart();
                using (ParquetRecommendationWriter w = ParquetRecommendationWriter.Create(path, model.UserIds, model.ItemIds))
                {
                    model.RecommendAll(n, w, seen, ro);
                    w.Complete();
                }

                parquet = Math.Max(parquet, users / sw.Elapsed.TotalSeconds);
                Console.Error.WriteLine($"round {r + 1}: kernel-only {kernel:F0}, in memory {memory:F0}, Parquet {parquet:F0} users/s (best so far)");
            }

            long bytes = new FileInfo(path).Length;
            Console.WriteLine();
            Console.WriteLine($"{users:N0} users x {items:N0} items x k = {k}, top {n}, {perUser} seen items a user filtered, {threads} threads, best of {rounds} rounds; Parquet file {bytes / 1048576.0:F1} MiB");
            Console.WriteLine();
            Console.WriteLine("| recommend-all | users/s | of kernel-only |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| kernel-only (packed score product, no top-n) | {kernel:N0} | 100% |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| in memory (rows dropped) | {memory:N0} | {memory / kernel:P0} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| streamed to Parquet | {parquet:N0} | {parquet / kernel:P0} |"));
        }
        finally
        {
            File.Delete(path);
        }

        return 0;
    }

    private static void Fill(Span<float> a, Random rng, float scale)
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)((rng.NextDouble() + rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 2.0) * 1.7320508 * scale);
        }
    }

    private static CsrMatrix SeenItems(Random rng, int users, int items, int perUser)
    {
        var offsets = new long[users + 1];
        var idx = new List<int>(users * perUser);
        var row = new SortedSet<int>();
        for (int u = 0; u < users; u++)
        {
            row.Clear();
            while (row.Count < Math.Min(perUser, items))
            {
                row.Add(rng.Next(items));
            }

            idx.AddRange(row);
            offsets[u + 1] = idx.Count;
        }

        var values = new float[idx.Count];
        Array.Fill(values, 1f);
        return CsrMatrix.FromArrays(users, items, offsets, [.. idx], values);
    }

    private sealed class DropSink : IRecommendationSink
    {
        public void Write(in RecommendationBlock block)
        {
        }
    }
}
