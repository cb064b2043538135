using System.Globalization;
using System.Text;
using FastAls.Internals.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>
/// Streams batch recommendations to a Parquet file with columns <c>user</c> (int64 or string, the external
/// id), <c>rank</c> (int32, 1 = best), <c>item</c> (int64 or string) and <c>score</c> (float); the id columns can
/// be renamed (the similar-items output names them <c>item</c> and <c>similar_item</c>). Blocks the batch
/// recommender hands over are buffered (as indices, 16 bytes a row) until a row group of
/// <see cref="DefaultRowGroupRows"/> rows (or the size given to <see cref="Create"/>) is full, so memory stays
/// bounded and readers get row groups of a useful size however few threads made the blocks. A full row group is
/// encoded and written on a background task while the caller goes on scoring the next one (at most one group
/// in flight, in order, so the file is the same as a sequential write): the queue is bounded (one group buffering,
/// one being written), a caller that gets a group ready before the previous one is written waits for it
/// (backpressure), and a failed write is rethrown by the next <see cref="Write"/> or <see cref="Complete"/>. Written under a temporary name (see the
/// README's notes on atomic writes); <see cref="Complete"/> renames it into place, disposing without completing
/// deletes it.
/// </summary>
public sealed class ParquetRecommendationWriter : IRecommendationSink, IDisposable
{
    private readonly AtomicFile _file;
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
    private Task _pending = Task.CompletedTask;
    private bool _done;

    private ParquetRecommendationWriter(AtomicFile file, ParquetWriter writer, IdMap users, IdMap items, DataField userField, DataField itemField, DataField<int> rankField, DataField<float> scoreField, int rowGroupRows)
    {
        _rowGroupRows = rowGroupRows;
        _rankField = rankField;
        _scoreField = scoreField;
        _file = file;
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
    /// <param name="userIds">Id map of the users (the queries).</param>
    /// <param name="itemIds">Id map of the items (the results).</param>
    /// <param name="rowGroupRows">Rows per row group (the last one may hold fewer); the writer buffers up to this many rows.</param>
    /// <param name="userColumn">Name of the query id column.</param>
    /// <param name="itemColumn">Name of the result id column.</param>
    public static ParquetRecommendationWriter Create(string path, IdMap userIds, IdMap itemIds, int rowGroupRows = DefaultRowGroupRows, string userColumn = "user", string itemColumn = "item")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        ArgumentException.ThrowIfNullOrEmpty(userColumn);
        ArgumentException.ThrowIfNullOrEmpty(itemColumn);
        DataField uf = userIds.Kind == IdKind.String ? new DataField<string>(userColumn, false) : new DataField<long>(userColumn, false);
        DataField itf = itemIds.Kind == IdKind.String ? new DataField<string>(itemColumn, false) : new DataField<long>(itemColumn, false);
        AtomicFile file = AtomicFile.Create(path, access: FileAccess.ReadWrite);
        try
        {
            var rf = new DataField<int>("rank", false);
            var sf = new DataField<float>("score", false);
            var schema = new ParquetSchema(uf, rf, itf, sf);
            ParquetWriter w = Task.Run(() => ParquetWriter.CreateAsync(schema, file.Stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, default)).GetAwaiter().GetResult();
            return new ParquetRecommendationWriter(file, w, userIds, itemIds, uf, itf, rf, sf, rowGroupRows);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Adds one block (only the filled slots of each user), writing a row group whenever one is full.</summary>
    public void Write(in RecommendationBlock block)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_pending.IsFaulted)
        {
            _pending.GetAwaiter().GetResult(); // a failed group write stops the caller now, not a whole row group later
        }

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

    /// <summary>
    /// Finishes the file, flushes it to disk and renames it into place (replacing an existing file);
    /// <paramref name="cancellationToken"/> is checked last before the rename (cancelled: the file is deleted).
    /// </summary>
    public void Complete(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        try
        {
            Flush();
            _pending.GetAwaiter().GetResult();
            Task.Run(async () => await _writer.DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();
            _file.Commit(cancellationToken);
        }
        finally
        {
            _file.Dispose();
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
            _pending.Wait();
            Task.Run(async () => await _writer.DisposeAsync().ConfigureAwait(false)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or AggregateException or InvalidOperationException or ObjectDisposedException)
        {
            // Abandoning after a failure: that failure was reported by Write or Complete; the file is deleted below.
        }
        finally
        {
            _file.Dispose();
        }
    }

    /// <summary>Hands the buffered rows to the background writer as one row group (after the previous group is written).</summary>
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
        _pending.GetAwaiter().GetResult(); // one group in flight at most: bounded memory, groups in order
        _pending = Task.Run(() => WriteGroupAsync(userIdx, rank, itemIdx, score));
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
            long[] l = new long[idx.Length];
            ReadOnlySpan<long> all = ids.Int64Ids;
            for (int i = 0; i < idx.Length; i++)
            {
                l[i] = all[idx[i]];
            }

            await rg.WriteAsync<long>(field, l, null, null, default).ConfigureAwait(false);
        }
    }
}
