using System.Text.RegularExpressions;
using FastAls.IO;

namespace FastAls.Tests.Model;

/// <summary>
/// Model files (.fals) and Spark-layout folders written by a buggy program, with every checksum consistent:
/// NaN or infinite factors, biases or global mean, an empty side and missing external ids are rejected with an
/// <see cref="InvalidDataException"/> naming the file and the part, never imported silently.
/// </summary>
public sealed class NonFiniteModelTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fastals-nonfinite-" + Guid.NewGuid().ToString("N"));

    public NonFiniteModelTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, float> Parts()
    {
        var d = new TheoryData<string, float>();
        foreach (string part in new[] { "user factors", "item factors", "user biases", "item biases", "global mean" })
        {
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                d.Add(part, bad);
            }
        }

        return d;
    }

    /// <summary>A biased explicit model (it has every part) with one bad value in <paramref name="part"/>.</summary>
    private static AlsModel Poisoned(string part, float bad, IdMap? userIds = null)
    {
        AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedExplicit, 6, 9, 4, 1);
        AlsModel c = new(m.Options, 6, 9, userIds, null);
        c.UserMatrix.CopyFrom(m.UserMatrix);
        c.ItemMatrix.CopyFrom(m.ItemMatrix);
        m.UserBiasArray!.CopyTo(c.UserBiasArray!, 0);
        m.ItemBiasArray!.CopyTo(c.ItemBiasArray!, 0);
        c.SetGlobalMean(3.5f);
        m.Dispose();
        switch (part)
        {
            case "user factors":
                c.UserMatrix.Row(4)[2] = bad; // the internal writable view: the public setters refuse non-finite values
                break;
            case "item factors":
                c.ItemMatrix.Row(7)[1] = bad;
                break;
            case "user biases":
                c.UserBiasArray![3] = bad;
                break;
            case "item biases":
                c.ItemBiasArray![8] = bad;
                break;
            case "global mean":
                c.SetGlobalMeanUnchecked(bad);
                break;
        }

        return c;
    }

    [Theory]
    [MemberData(nameof(Parts))]
    public void ModelFile_with_a_non_finite_part_is_rejected_naming_file_and_part(string part, float bad)
    {
        string path = Path.Combine(_dir, "bad.fals");
        using (AlsModel m = Poisoned(part, bad))
        {
            m.Save(path);
        }

        var e = Assert.Throws<InvalidDataException>(() => AlsModel.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(part, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Parts))]
    public void SparkFolder_with_a_non_finite_part_is_rejected_naming_folder_and_part(string part, float bad)
    {
        string folder = Path.Combine(_dir, "spark");
        using (AlsModel m = Poisoned(part == "global mean" ? "none" : part, bad))
        {
            SparkAlsFormat.Export(m, folder);
        }

        if (part == "global mean")
        {
            // Utf8JsonWriter cannot write NaN or infinity; a writer that did writes a literal out of float range.
            string meta = Path.Combine(folder, "metadata", "part-00000");
            File.WriteAllText(meta, Regex.Replace(File.ReadAllText(meta), "\"globalMean\":[^,}]+", "\"globalMean\":1e39"));
        }

        var e = Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder));
        Assert.Contains(folder, e.Message, StringComparison.Ordinal);
        string expect = part switch
        {
            "user factors" => "userFactors",
            "item factors" => "itemFactors",
            "user biases" => "bias",
            "item biases" => "bias",
            _ => "globalMean",
        };
        Assert.Contains(expect, e.Message, StringComparison.Ordinal);
        Assert.Contains(part.StartsWith("item", StringComparison.Ordinal) ? "itemFactors" : part.StartsWith("user", StringComparison.Ordinal) ? "userFactors" : "metadata", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(5, 0)]
    public void SparkFolder_with_an_empty_side_is_rejected(int users, int items)
    {
        string folder = Path.Combine(_dir, "empty");
        using (var m = new AlsModel(new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 3 }, users, items))
        {
            SparkAlsFormat.Export(m, folder);
        }

        var e = Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder));
        Assert.Contains(users == 0 ? "userFactors" : "itemFactors", e.Message, StringComparison.Ordinal);
        Assert.Contains("no rows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SparkFolder_whose_string_ids_went_missing_is_rejected_not_imported_with_spark_ids()
    {
        var ids = IdMap.CreateString();
        for (int u = 0; u < 6; u++)
        {
            ids.GetOrAdd("user-" + u);
        }

        string folder = Path.Combine(_dir, "ids");
        using (AlsModel m = Poisoned("global mean", 1f, ids))
        {
            SparkAlsFormat.Export(m, folder, new SparkExportOptions { ExtrasInSidecar = true });
        }

        using (AlsModel ok = SparkAlsFormat.Import(folder))
        {
            Assert.Equal("user-3", ok.UserIds.Format(3));
        }

        // The sidecar (bias and external_id) gone: the biases are missing, named as such.
        Directory.Move(Path.Combine(folder, "fastalsExtras"), Path.Combine(_dir, "extras-aside"));
        Assert.Contains("bias", Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder)).Message, StringComparison.Ordinal);

        // An unbiased model: only the ids are in the sidecar. Without it the import must fail, not renumber users.
        string plain = Path.Combine(_dir, "plain");
        using (var m = new AlsModel(new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 2 }, 6, 3, ids))
        {
            SparkAlsFormat.Export(m, plain, new SparkExportOptions { ExtrasInSidecar = true });
        }

        Directory.Delete(Path.Combine(plain, "fastalsExtras", "userFactors"), recursive: true);
        var e = Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(plain));
        Assert.Contains("external_id", e.Message, StringComparison.Ordinal);
        Assert.Contains("userFactors", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ScoringWithCallerFactors_rejects_non_finite_values_instead_of_returning_nothing(float bad)
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 5, 8, 4, 2);
        float[] x = [0.1f, 0.2f, 0.3f, 0.4f];
        Assert.Equal(3, m.RecommendForFactors(x, 0f, 3).Count);
        x[2] = bad;
        Assert.Contains("userFactors[2]", Assert.Throws<ArgumentException>(() => m.RecommendForFactors(x, 0f, 3)).Message, StringComparison.Ordinal);
        Assert.Contains("userBias", Assert.Throws<ArgumentException>(() => m.RecommendForFactors([0f, 0f, 0f, 0f], bad, 3)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => m.RecalculateUser([1, 2], [1f, 1f], x, out _));
    }
}
