using System.Reflection;
using Microsoft.CodeAnalysis;

namespace FastAls.Generators.Tests;

/// <summary>[FastAlsOptionsMirror]: the C struct of an options record has a field for every option, and the conversions are generated.</summary>
public class OptionsMirrorTests
{
    private const string Record = "public sealed record Opts { public int Factors { get; init; } = 64; public float Alpha { get; init; } = 1f; public Kind Kind { get; init; } public bool IsBig => Factors > 100; }\n"
        + "public enum Kind { A, B }\n";

    [Fact]
    public void Generates_both_conversions_for_every_option()
    {
        var (diagnostics, sources, errors) = GeneratorHarness.Run("using FastAls.Interop; namespace D;\n" + Record
            + "[FastAlsOptionsMirror(typeof(Opts))] public unsafe partial struct S { public Kind Kind; public int Factors; public float Alpha; public void* User; }\n"
            + "internal static class Use { internal static Opts RoundTrip(Opts o) => S.From(o).ToOptionsUnvalidated(); }");
        Assert.Empty(diagnostics);
        Assert.Empty(errors);
        string text = sources["S.OptionsMirror.g.cs"];
        foreach (string name in new[] { "Kind", "Factors", "Alpha" })
        {
            Assert.Contains($"{name} = options.{name},", text, StringComparison.Ordinal);
            Assert.Contains($"{name} = {name},", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("IsBig", text, StringComparison.Ordinal);
        Assert.DoesNotContain("User", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public Kind Kind; public int Factors;", "Alpha (float)")]
    [InlineData("public Kind Kind; public int Factors; public double Alpha;", "Alpha (float)")]
    public void FALS0008_a_missing_or_mistyped_option_field(string fields, string named)
    {
        var (diagnostics, sources, _) = GeneratorHarness.Run("using FastAls.Interop; namespace D;\n" + Record
            + "[FastAlsOptionsMirror(typeof(Opts))] public partial struct S { " + fields + " }");
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("FALS0008", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.NotEqual(Location.None, d.Location);
        Assert.Contains(named, d.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain("S.OptionsMirror.g.cs", sources.Keys);
    }

    [Fact]
    public void The_C_struct_mirrors_every_library_option()
    {
        // FastAls.Native compiles only if FastAlsFitOptions has every AlsOptions option; check the generated pair too.
        Type s = typeof(FastAls.Native.FastAlsFitOptions);
        Assert.NotNull(s.GetCustomAttributes().SingleOrDefault(a => a.GetType().Name == "FastAlsOptionsMirrorAttribute"));
        foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
        {
            AlsOptions o = AlsOptions.For(kind) with { CgTolerance = 0.25f, EarlyStopTolerance = 0.5, Threads = 3 };
            Assert.Equal(o, FastAls.Native.FastAlsFitOptions.From(o).ToOptions());
            Assert.Equal(AlsOptions.For(kind), FastAls.Native.FastAlsFitOptions.Defaults(kind).ToOptions());
        }

        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            FieldInfo? f = s.GetField(info.PropertyName);
            Assert.True(f is not null, $"fastals_fit_options_t lacks {info.Name}");
            Assert.Equal(info.ValueType, f!.FieldType);
        }
    }
}
