using FastAls.DataFrame;
using FastAls.IO;
using Microsoft.Data.Analysis;
using MdaDataFrame = Microsoft.Data.Analysis.DataFrame;

namespace FastAls.DataFrame.Tests;

public class DataFrameInteractionsTests
{
    private static Dataset Sample(IdKind kind)
    {
        var b = new InteractionBuilder(kind, kind);
        var rng = new Random(5);
        for (int k = 0; k < 3000; k++)
        {
            int u = rng.Next(70), i = rng.Next(50);
            if (kind == IdKind.Int64)
            {
                b.Add(u * 10L, i * 3L, rng.Next(1, 6));
            }
            else
            {
                b.Add("u" + u, "i" + i, rng.Next(1, 6));
            }
        }

        using (b)
        {
            return b.Build();
        }
    }

    private static Dictionary<(string, string), float> Triplets(Dataset ds)
    {
        var d = new Dictionary<(string, string), float>();
        for (int r = 0; r < ds.Users; r++)
        {
            ReadOnlySpan<int> c = ds.UserItems.RowIndices(r);
            ReadOnlySpan<float> v = ds.UserItems.RowValues(r);
            for (int k = 0; k < c.Length; k++)
            {
                d.Add((ds.UserIds.Format(r), ds.ItemIds.Format(c[k])), v[k]);
            }
        }

        return d;
    }

    [Theory]
    [InlineData(IdKind.Int64)]
    [InlineData(IdKind.String)]
    public void DatasetToFrameAndBack_round_trips(IdKind kind)
    {
        using Dataset ds = Sample(kind);
        MdaDataFrame df = ds.ToDataFrame();
        Assert.Equal(ds.Nnz, df.Rows.Count);
        Assert.Equal(["user", "item", "value"], df.Columns.Select(c => c.Name).ToArray());
        Assert.Equal(kind == IdKind.Int64 ? typeof(long) : typeof(string), df.Columns["user"].DataType);
        using Dataset back = df.ToDataset(new InteractionLoadOptions { Duplicates = DuplicatePolicy.Error });
        Assert.Equal(Triplets(ds), Triplets(back));
        back.UserItems.Validate();
        back.ItemUsers.Validate();
    }

    [Fact]
    public void Int32IdsDoubleValues_arrow_strings_custom_names()
    {
        var df = new MdaDataFrame(
            new Int32DataFrameColumn("cust", new[] { 1, 2, 1 }),
            new Int32DataFrameColumn("prod", new[] { 7, 7, 8 }),
            new DoubleDataFrameColumn("score", new[] { 0.5, 1.5, 2.5 }));
        using Dataset ds = df.ToDataset(new InteractionLoadOptions { UserColumn = "cust", ItemColumn = "prod", ValueColumn = "score" });
        Assert.Equal(2, ds.Users);
        Assert.Equal(2.5f, ds.UserItems.Get(0, 1));

        // Arrow layout: UTF-8 bytes, int32 offsets, validity bitmap.
        byte[] offsets = new[] { 0, 3, 5, 8 }.SelectMany(BitConverter.GetBytes).ToArray();
        var arrow = new ArrowStringDataFrameColumn("user", "annboann"u8.ToArray(), offsets, new byte[] { 0xFF }, 3, 0);
        Assert.Equal(3, arrow.Length);
        var df2 = new MdaDataFrame(arrow, new Int64DataFrameColumn("item", new long[] { 1, 2, 3 }));
        using Dataset d2 = df2.ToDataset();
        Assert.Equal("bo", d2.UserIds.GetString(1));
        Assert.Equal(1f, d2.UserItems.Get(0, 2));
    }

    [Fact]
    public void Bad_missing_column_wrong_type_null_value_empty()
    {
        var missing = new MdaDataFrame(new Int64DataFrameColumn("user", new long[] { 1 }), new Int64DataFrameColumn("product", new long[] { 1 }));
        Assert.Contains("no column 'item'", Assert.Throws<InvalidDataException>(() => missing.ToDataset()).Message, StringComparison.Ordinal);

        var wrong = new MdaDataFrame(new DoubleDataFrameColumn("user", new double[] { 1 }), new Int64DataFrameColumn("item", new long[] { 1 }));
        Assert.Contains("column 'user'", Assert.Throws<InvalidDataException>(() => wrong.ToDataset()).Message, StringComparison.Ordinal);

        var nul = new MdaDataFrame(new Int64DataFrameColumn("user", new long?[] { 1, null }), new Int64DataFrameColumn("item", new long[] { 1, 2 }));
        Assert.Contains("row 1, column 'user'", Assert.Throws<InvalidDataException>(() => nul.ToDataset()).Message, StringComparison.Ordinal);

        var nan = new MdaDataFrame(new Int64DataFrameColumn("user", new long[] { 1, 2 }), new Int64DataFrameColumn("item", new long[] { 1, 2 }), new SingleDataFrameColumn("value", new[] { 1f, float.NaN }));
        Assert.Contains("DataFrame, row 1, column 'value'", Assert.Throws<InvalidDataException>(() => nan.ToDataset()).Message, StringComparison.Ordinal);

        var empty = new MdaDataFrame(new Int64DataFrameColumn("user", 0), new Int64DataFrameColumn("item", 0));
        Assert.Contains("no interactions", Assert.Throws<InvalidDataException>(() => empty.ToDataset()).Message, StringComparison.Ordinal);
    }
    [Fact]
    public void Bad_values_per_policy_value_type_id_kind_not_as_asked()
    {
        MdaDataFrame Frame(DataFrameColumn value) =>
            new(new Int64DataFrameColumn("user", new long[] { 1, 2, 3 }), new Int64DataFrameColumn("item", new long[] { 1, 2, 3 }), value);

        var inf = Frame(new DoubleDataFrameColumn("value", new[] { 1.0, 2.0, double.PositiveInfinity }));
        Assert.Contains("DataFrame, row 2, column 'value'", Assert.Throws<InvalidDataException>(() => inf.ToDataset()).Message, StringComparison.Ordinal);

        // Zeros and negatives are kept by default and rejected per ValuePolicy, naming the row.
        var signs = Frame(new Int32DataFrameColumn("value", new[] { 4, 0, -3 }));
        using (Dataset kept = signs.ToDataset())
        {
            Assert.Equal(3, kept.Nnz);
            Assert.Equal(-3f, kept.UserItems.Get(2, 2));
        }

        var neg = Assert.Throws<InvalidDataException>(() => signs.ToDataset(new InteractionLoadOptions { Values = ValuePolicy.RejectNegative }));
        Assert.Contains("row 2, column 'value'", neg.Message, StringComparison.Ordinal);
        Assert.Contains("negative", neg.Message, StringComparison.Ordinal);
        var zero = Assert.Throws<InvalidDataException>(() => signs.ToDataset(new InteractionLoadOptions { Values = ValuePolicy.RejectZero }));
        Assert.Contains("row 1, column 'value'", zero.Message, StringComparison.Ordinal);

        var text = Frame(new StringDataFrameColumn("value", new[] { "a", "b", "c" }));
        Assert.Contains("column 'value'", Assert.Throws<InvalidDataException>(() => text.ToDataset()).Message, StringComparison.Ordinal);

        var stringIds = new MdaDataFrame(new StringDataFrameColumn("user", new[] { "u1" }), new Int64DataFrameColumn("item", new long[] { 1 }));
        var kind = Assert.Throws<InvalidDataException>(() => stringIds.ToDataset(new InteractionLoadOptions { UserIdKind = IdKind.Int64 }));
        Assert.Contains("column 'user'", kind.Message, StringComparison.Ordinal);
        Assert.Contains("UserIdKind is Int64", kind.Message, StringComparison.Ordinal);
    }
}
