using FastAls.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.Tests.Data;

public class ParquetReaderTests
{
    [Fact]
    public async Task WriterThenReader_round_trips_many_row_groups()
    {
        using var dir = new TempDir();
        (long[] u, long[] it, float[] v) = DataTestHelpers.Random(5000, 100, 80, 7);
        using var b = new InteractionBuilder();
        b.AddRange(u, it, v);
        using Dataset expected = b.Build();
        string path = dir.File("x.parquet");
        await InteractionParquetWriter.WriteAsync(expected, path, rowGroupSize: 333);
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left
        using Dataset actual = await InteractionLoader.LoadAsync(path);
        Assert.Equal(DataTestHelpers.ToTriplets(expected), DataTestHelpers.ToTriplets(actual));
        DataTestHelpers.AssertConsistent(actual);
        using Dataset sync = InteractionLoader.Load(path);
        DataTestHelpers.AssertSame(actual, sync);
    }

    [Fact]
    public async Task StringIds_round_trip()
    {
        using var dir = new TempDir();
        using var b = new InteractionBuilder(IdKind.String, IdKind.String);
        b.Add("ann", "a", 1f);
        b.Add("bo", "b", 2f);
        b.Add("ann", "b", 3f);
        using Dataset expected = b.Build();
        string path = dir.File("s.parquet");
        await InteractionParquetWriter.WriteAsync(expected, path);
        using Dataset actual = await InteractionLoader.LoadAsync(path);
        Assert.Equal(IdKind.String, actual.UserIds.Kind);
        Assert.Equal(DataTestHelpers.ToTriplets(expected), DataTestHelpers.ToTriplets(actual));
    }

    [Fact]
    public async Task Int32IdsDoubleValues_nullable_without_nulls_custom_names()
    {
        using var dir = new TempDir();
        string path = dir.File("t.parquet");
        var uf = new DataField<int?>("customer");
        var itf = new DataField<int>("product");
        var vf = new DataField<double>("score");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf, vf], async (g, rg) =>
        {
            await rg.WriteAsync<int>(uf, new int?[] { 1 + g, 2 + g });
            await rg.WriteAsync<int>(itf, g == 0 ? new[] { 10, 11 } : new[] { 11, 10 });
            await rg.WriteAsync<double>(vf, new[] { 0.5, 2.5 });
        }, groups: 2);
        using Dataset ds = await InteractionLoader.LoadAsync(path, new InteractionLoadOptions { UserColumn = "customer", ItemColumn = "product", ValueColumn = "score" });
        Assert.Equal(3, ds.Users);
        Assert.Equal(3, ds.Nnz);
        Assert.Equal(3f, ds.UserItems.Get(1, 1)); // user 2, item 11: 2.5 (group 0) + 0.5 (group 1), summed
    }

    [Fact]
    public async Task NoValueColumn_means_one_and_int64_values()
    {
        using var dir = new TempDir();
        string path = dir.File("n.parquet");
        var uf = new DataField<long>("user");
        var itf = new DataField<long>("item");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, new long[] { 1, 2 });
            await rg.WriteAsync<long>(itf, new long[] { 3, 3 });
        });
        using Dataset ds = await InteractionLoader.LoadAsync(path);
        Assert.Equal(1f, ds.UserItems.Get(0, 0));

        string p2 = dir.File("v.parquet");
        var vf = new DataField<long>("plays");
        await DataTestHelpers.WriteParquetAsync(p2, [uf, itf, vf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, new long[] { 1 });
            await rg.WriteAsync<long>(itf, new long[] { 3 });
            await rg.WriteAsync<long>(vf, new long[] { 42 });
        });
        using Dataset d2 = await InteractionLoader.LoadAsync(p2, new InteractionLoadOptions { ValueColumn = "plays" });
        Assert.Equal(42f, d2.UserItems.Get(0, 0));
    }

    [Fact]
    public async Task PartDirectory_spark_layout()
    {
        using var dir = new TempDir();
        string parts = Path.Combine(dir.Path, "events");
        Directory.CreateDirectory(parts);
        (long[] u, long[] it, float[] v) = DataTestHelpers.Random(3000, 50, 40, 3);
        for (int p = 0; p < 3; p++)
        {
            await using InteractionParquetWriter w = await InteractionParquetWriter.CreateAsync(Path.Combine(parts, $"part-0000{p}-abc.snappy.parquet"));
            await w.WriteRowGroupAsync(u.AsMemory(p * 1000, 1000), it.AsMemory(p * 1000, 1000), v.AsMemory(p * 1000, 1000));
            await w.CompleteAsync();
        }

        File.WriteAllText(Path.Combine(parts, "_SUCCESS"), string.Empty);
        File.WriteAllText(Path.Combine(parts, ".part-00000-abc.snappy.parquet.crc"), "junk");
        File.WriteAllText(Path.Combine(parts, ".hidden.parquet"), "junk");
        using Dataset ds = await InteractionLoader.LoadAsync(parts);
        using var b = new InteractionBuilder();
        b.AddRange(u, it, v);
        using Dataset expected = b.Build();
        DataTestHelpers.AssertSame(expected, ds);
    }

    [Fact]
    public async Task Writer_disposed_without_complete_leaves_nothing()
    {
        using var dir = new TempDir();
        string path = dir.File("never.parquet");
        await using (InteractionParquetWriter w = await InteractionParquetWriter.CreateAsync(path))
        {
            await w.WriteRowGroupAsync(new long[] { 1 }, new long[] { 2 }, new float[] { 3 });
        }

        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    private static async Task<InvalidDataException> FailsAsync(string path, InteractionLoadOptions? options = null)
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => InteractionLoader.LoadAsync(path, options));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public async Task Bad_missing_column()
    {
        using var dir = new TempDir();
        string path = dir.File("m.parquet");
        var uf = new DataField<long>("user");
        var itf = new DataField<long>("product");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, new long[] { 1 });
            await rg.WriteAsync<long>(itf, new long[] { 2 });
        });
        var e = await FailsAsync(path);
        Assert.Contains("no column 'item'", e.Message, StringComparison.Ordinal);
        var v = await FailsAsync(path, new InteractionLoadOptions { ItemColumn = "product", ValueColumn = "rating" });
        Assert.Contains("no column 'rating'", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_wrong_column_type()
    {
        using var dir = new TempDir();
        string path = dir.File("w.parquet");
        var uf = new DataField<long>("user");
        var itf = new DataField<double>("item");
        var vf = new DataField<string>("value");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf, vf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, new long[] { 1 });
            await rg.WriteAsync<double>(itf, new double[] { 2 });
            await rg.WriteAsync(vf, new[] { "x" });
        });
        var e = await FailsAsync(path);
        Assert.Contains("column 'item'", e.Message, StringComparison.Ordinal);
        Assert.Contains("double", e.Message, StringComparison.Ordinal);
        var v = await FailsAsync(path, new InteractionLoadOptions { ItemColumn = "user", UserColumn = "user" });
        Assert.Contains("column 'value'", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_null_in_id_column_names_row_group_row_and_column()
    {
        using var dir = new TempDir();
        string path = dir.File("null.parquet");
        var uf = new DataField<long?>("user");
        var itf = new DataField<string>("item");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, g == 1 ? new long?[] { 1, null, 3 } : new long?[] { 1, 2, 3 });
            await rg.WriteAsync(itf, new[] { "a", "b", "c" });
        }, groups: 2);
        var e = await FailsAsync(path);
        Assert.Contains("row group 1, row 1, column 'user'", e.Message, StringComparison.Ordinal);
        Assert.Contains("null", e.Message, StringComparison.Ordinal);

        string p2 = dir.File("null2.parquet");
        var sf = new DataField<string>("user");
        var lf = new DataField<long>("item");
        await DataTestHelpers.WriteParquetAsync(p2, [sf, lf], async (g, rg) =>
        {
            await rg.WriteAsync(sf, new[] { "a", null!, "c" });
            await rg.WriteAsync<long>(lf, new long[] { 1, 2, 3 });
        });
        var e2 = await FailsAsync(p2);
        Assert.Contains("row group 0, row 1, column 'user'", e2.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, ValuePolicy.KeepAll, "not finite")]
    [InlineData(double.PositiveInfinity, ValuePolicy.KeepAll, "not finite")]
    [InlineData(-1.0, ValuePolicy.RejectNegative, "negative")]
    [InlineData(0.0, ValuePolicy.RejectZero, "zero")]
    public async Task Bad_values_name_row_group_row_and_column(double bad, ValuePolicy policy, string why)
    {
        using var dir = new TempDir();
        string path = dir.File("v.parquet");
        var uf = new DataField<long>("user");
        var itf = new DataField<long>("item");
        var vf = new DataField<double>("value");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf, vf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, new long[] { 1, 2, 3 });
            await rg.WriteAsync<long>(itf, new long[] { 1, 2, 3 });
            await rg.WriteAsync<double>(vf, g == 2 ? new[] { 1.0, 1.0, bad } : new[] { 1.0, 1.0, 1.0 });
        }, groups: 3);
        var e = await FailsAsync(path, new InteractionLoadOptions { Values = policy });
        Assert.Contains("row group 2, row 2, column 'value'", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Int32Values_are_read()
    {
        using var dir = new TempDir();
        string path = dir.File("i.parquet");
        var uf = new DataField<long>("user");
        var itf = new DataField<long>("item");
        var vf = new DataField<int>("value");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf, vf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, new long[] { 1, 2 });
            await rg.WriteAsync<long>(itf, new long[] { 3, 4 });
            await rg.WriteAsync<int>(vf, new[] { 7, -2 });
        });
        using Dataset ds = await InteractionLoader.LoadAsync(path);
        Assert.Equal(7f, ds.UserItems.Get(0, 0));
        Assert.Equal(-2f, ds.UserItems.Get(1, 1)); // kept: ValuePolicy.KeepAll is the default
    }

    [Fact]
    public async Task Bad_id_kind_not_as_asked_or_differing_between_part_files()
    {
        using var dir = new TempDir();
        string parts = Path.Combine(dir.Path, "parts");
        Directory.CreateDirectory(parts);
        var lu = new DataField<long>("user");
        var su = new DataField<string>("user");
        var itf = new DataField<long>("item");
        await DataTestHelpers.WriteParquetAsync(Path.Combine(parts, "part-0.parquet"), [lu, itf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(lu, new long[] { 1 });
            await rg.WriteAsync<long>(itf, new long[] { 2 });
        });
        string second = Path.Combine(parts, "part-1.parquet");
        await DataTestHelpers.WriteParquetAsync(second, [su, itf], async (g, rg) =>
        {
            await rg.WriteAsync(su, new[] { "u7" });
            await rg.WriteAsync<long>(itf, new long[] { 2 });
        });

        var e = await FailsAsync(parts);
        Assert.Contains(second, e.Message, StringComparison.Ordinal);
        Assert.Contains("differ from the earlier part files", e.Message, StringComparison.Ordinal);

        var k = await FailsAsync(second, new InteractionLoadOptions { UserIdKind = IdKind.Int64 });
        Assert.Contains("column 'user'", k.Message, StringComparison.Ordinal);
        Assert.Contains("UserIdKind is Int64 but the column holds string", k.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_empty_input()
    {
        using var dir = new TempDir();
        string path = dir.File("e.parquet");
        await using (InteractionParquetWriter w = await InteractionParquetWriter.CreateAsync(path))
        {
            await w.CompleteAsync();
        }

        var e = await FailsAsync(path);
        Assert.Contains("no interactions", e.Message, StringComparison.Ordinal);

        string notParquet = dir.Write("junk.parquet", "hello");
        var j = await FailsAsync(notParquet);
        Assert.Contains("not a Parquet file", j.Message, StringComparison.Ordinal);

        string emptyDir = Path.Combine(dir.Path, "parts");
        Directory.CreateDirectory(emptyDir);
        File.WriteAllText(Path.Combine(emptyDir, "_SUCCESS"), string.Empty);
        var d = await FailsAsync(emptyDir);
        Assert.Contains("no *.parquet", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_duplicate_under_error_names_row_groups_and_rows()
    {
        using var dir = new TempDir();
        string path = dir.File("d.parquet");
        var uf = new DataField<long>("user");
        var itf = new DataField<long>("item");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, g == 0 ? new long[] { 1, 2 } : new long[] { 3, 2 });
            await rg.WriteAsync<long>(itf, g == 0 ? new long[] { 1, 7 } : new long[] { 1, 7 });
        }, groups: 2);
        var e = await FailsAsync(path, new InteractionLoadOptions { Duplicates = DuplicatePolicy.Error });
        Assert.Contains("user 2, item 7", e.Message, StringComparison.Ordinal);
        Assert.Contains("row group 1, row 1, column 'item'", e.Message, StringComparison.Ordinal);
        Assert.Contains("row group 0, row 1, column 'item'", e.Message, StringComparison.Ordinal);
    }
}
