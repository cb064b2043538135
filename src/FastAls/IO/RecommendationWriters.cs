using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>
/// Streams batch recommendations to a Parquet file with columns <c>user</c> (int64 or string, the external
/// id), <c>rank</c> (int32, 1 = best), <c>item</c> (int64 or string) and <c>score</c> (float). Blocks the batch
/// recommender hands over are buffered (as indices, 16 bytes a row) until a row group of
/// <see cref="DefaultRowGroupRows"/> rows (or the size given to <see cref="Create"/>) is full, so memory stays
/// bounded and readers get row groups of a useful size however few threads made the blocks. Written under a temporary name;
/// <see cref="Complete"/> renames it into place, disposing without completing deletes it.
/// </summary>
public sealed class ParquetRecommendationWriter : IRecommendationSink, IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly IdMap _users;
    private readonly IdMap _items;
    private readonly DataField _userField;
    private readonly DataField<int> _rankField;
    private readonly DataField _itemField;
    private readonly DataField<float> _scoreField;
    private readonly int _rowGroupRows;
    private readonly List<int> _userIdx = [];
    private readonly List<int> _rank = [];
    private readonly List<int> _itemIdx = [];
    private readonly List<float> _score = [];
    private bool _done;

    private ParquetRecommendationWriter(string path, string temp, FileStream stream, ParquetWriter writer, IdMap users, IdMap items, DataField userField, DataField itemField, DataField<int> rankField, DataField<float> scoreField, int rowGroupRows)
    {
        _rowGroupRows = rowGroupRows;
        _rankField = rankField;
        _scoreField = scoreField;
        _path = path;
        _temp = temp;
        _stream = stream;
        _writer = writer;
        _users = users;
        _items = items;
        _userField = userField;
        _itemField = itemField;
    }

    /// <summary>Rows per row group unless <see cref="Create"/> is given another size.</summary>
    public const int DefaultRowGroupRows = 1 << 20;

    /// <summary>Rows written so far (buffered rows included).</summary>
    public long RowCount { get; private set; }

    /// <summary>Starts a file whose ids come from <paramref name="userIds"/> and <paramref name="itemIds"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="userIds">Id map of the users.</param>
    /// <param name="itemIds">Id map of the items.</param>
    /// <param name="rowGroupRows">Rows per row group (the last one may hold fewer); the writer buffers up to this many rows.</param>
    public static ParquetRecommendationWriter Create(string path, IdMap userIds, IdMap itemIds, int rowGroupRows = DefaultRowGroupRows)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        DataField uf = userIds.Kind == IdKind.String ? new DataField<string>("user", false) : new DataField<long>("user", false);
        DataField itf = itemIds.Kind == IdKind.String ? new DataField<string>("item", false) : new DataField<long>("item", false);
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        try
        {
            var rf = new DataField<int>("rank", false);
            var sf = new DataField<float>("score", false);
            var schema = new ParquetSchema(uf, rf, itf, sf);
            ParquetWriter w = Task.Run(() => ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, default)).GetAwaiter().GetResult();
            var writer = new ParquetRecommendationWriter(full, temp, stream, w, userIds, itemIds, uf, itf, rf, sf, rowGroupRows);
            return writer;
        }
        catch
        {
            stream.Dispose();
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Adds one block (only the filled slots of each user), writing a row group whenever one is full.</summary>
    public void Write(in RecommendationBlock block)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        for (int q = 0; q < block.Queries.Length; q++)
        {
            for (int r = 0; r < block.Counts[q]; r++)
            {
                _userIdx.Add(block.Queries[q]);
                _rank.Add(r + 1);
                _itemIdx.Add(block.Items[(q * block.N) + r]);
                _score.Add(block.Scores[(q * block.N) + r]);
                RowCount++;
                if (_userIdx.Count == _rowGroupRows)
                {
                    Flush();
                }
            }
        }
    }

    /// <summary>Finishes the file and renames it into place (replacing an existing file).</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        try
        {
            Flush();
            Task.Run(async () => await _writer.DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_temp, _path, overwrite: true);
        }
        catch
        {
            _stream.Dispose();
            File.Delete(_temp);
            throw;
        }
    }

    /// <summary>Abandons an incomplete file (deleting the temporary file); no-op after <see cref="Complete"/>.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            Task.Run(async () => await _writer.DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();
        }
        catch (IOException)
        {
        }

        _stream.Dispose();
        File.Delete(_temp);
    }

    /// <summary>Writes the buffered rows as one row group.</summary>
    private void Flush()
    {
        if (_userIdx.Count == 0)
        {
            return;
        }

        int[] userIdx = [.. _userIdx];
        int[] rank = [.. _rank];
        int[] itemIdx = [.. _itemIdx];
        float[] score = [.. _score];
        _userIdx.Clear();
        _rank.Clear();
        _itemIdx.Clear();
        _score.Clear();
        Task.Run(() => WriteGroupAsync(userIdx, rank, itemIdx, score)).GetAwaiter().GetResult();
    }

    private async Task WriteGroupAsync(int[] userIdx, int[] rank, int[] itemIdx, float[] score)
    {
        using ParquetRowGroupWriter rg = _writer.CreateRowGroup();
        await WriteIdsAsync(rg, _userField, _users, userIdx).ConfigureAwait(false);
        await rg.WriteAsync<int>(_rankField, rank, null, null, default).ConfigureAwait(false);
        await WriteIdsAsync(rg, _itemField, _items, itemIdx).ConfigureAwait(false);
        await rg.WriteAsync<float>(_scoreField, score, null, null, default).ConfigureAwait(false);
        rg.CompleteValidate();
    }

    private static async Task WriteIdsAsync(ParquetRowGroupWriter rg, DataField field, IdMap ids, int[] idx)
    {
        if (ids.Kind == IdKind.String)
        {
            var s = new string[idx.Length];
            for (int i = 0; i < idx.Length; i++)
            {
                s[i] = ids.GetString(idx[i]);
            }

            await rg.WriteAsync(field, s, null).ConfigureAwait(false);
        }
        else
        {
            ReadOnlySpan<long> all = ids.Int64Ids;
            var l = new long[idx.Length];
            for (int i = 0; i < idx.Length; i++)
            {
                l[i] = all[idx[i]];
            }

            await rg.WriteAsync<long>(field, l, null, null, default).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Streams batch recommendations to CSV: header <c>user,rank,item,score</c>, external ids (quoted when they
/// hold a comma, quote or line break), invariant culture, scores round-trippable. Temporary name and
/// rename as <see cref="ParquetRecommendationWriter"/>.
/// </summary>
public sealed class CsvRecommendationWriter : IRecommendationSink, IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly StreamWriter _writer;
    private readonly IdMap _users;
    private readonly IdMap _items;
    private bool _done;

    /// <summary>Starts a file whose ids come from <paramref name="userIds"/> and <paramref name="itemIds"/>.</summary>
    public CsvRecommendationWriter(string path, IdMap userIds, IdMap itemIds)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        _path = Path.GetFullPath(path);
        _temp = _path + ".tmp-" + Guid.NewGuid().ToString("N");
        _users = userIds;
        _items = itemIds;
        _writer = new StreamWriter(new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20), new UTF8Encoding(false));
        _writer.NewLine = "\n";
        _writer.WriteLine("user,rank,item,score");
    }

    /// <summary>Rows written so far.</summary>
    public long RowCount { get; private set; }

    /// <inheritdoc/>
    public void Write(in RecommendationBlock block)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        for (int q = 0; q < block.Queries.Length; q++)
        {
            string user = Escape(_users.Format(block.Queries[q]));
            for (int r = 0; r < block.Counts[q]; r++)
            {
                _writer.Write(user);
                _writer.Write(',');
                _writer.Write((r + 1).ToString(CultureInfo.InvariantCulture));
                _writer.Write(',');
                _writer.Write(Escape(_items.Format(block.Items[(q * block.N) + r])));
                _writer.Write(',');
                _writer.WriteLine(block.Scores[(q * block.N) + r].ToString("R", CultureInfo.InvariantCulture));
                RowCount++;
            }
        }
    }

    /// <summary>Flushes and renames the file into place.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        try
        {
            _writer.Flush();
            _writer.Dispose();
            File.Move(_temp, _path, overwrite: true);
        }
        catch
        {
            _writer.Dispose();
            File.Delete(_temp);
            throw;
        }
    }

    /// <summary>Abandons an incomplete file; no-op after <see cref="Complete"/>.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        _writer.Dispose();
        File.Delete(_temp);
    }

    private static string Escape(string s) => s.AsSpan().IndexOfAny(",\"\r\n") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Recommend-all straight to a file.</summary>
public static class RecommendationExport
{
    /// <summary>Top-n for <paramref name="users"/> (null: all) of <paramref name="model"/>, streamed to a Parquet file.</summary>
    /// <returns>Rows written.</returns>
    public static long ToParquet(AlsModel model, string path, int n, CsrMatrix? userItems = null, RecommendOptions? options = null, int[]? users = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using ParquetRecommendationWriter w = ParquetRecommendationWriter.Create(path, model.UserIds, model.ItemIds);
        model.RecommendBatch(users, n, w, userItems, options);
        w.Complete();
        return w.RowCount;
    }

    /// <summary>Top-n for <paramref name="users"/> (null: all) of <paramref name="model"/>, streamed to a CSV file.</summary>
    /// <returns>Rows written.</returns>
    public static long ToCsv(AlsModel model, string path, int n, CsrMatrix? userItems = null, RecommendOptions? options = null, int[]? users = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var w = new CsvRecommendationWriter(path, model.UserIds, model.ItemIds);
        model.RecommendBatch(users, n, w, userItems, options);
        w.Complete();
        return w.RowCount;
    }
}
