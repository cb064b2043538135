using System.Text.Json;
using FastAls;
using FastAls.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.Tests.Model;

public sealed class SparkFormatTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fastals-spark-" + Guid.NewGuid().ToString("N"));

    public SparkFormatTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertSameFactors(AlsModel a, AlsModel b)
    {
        Assert.Equal(a.UserFactors.ToArray(), b.UserFactors.ToArray());
        Assert.Equal(a.ItemFactors.ToArray(), b.ItemFactors.ToArray());
        for (int u = 0; u < a.Users; u++)
        {
            Assert.Equal(a.UserIds.Format(u), b.UserIds.Format(u));
        }

        for (int i = 0; i < a.Items; i++)
        {
            Assert.Equal(a.ItemIds.Format(i), b.ItemIds.Format(i));
        }
    }

    [Fact]
    public async Task Export_writes_spark_layout_and_round_trips_int_ids()
    {
        var uids = IdMap.CreateInt64();
        foreach (long id in new long[] { 5, -3, 1_000_000, 42 })
        {
            uids.GetOrAdd(id);
        }

        using AlsModel m0 = ModelTestUtil.Random(AlsModelKind.Implicit, 4, 9, 3, 1);
        using var m = new AlsModel(m0.Options with { Alpha = 12f }, 4, 9, uids);
        m.SetUserFactors(m0.UserFactors);
        m.SetItemFactors(m0.ItemFactors);
        string folder = Path.Combine(_dir, "model");
        SparkAlsFormat.Export(m, folder);

        Assert.True(File.Exists(Path.Combine(folder, "metadata", "_SUCCESS")));
        Assert.True(File.Exists(Path.Combine(folder, "userFactors", "_SUCCESS")));
        Assert.Single(Directory.GetFiles(Path.Combine(folder, "itemFactors"), "part-00000-*-c000.snappy.parquet"));
        string[] lines = File.ReadAllLines(Path.Combine(folder, "metadata", "part-00000"));
        Assert.Single(lines);
        using (JsonDocument doc = JsonDocument.Parse(lines[0]))
        {
            JsonElement r = doc.RootElement;
            Assert.Equal("org.apache.spark.ml.recommendation.ALSModel", r.GetProperty("class").GetString());
            Assert.Equal(3, r.GetProperty("rank").GetInt32());
            Assert.True(r.GetProperty("timestamp").GetInt64() > 0);
            Assert.StartsWith("als_", r.GetProperty("uid").GetString());
            Assert.Equal("user", r.GetProperty("paramMap").GetProperty("userCol").GetString());
            Assert.Equal("nan", r.GetProperty("defaultParamMap").GetProperty("coldStartStrategy").GetString());
            Assert.Equal("implicit", r.GetProperty("fastals").GetProperty("kind").GetString());
        }

        string part = Directory.GetFiles(Path.Combine(folder, "userFactors"), "*.parquet")[0];
        await using (var fs = File.OpenRead(part))
        {
            await using ParquetReader reader = await ParquetReader.CreateAsync(fs);
            Field[] fields = reader.Schema.Fields.ToArray();
            Assert.Equal(["id", "features"], fields.Select(f => f.Name).ToArray());
            DataField id = reader.Schema.GetDataFields()[0];
            Assert.Equal(typeof(int), id.ClrType);
            Assert.False(id.IsNullable);
            var list = Assert.IsType<ListField>(fields[1]);
            Assert.Equal("element", list.Item.Name);
            DataField element = reader.Schema.GetDataFields()[1];
            Assert.Equal("features/list/element", string.Join('/', element.Path.ToList()));
            Assert.Equal(typeof(float), element.ClrType);
            using ParquetRowGroupReader rg = reader.OpenRowGroupReader(0);
            var ids = new int[4];
            await rg.ReadAsync<int>(id, ids, null);
            Assert.Equal([5, -3, 1_000_000, 42], ids);
        }

        using AlsModel back = SparkAlsFormat.Import(folder);
        Assert.Equal(m.Options, back.Options);
        Assert.Equal(IdKind.Int64, back.UserIds.Kind);
        AssertSameFactors(m, back);
        Assert.Throws<IOException>(() => SparkAlsFormat.Export(m, folder));
        SparkAlsFormat.Export(m, folder, new SparkExportOptions { Overwrite = true });
    }

    [Fact]
    public void String_and_out_of_range_ids_go_to_external_id_biases_to_bias()
    {
        var uids = IdMap.CreateString();
        var iids = IdMap.CreateInt64();
        for (int i = 0; i < 5; i++)
        {
            uids.GetOrAdd("u" + i);
        }

        for (int i = 0; i < 6; i++)
        {
            iids.GetOrAdd(5_000_000_000L + i);
        }

        using AlsModel m0 = ModelTestUtil.Random(AlsModelKind.BiasedExplicit, 5, 6, 4, 2);
        using var m = new AlsModel(m0.Options, 5, 6, uids, iids) ;
        m.SetGlobalMean(3.25f);
        m.SetUserFactors(m0.UserFactors);
        m.SetItemFactors(m0.ItemFactors);
        m.SetUserBiases(m0.UserBiases);
        m.SetItemBiases(m0.ItemBiases);
        string folder = Path.Combine(_dir, "m2");
        SparkAlsFormat.Export(m, folder, new SparkExportOptions { RowGroupSize = 2 });
        using AlsModel back = SparkAlsFormat.Import(folder);
        AssertSameFactors(m, back);
        Assert.Equal(IdKind.String, back.UserIds.Kind);
        Assert.Equal(m.UserBiases, back.UserBiases);
        Assert.Equal(m.ItemBiases, back.ItemBiases);
        Assert.Equal(3.25f, back.GlobalMean);
        Assert.Equal(m.Predict(2, 3), back.Predict(2, 3));
    }

    [Fact]
    public async Task Sidecar_keeps_factor_files_to_sparks_two_columns()
    {
        var uids = IdMap.CreateString();
        for (int i = 0; i < 5; i++)
        {
            uids.GetOrAdd("user " + i);
        }

        using AlsModel m0 = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 5, 6, 4, 8);
        using var m = new AlsModel(m0.Options, 5, 6, uids);
        m.SetUserFactors(m0.UserFactors);
        m.SetItemFactors(m0.ItemFactors);
        m.SetUserBiases(m0.UserBiases);
        m.SetItemBiases(m0.ItemBiases);
        string folder = Path.Combine(_dir, "side");
        SparkAlsFormat.Export(m, folder, new SparkExportOptions { ExtrasInSidecar = true });
        foreach (string side in new[] { "userFactors", "itemFactors" })
        {
            string part = Directory.GetFiles(Path.Combine(folder, side), "*.parquet").Single();
            await using var fs = File.OpenRead(part);
            await using ParquetReader reader = await ParquetReader.CreateAsync(fs);
            Assert.Equal(["id", "features"], reader.Schema.Fields.Select(f => f.Name).ToArray());
        }

        string extra = Directory.GetFiles(Path.Combine(folder, "fastalsExtras", "userFactors"), "*.parquet").Single();
        await using (var fs = File.OpenRead(extra))
        {
            await using ParquetReader reader = await ParquetReader.CreateAsync(fs);
            Assert.Equal(["id", "bias", "external_id"], reader.Schema.Fields.Select(f => f.Name).ToArray());
        }

        using AlsModel back = SparkAlsFormat.Import(folder);
        AssertSameFactors(m, back);
        Assert.Equal(m.UserBiases, back.UserBiases);
        Assert.Equal(m.ItemBiases, back.ItemBiases);
        Assert.Equal("user 3", back.UserIds.GetString(3));

        Directory.Delete(Path.Combine(folder, "fastalsExtras", "itemFactors"), recursive: true);
        Assert.Contains("bias", Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder)).Message);
    }

    [Fact]
    public async Task Imports_a_plain_spark_export_without_extras()
    {
        string folder = Path.Combine(_dir, "spark");
        foreach (string side in new[] { "userFactors", "itemFactors" })
        {
            Directory.CreateDirectory(Path.Combine(folder, side));
            var id = new DataField<int>("id", false);
            var el = new DataField<float>("element", false);
            var schema = new ParquetSchema(id, new ListField("features", el));
            // two part files, as Spark writes one per partition
            for (int part = 0; part < 2; part++)
            {
                await using var fs = File.Create(Path.Combine(folder, side, $"part-0000{part}-abc-c000.snappy.parquet"));
                await using ParquetWriter w = await ParquetWriter.CreateAsync(schema, fs);
                using ParquetRowGroupWriter rg = w.CreateRowGroup();
                await rg.WriteAsync<int>(id, new[] { (10 * part) + 1, (10 * part) + 2 });
                await rg.WriteAllPartsAsync<float>(el, new float[] { part, 1, 2, 3 }, new[] { 2, 2, 2, 2 }, new[] { 0, 1, 0, 1 }, default);
                rg.CompleteValidate();
            }
        }

        Directory.CreateDirectory(Path.Combine(folder, "metadata"));
        File.WriteAllText(Path.Combine(folder, "metadata", "part-00000"),
            "{\"class\":\"org.apache.spark.ml.recommendation.ALSModel\",\"timestamp\":1700000000000,\"sparkVersion\":\"3.5.1\",\"uid\":\"als_0123abcd\",\"paramMap\":{\"userCol\":\"user\",\"itemCol\":\"item\"},\"defaultParamMap\":{\"blockSize\":4096},\"rank\":2}\n");
        using AlsModel m = SparkAlsFormat.Import(folder, new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 2 });
        Assert.Equal(AlsModelKind.Implicit, m.Kind);
        Assert.Equal(4, m.Users);
        Assert.Equal([1L, 2, 11, 12], m.UserIds.Int64Ids.ToArray());
        Assert.Equal([0f, 1, 2, 3, 1, 1, 2, 3], m.UserFactors.ToArray());
        Assert.Equal(1f * 1 + (1f * 1), m.Predict(m.UserIds.IndexOf(11), m.ItemIds.IndexOf(11)));

        using AlsModel plain = SparkAlsFormat.Import(folder);
        Assert.Equal(AlsModelKind.Explicit, plain.Kind);
        Assert.Throws<ArgumentException>(() => SparkAlsFormat.Import(folder, new AlsOptions { Factors = 3 }));
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder, new AlsOptions { Kind = AlsModelKind.BiasedExplicit, Factors = 2 }));
        Assert.Contains("bias", e.Message);
    }

    [Fact]
    public void Import_errors_name_the_problem()
    {
        Assert.Throws<FileNotFoundException>(() => SparkAlsFormat.Import(Path.Combine(_dir, "none")));
        string folder = Path.Combine(_dir, "bad");
        Directory.CreateDirectory(Path.Combine(folder, "metadata"));
        File.WriteAllText(Path.Combine(folder, "metadata", "part-00000"), "{\"class\":\"x\",\"rank\":2}");
        Assert.Contains("class", Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder)).Message);
        File.WriteAllText(Path.Combine(folder, "metadata", "part-00000"), "{\"class\":\"org.apache.spark.ml.recommendation.ALSModel\"}");
        Assert.Contains("rank", Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder)).Message);
        File.WriteAllText(Path.Combine(folder, "metadata", "part-00000"), "{not json");
        Assert.Contains("JSON", Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder)).Message);

        // The "fastals" options: a missing option and an unknown enum spelling are data errors that name the problem.
        const string head = "{\"class\":\"org.apache.spark.ml.recommendation.ALSModel\",\"rank\":2,\"fastals\":";
        File.WriteAllText(Path.Combine(folder, "metadata", "part-00000"), head + "{\"kind\":\"explicit\"}}");
        Assert.Contains("factors", Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder)).Message);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            AlsOptions.For(AlsModelKind.Explicit).WriteJsonProperties(w);
            w.WriteEndObject();
        }

        string options = System.Text.Encoding.UTF8.GetString(ms.ToArray()).Replace("\"by_count\"", "\"sideways\"", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "metadata", "part-00000"), head + options + "}");
        Assert.Contains("sideways", Assert.Throws<InvalidDataException>(() => SparkAlsFormat.Import(folder)).Message);
    }
}
