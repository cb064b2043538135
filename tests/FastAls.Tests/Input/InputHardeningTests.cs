using System.Text;
using FastAls.IO;
using FastAls.IO.ParquetSafety;
using FastAls.Tests.Data.Corruption;
using Parquet.Schema;

namespace FastAls.Tests.Data;

/// <summary>One test per class of bad input found by the adversarial run (issue 11), for Parquet and text.</summary>
public class InputHardeningTests
{
    private static void Has(Exception e, string part) =>
        Assert.True(e.Message.Contains(part, StringComparison.Ordinal), $"'{part}' not in: {e.Message}");

    private static InvalidDataException Fails(string path, InteractionLoadOptions? options = null)
    {
        var e = Assert.Throws<InvalidDataException>(() => InteractionLoader.Load(path, options));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        return e;
    }

    private static async Task<(string Path, byte[] Bytes)> FastAlsParquet(TempDir dir, int rows = 500, int rowGroup = 200)
    {
        (long[] u, long[] it, float[] v) = DataTestHelpers.Random(rows, 50, 40, 21);
        using var b = new InteractionBuilder();
        b.AddRange(u, it, v);
        using Dataset ds = b.Build();
        string path = dir.File("d.parquet");
        await InteractionParquetWriter.WriteAsync(ds, path, rowGroupSize: rowGroup);
        return (path, File.ReadAllBytes(path));
    }

    private static string Rewrite(TempDir dir, byte[] bytes, string name)
    {
        string p = dir.File(name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    /// <summary>Re-encodes the footer after <paramref name="edit"/> changed it (a consistent, well-formed forgery).</summary>
    private static byte[] ForgeFooter(byte[] bytes, Action<ThriftStruct> edit)
    {
        using var ms = new MemoryStream(bytes);
        ParquetFileCheck check = ParquetFileCheck.ReadFooter(ms, "x");
        edit(check.Meta);
        byte[] footer = ThriftCompactWriter.Write(check.Meta);
        return [.. bytes[..(int)check.FooterStart], .. footer, .. BitConverter.GetBytes(footer.Length), .. "PAR1"u8.ToArray()];
    }

    [Fact]
    public async Task Parquet_every_footer_stop_byte_removed_is_rejected_not_a_hang()
    {
        using var dir = new TempDir();
        (_, byte[] bytes) = await FastAlsParquet(dir);
        int footerLen = BitConverter.ToInt32(bytes, bytes.Length - 8);
        int start = bytes.Length - 8 - footerLen;
        int tried = 0;
        for (int k = start; k < bytes.Length - 8; k++)
        {
            if (bytes[k] != 0)
            {
                continue;
            }

            // Remove the byte (footer length kept: the decoder runs into the length and magic) and change it.
            byte[] removed = [.. bytes[..k], .. bytes[(k + 1)..]];
            byte[] changed = (byte[])bytes.Clone();
            changed[k] = 0x15;
            foreach (byte[] variant in new[] { removed, changed })
            {
                string p = Rewrite(dir, variant, $"stop{tried++}.parquet");
                var task = Task.Run(() =>
                {
                    try
                    {
                        using Dataset ds = InteractionLoader.Load(p);
                        return InputCorruptionTests.Canonical(ds);
                    }
                    catch (InvalidDataException e)
                    {
                        Assert.StartsWith(p, e.Message, StringComparison.Ordinal);
                        return null;
                    }
                });
                Task done = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10)));
                Assert.True(done == task, $"byte {k}: no result within 10 s");
                await task;
            }
        }

        Assert.True(tried > 10);
    }

    [Theory]
    [InlineData(6000L)]
    [InlineData(300_000_000L)]
    [InlineData(2_000_000_000L)]
    public async Task Parquet_forged_row_counts_are_rejected_before_allocating(long claimed)
    {
        using var dir = new TempDir();
        (_, byte[] bytes) = await FastAlsParquet(dir, rows: 500, rowGroup: 500);

        // Only the file's count; then the row group's too; then the row group's and every chunk's.
        byte[] fileOnly = ForgeFooter(bytes, m => m.Set(3, new ThriftValue { Type = ThriftType.I64, Int = claimed }));
        Has(Fails(Rewrite(dir, fileOnly, "a.parquet")), "claims");
        byte[] rowGroup = ForgeFooter(bytes, m =>
        {
            m.Set(3, new ThriftValue { Type = ThriftType.I64, Int = claimed });
            m.List(4)![0].Struct!.Set(3, new ThriftValue { Type = ThriftType.I64, Int = claimed });
        });
        var e = Fails(Rewrite(dir, rowGroup, "b.parquet"));
        Has(e, "row group 0");
        byte[] chunks = ForgeFooter(bytes, m =>
        {
            m.Set(3, new ThriftValue { Type = ThriftType.I64, Int = claimed });
            ThriftStruct rg = m.List(4)![0].Struct!;
            rg.Set(3, new ThriftValue { Type = ThriftType.I64, Int = claimed });
            foreach (ThriftValue c in rg.List(1)!)
            {
                c.Struct!.Sub(3)!.Set(5, new ThriftValue { Type = ThriftType.I64, Int = claimed });
            }
        });
        long before = GC.GetAllocatedBytesForCurrentThread();
        var c2 = Fails(Rewrite(dir, chunks, "c.parquet"));
        Has(c2, "row group 0, column");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Fact]
    public async Task Parquet_page_claiming_fewer_values_and_data_bit_flips_are_rejected()
    {
        using var dir = new TempDir();
        (string path, byte[] bytes) = await FastAlsParquet(dir, rows: 500, rowGroup: 500);
        List<(long Start, long Length)> regions = InputCorruptionTests.ParquetStructure(bytes);

        // The first page header of the first column: forge its value count (re-encoded, with its checksum intact).
        (long hs, long hl) = regions[1];
        var r = new ThriftCompactReader(bytes.AsMemory((int)hs, (int)hl));
        ThriftStruct ph = r.ReadStruct();
        ThriftStruct dph = ph.Sub(5) ?? ph.Sub(8)!;
        dph.Set(1, new ThriftValue { Type = ThriftType.I32, Int = 90 });
        byte[] header = ThriftCompactWriter.Write(ph);
        Assert.Equal(hl, header.Length);
        byte[] forged = (byte[])bytes.Clone();
        header.CopyTo(forged, hs);
        var e = Fails(Rewrite(dir, forged, "pages.parquet"));
        Has(e, "row group 0, column 'user'");

        // Every single-bit flip in the first page's data: the checksum catches it.
        long dataStart = hs + hl;
        for (long k = dataStart; k < dataStart + 64; k += 7)
        {
            byte[] flipped = (byte[])bytes.Clone();
            flipped[k] ^= 0x10;
            Has(Fails(Rewrite(dir, flipped, "flip.parquet")), "checksum");
        }

        // The original (with checksums) still loads.
        using Dataset ok = InteractionLoader.Load(path);
        Assert.Equal(500, ok.UserItems.Nnz + (500 - ok.UserItems.Nnz));
    }

    [Fact]
    public async Task Parquet_two_columns_with_one_name_are_rejected()
    {
        using var dir = new TempDir();
        (_, byte[] bytes) = await FastAlsParquet(dir);
        byte[] dup = ForgeFooter(bytes, m =>
        {
            List<ThriftValue> schema = m.List(2)!;
            ThriftStruct item = schema[2].Struct!;
            item.Set(4, new ThriftValue { Type = ThriftType.Binary, Bytes = "user"u8.ToArray() });
        });
        Has(Fails(Rewrite(dir, dup, "dup.parquet")), "two columns are named 'user'");
    }

    [Fact]
    public async Task Parquet_invalid_utf8_ids_are_rejected()
    {
        using var dir = new TempDir();
        string path = dir.File("utf8.parquet");
        var uf = new DataField<string>("user");
        var itf = new DataField<long>("item");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf], async (g, rg) =>
        {
            await rg.WriteAsync(uf, new[] { "aXa", "aYa", "aZa" });
            await rg.WriteAsync<long>(itf, new long[] { 1, 2, 3 });
        });

        // Three distinct invalid byte strings (a lone continuation byte, an overlong form, a bad lead byte).
        byte[] bytes = File.ReadAllBytes(path);
        byte[] bad = (byte[])bytes.Clone();
        ReadOnlySpan<byte> x = "aXa"u8, y = "aYa"u8, z = "aZa"u8;
        bad[bytes.AsSpan().IndexOf(x) + 1] = 0x80;
        bad[bytes.AsSpan().IndexOf(y) + 1] = 0xC0;
        bad[bytes.AsSpan().IndexOf(z) + 1] = 0xFF;
        var e = Fails(Rewrite(dir, bad, "bad.parquet"));
        Has(e, "row group 0, row ");
        Has(e, "column 'user'");
        Has(e, "UTF-8");
    }

    [Fact]
    public async Task Parquet_valid_utf8_ids_including_replacement_character_are_kept()
    {
        using var dir = new TempDir();
        string path = dir.File("ok.parquet");
        var uf = new DataField<string?>("user");
        var itf = new DataField<string>("item");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf], async (g, rg) =>
        {
            await rg.WriteAsync(uf, new[] { "a\uFFFDb", "ü", "a\uFFFDb" });
            await rg.WriteAsync(itf, new[] { "😀", "x", "y" });
        });
        using Dataset ds = InteractionLoader.Load(path);
        Assert.Equal(["a\uFFFDb", "ü"], [ds.UserIds.GetString(0), ds.UserIds.GetString(1)]);
        Assert.Equal("😀", ds.ItemIds.GetString(0));
        Assert.Equal(3, ds.Nnz);
    }

    [Fact]
    public async Task Parquet_default_value_column_missing_among_others_is_an_error()
    {
        using var dir = new TempDir();
        string path = dir.File("plays.parquet");
        var uf = new DataField<long>("user");
        var itf = new DataField<long>("item");
        var pf = new DataField<long>("plays");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf, pf], async (g, rg) =>
        {
            await rg.WriteAsync<long>(uf, new long[] { 1 });
            await rg.WriteAsync<long>(itf, new long[] { 2 });
            await rg.WriteAsync<long>(pf, new long[] { 7 });
        });
        Has(Fails(path), "no column 'value'");
        using Dataset ds = InteractionLoader.Load(path, new InteractionLoadOptions { ValueColumn = "plays" });
        Assert.Equal(7f, ds.UserItems.Get(0, 0));
        using Dataset ones = InteractionLoader.Load(path, new InteractionLoadOptions { ValueColumn = null });
        Assert.Equal(1f, ones.UserItems.Get(0, 0));
    }

    [Fact]
    public void Text_cr_only_line_endings_are_lines()
    {
        using var dir = new TempDir();
        string cr = dir.Write("cr.csv", "user,item,value\r1,2,3\r4,5,6\r");
        string lf = dir.Write("lf.csv", "user,item,value\n1,2,3\n4,5,6\n");
        using Dataset a = InteractionLoader.Load(cr);
        using Dataset b = InteractionLoader.Load(lf);
        Assert.Equal(2, a.Nnz);
        DataTestHelpers.AssertSame(b, a);
    }

    [Fact]
    public void Text_quoted_fields_are_unquoted()
    {
        using var dir = new TempDir();
        string q = dir.Write("q.csv", "\"user\",\"item\",\"value\"\n\"ann\",\"b,1\",\"2\"\n\"say \"\"hi\"\"\",x,3\n");
        using Dataset ds = InteractionLoader.Load(q);
        Assert.Equal("ann", ds.UserIds.GetString(0));
        Assert.Equal("say \"hi\"", ds.UserIds.GetString(1));
        Assert.Equal("b,1", ds.ItemIds.GetString(0));
        Assert.Equal(2f, ds.UserItems.Get(0, 0));

        string open = dir.Write("open.csv", "user,item\n\"ann,b\n");
        Has(Fails(open), "not closed");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Text_utf16_is_named(bool bigEndian)
    {
        using var dir = new TempDir();
        string p = dir.File("u16.csv");
        File.WriteAllText(p, "user,item,value\n1,2,3\n", new UnicodeEncoding(bigEndian, byteOrderMark: true));
        Has(Fails(p), "this file is UTF-16; FastAls reads UTF-8");
        File.WriteAllBytes(p, Encoding.Unicode.GetBytes("user,item,value\n1,2,3\n")); // no BOM
        Has(Fails(p), "UTF-16");
    }

    [Fact]
    public void Text_utf8_bom_is_skipped_and_invalid_utf8_ids_rejected()
    {
        using var dir = new TempDir();
        string p = dir.File("bom.csv");
        File.WriteAllBytes(p, [0xEF, 0xBB, 0xBF, .. "user,item,value\nann,b,2\n"u8.ToArray()]);
        using Dataset ds = InteractionLoader.Load(p);
        Assert.Equal("ann", ds.UserIds.GetString(0));

        File.WriteAllBytes(p, [.. "user,item\nann,b\na"u8.ToArray(), 0xFF, .. ",b\n"u8.ToArray()]);
        var e = Fails(p);
        Has(e, "line 3");
        Has(e, "UTF-8");
    }

    [Fact]
    public void Text_header_rule_named_columns_must_exist()
    {
        using var dir = new TempDir();
        var named = new InteractionLoadOptions { UserColumn = "uid", ItemColumn = "iid", ValueColumn = "plays" };

        // Names given, header has other names: an error listing the columns (was: users and items swapped).
        string swapped = dir.Write("s.csv", "item_id,user_id,plays\n10,1,5\n11,2,6\n");
        var e = Fails(swapped, named);
        Has(e, "'item_id', 'user_id', 'plays'");
        Has(e, "'uid'");

        // Default names, header user,item,plays: an error, not every value silently 1.0.
        string plays = dir.Write("p.csv", "user,item,plays\n1,10,5\n");
        Has(Fails(plays), "no column 'value'");
        using Dataset ds = InteractionLoader.Load(plays, new InteractionLoadOptions { ValueColumn = "plays" });
        Assert.Equal(5f, ds.UserItems.Get(0, 0));

        // No name given and a header matching neither default: positions, as without a header.
        string positional = dir.Write("pos.tsv", "userID\tartistID\tweight\n1\t10\t5\n");
        using Dataset pos = InteractionLoader.Load(positional);
        Assert.Equal(5f, pos.UserItems.Get(0, 0));
    }

    [Fact]
    public void Text_huge_line_of_many_fields_is_bounded()
    {
        using var dir = new TempDir();
        string p = dir.File("wide.csv");
        var sb = new StringBuilder(3 << 20);
        sb.Append("1,2");
        for (int k = 0; k < 1_000_000; k++)
        {
            sb.Append(",x");
        }

        sb.Append("\n1,2\n");
        File.WriteAllText(p, sb.ToString());
        long before = GC.GetAllocatedBytesForCurrentThread();
        Has(Fails(p), "line 1, column 3");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }
}
