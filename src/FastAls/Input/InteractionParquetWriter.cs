using FastAls.Internals.IO;
using FastAls.IO.ParquetSafety;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>
/// Writes (user, item, value) interactions to a Parquet file one row group at a time (streaming: memory is
/// bounded by one row group). The file is written under a temporary name (see the README's notes on atomic
/// writes) and renamed into place by <see cref="CompleteAsync"/>; disposing without completing deletes it, so a
/// failed write leaves nothing.
/// </summary>
/// <remarks>
/// Schema: <c>user</c> and <c>item</c> as required int64 (or string) columns and <c>value</c> as a required
/// float column (column names configurable; the value column can be left out). Snappy compression.
/// </remarks>
public sealed class InteractionParquetWriter : IAsyncDisposable, IDisposable
{
    private readonly string _target;
    private readonly FileStream _scratch;
    private readonly ParquetWriter _writer;
    private readonly DataField _userField;
    private readonly DataField _itemField;
    private readonly DataField<float>? _valueField;
    private bool _done;

    private InteractionParquetWriter(string target, FileStream scratch, ParquetWriter writer, DataField userField, DataField itemField, DataField<float>? valueField)
    {
        _target = target;
        _scratch = scratch;
        _writer = writer;
        _userField = userField;
        _itemField = itemField;
        _valueField = valueField;
    }

    /// <summary>Rows written so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>Starts writing <paramref name="path"/> (through a temporary file beside it).</summary>
    /// <param name="path">The final file name.</param>
    /// <param name="userIdKind">Type of the user column: int64 or string.</param>
    /// <param name="itemIdKind">Type of the item column: int64 or string.</param>
    /// <param name="withValues">Whether to write a value column.</param>
    /// <param name="userColumn">Name of the user column.</param>
    /// <param name="itemColumn">Name of the item column.</param>
    /// <param name="valueColumn">Name of the value column.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public static async Task<InteractionParquetWriter> CreateAsync(
        string path,
        IdKind userIdKind = IdKind.Int64,
        IdKind itemIdKind = IdKind.Int64,
        bool withValues = true,
        string userColumn = "user",
        string itemColumn = "item",
        string valueColumn = InteractionLoadOptions.DefaultValueColumn,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        DataField uf = userIdKind == IdKind.String ? new DataField<string>(userColumn, false) : new DataField<long>(userColumn, false);
        DataField itf = itemIdKind == IdKind.String ? new DataField<string>(itemColumn, false) : new DataField<long>(itemColumn, false);
        DataField<float>? vf = withValues ? new DataField<float>(valueColumn, false) : null;
        var schema = vf is null ? new ParquetSchema(uf, itf) : new ParquetSchema(uf, itf, vf);
        string full = Path.GetFullPath(path);
        PathChecks.ThrowUnlessFileTarget(full, full);

        FileStream scratch = CreateScratch(full);
        try
        {
            var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
            ParquetWriter writer = await ParquetWriter.CreateAsync(schema, scratch, options, false, cancellationToken).ConfigureAwait(false);
            return new InteractionParquetWriter(full, scratch, writer, uf, itf, vf);
        }
        catch
        {
            await scratch.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes one row group of interactions with <see cref="long"/> ids.</summary>
    /// <param name="users">User ids.</param>
    /// <param name="items">Item ids (same length).</param>
    /// <param name="values">Values (same length; empty when the file has no value column).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task WriteRowGroupAsync(ReadOnlyMemory<long> users, ReadOnlyMemory<long> items, ReadOnlyMemory<float> values, CancellationToken cancellationToken = default)
    {
        CheckLengths(users.Length, items.Length, values.Length);
        if (_userField is not DataField<long> || _itemField is not DataField<long>)
        {
            throw new InvalidOperationException("This writer was created for string ids.");
        }

        using ParquetRowGroupWriter rg = _writer.CreateRowGroup();
        await rg.WriteAsync(_userField, users, null, null, cancellationToken).ConfigureAwait(false);
        await rg.WriteAsync(_itemField, items, null, null, cancellationToken).ConfigureAwait(false);
        if (_valueField is not null)
        {
            await rg.WriteAsync(_valueField, values, null, null, cancellationToken).ConfigureAwait(false);
        }

        rg.CompleteValidate();
        RowCount += users.Length;
    }

    /// <summary>Writes one row group of interactions with <see cref="string"/> ids.</summary>
    public async Task WriteRowGroupAsync(IReadOnlyCollection<string> users, IReadOnlyCollection<string> items, ReadOnlyMemory<float> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        CheckLengths(users.Count, items.Count, values.Length);
        if (_userField is not DataField<string> || _itemField is not DataField<string>)
        {
            throw new InvalidOperationException("This writer was created for int64 ids.");
        }

        using ParquetRowGroupWriter rg = _writer.CreateRowGroup();
        await rg.WriteAsync(_userField, users, null).ConfigureAwait(false);
        await rg.WriteAsync(_itemField, items, null).ConfigureAwait(false);
        if (_valueField is not null)
        {
            await rg.WriteAsync(_valueField, values, null, null, cancellationToken).ConfigureAwait(false);
        }

        rg.CompleteValidate();
        RowCount += users.Count;
    }

    /// <summary>
    /// Finishes the file, flushes it to disk and renames it into place (replacing an existing file);
    /// <paramref name="cancellationToken"/> is checked last before the rename (cancelled: the file is deleted).
    /// </summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        try
        {
            await _writer.DisposeAsync().ConfigureAwait(false);

            // Parquet.Net writes no page checksums: copy its output into the target's temporary file with a CRC-32
            // in every page header (so that readers, FastAls's among them, detect a changed byte instead of loading
            // different data), and rename that into place.
            await _scratch.FlushAsync(cancellationToken).ConfigureAwait(false);
            _scratch.Position = 0;
            using AtomicFile checksummed = AtomicFile.Create(_target);
            ParquetPageChecksums.Add(_scratch, _target, checksummed.Stream);
            checksummed.Commit(cancellationToken);
        }
        finally
        {
            await _scratch.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Abandons an unfinished file (deleting the temporary file).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_done)
        {
            _done = true;
            try
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                // Abandoning after a failure, which the caller reports; the temporary file is deleted below.
            }
            finally
            {
                await _scratch.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Parquet.Net's output before the page checksums are added: a file beside the target that is unlinked as soon as
    /// it is open (where the OS allows; otherwise deleted on close), so that no process death, SIGKILL included, can
    /// leave it behind. The target's one recognisable temporary file is created by <see cref="CompleteAsync"/>.
    /// </summary>
    private static FileStream CreateScratch(string full)
    {
        string scratch = AtomicFile.NewTempPath(full, ".fastals-scratch");
        var stream = new FileStream(scratch, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, 1 << 20, FileOptions.DeleteOnClose);
        try
        {
            File.Delete(scratch);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not possible on this platform while open: DeleteOnClose removes it instead.
        }

        return stream;
    }

    /// <summary>Abandons an unfinished file (deleting the temporary file).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Writes the interactions of <paramref name="dataset"/> (in user-major order, with its external ids)
    /// to <paramref name="path"/>, <paramref name="rowGroupSize"/> rows per row group.
    /// </summary>
    public static async Task WriteAsync(Dataset dataset, string path, int rowGroupSize = 1 << 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        IdMap um = dataset.UserIds, im = dataset.ItemIds;
        if (um.Kind != im.Kind)
        {
            throw new NotSupportedException("Writing a dataset whose user and item ids are of different kinds is not supported.");
        }

        await using InteractionParquetWriter w = await CreateAsync(path, um.Kind, im.Kind, true, cancellationToken: cancellationToken).ConfigureAwait(false);
        CsrMatrix m = dataset.UserItems;
        int cap = (int)Math.Min(rowGroupSize, Math.Max(1, m.Nnz));
        long[] lu = um.Kind == IdKind.Int64 ? new long[cap] : [];
        long[] li = im.Kind == IdKind.Int64 ? new long[cap] : [];
        string[] su = um.Kind == IdKind.String ? new string[cap] : [];
        string[] si = im.Kind == IdKind.String ? new string[cap] : [];
        float[] v = new float[cap];
        int row = 0;
        long done = 0;
        do
        {
            int fill = Fill(m, um, im, ref row, ref done, lu, li, su, si, v);
            await FlushAsync(w, um.Kind, lu, li, su, si, v, fill, cancellationToken).ConfigureAwait(false);
        }
        while (done < m.Nnz);

        await w.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static int Fill(CsrMatrix m, IdMap um, IdMap im, ref int row, ref long done, long[] lu, long[] li, string[] su, string[] si, float[] v)
    {
        int cap = v.Length;
        int fill = 0;
        while (row < m.Rows && fill < cap)
        {
            long rowStart = m.RowOffsets[row];
            int skip = (int)(done - rowStart);
            ReadOnlySpan<int> cols = m.RowIndices(row)[skip..];
            ReadOnlySpan<float> vals = m.RowValues(row)[skip..];
            int take = Math.Min(cols.Length, cap - fill);
            for (int k = 0; k < take; k++)
            {
                if (um.Kind == IdKind.Int64)
                {
                    lu[fill] = um.GetInt64(row);
                    li[fill] = im.GetInt64(cols[k]);
                }
                else
                {
                    su[fill] = um.GetString(row);
                    si[fill] = im.GetString(cols[k]);
                }

                v[fill++] = vals[k];
            }

            done += take;
            if (take == cols.Length)
            {
                row++;
            }
        }

        return fill;
    }

    private static Task FlushAsync(InteractionParquetWriter w, IdKind kind, long[] lu, long[] li, string[] su, string[] si, float[] v, int n, CancellationToken ct) =>
        kind == IdKind.Int64
            ? w.WriteRowGroupAsync(lu.AsMemory(0, n), li.AsMemory(0, n), v.AsMemory(0, n), ct)
            : w.WriteRowGroupAsync(new ArraySegment<string>(su, 0, n), new ArraySegment<string>(si, 0, n), v.AsMemory(0, n), ct);

    private void CheckLengths(int users, int items, int values)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (users != items || (_valueField is not null && values != users) || (_valueField is null && values != 0))
        {
            throw new ArgumentException($"users ({users}), items ({items}) and values ({values}) must have the same length ({(_valueField is null ? "values must be empty: the file has no value column" : "one value per row")}).");
        }
    }
}
