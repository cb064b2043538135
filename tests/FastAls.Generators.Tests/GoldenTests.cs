namespace FastAls.Generators.Tests;

/// <summary>
/// The generated exports, header and Python signatures for fixed inputs, compared with files in Golden/.
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
        foreach (string hint in new[] { "FastAlsExports.g.cs", "FastAlsInterface.g.cs" })
        {
            string actual = sources[hint].Replace("\r\n", "\n");
            string path = Path.Combine(GeneratorHarness.RepoRoot(), "tests", "FastAls.Generators.Tests", "Golden", $"{name}.{hint}.txt");
            if (Environment.GetEnvironmentVariable("FASTALS_UPDATE_GOLDEN") == "1")
            {
                File.WriteAllText(path, actual);
            }

            Assert.True(File.Exists(path), $"golden file {path} is missing (run with FASTALS_UPDATE_GOLDEN=1)");
            Assert.Equal(File.ReadAllText(path).Replace("\r\n", "\n"), actual);
        }
    }

    [Fact]
    public void Support_source_is_added_once_even_without_exports()
    {
        var (diagnostics, sources, errors) = GeneratorHarness.Run("namespace Empty; internal static class Nothing { }");
        Assert.Empty(diagnostics);
        Assert.Empty(errors);
        Assert.Contains("FastAlsInterop.Support.g.cs", sources.Keys);
        Assert.Contains("fastals_last_error", sources["FastAlsInterface.g.cs"]);
        Assert.DoesNotContain("UnmanagedCallersOnly", sources["FastAlsExports.g.cs"]);
    }
}
