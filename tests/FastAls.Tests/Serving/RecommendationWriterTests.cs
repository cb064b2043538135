using FastAls;
using FastAls.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.Tests.Model;

public sealed class RecommendationWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fastals-recs-" + Guid.NewGuid().ToString("N"));

    public RecommendationWriterTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Parquet_stream_fills_row_groups_across_blocks_and_matches_batch()
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.Implicit, 600, 50, 8, 4);
        using CsrMatrix seen = ModelTestUtil.RandomCsr(600, 50, 3, 5);
        var opts = new RecommendOptions { Threads = 1 };
        string path = Path.Combine(_dir, "recs.parquet");
        long rows = RecommendationExport.ToParquet(m, path, 5, seen, opts);
        Assert.Equal(600 * 5, rows);
        await using (FileStream one = File.OpenRead(path))
        await using (ParquetReader r1 = await ParquetReader.CreateAsync(one))
        {
            Assert.Equal(1, r1.RowGroupCount); // three chunks from the recommender, one default-sized row group
        }

        // Row groups of 700 rows: the recommender's chunks (1280, 1280 and 440 rows with one thread) are cut and joined to fill them.
        using (ParquetRecommendationWriter w = ParquetRecommendationWriter.Create(path, m.UserIds, m.ItemIds, rowGroupRows: 700))
        {
            m.RecommendBatch(null, 5, w, seen, opts);
            w.Complete();
        }

        Assert.Empty(Directory.GetFileSystemEntries(_dir, "*.fastals-tmp"));
        BatchRecommendations want = m.RecommendBatch(null, 5, seen, opts);

        await using var fs = File.OpenRead(path);
        await using ParquetReader reader = await ParquetReader.CreateAsync(fs);
        Assert.Equal(["user", "rank", "item", "score"], reader.Schema.Fields.Select(f => f.Name).ToArray());
        Assert.Equal(5, reader.RowGroupCount);
        DataField[] f = reader.Schema.GetDataFields();
        int row = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
            int n = (int)rg.RowCount;
            Assert.Equal(g < 4 ? 700 : 200, n);
            var u = new long[n];
            var r = new int[n];
            var it = new long[n];
            var s = new float[n];
            await rg.ReadAsync<long>(f[0], u, null);
            await rg.ReadAsync<int>(f[1], r, null);
            await rg.ReadAsync<long>(f[2], it, null);
            await rg.ReadAsync<float>(f[3], s, null);
            for (int t = 0; t < n; t++, row++)
            {
                Assert.Equal(row / 5, u[t]);
                Assert.Equal((row % 5) + 1, r[t]);
                Assert.Equal(want.Items[row], it[t]);
                Assert.Equal(want.Scores[row], s[t]);
            }
        }

        Assert.Equal(3000, row);
    }

    [Fact]
    public async Task Background_row_group_writes_give_the_bytes_of_a_sequential_write()
    {
        // The writer encodes a full row group on a background task while the caller scores on; the file must be the
        // one a plain sequential ParquetWriter gives for the same groups.
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.Implicit, 900, 60, 8, 7);
        var opts = new RecommendOptions { FilterSeen = false, Threads = 2 };
        string path = Path.Combine(_dir, "bg.parquet");
        using (ParquetRecommendationWriter w = ParquetRecommendationWriter.Create(path, m.UserIds, m.ItemIds, rowGroupRows: 500))
        {
            m.RecommendBatch(null, 4, w, null, opts);
            w.Complete();
        }

        BatchRecommendations want = m.RecommendBatch(null, 4, null, opts);
        var user = new List<long>();
        var rank = new List<int>();
        var item = new List<long>();
        var score = new List<float>();
        for (int q = 0; q < want.Queries.Length; q++)
        {
            for (int r = 0; r < want.Counts[q]; r++)
            {
                user.Add(m.UserIds.GetInt64(want.Queries[q]));
                rank.Add(r + 1);
                item.Add(m.ItemIds.GetInt64(want.Items[(q * want.N) + r]));
                score.Add(want.Scores[(q * want.N) + r]);
            }
        }

        DataField[] fields = [new DataField<long>("user", false), new DataField<int>("rank", false), new DataField<long>("item", false), new DataField<float>("score", false)];
        using var expected = new MemoryStream();
        await using (ParquetWriter pw = await ParquetWriter.CreateAsync(new ParquetSchema(fields), expected, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }))
        {
            for (int start = 0; start < user.Count; start += 500)
            {
                int n = Math.Min(500, user.Count - start);
                using ParquetRowGroupWriter rg = pw.CreateRowGroup();
                await rg.WriteAsync<long>(fields[0], user.GetRange(start, n).ToArray(), null, null, default);
                await rg.WriteAsync<int>(fields[1], rank.GetRange(start, n).ToArray(), null, null, default);
                await rg.WriteAsync<long>(fields[2], item.GetRange(start, n).ToArray(), null, null, default);
                await rg.WriteAsync<float>(fields[3], score.GetRange(start, n).ToArray(), null, null, default);
                rg.CompleteValidate();
            }
        }

        Assert.Equal(3600, user.Count);
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void Csv_stream_quotes_ids_and_matches_batch()
    {
        var uids = IdMap.CreateString();
        uids.GetOrAdd("a,b");
        uids.GetOrAdd("say \"hi\"");
        using AlsModel m0 = ModelTestUtil.Random(AlsModelKind.Implicit, 2, 4, 3, 1);
        using var m = new AlsModel(m0.Options, 2, 4, uids);
        m.SetUserFactors(m0.UserFactors);
        m.SetItemFactors(m0.ItemFactors);
        string path = Path.Combine(_dir, "recs.csv");
        long rows = RecommendationExport.ToCsv(m, path, 2, null, new RecommendOptions { FilterSeen = false, Exclude = [0] });
        Assert.Equal(4, rows);
        string[] lines = File.ReadAllLines(path);
        Assert.Equal("user,rank,item,score", lines[0]);
        Recommendations r0 = m.Recommend(0, 2, null, new RecommendOptions { FilterSeen = false, Exclude = [0] });
        Assert.Equal($"\"a,b\",1,{r0.FormatId(0)},{r0.Scores[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", lines[1]);
        Assert.StartsWith("\"say \"\"hi\"\"\",2,", lines[4]);
    }

    [Fact]
    public void Abandoned_writer_leaves_no_file()
    {
        string path = Path.Combine(_dir, "x.parquet");
        using (ParquetRecommendationWriter w = ParquetRecommendationWriter.Create(path, IdMap.Identity(1), IdMap.Identity(1)))
        {
        }

        using (var c = new CsvRecommendationWriter(Path.Combine(_dir, "x.csv"), IdMap.Identity(1), IdMap.Identity(1)))
        {
        }

        Assert.Empty(Directory.GetFiles(_dir));
    }
}
