using System.Globalization;
using System.Text;
using System.Text.Json;
using FastAls.Internals.Kernels;

namespace FastAls.Generators.Tests;

/// <summary>
/// Trains small models with the .NET API and writes their factors and recommendations as JSON; the Python tests
/// train the same data with the same options through libfastals and must get the same results (bit-identical
/// when the kernel path matches).
/// </summary>
public class DotNetReferenceTests
{
    internal const int Users = 12;
    internal const int Items = 9;

    private static readonly (string Name, AlsOptions Options)[] s_models =
    {
        ("implicit", new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 4, Regularization = 0.1f, Alpha = 2f, Iterations = 4, Seed = 7, Threads = 1 }),
        ("implicit_cg", new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 4, Regularization = 0.1f, Alpha = 2f, Iterations = 4, Seed = 7, Threads = 1, Solver = AlsSolver.ConjugateGradient }),
        ("explicit", new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 3, Regularization = 0.2f, Iterations = 5, Seed = 3, Threads = 1 }),
        ("biased_explicit", new AlsOptions { Kind = AlsModelKind.BiasedExplicit, Factors = 3, Regularization = 0.2f, Iterations = 5, Seed = 3, Threads = 1 }),
        ("biased_implicit", new AlsOptions { Kind = AlsModelKind.BiasedImplicit, Factors = 4, Regularization = 0.1f, Alpha = 1.5f, Iterations = 3, Seed = 11, Threads = 1 }),
    };

    /// <summary>The interactions: user u has item i when (3u + 5i) mod 7 &lt; 3, value 1 + (u + i) mod 4.</summary>
    internal static (long[] Offsets, int[] Cols, float[] Values) Data()
    {
        var off = new List<long> { 0 };
        var cols = new List<int>();
        var vals = new List<float>();
        for (int u = 0; u < Users; u++)
        {
            for (int i = 0; i < Items; i++)
            {
                if (((3 * u) + (5 * i)) % 7 < 3)
                {
                    cols.Add(i);
                    vals.Add(1 + ((u + i) % 4));
                }
            }

            off.Add(cols.Count);
        }

        return (off.ToArray(), cols.ToArray(), vals.ToArray());
    }

    /// <summary>
    /// Writes the .NET API's results to interop/python/tests/data/live/dotnet_reference.json (git-ignored), which
    /// the Python tests compare against when present (tests/run.sh runs the .NET suites first); with
    /// FASTALS_UPDATE_GOLDEN=1 also refreshes the checked-in snapshot used by a standalone pytest run.
    /// </summary>
    [Fact]
    public void Writes_the_dotnet_reference_for_the_python_tests_and_is_deterministic()
    {
        string data = Path.Combine(GeneratorHarness.RepoRoot(), "interop", "python", "tests", "data");
        string first = Build();
        Assert.Equal(first, Build());
        using (JsonDocument doc = JsonDocument.Parse(first))
        {
            foreach ((string name, AlsOptions options) in s_models)
            {
                JsonElement m = doc.RootElement.GetProperty("models").GetProperty(name);
                Assert.Equal(Users * options.Factors, m.GetProperty("user_factors").GetArrayLength());
                Assert.Equal(Items * options.Factors, m.GetProperty("item_factors").GetArrayLength());
                Assert.Contains(m.GetProperty("user_factors").EnumerateArray(), v => v.GetDouble() != 0);
            }
        }

        Directory.CreateDirectory(Path.Combine(data, "live"));
        string live = Path.Combine(data, "live", "dotnet_reference.json");
        File.WriteAllText(live + ".tmp", first);
        File.Move(live + ".tmp", live, overwrite: true);
        if (Environment.GetEnvironmentVariable("FASTALS_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(data, "dotnet_reference.json"), first);
        }
    }

    private static string Build()
    {
        (long[] off, int[] cols, float[] vals) = Data();
        var sb = new StringBuilder();
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("kernel", KernelIsa.Active.ToString());
            w.WriteNumber("users", Users);
            w.WriteNumber("items", Items);
            WriteArray(w, "row_offsets", off.Select(x => (double)x));
            WriteArray(w, "col_indices", cols.Select(x => (double)x));
            WriteArray(w, "values", vals.Select(x => (double)x));
            w.WriteStartObject("models");
            foreach ((string name, AlsOptions options) in s_models)
            {
                using var data = new Dataset(CsrMatrix.FromArrays(Users, Items, off, cols, vals));
                using AlsModel model = AlsModel.Fit(data, options);
                w.WriteStartObject(name);
                w.WriteString("kind", options.Kind.ToString());
                w.WriteNumber("factors", options.Factors);
                w.WriteNumber("regularization", options.Regularization);
                w.WriteNumber("alpha", options.Alpha);
                w.WriteNumber("iterations", options.Iterations);
                w.WriteNumber("seed", options.Seed);
                w.WriteBoolean("use_cg", options.Solver == AlsSolver.ConjugateGradient);
                WriteArray(w, "user_factors", model.UserFactors.ToArray().Select(x => (double)x));
                WriteArray(w, "item_factors", model.ItemFactors.ToArray().Select(x => (double)x));
                w.WriteStartArray("recommend");
                for (int u = 0; u < 3; u++)
                {
                    Recommendations r = model.Recommend(u, 4, data.UserItems);
                    w.WriteStartObject();
                    WriteArray(w, "items", r.Indices.Select(x => (double)x));
                    WriteArray(w, "scores", r.Scores.Select(x => (double)x));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            // Round-trip text of the float (every float32 is exactly a double).
            w.WriteRawValue(v.ToString("R", CultureInfo.InvariantCulture));
        }

        w.WriteEndArray();
    }
}
