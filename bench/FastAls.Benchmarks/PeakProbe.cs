using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks;

/// <summary>Attainable FMA throughput of one path on one core and on all cores.</summary>
/// <remarks>
/// <see cref="SingleCore"/> and <see cref="AllCores"/> are flops over wall time (best of three);
/// <see cref="AllCoresCpu"/> is flops over the process CPU time of that run times the thread count: the
/// all-core rate the threads reach while they run, which stays meaningful when other processes take
/// cores away (a shared machine) — compare it with the CPU-normalized iteration times.
/// </remarks>
internal readonly record struct PeakResult(KernelPath Path, double SingleCore, double AllCores, int Cores, double AllCoresCpu = 0, double SingleCoreCpu = 0)
{
    /// <summary>The CPU-normalized one-core rate, or the wall rate when it was not measured.</summary>
    public double SingleCoreNormalized => SingleCoreCpu > 0 ? Math.Max(SingleCoreCpu, SingleCore) : SingleCore;

    /// <summary>The CPU-normalized all-core rate, or the wall rate when it was not measured.</summary>
    public double AllCoresNormalized => AllCoresCpu > 0 ? Math.Max(AllCoresCpu, AllCores) : AllCores;
}

/// <summary>
/// The machine's attainable FMA throughput: independent FMA chains (more accumulators than the FMA
/// latency times the FMA ports, so the chains never wait on each other), on one thread and on one
/// thread per core at once. Reported in flop/s (one FMA lane = 2 flops).
/// </summary>
internal static class PeakProbe
{
    /// <summary>Chains per call of the 512-bit kernel: 16 accumulators x 16 lanes x 2 flops x 64 unrolled steps.</summary>
    private const int Steps = 64;

    public static PeakResult Measure(KernelPath path, int cores, double seconds = 0.3)
    {
        long iters = Calibrate(path, seconds);
        double one = 0, oneCpu = 0;
        for (int i = 0; i < 3; i++)
        {
            (double wall, double cpu) = Run(path, 1, iters);
            one = Math.Max(one, wall);
            oneCpu = Math.Max(oneCpu, cpu);
        }

        double all = 0, allCpu = 0;
        for (int i = 0; i < 3; i++)
        {
            (double wall, double cpu) = Run(path, cores, iters);
            all = Math.Max(all, wall);
            allCpu = Math.Max(allCpu, cpu);
        }

        return new PeakResult(path, one, all, cores, allCpu, oneCpu);
    }

    /// <summary>Flops of one call of the kernel for <paramref name="path"/> with <paramref name="iters"/> iterations.</summary>
    public static double FlopsPerCall(KernelPath path, long iters) => path switch
    {
        KernelPath.Vector512 => iters * Steps * 16.0 * 16 * 2,
        KernelPath.Vector256 => iters * Steps * 12.0 * 8 * 2,
        _ => iters * Steps * 8.0 * 2,
    };

    private static long Calibrate(KernelPath path, double seconds)
    {
        long iters = 1000;
        while (true)
        {
            var sw = Stopwatch.StartNew();
            Kernel(path, iters);
            double t = sw.Elapsed.TotalSeconds;
            if (t > 0.05)
            {
                return Math.Max(1, (long)(iters * seconds / t));
            }

            iters *= 4;
        }
    }

    private static (double Wall, double Cpu) Run(KernelPath path, int threads, long iters)
    {
        using var start = new Barrier(threads + 1);
        var done = new CountdownEvent(threads);
        float sink = 0;
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                float s = Kernel(path, iters);
                Interlocked.Exchange(ref sink, s);
                done.Signal();
            })
            { IsBackground = true };
            workers[t].Start();
        }

        TimeSpan cpu0 = Environment.CpuUsage.TotalTime;
        start.SignalAndWait();
        var sw = Stopwatch.StartNew();
        done.Wait();
        double seconds = sw.Elapsed.TotalSeconds;
        double cpuSeconds = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
        foreach (Thread w in workers)
        {
            w.Join();
        }

        done.Dispose();
        GC.KeepAlive(sink);
        double flops = FlopsPerCall(path, iters) * threads;
        return (flops / seconds, cpuSeconds > 0 ? flops / cpuSeconds * threads : 0);
    }

    private static float Kernel(KernelPath path, long iters) => path switch
    {
        KernelPath.Vector512 => Chains512(iters),
        KernelPath.Vector256 => Chains256(iters),
        _ => ChainsScalar(iters),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains512(long iters)
    {
        Vector512<float> m = Vector512.Create(0.9999999f), a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(0.1f), c1 = Vector512.Create(0.2f), c2 = Vector512.Create(0.3f), c3 = Vector512.Create(0.4f);
        Vector512<float> c4 = Vector512.Create(0.5f), c5 = Vector512.Create(0.6f), c6 = Vector512.Create(0.7f), c7 = Vector512.Create(0.8f);
        Vector512<float> c8 = Vector512.Create(0.9f), c9 = Vector512.Create(1.0f), c10 = Vector512.Create(1.1f), c11 = Vector512.Create(1.2f);
        Vector512<float> c12 = Vector512.Create(1.3f), c13 = Vector512.Create(1.4f), c14 = Vector512.Create(1.5f), c15 = Vector512.Create(1.6f);
        for (long i = 0; i < iters; i++)
        {
            for (int s = 0; s < Steps; s++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, a);
                c1 = Vector512.FusedMultiplyAdd(c1, m, a);
                c2 = Vector512.FusedMultiplyAdd(c2, m, a);
                c3 = Vector512.FusedMultiplyAdd(c3, m, a);
                c4 = Vector512.FusedMultiplyAdd(c4, m, a);
                c5 = Vector512.FusedMultiplyAdd(c5, m, a);
                c6 = Vector512.FusedMultiplyAdd(c6, m, a);
                c7 = Vector512.FusedMultiplyAdd(c7, m, a);
                c8 = Vector512.FusedMultiplyAdd(c8, m, a);
                c9 = Vector512.FusedMultiplyAdd(c9, m, a);
                c10 = Vector512.FusedMultiplyAdd(c10, m, a);
                c11 = Vector512.FusedMultiplyAdd(c11, m, a);
                c12 = Vector512.FusedMultiplyAdd(c12, m, a);
                c13 = Vector512.FusedMultiplyAdd(c13, m, a);
                c14 = Vector512.FusedMultiplyAdd(c14, m, a);
                c15 = Vector512.FusedMultiplyAdd(c15, m, a);
            }
        }

        Vector512<float> sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15));
        return Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains256(long iters)
    {
        Vector256<float> m = Vector256.Create(0.9999999f), a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(0.1f), c1 = Vector256.Create(0.2f), c2 = Vector256.Create(0.3f), c3 = Vector256.Create(0.4f);
        Vector256<float> c4 = Vector256.Create(0.5f), c5 = Vector256.Create(0.6f), c6 = Vector256.Create(0.7f), c7 = Vector256.Create(0.8f);
        Vector256<float> c8 = Vector256.Create(0.9f), c9 = Vector256.Create(1.0f), c10 = Vector256.Create(1.1f), c11 = Vector256.Create(1.2f);
        for (long i = 0; i < iters; i++)
        {
            for (int s = 0; s < Steps; s++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, m, a);
                c1 = Vector256.FusedMultiplyAdd(c1, m, a);
                c2 = Vector256.FusedMultiplyAdd(c2, m, a);
                c3 = Vector256.FusedMultiplyAdd(c3, m, a);
                c4 = Vector256.FusedMultiplyAdd(c4, m, a);
                c5 = Vector256.FusedMultiplyAdd(c5, m, a);
                c6 = Vector256.FusedMultiplyAdd(c6, m, a);
                c7 = Vector256.FusedMultiplyAdd(c7, m, a);
                c8 = Vector256.FusedMultiplyAdd(c8, m, a);
                c9 = Vector256.FusedMultiplyAdd(c9, m, a);
                c10 = Vector256.FusedMultiplyAdd(c10, m, a);
                c11 = Vector256.FusedMultiplyAdd(c11, m, a);
            }
        }

        Vector256<float> sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector256.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float ChainsScalar(long iters)
    {
        float m = 0.9999999f, a = 1e-7f;
        float c0 = 0.1f, c1 = 0.2f, c2 = 0.3f, c3 = 0.4f, c4 = 0.5f, c5 = 0.6f, c6 = 0.7f, c7 = 0.8f;
        for (long i = 0; i < iters; i++)
        {
            for (int s = 0; s < Steps; s++)
            {
                c0 = MathF.FusedMultiplyAdd(c0, m, a);
                c1 = MathF.FusedMultiplyAdd(c1, m, a);
                c2 = MathF.FusedMultiplyAdd(c2, m, a);
                c3 = MathF.FusedMultiplyAdd(c3, m, a);
                c4 = MathF.FusedMultiplyAdd(c4, m, a);
                c5 = MathF.FusedMultiplyAdd(c5, m, a);
                c6 = MathF.FusedMultiplyAdd(c6, m, a);
                c7 = MathF.FusedMultiplyAdd(c7, m, a);
            }
        }

        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7;
    }
}

/// <summary>
/// The memory floor of a CG half-step: the time to read every stored neighbour's factor row once
/// (gathered through the CSR column indices, as the solvers do), for both half-steps of an iteration,
/// with the same dynamic chunking over the same number of threads as the solver.
/// </summary>
internal static unsafe class GatherProbe
{
    /// <summary>Seconds to gather every neighbour row once for a user and an item half-step (best of <paramref name="reps"/>).</summary>
    public static (double Wall, double CpuNormalized) FullIteration(Dataset data, FactorMatrix userFactors, FactorMatrix itemFactors, int threads, int reps = 3)
    {
        double best = double.MaxValue, bestCpu = double.MaxValue;
        for (int i = 0; i < reps; i++)
        {
            TimeSpan cpu0 = Environment.CpuUsage.TotalTime;
            var sw = Stopwatch.StartNew();
            HalfStep(data.UserItems, itemFactors, threads);
            HalfStep(data.ItemUsers, userFactors, threads);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            bestCpu = Math.Min(bestCpu, (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds / threads);
        }

        return (best, Math.Min(best, bestCpu));
    }

    private static float HalfStep(CsrMatrix rows, FactorMatrix fixedSide, int threads)
    {
        const int chunkRows = 16;
        int chunks = (rows.Rows + chunkRows - 1) / chunkRows;
        int next = -1;
        var sums = new float[Math.Max(1, threads)];
        Parallel.For(0, Math.Max(1, threads), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, worker =>
        {
            float* f = fixedSide.Pointer;
            int stride = fixedSide.Stride;
            Vector256<float> acc = Vector256<float>.Zero;
            while (true)
            {
                int c = Interlocked.Increment(ref next);
                if (c >= chunks)
                {
                    break;
                }

                int end = Math.Min(rows.Rows, (c + 1) * chunkRows);
                for (int r = c * chunkRows; r < end; r++)
                {
                    ReadOnlySpan<int> cols = rows.RowIndices(r);
                    Vector256<float> rowAcc = Vector256<float>.Zero;
                    foreach (int col in cols)
                    {
                        float* src = f + (long)col * stride;
                        for (int p = 0; p < stride; p += 8)
                        {
                            rowAcc += Vector256.Load(src + p);
                        }
                    }

                    acc += rowAcc;
                }
            }

            sums[worker] = Vector256.Sum(acc);
        });

        float total = 0;
        foreach (float s in sums)
        {
            total += s;
        }

        return total;
    }
}
