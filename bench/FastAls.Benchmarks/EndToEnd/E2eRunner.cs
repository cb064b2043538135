using System.Diagnostics;
using System.Globalization;
using FastAls.Internals.Kernels;
using FastAls.IO;
using FastAls.Synthetic;

namespace FastAls.Benchmarks.EndToEnd;

/// <summary>One trained combination's figures.</summary>
internal sealed record ComboResult(
    string Dataset,
    AlsModelKind Model,
    AlsSolver Solver,
    int K,
    int Threads,
    double FirstIterationSeconds,
    IReadOnlyList<double> IterationSeconds,
    IReadOnlyList<double> IterationCpuSeconds,
    double Flops,
    double GatherSeconds,
    double GatherCpuSeconds,
    long AllocatedBytesPerIteration,
    long Rows,
    long CsrBytes,
    long FactorBytes,
    long PeakExtraBytes,
    bool PeakMeasured)
{
    public double MeanSeconds => IterationSeconds.Average();

    public double BestSeconds => IterationSeconds.Min();

    /// <summary>Process CPU seconds (all threads) per iteration.</summary>
    public double MeanCpuSeconds => IterationCpuSeconds.Average();

    /// <summary>
    /// CPU seconds per iteration divided by the thread count: the wall time the iteration would take
    /// with its threads on otherwise idle cores (what remains when other processes steal cores).
    /// </summary>
    public double CpuNormalizedSeconds => MeanCpuSeconds / Threads;

    /// <summary>The target bound <c>G + F / (0.5 P)</c>.</summary>
    public double Bound(double peak) => GatherSeconds + Flops / (0.5 * peak);

    /// <summary>The bound from the CPU-normalized probes: <c>G_cpu + F / (0.5 P_cpu)</c>.</summary>
    public double CpuBound(double cpuPeak) => GatherCpuSeconds + Flops / (0.5 * cpuPeak);

    /// <summary>Training memory (CSR both ways + what training added) over (CSR both ways + factors).</summary>
    public double MemoryRatio => (double)(CsrBytes + PeakExtraBytes) / (CsrBytes + FactorBytes);
}

/// <summary>Recommend throughput of one trained model.</summary>
internal sealed record RecommendResult(string Dataset, AlsModelKind Model, int K, int Users, int Items, int Threads, double Seconds)
{
    public double UsersPerSecond => Users / Seconds;

    /// <summary>Scoring flop/s of the whole batch call (scoring, seen filter and top-n all in the time).</summary>
    public double ScoreFlopRate => FlopCounts.Score(Users, Items, K) / Seconds;
}

/// <summary>The <c>e2e</c> mode: peak probe, kernel probes, training and recommend on synthetic and real data, markdown report.</summary>
internal static class E2eRunner
{
    public static int Run(IReadOnlyList<string> args)
    {
        E2eOptions o;
        try
        {
            o = E2eOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        Machine machine = Machine.Current();
        var report = new E2eReport(machine, o);
        Log($"machine: {machine.CpuModel} ({machine.CpuDetail}), {machine.LogicalCores} cores, {machine.Isa}, {machine.Runtime}");

        // 1. Peaks of every path (same run as everything below).
        foreach (KernelPath path in KernelIsa.Supported)
        {
            PeakResult p = PeakProbe.Measure(path, o.Threads);
            report.Peaks.Add(p);
            Log($"peak {path}: {p.SingleCore / 1e9:F1} GFLOP/s one core, {p.AllCores / 1e9:F1} GFLOP/s on {p.Cores} threads ({p.AllCoresNormalized / 1e9:F1} CPU-normalized)");
        }

        // 2. Kernel probes (Gram per k and path; score per k and path).
        int[] gramKs = o.Quick ? [64] : [32, 64, 128, 256];
        foreach (int k in gramKs)
        {
            foreach (KernelPath path in KernelIsa.Supported)
            {
                var one = KernelProbe.Gram(path, k, 1);
                var all = KernelProbe.Gram(path, k, o.Threads);
                report.Gram.Add((path, k, one.Wall, all.Wall, one.Cpu, all.Cpu));
                Log($"gram k={k} {path}: {one.Wall / 1e9:F1} GFLOP/s one thread, {all.Wall / 1e9:F1} on {o.Threads} (CPU-normalized {one.Cpu / 1e9:F1}, {all.Cpu / 1e9:F1})");
            }
        }

        foreach (int k in o.Factors)
        {
            foreach (KernelPath path in KernelIsa.Supported)
            {
                var one = KernelProbe.Score(path, k, 1);
                var all = KernelProbe.Score(path, k, o.Threads);
                report.Score.Add((path, k, one.Wall, all.Wall, one.Cpu, all.Cpu));
                Log($"score k={k} {path}: {one.Wall / 1e9:F1} GFLOP/s one thread, {all.Wall / 1e9:F1} on {o.Threads} (CPU-normalized {one.Cpu / 1e9:F1}, {all.Cpu / 1e9:F1})");
            }
        }

        // 3. Synthetic set.
        if (o.Synthetic)
        {
            var sw = Stopwatch.StartNew();
            var gen = new SyntheticData(new SyntheticDataOptions { Users = o.Users, Items = o.Items, Interactions = o.Interactions, Seed = 42 });
            using Dataset data = gen.ToDataset(o.Threads);
            string name = $"synthetic {o.Users:N0} x {o.Items:N0} x {data.Nnz:N0}";
            report.Datasets.Add((name, data.Users, data.Items, data.Nnz, $"FastAls.Synthetic generator (power-law popularity exponent {gen.Options.PopularityExponent}, activity exponent {gen.Options.ActivityExponent}, seed 42), built in {sw.Elapsed.TotalSeconds:F1} s"));
            Log($"{name}: generated in {sw.Elapsed.TotalSeconds:F1} s");
            RunCombos(report, o, name, data, Enumerable.Repeat(o.Combinations(), o.Rounds).SelectMany(c => c), recommend: true);
        }

        // 4. Shared real sets (skipped visibly when absent).
        if (o.RealSets)
        {
            string? shared = RepoPaths.SharedData();
            foreach ((string name, string rel, bool header) in new[] { ("ml-100k", "ml-100k/u.data", false), ("lastfm-2k", "lastfm-2k/user_artists.dat", true) })
            {
                string? path = shared is null ? null : Path.Combine(shared, rel);
                if (path is null || !File.Exists(path))
                {
                    report.Skipped.Add($"{name}: SKIPPED, {rel} not found (set FASTALS_SHARED_DATA or put shared/data beside the repo)");
                    Log(report.Skipped[^1]);
                    continue;
                }

                using Dataset data = InteractionLoader.LoadCsv(path, new InteractionLoadOptions { Separator = "\t", HasHeader = header });
                report.Datasets.Add((name, data.Users, data.Items, data.Nnz, rel));
                Log($"{name}: {data.Users:N0} x {data.Items:N0} x {data.Nnz:N0}");
                var combos = new List<(AlsModelKind, AlsSolver, int)>();
                // ml-100k holds 1-5 ratings (an implicit and a rating model); lastfm-2k holds play counts
                // up to 10^5, which are no ratings (the explicit models are ill-conditioned on them).
                AlsModelKind second = name == "ml-100k" ? AlsModelKind.BiasedExplicit : AlsModelKind.BiasedImplicit;
                foreach (AlsModelKind m in new[] { AlsModelKind.Implicit, second })
                {
                    foreach (int k in o.Factors)
                    {
                        foreach (AlsSolver s in o.Solvers)
                        {
                            combos.Add((m, s, k));
                        }
                    }
                }

                RunCombos(report, o with { Iterations = Math.Max(o.Iterations, 3) }, name, data, combos, recommend: true);
            }
        }

        string dir = RepoPaths.ResultsDir(machine);
        string file = o.OutputPath ?? Path.Combine(dir, o.Quick ? "e2e-quick.md" : "e2e.md");
        string text = report.ToMarkdown();
        WriteAtomic(file, text);
        WriteAtomic(Path.Combine(dir, "Versions.txt"), $"{machine.Runtime}\n{machine.Os}\nBenchmarkDotNet 0.15.8\nCPU: {machine.CpuModel} ({machine.CpuDetail}), {machine.LogicalCores} logical cores\nISA: {machine.Isa}\n");
        Console.WriteLine();
        Console.WriteLine(text);
        Log($"wrote {file}");
        return 0;
    }

    private static void RunCombos(E2eReport report, E2eOptions o, string name, Dataset data, IEnumerable<(AlsModelKind Model, AlsSolver Solver, int K)> combos, bool recommend)
    {
        long csrBytes = CsrBytes(data.UserItems) + CsrBytes(data.ItemUsers);
        // G is probed again before every combination and each k keeps the least of its probes: on a shared host a probe
        // that falls in a slow minute would raise the floor (and flatter every ratio) for all the models at that k. The
        // combinations' bounds are set from those least values once all have run (below).
        var gatherByK = new Dictionary<int, (double Wall, double Cpu, int Probes)>();
        int firstCombo = report.Combos.Count;
        var recommended = new HashSet<int>();
        foreach ((AlsModelKind model, AlsSolver solver, int k) in combos)
        {
            (double Wall, double Cpu) g;
            using (var uf = new FactorMatrix(data.Users, k))
            using (var itf = new FactorMatrix(data.Items, k))
            {
                Fill(uf);
                Fill(itf);
                g = GatherProbe.FullIteration(data, uf, itf, o.Threads);
                gatherByK[k] = gatherByK.TryGetValue(k, out var least)
                    ? (Math.Min(least.Wall, g.Wall), Math.Min(least.Cpu, g.Cpu), least.Probes + 1)
                    : (g.Wall, g.Cpu, 1);
                Log($"{name}: gather probe k={k}: G = {g.Wall * 1e3:F1} ms per iteration ({g.Cpu * 1e3:F1} ms CPU-normalized)");
            }

            var options = new AlsOptions
            {
                Kind = model,
                Factors = k,
                Solver = solver,
                CgSteps = 3,
                Iterations = 1,
                Threads = o.Threads,
                Regularization = 0.05f,
            };

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            long rssBefore = ProcessMemory.Rss();
            bool peakReset = ProcessMemory.ResetPeak();
            var sw = Stopwatch.StartNew();
            AlsModel trained;
            try
            {
                trained = AlsModel.Fit(data, options);
            }
            catch (ArithmeticException e)
            {
                report.Failures.Add($"{name} {model} {solver} k={k}: {e.Message}");
                Log(report.Failures[^1]);
                continue;
            }

            using AlsModel m = trained;
            double first = sw.Elapsed.TotalSeconds;
            // Untimed: lets the JIT's tiering settle (E2eOptions.Warmup). Observed by a progress reporter, whose marks at
            // the end of every iteration give the steady managed allocation per iteration (the per-run setup that
            // ContinueTraining makes once left out); the same code runs with and without one, less the loss pass.
            var warm = new IterationProbe();
            if (o.Warmup > 0)
            {
                m.ContinueTraining(data, o.Warmup, warm);
            }

            // Timed: every iteration is one ContinueTraining(data, 1) call that nothing observes, timed around the call,
            // as a fit without a progress reporter or early stopping runs: no loss pass (about a tenth of a CG
            // iteration at k = 32, outside F). Each call also makes its run's setup (the fixed side's Gram matrix,
            // the workspaces), so the figure is an upper bound of an iteration inside a longer run.
            var times = new List<double>(o.Iterations);
            var cpu = new List<double>(o.Iterations);
            long leastCall = long.MaxValue;
            for (int i = 0; i < o.Iterations; i++)
            {
                long a0 = GC.GetTotalAllocatedBytes(precise: true);
                TimeSpan c0 = Environment.CpuUsage.TotalTime;
                sw.Restart();
                m.ContinueTraining(data, 1);
                times.Add(sw.Elapsed.TotalSeconds);
                cpu.Add((Environment.CpuUsage.TotalTime - c0).TotalSeconds);
                leastCall = Math.Min(leastCall, GC.GetTotalAllocatedBytes(precise: true) - a0);
            }

            long allocated = warm.SteadyAllocation() ?? leastCall;
            long peak = peakReset ? ProcessMemory.PeakRss() : 0;
            long factorBytes = ((long)data.Users + data.Items) * m.UserFactors.Stride * sizeof(float)
                + (options.HasBiases ? ((long)data.Users + data.Items) * sizeof(float) : 0);
            var r = new ComboResult(name, model, solver, k, o.Threads, first, times, cpu,
                FlopCounts.FullIteration(model, solver, k, options.CgSteps, data.Users, data.Items, data.Nnz), g.Wall, g.Cpu,
                allocated, (long)data.Users + data.Items, csrBytes, factorBytes, Math.Max(0, peak - rssBefore), peakReset);
            report.Combos.Add(r);
            Log($"{name} {model} {solver} k={k}: first {first:F2} s, then {string.Join(", ", times.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))} s/iter ({r.MeanCpuSeconds:F2} CPU-s/iter); "
                + $"{r.Flops / r.MeanSeconds / 1e9:F1} GFLOP/s; allocated {allocated:N0} B/iter; memory ratio {r.MemoryRatio:F2}");

            if (recommend && model == AlsModelKind.Implicit && solver == AlsSolver.Cholesky && recommended.Add(k))
            {
                int users = Math.Min(o.RecommendUsers, data.Users);
                int[] sample = new int[users];
                for (int i = 0; i < users; i++)
                {
                    sample[i] = (int)((long)i * data.Users / users);
                }

                var ro = new RecommendOptions { FilterSeen = true, Threads = o.Threads };
                m.RecommendBatch(sample[..Math.Min(users, 256)], 10, data.UserItems, ro); // warm-up
                sw.Restart();
                BatchRecommendations recs = m.RecommendBatch(sample, 10, data.UserItems, ro);
                double t = sw.Elapsed.TotalSeconds;
                GC.KeepAlive(recs);
                var rr = new RecommendResult(name, model, k, users, data.Items, o.Threads, t);
                report.Recommend.Add(rr);
                Log($"{name} recommend k={k}: {rr.UsersPerSecond:N0} users/s (top-10, seen filtered, {users:N0} users)");
            }
        }

        PoolRounds(report, firstCombo);
        SetLeastGather(report, name, o.Threads, firstCombo, gatherByK);
    }

    /// <summary>
    /// Pools the results of a combination that ran more than once (<see cref="E2eOptions.Rounds"/>) from
    /// <paramref name="firstCombo"/> on into its first result: its timed iterations one round after another, the least
    /// first iteration, the most allocation per iteration and the highest peak. Each combination keeps the place of its
    /// first round.
    /// </summary>
    internal static void PoolRounds(E2eReport report, int firstCombo)
    {
        var pooled = new List<ComboResult>();
        for (int i = firstCombo; i < report.Combos.Count; i++)
        {
            ComboResult c = report.Combos[i];
            int at = pooled.FindIndex(p => p.Dataset == c.Dataset && p.Model == c.Model && p.Solver == c.Solver && p.K == c.K && p.Threads == c.Threads);
            if (at < 0)
            {
                pooled.Add(c);
                continue;
            }

            ComboResult p = pooled[at];
            pooled[at] = p with
            {
                FirstIterationSeconds = Math.Min(p.FirstIterationSeconds, c.FirstIterationSeconds),
                IterationSeconds = [.. p.IterationSeconds, .. c.IterationSeconds],
                IterationCpuSeconds = [.. p.IterationCpuSeconds, .. c.IterationCpuSeconds],
                AllocatedBytesPerIteration = Math.Max(p.AllocatedBytesPerIteration, c.AllocatedBytesPerIteration),
                PeakExtraBytes = Math.Max(p.PeakExtraBytes, c.PeakExtraBytes),
                PeakMeasured = p.PeakMeasured && c.PeakMeasured,
            };
        }

        report.Combos.RemoveRange(firstCombo, report.Combos.Count - firstCombo);
        report.Combos.AddRange(pooled);
    }

    /// <summary>
    /// Reports each k's least gather probe of data set <paramref name="name"/> and sets it as the floor G of that set's
    /// combinations from <paramref name="firstCombo"/> on (see RunCombos).
    /// </summary>
    internal static void SetLeastGather(E2eReport report, string name, int threads, int firstCombo, IReadOnlyDictionary<int, (double Wall, double Cpu, int Probes)> least)
    {
        foreach ((int k, (double wall, double cpu, int probes)) in least)
        {
            report.Gather.Add((name, k, threads, wall, cpu, probes));
        }

        for (int i = firstCombo; i < report.Combos.Count; i++)
        {
            ComboResult c = report.Combos[i];
            if (c.Dataset == name && least.TryGetValue(c.K, out var g))
            {
                report.Combos[i] = c with { GatherSeconds = g.Wall, GatherCpuSeconds = g.Cpu };
            }
        }
    }

    /// <summary>Writes every row, so the probe reads real pages rather than the shared zero page.</summary>
    private static void Fill(FactorMatrix f)
    {
        for (int r = 0; r < f.Rows; r++)
        {
            f.Row(r).Fill(1f / (1 + (r & 7)));
        }
    }

    /// <summary>Marks the end of every iteration (the item half-step report) with the allocated-bytes counter.</summary>
    private sealed class IterationProbe : IProgress<AlsProgress>
    {
        private readonly List<long> _marks = [];

        public void Report(AlsProgress value)
        {
            if (value.HalfStep == AlsHalfStep.Items)
            {
                _marks.Add(GC.GetTotalAllocatedBytes(precise: true));
            }
        }

        /// <summary>Most bytes allocated between two consecutive iteration ends (null with fewer than two iterations).</summary>
        public long? SteadyAllocation()
        {
            long? most = null;
            for (int i = 1; i < _marks.Count; i++)
            {
                long d = _marks[i] - _marks[i - 1];
                most = most is null ? d : Math.Max(most.Value, d);
            }

            return most;
        }
    }

    internal static long CsrBytes(CsrMatrix m) => (m.Rows + 1L) * sizeof(long) + m.Nnz * (sizeof(int) + sizeof(float));

    internal static void WriteAtomic(string path, string text)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = full + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(tmp, text);
        File.Move(tmp, full, overwrite: true);
    }

    private static void Log(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}
