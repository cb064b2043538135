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
    /// <summary>Useful flop/s of <see cref="Syrk.SyrkUpper"/> on <paramref name="threads"/> threads at once (sum over threads).</summary>
    public static double Gram(KernelPath path, int k, int threads, double seconds = 0.25)
    {
        const int n = 256;
        int w = (k + 15) / 16 * 16;
        double flopsPerCall = FlopCounts.Syrk(n, k);
        return Rate(threads, seconds, flopsPerCall, () =>
        {
            var a = RandomBlock(n * w, k, w, 1);
            var g = new float[w * w];
            return () =>
            {
                Syrk.SyrkUpper(path, a, n, w, g);
            };
        });
    }

    /// <summary>Flop/s of <see cref="ScoreKernel.Score(KernelPath, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, int, Span{float}, int)"/> on a 64 x 1024 block.</summary>
    public static double Score(KernelPath path, int k, int threads, double seconds = 0.25)
    {
        const int users = 64, items = 1024;
        int w = (k + 15) / 16 * 16;
        double flopsPerCall = FlopCounts.Score(users, items, k);
        return Rate(threads, seconds, flopsPerCall, () =>
        {
            var u = RandomBlock(users * w, k, w, 2);
            var it = RandomBlock(items * w, k, w, 3);
            var s = new float[users * items];
            return () => ScoreKernel.Score(path, u, users, it, items, w, s, items);
        });
    }

    /// <summary>Flop/s of the proposed panel score kernel (<see cref="Kernels.ScorePanelProposal"/>) on the same block, against a pre-transposed item panel (the transpose is paid once per batch).</summary>
    public static double ScorePanel(int k, int threads, double seconds = 0.25)
    {
        const int users = 64, items = 1024;
        int w = (k + 15) / 16 * 16;
        return Rate(threads, seconds, FlopCounts.Score(users, items, k), () =>
        {
            var u = RandomBlock(users * w, k, w, 2);
            var it = RandomBlock(items * w, k, w, 3);
            var s = new float[users * items];
            var panel = new float[k * Kernels.ScorePanelProposal.PanelWidth(items)];
            Kernels.ScorePanelProposal.Transpose(it, items, w, k, panel);
            return () => Kernels.ScorePanelProposal.Score512(u, users, panel, items, it, w, k, s, items);
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

    private static double Rate(int threads, double seconds, double flopsPerCall, Func<Action> setup)
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

        double best = 0;
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

            barrier.SignalAndWait();
            var timer = Stopwatch.StartNew();
            foreach (Thread w in workers)
            {
                w.Join();
            }

            best = Math.Max(best, flopsPerCall * calls * threads / timer.Elapsed.TotalSeconds);
        }

        return best;
    }
}
