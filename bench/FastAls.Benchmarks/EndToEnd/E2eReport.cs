using System.Globalization;
using System.Text;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks.EndToEnd;

/// <summary>Collects the figures of one e2e run and renders them as the markdown the README quotes.</summary>
internal sealed class E2eReport(Machine machine, E2eOptions options)
{
    public List<PeakResult> Peaks { get; } = [];

    public List<(KernelPath Path, int K, double OneThread, double AllThreads, double OneThreadCpu, double AllThreadsCpu)> Gram { get; } = [];

    public List<(KernelPath Path, int K, double OneThread, double AllThreads, double OneThreadCpu, double AllThreadsCpu)> Score { get; } = [];

    public List<(string Name, int Users, int Items, long Nnz, string Source)> Datasets { get; } = [];

    public List<(string Dataset, int K, int Threads, double Seconds, double CpuSeconds, int Probes)> Gather { get; } = [];

    public List<ComboResult> Combos { get; } = [];

    public List<RecommendResult> Recommend { get; } = [];

    public List<string> Skipped { get; } = [];

    public List<string> Failures { get; } = [];

    public DateTime Started { get; } = DateTime.UtcNow;

    /// <summary>P: the all-core FMA peak of the active kernel path (flop/s).</summary>
    public double P => PeakOf(KernelIsa.Active).AllCores;

    /// <summary>P from CPU time (flops per CPU-second x threads): robust to cores taken by other processes.</summary>
    public double PCpu => PeakOf(KernelIsa.Active).AllCoresNormalized;

    /// <summary>True when the wall-time all-core peak is under 80% of the CPU-normalized one (cores were taken by other processes).</summary>
    public bool Contended => P < 0.8 * PCpu;

    public PeakResult PeakOf(KernelPath path) => Peaks.FirstOrDefault(p => p.Path == path);

    private static string G(double flops) => (flops / 1e9).ToString("F1", CultureInfo.InvariantCulture);

    private static string F(double v, string fmt = "F2") => v.ToString(fmt, CultureInfo.InvariantCulture);

    private static string Pct(double v) => (100 * v).ToString("F0", CultureInfo.InvariantCulture) + "%";

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# FastAls end-to-end benchmark");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Run {Started:yyyy-MM-dd HH:mm} UTC, `e2e{(options.Quick ? " --quick" : "")}`, {options.Threads} threads, kernel path {KernelIsa.Active}. Absolute numbers are from a shared, noisy machine; ratios to the peak and gather probes (measured in the same run) are the figures to compare.");
        sb.AppendLine();
        sb.AppendLine("| Machine | |");
        sb.AppendLine("|---|---|");
        sb.Append(machine.Markdown());
        sb.AppendLine();

        sb.AppendLine("## Peak probe (independent FMA chains)");
        sb.AppendLine();
        sb.AppendLine("| Path | 1 core GFLOP/s (wall) | all cores GFLOP/s (wall) | 1 core (CPU-normalized) | all cores (CPU-normalized) | threads |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (PeakResult p in Peaks)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {p.Path} | {G(p.SingleCore)} | {G(p.AllCores)} | {G(p.SingleCoreNormalized)} | {G(p.AllCoresNormalized)} | {p.Cores} |");
        }

        PeakResult p512 = PeakOf(KernelPath.Vector512), p256 = PeakOf(KernelPath.Vector256);
        if (p512.SingleCore > 0 && p256.SingleCore > 0)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"Vector512 / Vector256 FMA throughput on one core: {F(p512.SingleCore / p256.SingleCore)}x (2.0 = full-width 512-bit FMA units; 1.0 = 512-bit ops split into two 256-bit halves).");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"P (all-core peak of the active path) = {G(P)} GFLOP/s by wall time, P_cpu = {G(PCpu)} GFLOP/s by CPU time (flops per CPU-second x threads; the two differ when other processes hold cores).");
        if (Contended)
        {
            sb.AppendLine();
            sb.AppendLine("**Other processes held cores during the peak probe** (the wall-time all-core peak is below 80% of the CPU-normalized one): the wall-time ratios of this run understate P; read the CPU-normalized columns.");
        }

        sb.AppendLine();

        sb.AppendLine("## Kernel probes (same run)");
        sb.AppendLine();
        sb.AppendLine("Gram accumulation (SYRK of a 256-row block, the exact solver's inner kernel; useful flops n·k(k+1)) and batch scoring (the packed kernel the batch recommender uses: 64 users x 1024 items packed factor-major, 2·k flops per pair).");
        sb.AppendLine();
        sb.AppendLine("Wall columns divide by the wall-time peaks, CPU-normalized columns by the CPU-normalized peaks (same path).");
        sb.AppendLine();
        sb.AppendLine("| Kernel | k | Path | 1 thread GFLOP/s | % of 1-core peak | all threads GFLOP/s | % of P(path) | CPU-norm. all threads GFLOP/s | % of P_cpu(path) |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach ((string kernel, var list) in new[] { ("Gram", Gram), ("Score (packed)", Score) })
        {
            foreach ((KernelPath path, int k, double one, double all, double _, double allCpu) in list)
            {
                PeakResult pk = PeakOf(path);
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {kernel} | {k} | {path} | {G(one)} | {Pct(one / pk.SingleCore)} | {G(all)} | {Pct(all / pk.AllCores)} | {G(allCpu)} | {Pct(allCpu / pk.AllCoresNormalized)} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("## Data sets");
        sb.AppendLine();
        sb.AppendLine("| Data set | users | items | nnz | source |");
        sb.AppendLine("|---|---:|---:|---:|---|");
        foreach (var d in Datasets)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {d.Name} | {d.Users:N0} | {d.Items:N0} | {d.Nnz:N0} | {d.Source} |");
        }

        foreach (string s in Skipped)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"- {s}");
        }

        sb.AppendLine();
        sb.AppendLine("## Gather probe (memory floor: every neighbour's factor row read once per half-step)");
        sb.AppendLine();
        sb.AppendLine("Probed (best of 3) before every training combination at that k; G is the least of those probes over the run, the floor every combination at that k is measured against.");
        sb.AppendLine();
        sb.AppendLine("| Data set | k | threads | G (s per iteration, wall) | G_cpu (CPU-s / threads) | probes |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var g in Gather)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {g.Dataset} | {g.K} | {g.Threads} | {F(g.Seconds, "F3")} | {F(g.CpuSeconds, "F3")} | {g.Probes} |");
        }

        sb.AppendLine();
        sb.AppendLine("## Training: seconds per full iteration");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"One untimed iteration (`Fit`, includes initialization and JIT) and {options.Warmup} untimed `ContinueTraining` iterations observed by a progress reporter (the JIT's tiering settles), then {options.Iterations} timed iterations (at least 3 on the small real sets), each one `ContinueTraining(data, 1)` call that nothing observes, timed around the call: no loss pass, as in a fit without a progress reporter or early stopping, but the run's setup (the fixed side's Gram matrix, the workspaces) in every call{(options.Rounds > 1 ? $"; the synthetic set's combinations ran {options.Rounds} rounds one after another, and each combination's timed iterations of every round are pooled (mean and best over all of them)" : "")}; alloc B/iter is the managed allocation between two iteration ends of the observed warm-up (steady state, excluding per-run setup); regularization 0.05, CG 3 steps, all models on the same data (the explicit models read the values as ratings). Bound = G + F / (0.5 P); a ratio at or below 1.00 meets the target. G and P are each the best of their repeats, so `best ÷ bound` (the fastest timed iteration) compares like with like on a shared host whose other tenants slow some iterations; `s/iter ÷ bound` takes the mean. CPU-s/iter is the process CPU time per iteration; CPU-norm = CPU-s / threads, compared with G_cpu + F / (0.5 P_cpu).");
        sb.AppendLine();
        sb.AppendLine("| Data set | Model | Solver | k | s/iter (mean) | best | CPU-s/iter | F (GFLOP) | GFLOP/s | % of P | G (s) | bound (s) | s/iter ÷ bound | best ÷ bound | CPU-norm ÷ CPU bound | alloc B/iter |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (ComboResult c in Combos)
        {
            double rate = c.Flops / c.MeanSeconds;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Dataset} | {c.Model} | {SolverName(c.Solver)} | {c.K} | {F(c.MeanSeconds, "F3")} | {F(c.BestSeconds, "F3")} | {F(c.MeanCpuSeconds, "F3")} | {G(c.Flops)} | {G(rate)} | {Pct(rate / P)} | {F(c.GatherSeconds, "F3")} | {F(c.Bound(P), "F3")} | {F(c.MeanSeconds / c.Bound(P))} | {F(c.BestSeconds / c.Bound(P))} | {F(c.CpuNormalizedSeconds / c.CpuBound(PCpu))} | {c.AllocatedBytesPerIteration:N0} |");
        }

        foreach (string f in Failures)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"- FAILED: {f}");
        }

        sb.AppendLine();
        sb.AppendLine("Flop count of one full iteration (d = unknowns per row: k, or k+1 with a bias; e = k, or k+2 with biases; s = CG steps; U, I = users, items):");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- exact (Cholesky): `{FlopCounts.Formula(AlsSolver.Cholesky)}`");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- CG: `{FlopCounts.Formula(AlsSolver.ConjugateGradient)}`");
        sb.AppendLine();

        sb.AppendLine("## Peak memory of training");
        sb.AppendLine();
        sb.AppendLine("Peak RSS during Fit + timed iterations minus RSS before it (what training added), plus the CSR in both orientations; target ratio ≤ 1.5 x (CSR both ways + factors).");
        sb.AppendLine();
        sb.AppendLine("| Data set | Model | Solver | k | CSR both ways MB | factors MB | added by training MB | ratio |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (ComboResult c in Combos.Where(c => c.PeakMeasured))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Dataset} | {c.Model} | {SolverName(c.Solver)} | {c.K} | {F(c.CsrBytes / 1e6, "F1")} | {F(c.FactorBytes / 1e6, "F1")} | {F(c.PeakExtraBytes / 1e6, "F1")} | {F(c.MemoryRatio)} |");
        }

        if (!Combos.Any(c => c.PeakMeasured))
        {
            sb.AppendLine("| (peak RSS could not be reset on this OS: not measured) | | | | | | | |");
        }

        sb.AppendLine();
        sb.AppendLine("## Recommend throughput (batch, top-10, seen items filtered)");
        sb.AppendLine();
        sb.AppendLine("| Data set | k | users | items | threads | users/s | scoring GFLOP/s (whole call) | % of P |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (RecommendResult r in Recommend)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Dataset} | {r.K} | {r.Users:N0} | {r.Items:N0} | {r.Threads} | {r.UsersPerSecond:N0} | {G(r.ScoreFlopRate)} | {Pct(r.ScoreFlopRate / P)} |");
        }

        sb.AppendLine();
        AppendTargets(sb);
        return sb.ToString();
    }

    private static string SolverName(AlsSolver s) => s == AlsSolver.Cholesky ? "exact" : "CG(3)";

    private void AppendTargets(StringBuilder sb)
    {
        const int k = 64;
        sb.AppendLine(CultureInfo.InvariantCulture, $"## Targets (k = {k}, implicit, {options.Threads} threads, the synthetic set; P = {G(P)} GFLOP/s)");
        sb.AppendLine();
        sb.AppendLine("| Target | measured | met |");
        sb.AppendLine("|---|---|---|");
        KernelPath path = KernelIsa.Active;
        var gram = Gram.FirstOrDefault(g => g.Path == path && g.K == k);
        if (gram.K == k)
        {
            double ratio = gram.AllThreads / P, cpuRatio = gram.AllThreadsCpu / PCpu;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| Exact solver Gram kernel ≥ 50% of P | {G(gram.AllThreads)} GFLOP/s = {Pct(ratio)} of P (1 thread: {Pct(gram.OneThread / PeakOf(path).SingleCore)} of the 1-core peak); CPU-normalized {G(gram.AllThreadsCpu)} GFLOP/s = {Pct(cpuRatio)} of P_cpu | wall {Met(ratio >= 0.5)}, CPU-normalized {Met(cpuRatio >= 0.5)} |");
        }

        string synthetic = Datasets.Count > 0 && Datasets[0].Name.StartsWith("synthetic", StringComparison.Ordinal) ? Datasets[0].Name : "";
        foreach (AlsSolver s in new[] { AlsSolver.Cholesky, AlsSolver.ConjugateGradient })
        {
            ComboResult? c = Combos.FirstOrDefault(c => c.Dataset == synthetic && c.Model == AlsModelKind.Implicit && c.Solver == s && c.K == k);
            if (c is not null)
            {
                double ratio = c.MeanSeconds / c.Bound(P);
                double cpuRatio = c.CpuNormalizedSeconds / c.CpuBound(PCpu);
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {SolverName(s)} full iteration ≤ G + F/(0.5 P) | {F(c.MeanSeconds, "F3")} s vs bound {F(c.Bound(P), "F3")} s (G {F(c.GatherSeconds, "F3")} s, F {G(c.Flops)} GFLOP): {F(ratio)}x the bound; CPU-normalized {F(c.CpuNormalizedSeconds, "F3")} s vs {F(c.CpuBound(PCpu), "F3")} s: {F(cpuRatio)}x | wall {Met(ratio <= 1)}, CPU-normalized {Met(cpuRatio <= 1)} |");
            }
        }

        var score = Score.FirstOrDefault(g => g.Path == path && g.K == k);
        if (score.K == k)
        {
            double ratio = score.AllThreads / P, cpuRatio = score.AllThreadsCpu / PCpu;
            RecommendResult? rec = Recommend.FirstOrDefault(r => r.Dataset == synthetic && r.K == k);
            string whole = rec is null ? "" : $"; whole batch call incl. packing, seen filter and top-n: {Pct(rec.ScoreFlopRate / P)} of P";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| Batch recommend scoring ≥ 60% of P | packed score kernel {G(score.AllThreads)} GFLOP/s = {Pct(ratio)} of P; CPU-normalized {G(score.AllThreadsCpu)} GFLOP/s = {Pct(cpuRatio)} of P_cpu{whole} | wall {Met(ratio >= 0.6)}, CPU-normalized {Met(cpuRatio >= 0.6)} |");
        }

        var implicitSynthetic = Combos.Where(c => c.Dataset == synthetic).ToList();
        if (implicitSynthetic.Count > 0)
        {
            ComboResult worst = implicitSynthetic.MaxBy(c => c.AllocatedBytesPerIteration)!;
            double perRow = (double)worst.AllocatedBytesPerIteration / worst.Rows;
            sb.AppendLine(CultureInfo.InvariantCulture, $"| No per-row managed allocation in training | at most {worst.AllocatedBytesPerIteration:N0} B per iteration over {worst.Rows:N0} rows ({F(perRow, "F3")} B/row; {worst.Model} {SolverName(worst.Solver)} k={worst.K}) | {Met(perRow < 1)} |");
            ComboResult? mem = implicitSynthetic.FirstOrDefault(c => c.Model == AlsModelKind.Implicit && c.K == k && c.PeakMeasured);
            if (mem is not null)
            {
                ComboResult maxMem = implicitSynthetic.Where(c => c.PeakMeasured).MaxBy(c => c.MemoryRatio)!;
                sb.AppendLine(CultureInfo.InvariantCulture, $"| Peak training memory ≤ 1.5 x (CSR both ways + factors) | {F(mem.MemoryRatio)}x for implicit {SolverName(mem.Solver)} k={k} (worst of the run: {F(maxMem.MemoryRatio)}x, {maxMem.Model} {SolverName(maxMem.Solver)} k={maxMem.K}) | {Met(mem.MemoryRatio <= 1.5)} |");
            }
        }
    }

    private static string Met(bool ok) => ok ? "yes" : "**no**";
}
