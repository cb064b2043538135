using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace FastAls.Benchmarks.Kernels;

/// <summary>
/// The <c>kernels</c> mode: BenchmarkDotNet micro-benchmarks of every kernel on every ISA path the
/// machine runs, with GFLOP/s (or M items/s) beside the time. Default is a Short job run in-process
/// (minutes, not hours); <c>--full</c> uses the Medium job; <c>--disasm</c> adds the disassembly
/// diagnoser (the Analysis config). The GitHub-markdown reports are copied to
/// <c>bench/results/&lt;cpu&gt;/kernels/</c>.
/// </summary>
internal static class KernelBenchmarks
{
    public static readonly Type[] Types =
    [
        typeof(GramBenchmarks),
        typeof(CholeskyBenchmarks),
        typeof(LaneCholeskyBenchmarks),
        typeof(RowSolveBenchmarks),
        typeof(LowRankSolveBenchmarks),
        typeof(CgPartsBenchmarks),
        typeof(NeighbourPassBenchmarks),
        typeof(ScoreBenchmarks),
        typeof(RecommendBenchmarks),
        typeof(TransposeBenchmarks),
        typeof(ParquetLoadBenchmarks),
    ];

    public static int Run(string[] args)
    {
        bool full = args.Contains("--full");
        bool disasm = args.Contains("--disasm");
        var rest = args.Where(a => a is not "--full" and not "--disasm").ToList();
        if (!rest.Contains("--filter"))
        {
            rest.AddRange(["--filter", "*"]);
        }

        Machine machine = Machine.Current();
        string artifacts = Path.Combine(Path.GetTempPath(), "fastals-bdn-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Job job = (full ? Job.MediumRun : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance).WithId(full ? "Medium" : "Short");
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(new RateColumn("GFLOP/s", "Flops", 1e9), new RateColumn("M items/s", "Items", 1e6))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);
        if (disasm)
        {
            config = config.AddDiagnoser(new DisassemblyDiagnoser(new DisassemblyDiagnoserConfig(maxDepth: 2, exportGithubMarkdown: true)));
        }

        Summary[] summaries = BenchmarkSwitcher.FromTypes(Types).Run([.. rest], config).ToArray();
        string outDir = Path.Combine(RepoPaths.ResultsDir(machine), "kernels");
        Directory.CreateDirectory(outDir);
        foreach (string f in Directory.Exists(Path.Combine(artifacts, "results")) ? Directory.GetFiles(Path.Combine(artifacts, "results"), "*.md") : [])
        {
            string text = $"Machine: {machine.CpuModel} ({machine.CpuDetail}), {machine.LogicalCores} logical cores, {machine.Isa}; {machine.Runtime}. "
                + $"Job {(full ? "Medium" : "Short")}, in-process. Shared noisy machine: compare paths within one table.\n\n" + File.ReadAllText(f);
            string name = Path.GetFileName(f).Replace("FastAls.Benchmarks.Kernels.", "", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(outDir, name), text);
            Console.WriteLine($"wrote {Path.Combine(outDir, name)}");
        }

        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}

/// <summary>
/// A rate column: work per operation (a public static method <c>double Flops(BenchmarkCase)</c> or
/// <c>Items(BenchmarkCase)</c> on the benchmark type) divided by the mean time.
/// </summary>
internal sealed class RateColumn(string name, string method, double scale) : IColumn
{
    public string Id => "Rate." + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{name}: work per operation / mean time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        MethodInfo? m = benchmarkCase.Descriptor.Type.GetMethod(method, BindingFlags.Public | BindingFlags.Static, [typeof(BenchmarkCase)]);
        if (m is null)
        {
            return "-";
        }

        double work = (double)m.Invoke(null, [benchmarkCase])!;
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is null or <= 0 || work <= 0 ? "-" : (work / (mean.Value * 1e-9) / scale).ToString("F2", CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    /// <summary>An int parameter of the case by name.</summary>
    internal static int Param(BenchmarkCase c, string name) => Convert.ToInt32(c.Parameters[name], CultureInfo.InvariantCulture);
}
