using System.Diagnostics;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks.EndToEnd;

/// <summary>
/// In-process rates of the two kernels the targets name, measured in the same run as the peak probe so
/// that their ratio to P is not skewed by load that changes between runs: the exact solver's Gram
/// accumulation (SYRK over a 256-row block, as the row solver feeds it) and the serving score kernel
/// (a 64-user x 1024-item block, as the batch recommender feeds it).
/// </summary>
internal static class KernelProbe
{
    /// <summary>Useful flop/s of <see cref="Syrk.SyrkUpper"/> on <paramref name="threads"/> threads at once (sum over threads), by wall time and CPU-normalized.</summary>
    public static (double Wall, double Cpu) Gram(KernelPath path, int k, int threads, double seconds = 0.25)
    {
        const int n = 256;
        int w = (k + 15) / 16 * 16;
        double flopsPerCall = FlopCounts.Syrk(n, k);
        return Rate(threads, seconds, flopsPerCall, () =>
        {
            var a = RandomBlock(n * w, k, w, 1);
            var g = new float[w * w];
            KernelSet kernels = KernelSet.For(path);
            return () =>
            {
                kernels.SyrkUpper(a, n, w, g);
            };
        });
    }

    /// <summary>
    /// Flop/s of the batch recommender's scoring product: <see cref="ScorePacked.Score"/> of a 64-user
    /// block against 1024 items packed factor-major (<see cref="PackedPanels"/>, built once per batch).
    /// </summary>
    public static (double Wall, double Cpu) Score(KernelPath path, int k, int threads, double seconds = 0.25)
    {
        const int users = 64, items = 1024;
        int w = (k + 15) / 16 * 16;
        double flopsPerCall = FlopCounts.Score(users, items, k);
        return Rate(threads, seconds, flopsPerCall, () =>
        {
            var u = RandomBlock(users * w, k, w, 2);
            using var m = new FactorMatrix(items, k);
            float[] src = RandomBlock(items * w, k, w, 3);
            for (int r = 0; r < items; r++)
            {
                src.AsSpan(r * w, k).CopyTo(m.Row(r));
            }

            var packed = new PackedPanels(m);
            var s = new float[users * items];
            KernelSet kernels = KernelSet.For(path);
            return () => kernels.ScorePacked(u, users, packed.Panels(0, items), items, w, s, items);
        });
    }

    internal static float[] RandomBlock(int length, int k, int w, int seed)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < length; i++)
        {
            a[i] = i % w < k ? (float)(rng.NextDouble() - 0.5) : 0f;
        }

        return a;
    }

    private static (double Wall, double Cpu) Rate(int threads, double seconds, double flopsPerCall, Func<Action> setup)
    {
        // Calibrate on one thread, then run the same call count on every thread at once.
        Action one = setup();
        long calls = 1;
        while (true)
        {
            var sw = Stopwatch.StartNew();
            for (long i = 0; i < calls; i++)
            {
                one();
            }

            if (sw.Elapsed.TotalSeconds > 0.03)
            {
                calls = Math.Max(1, (long)(calls * seconds / sw.Elapsed.TotalSeconds));
                break;
            }

            calls *= 4;
        }

        double best = 0, bestCpu = 0;
        for (int rep = 0; rep < 3; rep++)
        {
            var actions = new Action[threads];
            for (int t = 0; t < threads; t++)
            {
                actions[t] = setup();
            }

            using var barrier = new Barrier(threads + 1);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                Action act = actions[t];
                workers[t] = new Thread(() =>
                {
                    barrier.SignalAndWait();
                    for (long i = 0; i < calls; i++)
                    {
                        act();
                    }
                })
                { IsBackground = true };
                workers[t].Start();
            }

            TimeSpan cpu0 = Environment.CpuUsage.TotalTime;
            barrier.SignalAndWait();
            var timer = Stopwatch.StartNew();
            foreach (Thread w in workers)
            {
                w.Join();
            }

            double flops = flopsPerCall * calls * threads;
            double cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
            best = Math.Max(best, flops / timer.Elapsed.TotalSeconds);
            bestCpu = Math.Max(bestCpu, cpu > 0 ? flops / cpu * threads : 0);
        }

        return (best, Math.Max(best, bestCpu));
    }
}
