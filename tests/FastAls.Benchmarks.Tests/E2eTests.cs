using FastAls.Benchmarks;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks.Tests;

/// <summary>Options, results table and file writing of the e2e mode (no timing).</summary>
public class E2eTests
{
    [Fact]
    public void Default_run_is_implicit_at_every_k_and_the_others_at_64()
    {
        E2eOptions o = E2eOptions.Parse([]);
        var combos = o.Combinations().ToList();
        Assert.Equal(200_000, o.Users);
        Assert.Equal(10_000_000, o.Interactions);
        Assert.Equal(3 * 2 + 3 * 2, combos.Count);
        Assert.Contains((AlsModelKind.Implicit, AlsSolver.ConjugateGradient, 128), combos);
        Assert.Contains((AlsModelKind.BiasedExplicit, AlsSolver.Cholesky, 64), combos);
        Assert.DoesNotContain((AlsModelKind.BiasedExplicit, AlsSolver.Cholesky, 32), combos);
    }

    [Fact]
    public void All_runs_every_model_at_every_k_and_quick_shrinks_the_set()
    {
        Assert.Equal(4 * 3 * 2, E2eOptions.Parse(["--all"]).Combinations().Count());
        E2eOptions q = E2eOptions.Parse(["--quick"]);
        Assert.True(q.Interactions < 10_000_000);
        Assert.Equal([(AlsModelKind.Implicit, AlsSolver.Cholesky, 64), (AlsModelKind.Implicit, AlsSolver.ConjugateGradient, 64)], q.Combinations());
        Assert.Equal(2, E2eOptions.Parse(["--models", "explicit", "--k", "8", "--solvers", "cg,cholesky"]).Combinations().Count());
    }

    [Fact]
    public void Bad_options_name_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => E2eOptions.Parse(["--frobnicate"]));
        Assert.Contains("--frobnicate", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => E2eOptions.Parse(["--k"]));
        Assert.Throws<ArgumentException>(() => E2eOptions.Parse(["--models", "nope"]));
        Assert.Throws<ArgumentException>(() => E2eOptions.Parse(["--iterations", "0"]));
        Assert.Throws<ArgumentException>(() => E2eOptions.Parse(["--warmup", "-1"]));
    }

    [Fact]
    public void Warmup_iterations_default_to_two_and_may_be_none()
    {
        Assert.Equal(2, E2eOptions.Parse([]).Warmup);
        Assert.Equal(0, E2eOptions.Parse(["--warmup", "0"]).Warmup);
        Assert.Equal(5, E2eOptions.Parse(["--quick", "--warmup", "5"]).Warmup);
    }

    [Fact]
    public void Each_k_is_measured_against_the_least_of_its_gather_probes()
    {
        var machine = new Machine("Test CPU", "family 1 model 2", 2, "AVX2", ".NET", "Linux", KernelIsa.Active);
        var report = new E2eReport(machine, E2eOptions.Parse(["--no-real"]));
        // A combination of another set, and two of this one probed at 0.9 s and 0.6 s; the least of k = 64 is 0.5 s.
        report.Combos.Add(new ComboResult("other", AlsModelKind.Implicit, AlsSolver.Cholesky, 64, 2, 3.0, [2.0], [4.0], 100e9, 0.9, 0.9, 100, 20, 1000, 500, 200, true));
        report.Combos.Add(new ComboResult("set", AlsModelKind.Implicit, AlsSolver.Cholesky, 64, 2, 3.0, [2.0], [4.0], 100e9, 0.9, 0.8, 100, 20, 1000, 500, 200, true));
        report.Combos.Add(new ComboResult("set", AlsModelKind.Explicit, AlsSolver.ConjugateGradient, 32, 2, 3.0, [2.0], [4.0], 100e9, 0.6, 0.6, 100, 20, 1000, 500, 200, true));
        var least = new Dictionary<int, (double Wall, double Cpu, int Probes)> { [64] = (0.5, 0.4, 3), [32] = (0.6, 0.55, 1) };
        E2eRunner.SetLeastGather(report, "set", 2, 1, least);
        Assert.Equal(0.9, report.Combos[0].GatherSeconds);
        Assert.Equal((0.5, 0.4), (report.Combos[1].GatherSeconds, report.Combos[1].GatherCpuSeconds));
        Assert.Equal((0.6, 0.55), (report.Combos[2].GatherSeconds, report.Combos[2].GatherCpuSeconds));
        Assert.Contains(("set", 64, 2, 0.5, 0.4, 3), report.Gather);
        Assert.Contains("| set | 64 | 2 | 0.500 | 0.400 | 3 |", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void Rounds_pool_each_combination_in_the_place_of_its_first()
    {
        Assert.Equal(1, E2eOptions.Parse([]).Rounds);
        Assert.Equal(3, E2eOptions.Parse(["--rounds", "3"]).Rounds);
        Assert.Throws<ArgumentException>(() => E2eOptions.Parse(["--rounds", "0"]));
        var machine = new Machine("Test CPU", "family 1 model 2", 2, "AVX2", ".NET", "Linux", KernelIsa.Active);
        var report = new E2eReport(machine, E2eOptions.Parse(["--no-real", "--rounds", "2"]));
        ComboResult Result(string set, AlsSolver solver, double first, double[] times, long alloc, long peak) =>
            new(set, AlsModelKind.Implicit, solver, 32, 2, first, times, [.. times.Select(t => 2 * t)], 1e9, 0.1, 0.1, alloc, 20, 1000, 500, peak, true);

        // A result before the pooled ones stays as it is, although its key repeats.
        report.Combos.Add(Result("set", AlsSolver.Cholesky, 9.0, [9.0], 1, 1));
        report.Combos.Add(Result("set", AlsSolver.Cholesky, 3.0, [2.0, 2.4], 100, 200));
        report.Combos.Add(Result("set", AlsSolver.ConjugateGradient, 2.0, [1.5, 1.4], 100, 300));
        report.Combos.Add(Result("set", AlsSolver.Cholesky, 2.5, [1.8, 2.2], 120, 150));
        report.Combos.Add(Result("set", AlsSolver.ConjugateGradient, 2.2, [1.2, 1.6], 90, 350));
        E2eRunner.PoolRounds(report, 1);

        Assert.Equal(3, report.Combos.Count);
        Assert.Equal([9.0], report.Combos[0].IterationSeconds);
        ComboResult exact = report.Combos[1], cg = report.Combos[2];
        Assert.Equal((AlsSolver.Cholesky, AlsSolver.ConjugateGradient), (exact.Solver, cg.Solver));
        Assert.Equal([2.0, 2.4, 1.8, 2.2], exact.IterationSeconds);
        Assert.Equal([4.0, 4.8, 3.6, 4.4], exact.IterationCpuSeconds);
        Assert.Equal((2.5, 120L, 200L), (exact.FirstIterationSeconds, exact.AllocatedBytesPerIteration, exact.PeakExtraBytes));
        Assert.Equal(1.2, cg.BestSeconds);
        Assert.Equal(1.425, cg.MeanSeconds, 12);
        Assert.Equal((2.0, 350L), (cg.FirstIterationSeconds, cg.PeakExtraBytes));
        Assert.Contains("ran 2 rounds one after another", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_rates_each_target_against_the_measured_peak()
    {
        var machine = new Machine("Test CPU", "family 1 model 2", 2, "AVX2", ".NET", "Linux", KernelIsa.Active);
        var report = new E2eReport(machine, E2eOptions.Parse(["--no-real"]));
        // P = 100 GFLOP/s on every path.
        foreach (KernelPath path in KernelIsa.Supported)
        {
            report.Peaks.Add(new PeakResult(path, 50e9, 100e9, 2));
            report.Gram.Add((path, 64, 30e9, 55e9, 30e9, 55e9));
            report.Score.Add((path, 64, 20e9, 40e9, 20e9, 40e9));
        }

        report.Datasets.Add(("synthetic 10 x 10 x 10", 10, 10, 10, "test"));
        // F = 100 GFLOP, G = 0.5 s: bound = 0.5 + 100e9 / 50e9 = 2.5 s.
        report.Combos.Add(new ComboResult("synthetic 10 x 10 x 10", AlsModelKind.Implicit, AlsSolver.Cholesky, 64, 2, 3.0, [2.0, 2.4], [4.0, 4.8], 100e9, 0.5, 0.5, 100, 20, 1000, 500, 200, true));
        report.Combos.Add(new ComboResult("synthetic 10 x 10 x 10", AlsModelKind.Implicit, AlsSolver.ConjugateGradient, 64, 2, 3.0, [3.0], [4.0], 100e9, 0.5, 0.5, 100, 20, 1000, 500, 600, true));
        string md = report.ToMarkdown();
        Assert.Contains("| Exact solver Gram kernel ≥ 50% of P | 55.0 GFLOP/s = 55% of P", md, StringComparison.Ordinal);
        Assert.Contains("| exact full iteration ≤ G + F/(0.5 P) | 2.200 s vs bound 2.500 s", md, StringComparison.Ordinal);
        // CPU-normalized: 4.4 CPU-s / 2 threads = 2.2 s against the same bound (P_cpu = P here).
        Assert.Contains("0.88x the bound; CPU-normalized 2.200 s vs 2.500 s: 0.88x | wall yes, CPU-normalized yes |", md, StringComparison.Ordinal);
        Assert.Contains("| CG(3) full iteration ≤ G + F/(0.5 P) | 3.000 s vs bound 2.500 s", md, StringComparison.Ordinal);
        // CPU-normalized: 4.0 / 2 = 2.0 s, under the bound although the wall time is over it.
        Assert.Contains("1.20x the bound; CPU-normalized 2.000 s vs 2.500 s: 0.80x | wall **no**, CPU-normalized yes |", md, StringComparison.Ordinal);
        Assert.Contains("= 40% of P", md, StringComparison.Ordinal);
        // The training table: mean 2.2 s and best 2.0 s against the 2.5 s bound.
        Assert.Contains("| 2.500 | 0.88 | 0.80 |", md, StringComparison.Ordinal);
        // Memory: (1000 + 200) / (1000 + 500) = 0.8.
        Assert.Contains("| Peak training memory ≤ 1.5 x (CSR both ways + factors) | 0.80x", md, StringComparison.Ordinal);
        Assert.Contains("Test CPU", md, StringComparison.Ordinal);
        Assert.Contains("F = 2·nnz·(d(d+1)", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Other processes held cores", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_flags_a_peak_probe_that_lost_cores_to_other_processes()
    {
        var machine = new Machine("Test CPU", "", 2, "", "", "", KernelIsa.Active);
        var report = new E2eReport(machine, E2eOptions.Parse(["--no-real"]));
        foreach (KernelPath path in KernelIsa.Supported)
        {
            // Wall time saw one core's worth; CPU time says both threads ran at full rate while they ran.
            report.Peaks.Add(new PeakResult(path, 50e9, 50e9, 2, AllCoresCpu: 100e9, SingleCoreCpu: 50e9));
        }

        Assert.True(report.Contended);
        Assert.Equal(100e9, report.PCpu);
        Assert.Contains("Other processes held cores during the peak probe", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteAtomic_replaces_the_file_and_leaves_no_temporary()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fastals-bench-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            string file = Path.Combine(dir, "sub", "e2e.md");
            E2eRunner.WriteAtomic(file, "one");
            E2eRunner.WriteAtomic(file, "two");
            Assert.Equal("two", File.ReadAllText(file));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(file)!));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void Results_folder_name_is_the_sanitized_cpu_model_and_core_count()
    {
        var m = new Machine("AMD EPYC 9B14 96-Core Processor", "", 2, "", "", "", KernelPath.Scalar);
        Assert.Equal("AMD-EPYC-9B14-96-Core-Processor-2c", m.FolderName);

        // A model name with a number is specific enough: the family and model are not added.
        Assert.Equal("AMD-EPYC-9B14-96-Core-Processor-2c", (m with { CpuDetail = "family 25 model 17" }).FolderName);
    }

    [Fact]
    public void Results_folder_name_of_a_cpu_model_without_a_number_has_the_family_and_model()
    {
        Assert.Equal("AMD-EPYC-family-26-model-2-2c", new Machine("AMD EPYC", "family 26 model 2", 2, "", "", "", KernelPath.Scalar).FolderName);
        Assert.Equal("AMD-EPYC-2c", new Machine("AMD EPYC", "", 2, "", "", "", KernelPath.Scalar).FolderName);
    }

    [Fact]
    public void Peak_probe_flop_count_per_call_follows_the_chain_layout()
    {
        // 64 unrolled steps x accumulators x lanes x 2 flops.
        Assert.Equal(64.0 * 16 * 16 * 2, PeakProbe.FlopsPerCall(KernelPath.Vector512, 1));
        Assert.Equal(64.0 * 12 * 8 * 2 * 3, PeakProbe.FlopsPerCall(KernelPath.Vector256, 3));
        Assert.Equal(64.0 * 8 * 2, PeakProbe.FlopsPerCall(KernelPath.Scalar, 1));
    }
}

