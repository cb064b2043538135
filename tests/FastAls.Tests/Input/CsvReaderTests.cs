using FastAls.IO;

namespace FastAls.Tests.Data;

public class CsvReaderTests
{
    [SkippableFact]
    public void MovieLens100k_loads_as_is()
    {
        string? path = DataTestHelpers.SharedFile("ml-100k/u.data");
        Skip.If(path is null, "ml-100k/u.data not found (set FASTALS_SHARED_DATA or place shared/data above the repo)");
        using Dataset ds = InteractionLoader.Load(path!, new InteractionLoadOptions { Duplicates = DuplicatePolicy.Error });
        Assert.Equal(100_000, ds.Nnz);
        Assert.Equal(943, ds.Users);
        Assert.Equal(1682, ds.Items);
        Assert.Equal(196, ds.UserIds.GetInt64(0)); // first line: 196 242 3 881250949
        Assert.Equal(3f, ds.UserItems.Get(0, ds.ItemIds.TryGetIndex(242, out int i) ? i : -1));
        double sum = 0;
        foreach (float v in ds.UserItems.Values)
        {
            sum += v;
        }

        Assert.Equal(352_986, sum); // sum of all ratings in u.data
        DataTestHelpers.AssertConsistent(ds);
    }

    [SkippableFact]
    public void LastFm2k_loads_as_is_header_crlf_no_final_newline()
    {
        string? path = DataTestHelpers.SharedFile("lastfm-2k/user_artists.dat");
        Skip.If(path is null, "lastfm-2k/user_artists.dat not found (set FASTALS_SHARED_DATA or place shared/data above the repo)");
        using Dataset ds = InteractionLoader.Load(path!, new InteractionLoadOptions { Values = ValuePolicy.RejectNonPositive });
        Assert.Equal(92_834, ds.Nnz);
        Assert.Equal(1_892, ds.Users);
        Assert.Equal(17_632, ds.Items);
        double sum = 0;
        foreach (float v in ds.UserItems.Values)
        {
            sum += v;
        }

        Assert.Equal(69_183_975, sum);
        Assert.Equal(2, ds.UserIds.GetInt64(0));
        Assert.Equal(51, ds.ItemIds.GetInt64(0));

        // The same file, its columns named through the header.
        using Dataset named = InteractionLoader.Load(path!, new InteractionLoadOptions { UserColumn = "userID", ItemColumn = "artistID", ValueColumn = "weight" });
        DataTestHelpers.AssertSame(ds, named);
    }

    [Theory]
    [InlineData("\t", true, "\n", true)]
    [InlineData("\t", false, "\r\n", false)]
    [InlineData(",", true, "\r\n", false)]
    [InlineData(",", false, "\n", true)]
    [InlineData("::", false, "\n", false)]
    [InlineData("::", true, "\r\n", true)]
    public void Variants_all_give_the_same_dataset(string sep, bool header, string newline, bool finalNewline)
    {
        using var dir = new TempDir();
        var lines = new List<string>();
        if (header)
        {
            lines.Add(string.Join(sep, "user", "item", "value"));
        }

        lines.Add(string.Join(sep, "5", "100", "4.5"));
        lines.Add(string.Join(sep, "7", "101", "1"));
        lines.Add(string.Join(sep, "5", "101", "2e0"));
        lines.Add(string.Join(sep, "9", "100", "-3"));
        string text = string.Join(newline, lines) + (finalNewline ? newline : string.Empty);
        string path = dir.Write("in.txt", text);
        using Dataset ds = InteractionLoader.Load(path, new InteractionLoadOptions { Separator = sep == "\t" ? null : sep });
        Assert.Equal(3, ds.Users);
        Assert.Equal(2, ds.Items);
        Assert.Equal(4, ds.Nnz);
        Assert.Equal(4.5f, ds.UserItems.Get(0, 0));
        Assert.Equal(2f, ds.UserItems.Get(0, 1));
        Assert.Equal(-3f, ds.UserItems.Get(2, 0));
        Assert.Equal(9, ds.UserIds.GetInt64(2));
    }

    [Fact]
    public void SeparatorAutoDetected_and_blank_lines_skipped()
    {
        using var dir = new TempDir();
        string path = dir.Write("in.csv", "1::2::3\n\n1::3::4\n\n");
        using Dataset ds = InteractionLoader.Load(path);
        Assert.Equal(2, ds.Nnz);
    }

    [Fact]
    public void StringIds_and_no_value_column()
    {
        using var dir = new TempDir();
        string path = dir.Write("in.csv", "user,item\nalice,book-1\nbob,book-2\nalice,book-2\n");
        using Dataset ds = InteractionLoader.Load(path);
        Assert.Equal(IdKind.String, ds.UserIds.Kind);
        Assert.Equal("alice", ds.UserIds.GetString(0));
        Assert.Equal("book-2", ds.ItemIds.GetString(1));
        Assert.Equal(1f, ds.UserItems.Get(0, 1));
        Assert.Equal(3, ds.Nnz);
    }

    [Fact]
    public void Positional_columns_pick_user_item_and_value_by_index()
    {
        using var dir = new TempDir();
        string path = dir.Write("in.tsv", "x\t8\t1\t9\n");
        using Dataset ds = InteractionLoader.Load(path, new InteractionLoadOptions { UserColumnIndex = 2, ItemColumnIndex = 1, ValueColumnIndex = 3 });
        Assert.Equal(1, ds.UserIds.GetInt64(0));
        Assert.Equal(8, ds.ItemIds.GetInt64(0));
        Assert.Equal(9f, ds.UserItems.Get(0, 0));
    }

    private static InvalidDataException LoadFails(string text, InteractionLoadOptions? options = null, string name = "bad.csv")
    {
        using var dir = new TempDir();
        string path = dir.Write(name, text);
        var e = Assert.Throws<InvalidDataException>(() => InteractionLoader.Load(path, options));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void Bad_wrong_number_of_fields_names_line()
    {
        var e = LoadFails("1,2,3\n4,5,6\n7,8\n");
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 field(s)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_unparseable_id_names_line_and_column()
    {
        var e = LoadFails("user,item,value\n1,2,3\n1,2x,3\n");
        Assert.Contains("line 3, column 'item'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'2x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_unparseable_value_names_line_and_column()
    {
        var e = LoadFails("1\t2\tthree\n");
        Assert.Contains("line 1, column 3 (value)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e300")]
    public void Bad_non_finite_value_names_line_and_column(string value)
    {
        var e = LoadFails($"user,item,value\n1,2,3\n1,3,{value}\n");
        Assert.Contains("line 3, column 'value'", e.Message, StringComparison.Ordinal);
        Assert.Contains("not finite", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_negative_when_forbidden_names_line_and_column()
    {
        var e = LoadFails("1\t2\t3\n1\t3\t-1\n", new InteractionLoadOptions { Values = ValuePolicy.RejectNegative });
        Assert.Contains("line 2, column 3 (value)", e.Message, StringComparison.Ordinal);
        Assert.Contains("negative", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_missing_column_names_header_line()
    {
        var e = LoadFails("user,product,value\n1,2,3\n");
        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("'item'", e.Message, StringComparison.Ordinal);

        var v = LoadFails("user,item,rating\n1,2,3\n", new InteractionLoadOptions { ValueColumn = "score" });
        Assert.Contains("'score'", v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_empty_input()
    {
        Assert.Contains("no interactions", LoadFails(string.Empty).Message, StringComparison.Ordinal);
        Assert.Contains("no interactions", LoadFails("user,item,value\r\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_duplicate_under_error_names_both_lines()
    {
        var e = LoadFails("user,item,value\n1,2,3\n\n4,5,6\n1,2,4\n", new InteractionLoadOptions { Duplicates = DuplicatePolicy.Error });
        Assert.Contains("line 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("user 1, item 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_empty_id()
    {
        var e = LoadFails("1,,3\n");
        Assert.Contains("line 1, column 2 (item)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LineNumbers_stay_right_across_batches_and_blank_lines()
    {
        // More records than one parse batch (65,536), blank lines in between: errors must still name the right lines.
        var sb = new System.Text.StringBuilder();
        for (int k = 0; k < 70_000; k++)
        {
            sb.Append(k).Append(',').Append(k % 97).Append(",1\n");
            if (k == 40_000)
            {
                sb.Append("\n\n");
            }
        }

        sb.Append("5,5,2\n");      // duplicate of line 6 (user 5, item 5): line 70,003
        sb.Append("6,1,NaN\n");    // line 70,004
        using var dir = new TempDir();
        string dup = dir.Write("dup.csv", sb.ToString());
        var e = Assert.Throws<InvalidDataException>(() => InteractionLoader.Load(dup, new InteractionLoadOptions { Duplicates = DuplicatePolicy.Error, Values = ValuePolicy.KeepAll, ValueColumnIndex = -1 }));
        Assert.Contains("line 70003", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 6,", e.Message, StringComparison.Ordinal);

        var v = Assert.Throws<InvalidDataException>(() => InteractionLoader.Load(dup));
        Assert.Contains("line 70004, column 3 (value)", v.Message, StringComparison.Ordinal);
        using Dataset ok = InteractionLoader.Load(dup, new InteractionLoadOptions { ValueColumnIndex = -1 });
        Assert.Equal(70_001, ok.Nnz); // 70,000 pairs, the duplicate merged, (6, 1) new
    }
}
