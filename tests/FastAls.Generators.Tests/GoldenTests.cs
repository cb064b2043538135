using System.Text.RegularExpressions;

namespace FastAls.Generators.Tests;

/// <summary>
/// The generated exports (one file per export), header and Python signatures for fixed inputs, compared with files
/// in Golden/ (one per generated file: <c>case.hint.txt</c>).
/// Run with FASTALS_UPDATE_GOLDEN=1 to rewrite them after an intended change (then review the diff).
/// </summary>
public class GoldenTests
{
    private const string Prelude = """
        using System;
        using FastAls.Interop;
        namespace Sample;

        public sealed class Thing : IDisposable
        {
            public int Size { get; set; }
            public void Dispose() { }
        }

        /// <summary>Which way.</summary>
        public enum Direction
        {
            /// <summary>Up.</summary>
            Up = 0,
            /// <summary>Down.</summary>
            Down = 1,
        }

        /// <summary>Options of a thing.</summary>
        public unsafe struct ThingOptions
        {
            /// <summary>How big.</summary>
            public int Size;
            /// <summary>Which way.</summary>
            public Direction Direction;
            /// <summary>Callback.</summary>
            public delegate* unmanaged<int, void*, int> Notify;
            /// <summary>User data.</summary>
            public void* User;
        }

        """;

    public static TheoryData<string, string> Cases => new()
    {
        {
            "Scalars",
            Prelude + """
            internal static class Api
            {
                /// <summary>Adds two numbers.</summary>
                /// <param name="a">first</param>
                /// <param name="b">second</param>
                /// <returns>the sum</returns>
                [FastAlsExport("fastals_add", Result = "sum")]
                internal static long Add(int a, long b) => a + b;

                /// <summary>Negates a flag.</summary>
                [FastAlsExport("fastals_not")]
                internal static bool Not(bool flag, out Direction direction)
                {
                    direction = Direction.Down;
                    return !flag;
                }

                /// <summary>Checks an enum.</summary>
                [FastAlsExport("fastals_turn")]
                internal static Direction Turn(Direction direction) => direction == Direction.Up ? Direction.Down : Direction.Up;
            }
            """
        },
        {
            "SpansStringsHandles",
            Prelude + """
            internal static unsafe class Api
            {
                /// <summary>Makes a thing.</summary>
                [FastAlsExport("fastals_thing_create", Result = "thing")]
                internal static Thing Create(in ThingOptions options, string name, [FastAlsNullable] string? note) => new Thing { Size = options.Size };

                /// <summary>Sums values into a thing.</summary>
                [FastAlsExport("fastals_thing_fill")]
                internal static void Fill(Thing thing, ReadOnlySpan<float> values, Span<int> counts, [FastAlsNullable] double* scale) { }

                /// <summary>Names a thing.</summary>
                [FastAlsExport("fastals_thing_name", Result = "name")]
                internal static string Name(Thing thing) => "thing";

                /// <summary>Frees a thing.</summary>
                [FastAlsExport("fastals_thing_free")]
                internal static void Free([FastAlsRelease] Thing thing) => thing.Dispose();

                /// <summary>Calls back.</summary>
                [FastAlsExport("fastals_call")]
                internal static int Call(delegate* unmanaged<int, void*, int> callback, void* user) => callback == null ? 0 : callback(1, user);
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_output_matches_golden_files_and_compiles(string name, string source)
    {
        var (diagnostics, sources, errors) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        Assert.Empty(errors);
        string dir = Path.Combine(GeneratorHarness.RepoRoot(), "tests", "FastAls.Generators.Tests", "Golden");
        bool update = Environment.GetEnvironmentVariable("FASTALS_UPDATE_GOLDEN") == "1";
        string[] hints = sources.Keys.Where(h => h != ExportGenerator.StatusHintName).Order(StringComparer.Ordinal).ToArray();
        if (update)
        {
            foreach (string stale in Directory.GetFiles(dir, name + ".*.txt"))
            {
                File.Delete(stale);
            }
        }

        foreach (string hint in hints)
        {
            string actual = sources[hint].Replace("\r\n", "\n");
            string path = Path.Combine(dir, $"{name}.{hint}.txt");
            if (update)
            {
                File.WriteAllText(path, actual);
            }

            Assert.True(File.Exists(path), $"golden file {path} is missing (run with FASTALS_UPDATE_GOLDEN=1)");
            Assert.Equal(File.ReadAllText(path).Replace("\r\n", "\n"), actual);
        }

        // One output per export, plus the collected header/Python file; and no golden file the generator no longer writes.
        Assert.Equal(Regex.Matches(source, "\\[FastAlsExport\\(").Count + 1, hints.Length);
        Assert.Equal(
            hints.Select(h => $"{name}.{h}.txt"),
            Directory.GetFiles(dir, name + ".*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Status_enum_is_added_once_even_without_exports()
    {
        var (diagnostics, sources, errors) = GeneratorHarness.Run("namespace Empty; internal static class Nothing { }");
        Assert.Empty(diagnostics);
        Assert.Empty(errors);
        Assert.Equal(new[] { ExportGenerator.InterfaceHintName, ExportGenerator.StatusHintName }, sources.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("internal enum FastAlsStatus", sources[ExportGenerator.StatusHintName], StringComparison.Ordinal);
        Assert.Contains("fastals_last_error", sources[ExportGenerator.InterfaceHintName], StringComparison.Ordinal);
    }
}
