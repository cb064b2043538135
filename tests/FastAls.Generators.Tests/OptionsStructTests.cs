using System.Reflection;
using System.Runtime.InteropServices;
using FastAls.Interop;
using Microsoft.CodeAnalysis;

namespace FastAls.Generators.Tests;

/// <summary>
/// [FastAlsOptionsStruct]: the C struct of an options record is generated from the record (fields in declaration order
/// with their [Description], then the tail's fields; the conversions and defaults), and the exports, the C header and
/// the Python ctypes struct see the same fields.
/// </summary>
public class OptionsStructTests
{
    private const string Record = """
        public sealed record Opts
        {
            [System.ComponentModel.Description("How many factors.")] public int Factors { get; init; } = 64;
            public Kind Kind { get; init; }
            [System.ComponentModel.Description("Confidence scale.")] public float Alpha { get; init; } = 1f;
            public double Tolerance { get; init; }
            public bool IsBig => Factors > 100;
            public static Opts For(Kind kind) => new Opts { Kind = kind, Alpha = kind == Kind.B ? 2f : 1f };
            public void Validate() { if (Factors < 1) throw new System.ArgumentException("Factors must be >= 1."); }
        }
        public enum Kind { A, B }
        """;

    private const string Struct = """
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        [FastAlsOptionsStruct(typeof(Opts), Tail = typeof(Extra))]
        public unsafe partial struct S { }
        public unsafe struct Extra
        {
            /// <summary>User data.</summary>
            public void* User;
        }
        """;

    [Fact]
    public void Generates_the_fields_in_declaration_order_then_the_tail_and_the_conversions()
    {
        var (diagnostics, sources, errors) = GeneratorHarness.Run("using FastAls.Interop; namespace D;\n" + Record + Struct
            + "internal static class Use { internal static Opts RoundTrip(Opts o) => S.From(o).ToOptions(); internal static S Two() => S.Defaults(Kind.B); }\n"
            + "internal static class Api { /// <summary>Takes options.</summary>\n [FastAlsExport(\"fastals_take\")] internal static int Take(in S options) => options.Factors; }");
        Assert.Empty(diagnostics);
        Assert.Empty(errors);
        string text = sources["S.OptionsStruct.g.cs"];
        string[] fields = ["Factors", "Kind", "Alpha", "Tolerance", "User"];
        int[] at = fields.Select(f => text.IndexOf(" " + f + ";", StringComparison.Ordinal)).ToArray();
        Assert.All(at, i => Assert.True(i > 0));
        Assert.Equal(at.Order(), at);
        Assert.Contains("/// <summary>How many factors.</summary>", text, StringComparison.Ordinal);
        Assert.Contains("/// <summary>User data.</summary>", text, StringComparison.Ordinal);
        foreach (string name in fields[..4])
        {
            Assert.Contains($"{name} = options.{name},", text, StringComparison.Ordinal);
            Assert.Contains($"{name} = {name},", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("IsBig", text, StringComparison.Ordinal);
        Assert.DoesNotContain("User = ", text, StringComparison.Ordinal);
        Assert.Contains("options.Validate();", text, StringComparison.Ordinal);
        Assert.Contains("Defaults(global::D.Kind kind) => From(global::D.Opts.For(kind));", text, StringComparison.Ordinal);

        // The export sees the generated fields: the header's struct has them in the same order, with the descriptions.
        string header = sources[ExportGenerator.InterfaceHintName];
        int[] inHeader = new[] { "int32_t factors; /**< How many factors. */", "int32_t kind;", "float alpha; /**< Confidence scale. */", "double tolerance;", "void* user; /**< User data. */" }
            .Select(f => header.IndexOf(f, StringComparison.Ordinal)).ToArray();
        Assert.All(inHeader, i => Assert.True(i > 0, header));
        Assert.Equal(inHeader.Order(), inHeader);
        Assert.Contains("(\"\"factors\"\", ctypes.c_int32),", header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public int Factors;", "declares the field 'Factors' itself")]
    [InlineData("", "option Name has type 'string'")]
    public void FALS0008_the_struct_cannot_be_generated(string ownFields, string why)
    {
        string record = ownFields.Length > 0 ? Record : Record.Replace("public double Tolerance { get; init; }", "public string Name { get; init; } = \"\";", StringComparison.Ordinal);
        var (diagnostics, sources, _) = GeneratorHarness.Run("using FastAls.Interop; namespace D;\n" + record
            + "[FastAlsOptionsStruct(typeof(Opts))] public partial struct S { " + ownFields + " }");
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("FALS0008", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.NotEqual(Location.None, d.Location);
        Assert.Contains(why, d.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain("S.OptionsStruct.g.cs", sources.Keys);
    }

    [Fact]
    public void The_C_struct_is_every_library_option_in_schema_order_then_the_callback()
    {
        Type s = typeof(FastAls.Native.FastAlsFitOptions);
        Assert.NotNull(s.GetCustomAttribute<FastAlsOptionsStructAttribute>());
        foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
        {
            AlsOptions o = AlsOptions.For(kind) with { CgTolerance = 0.25f, EarlyStopTolerance = 0.5, Threads = 3 };
            Assert.Equal(o, FastAls.Native.FastAlsFitOptions.From(o).ToOptions());
            Assert.Equal(AlsOptions.For(kind), FastAls.Native.FastAlsFitOptions.Defaults(kind).ToOptions());
        }

        // Field order is the ABI: the schema's order (which the Python front end and the CLI follow), then progress.
        string[] byOffset = s.GetFields(BindingFlags.Public | BindingFlags.Instance)
            .OrderBy(f => (long)Marshal.OffsetOf(s, f.Name))
            .Select(f => f.Name)
            .ToArray();
        Assert.Equal(AlsOptions.Schema.Select(i => i.PropertyName).Append("Progress").Append("ProgressUser"), byOffset);
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            Assert.Equal(info.ValueType, s.GetField(info.PropertyName)!.FieldType);
            Assert.Contains($" {info.Name}; /**< {info.Description}", FastAlsInterface.CHeader, StringComparison.Ordinal);
        }

        // The schema lists every settable property of the record, in declaration order.
        Assert.Equal(
            typeof(AlsOptions).GetProperties().Where(p => p.SetMethod is { IsPublic: true }).OrderBy(p => p.MetadataToken).Select(p => p.Name),
            AlsOptions.Schema.Select(i => i.PropertyName));
    }
}
