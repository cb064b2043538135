using System.Globalization;
using System.Text;
using FastAls.IO;
using FastAls.IO.ParquetSafety;
using Parquet.Schema;

namespace FastAls.Tests.Data.Corruption;

/// <summary>Runs alone: the harness bounds allocation with the process-wide allocation counter.</summary>
[CollectionDefinition("corruption", DisableParallelization = true)]
public sealed class CorruptionCollection;

/// <summary>
/// Corrupted variants of the interaction inputs (Parquet written by FastAls and by hand, CSV, TSV), from
/// fixed seeds. The default run makes a few hundred variants; set FASTALS_CORRUPTION_VARIANTS (variants per
/// file, e.g. 20000) for a release check.
/// </summary>
[Collection("corruption")]
public class InputCorruptionTests
{
    /// <summary>The loaded data as text: id kinds, then each user row in order with its items and value bits.</summary>
    internal static string Canonical(Dataset ds)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{ds.UserIds.Kind}/{ds.ItemIds.Kind} {ds.Users}x{ds.Items} {ds.Nnz}\n");
        for (int r = 0; r < ds.Users; r++)
        {
            sb.Append(ds.UserIds.Format(r)).Append(':');
            ReadOnlySpan<int> cols = ds.UserItems.RowIndices(r);
            ReadOnlySpan<float> vals = ds.UserItems.RowValues(r);
            for (int k = 0; k < cols.Length; k++)
            {
                sb.Append(' ').Append(ds.ItemIds.Format(cols[k])).Append('=').Append(BitConverter.SingleToInt32Bits(vals[k]).ToString("X8", CultureInfo.InvariantCulture));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static Func<string, string> Loader(InteractionLoadOptions? options = null) => path =>
    {
        using Dataset ds = InteractionLoader.Load(path, options);
        return Canonical(ds);
    };

    /// <summary>The footer and every page header of a Parquet file: where structural corruption hurts most.</summary>
    internal static List<(long Start, long Length)> ParquetStructure(byte[] bytes)
    {
        using var ms = new MemoryStream(bytes);
        ParquetFileCheck check = ParquetFileCheck.ReadFooter(ms, "original");
        var regions = new List<(long, long)> { (check.FooterStart, bytes.Length - check.FooterStart) };
        foreach (ParquetFileCheck.RowGroupInfo g in check.RowGroups)
        {
            foreach (ParquetFileCheck.ChunkInfo c in g.Chunks)
            {
                long pos = c.Start;
                while (pos < c.Start + c.Length)
                {
                    var r = new ThriftCompactReader(bytes.AsMemory((int)pos, (int)(c.Start + c.Length - pos)));
                    ThriftStruct ph = r.ReadStruct();
                    regions.Add((pos, r.Position));
                    pos += r.Position + ph.Int(3)!.Value;
                }
            }
        }

        return regions;
    }

    private static (string Expected, byte[] Bytes) Original(string path, InteractionLoadOptions? options = null) =>
        (Loader(options)(path), File.ReadAllBytes(path));

    [Fact]
    public async Task Parquet_written_by_fastals_int64_ids()
    {
        using var dir = new TempDir();
        (long[] u, long[] it, float[] v) = DataTestHelpers.Random(600, 40, 30, 11);
        using var b = new InteractionBuilder();
        b.AddRange(u, it, v);
        using Dataset data = b.Build();
        string path = dir.File("fastals.parquet");
        await InteractionParquetWriter.WriteAsync(data, path, rowGroupSize: 250);
        (string expected, byte[] bytes) = Original(path);
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(120), seed: 1101, ParquetStructure(bytes));
        CorruptionHarness.Report r = CorruptionHarness.Run(dir.Path, "fastals.parquet", variants, Loader(), expected);
        Assert.True(r.Rejected > 0);
    }

    [Fact]
    public async Task Parquet_written_by_fastals_string_ids()
    {
        using var dir = new TempDir();
        using var b = new InteractionBuilder(IdKind.String, IdKind.String);
        var rng = new Random(5);
        for (int k = 0; k < 300; k++)
        {
            b.Add($"user-{rng.Next(30)}", $"item-é{rng.Next(25)}", rng.Next(1, 9));
        }

        using Dataset data = b.Build();
        string path = dir.File("strings.parquet");
        await InteractionParquetWriter.WriteAsync(data, path, rowGroupSize: 120);
        (string expected, byte[] bytes) = Original(path);
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(60), seed: 1102, ParquetStructure(bytes));
        CorruptionHarness.Run(dir.Path, "strings.parquet", variants, Loader(), expected);
    }

    [Fact]
    public async Task Parquet_hand_built_nullable_int32_double_no_checksums()
    {
        // Written by Parquet.Net directly (no page checksums): a changed data byte is undetectable there, so
        // the edits go to the footer and the page headers only.
        using var dir = new TempDir();
        string path = dir.File("hand.parquet");
        var uf = new DataField<int?>("customer");
        var itf = new DataField<long>("product");
        var vf = new DataField<double>("score");
        await DataTestHelpers.WriteParquetAsync(path, [uf, itf, vf], async (g, rg) =>
        {
            var rng = new Random(g);
            await rg.WriteAsync<int>(uf, Enumerable.Range(0, 200).Select(k => (int?)(k % 17)).ToArray());
            await rg.WriteAsync<long>(itf, Enumerable.Range(0, 200).Select(k => (long)((k * 7) + g)).ToArray());
            await rg.WriteAsync<double>(vf, Enumerable.Range(0, 200).Select(_ => rng.NextDouble()).ToArray());
        }, groups: 2);
        var options = new InteractionLoadOptions { UserColumn = "customer", ItemColumn = "product", ValueColumn = "score" };
        (string expected, byte[] bytes) = Original(path, options);
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(80), seed: 1103, ParquetStructure(bytes), focusOnly: true);
        CorruptionHarness.Run(dir.Path, "hand.parquet", variants, Loader(options), expected);
    }

    [Fact]
    public void Csv_with_header_and_quotes()
    {
        using var dir = new TempDir();
        var sb = new StringBuilder("user,item,value\r\n");
        var rng = new Random(3);
        for (int k = 0; k < 150; k++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\"u{rng.Next(20)}\",i{rng.Next(15)},{rng.Next(1, 6)}\r\n");
        }

        string path = dir.Write("in.csv", sb.ToString());
        (string expected, byte[] bytes) = Original(path);

        // Text has no checksum: a changed digit is a valid file with other data, so only hangs, crashes,
        // other exceptions and runaway allocation are violations here.
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(50), seed: 1104);
        CorruptionHarness.Run(dir.Path, "in.csv", variants, Loader(), expected, differentDataAllowed: true);
    }

    [Fact]
    public void Tsv_no_header()
    {
        using var dir = new TempDir();
        var sb = new StringBuilder();
        var rng = new Random(4);
        for (int k = 0; k < 200; k++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{rng.Next(30)}\t{rng.Next(25)}\t{rng.Next(1, 6)}\t88125{k}\n");
        }

        string path = dir.Write("u.data", sb.ToString());
        (string expected, byte[] bytes) = Original(path);
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(50), seed: 1105);
        CorruptionHarness.Run(dir.Path, "u.data", variants, Loader(), expected, differentDataAllowed: true);
    }
}
