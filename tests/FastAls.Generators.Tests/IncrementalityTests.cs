using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FastAls.Generators.Tests;

/// <summary>An edit that touches no export leaves the pipeline's tracked steps cached or unchanged.</summary>
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
        AssertReasons(run, ExportGenerator.StepNames.Collect);
    }

    [Fact]
    public void Editing_an_export_reruns_the_model_step()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Exports);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree old = compilation.SyntaxTrees.Single();
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
