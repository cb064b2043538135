using Microsoft.CodeAnalysis;

namespace FastAls.Generators.Tests;

/// <summary>One test per diagnostic id: the misuse is reported with its id and no export is emitted for it.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source, string id)
    {
        var (diagnostics, sources, _) = GeneratorHarness.Run("using System; using FastAls.Interop; namespace D;\n" + source);
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.NotEqual(Location.None, d.Location);
        Assert.DoesNotContain(sources.Keys, k => k.StartsWith("FastAlsExports.", StringComparison.Ordinal));
        Assert.DoesNotContain("fastals_x(", sources["FastAlsInterface.g.cs"], StringComparison.Ordinal);
        return d;
    }

    [Fact]
    public void FALS0001_export_must_be_static()
    {
        Diagnostic d = Single("internal class C { [FastAlsExport(\"fastals_x\")] internal int X() => 1; }", "FALS0001");
        Assert.Contains("'X'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void FALS0002_unsupported_parameter_type()
    {
        Diagnostic d = Single("internal static class C { [FastAlsExport(\"fastals_x\")] internal static void X(System.Collections.Generic.List<int> list) { } }", "FALS0002");
        Assert.Contains("list", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void FALS0002_ref_parameter_is_rejected()
    {
        Single("internal static class C { [FastAlsExport(\"fastals_x\")] internal static void X(ref int value) { } }", "FALS0002");
    }

    [Fact]
    public void FALS0003_duplicate_entry_point()
    {
        var (diagnostics, sources, _) = GeneratorHarness.Run("using FastAls.Interop; namespace D;\n"
            + "internal static class C { [FastAlsExport(\"fastals_x\")] internal static void A() { } [FastAlsExport(\"fastals_x\")] internal static void B() { } }");
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("FALS0003", d.Id);
        Assert.Contains("D.C.A", d.GetMessage(), StringComparison.Ordinal);
        string export = Assert.Single(sources, s => s.Key.StartsWith("FastAlsExports.", StringComparison.Ordinal)).Value;
        Assert.Contains("EntryPoint = \"fastals_x\"", export, StringComparison.Ordinal);
        Assert.Contains("global::D.C.A()", export, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(sources["FastAlsInterface.g.cs"], "int32_t fastals_x\\("));
    }

    [Fact]
    public void FALS0004_invalid_entry_point()
    {
        Single("internal static class C { [FastAlsExport(\"Bad-Name\")] internal static void X() { } }", "FALS0004");
    }

    [Fact]
    public void FALS0005_unsupported_return_type()
    {
        Single("internal static class C { [FastAlsExport(\"fastals_x\")] internal static int[] X() => new int[1]; }", "FALS0005");
    }

    [Fact]
    public void FALS0006_export_not_reachable()
    {
        Single("internal static class C { [FastAlsExport(\"fastals_x\")] private static void X() { } }", "FALS0006");
    }

    [Fact]
    public void FALS0007_unsupported_field_type()
    {
        var (diagnostics, sources, _) = GeneratorHarness.Run("using FastAls.Interop; namespace D;\n"
            + "public struct S { public bool Flag; } internal static class C { [FastAlsExport(\"fastals_x\")] internal static void X(in S s) { } }");
        Diagnostic d = Assert.Single(diagnostics, x => x.Id == "FALS0007");
        Assert.Contains("'Flag'", d.GetMessage(), StringComparison.Ordinal);
        Assert.NotEqual(Location.None, d.Location);
        Assert.DoesNotContain("FastAlsExports.fastals_x.g.cs", sources.Keys);
        Assert.DoesNotContain("fastals_x", sources["FastAlsInterface.g.cs"], StringComparison.Ordinal);
    }
}
