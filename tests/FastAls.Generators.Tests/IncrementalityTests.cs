using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FastAls.Generators.Tests;

/// <summary>
/// The pipeline stays incremental: an edit that touches no export leaves every tracked step cached or unchanged, and an
/// edit of one export regenerates that export's own output (and the collected header/Python file) only.
/// </summary>
public class IncrementalityTests
{
    private const string Exports = """
        using FastAls.Interop;
        namespace Inc;
        internal static class Api
        {
            /// <summary>Doubles.</summary>
            [FastAlsExport("fastals_double")]
            internal static int Double(int x) => 2 * x;
        }
        """;

    [Fact]
    public void Unrelated_edit_leaves_steps_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Exports, "namespace Inc; internal static class Other { internal static int F() => 1; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source1.cs");
        SyntaxTree edited = CSharpSyntaxTree.ParseText("namespace Inc; internal static class Other { internal static int F() => 2; internal static int G() => 3; }", GeneratorHarness.ParseOptions, path: "Source1.cs");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));

        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        AssertReasons(run, ExportGenerator.StepNames.BuildModel);
        AssertReasons(run, ExportGenerator.StepNames.EntryPoints);
        AssertReasons(run, ExportGenerator.StepNames.PerExport);
        AssertReasons(run, ExportGenerator.StepNames.Collect);
    }

    private const string Second = """
        using FastAls.Interop;
        namespace Inc;
        internal static class More
        {
            /// <summary>Triples.</summary>
            [FastAlsExport("fastals_triple")]
            internal static int Triple(int x) => 3 * x;
        }
        """;

    [Fact]
    public void Editing_one_export_signature_regenerates_only_that_export_and_the_interface()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Exports, Second);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        string tripleBefore = Generated(driver, "FastAlsExports.fastals_triple.g.cs");
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
        SyntaxTree edited = CSharpSyntaxTree.ParseText(Exports.Replace("int Double(int x)", "int Double(long x)", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();

        // The per-export step yields one modified value (fastals_double) and leaves fastals_triple's unchanged, so only
        // fastals_double's source output runs again; the entry points did not change.
        IncrementalStepRunReason[] perExport = run.TrackedSteps[ExportGenerator.StepNames.PerExport].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Equal(2, perExport.Length);
        Assert.Single(perExport, r => r == IncrementalStepRunReason.Modified);
        Assert.Single(perExport, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        AssertReasons(run, ExportGenerator.StepNames.EntryPoints);
        Assert.Contains(run.TrackedSteps[ExportGenerator.StepNames.Collect].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("long x", Generated(driver, "FastAlsExports.fastals_double.g.cs"), StringComparison.Ordinal);
        Assert.Equal(tripleBefore, Generated(driver, "FastAlsExports.fastals_triple.g.cs"));
    }

    [Fact]
    public void Editing_an_export_body_leaves_every_output_cached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Exports, Second);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
        SyntaxTree edited = CSharpSyntaxTree.ParseText(Exports.Replace("=> 2 * x;", "=> x + x;", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        AssertReasons(run, ExportGenerator.StepNames.BuildModel);
        AssertReasons(run, ExportGenerator.StepNames.PerExport);
        AssertReasons(run, ExportGenerator.StepNames.Collect);
    }

    [Fact]
    public void Renaming_an_entry_point_keeps_the_other_exports_outputs()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Exports, Second);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
        SyntaxTree edited = CSharpSyntaxTree.ParseText(Exports.Replace("\"fastals_double\"", "\"fastals_twice\"", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        IncrementalStepRunReason[] perExport = run.TrackedSteps[ExportGenerator.StepNames.PerExport].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.Single(perExport, r => r == IncrementalStepRunReason.Modified);
        Assert.Single(perExport, r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Dictionary<string, string> sources = driver.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.Contains("FastAlsExports.fastals_twice.g.cs", sources.Keys);
        Assert.DoesNotContain("FastAlsExports.fastals_double.g.cs", sources.Keys);
    }

    private static string Generated(GeneratorDriver driver, string hint) =>
        driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == hint).SourceText.ToString();

    [Fact]
    public void Editing_an_export_reruns_the_model_step()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Exports);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
        SyntaxTree edited = CSharpSyntaxTree.ParseText(Exports.Replace("int Double(int x)", "int Double(long x)", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: old.FilePath);
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        IncrementalGeneratorRunStep step = Assert.Single(run.TrackedSteps[ExportGenerator.StepNames.BuildModel]);
        Assert.Contains(step.Outputs, o => o.Reason == IncrementalStepRunReason.Modified);
    }

    private static void AssertReasons(GeneratorRunResult run, string stepName)
    {
        Assert.True(run.TrackedSteps.TryGetValue(stepName, out var steps), $"step {stepName} was not tracked");
        Assert.NotEmpty(steps);
        foreach (IncrementalGeneratorRunStep step in steps)
        {
            foreach ((object _, IncrementalStepRunReason reason) in step.Outputs)
            {
                Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{stepName}: {reason}");
            }
        }
    }
}
