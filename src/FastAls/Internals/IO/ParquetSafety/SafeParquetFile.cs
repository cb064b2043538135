using System.Globalization;
using FastAls.Internals.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO.ParquetSafety;

/// <summary>
/// A Parquet file opened for Parquet.Net only after its structure was validated (<see cref="ParquetFileCheck"/>),
/// read through a <see cref="BoundedReadStream"/>. Use <see cref="ReadColumnAsync"/> for every column read: it
/// validates the chunk's pages first, confines Parquet.Net to the chunk, and turns any failure inside it into an
/// <see cref="InvalidDataException"/> naming the file, row group and column. The one way FastAls opens Parquet
/// input (interactions, and any other reader that adopts it).
/// </summary>
internal sealed class SafeParquetFile : IAsyncDisposable
{
    private readonly FileStream _fs;
    private readonly BoundedReadStream _bounded;

    private SafeParquetFile(string file, FileStream fs, BoundedReadStream bounded, ParquetFileCheck check, ParquetReader reader)
    {
        File = file;
        _fs = fs;
        _bounded = bounded;
        Check = check;
        Reader = reader;
    }

    public string File { get; }

    public ParquetFileCheck Check { get; }

    /// <summary>Parquet.Net's reader (footer already validated). Read columns only through <see cref="ReadColumnAsync"/>.</summary>
    public ParquetReader Reader { get; }

    public static async Task<SafeParquetFile> OpenAsync(string file, CancellationToken ct)
    {
        FileStream fs = PathChecks.OpenRead(file, FileShare.Read, 1 << 16);
        var bounded = new BoundedReadStream(fs);
        try
        {
            ParquetFileCheck check = ParquetFileCheck.ReadFooter(fs, file);
            ParquetReader reader = await ParquetReader.CreateAsync(bounded, null, false, ct).ConfigureAwait(false);
            return new SafeParquetFile(file, fs, bounded, check, reader);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await bounded.DisposeAsync().ConfigureAwait(false);
            throw Translate(e, file, "footer");
        }
    }

    /// <summary>Top-level primitive columns as Parquet.Net describes them.</summary>
    public DataField[] TopLevelFields()
    {
        try
        {
            return Reader.Schema.Fields.OfType<DataField>().ToArray();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, File, "schema");
        }
    }

    /// <summary>The index of <paramref name="field"/>'s column among the schema's leaves.</summary>
    public int LeafOf(DataField field)
    {
        string path = string.Join('.', field.Path.ToList());
        int leaf = Check.Leaves.FindIndex(l => l.Path == path);
        if (leaf < 0)
        {
            throw new InvalidDataException($"{File}, column '{field.Name}': the column is not a primitive column of the schema.");
        }

        return leaf;
    }

    /// <summary>
    /// Validates the pages of the given columns of row group <paramref name="g"/>, and that its row count fits
    /// their bytes (at most <see cref="ParquetFileCheck.MaxRowsPerByte"/> rows per byte); returns the row count.
    /// </summary>
    public int CheckRowGroup(int g, params ReadOnlySpan<int> leaves)
    {
        long rows = Check.RowGroups[g].NumRows;
        long bytes = 0;
        foreach (int leaf in leaves)
        {
            if (leaf >= 0)
            {
                bytes += Check.CheckChunk(_fs, g, leaf);
            }
        }

        if (rows > (ParquetFileCheck.MaxRowsPerByte * bytes) + 4096)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{File}, row group {g}: the row group claims {rows} rows but its columns hold only {bytes} bytes of data."));
        }

        return (int)rows;
    }

    /// <summary>
    /// Validates the pages of one column of row group <paramref name="g"/> and returns its value count (for a
    /// repeated column, the values of every list together), after checking that the count fits the column's
    /// bytes (at most <see cref="ParquetFileCheck.MaxRowsPerByte"/> values per byte), so that it can size a buffer.
    /// </summary>
    public long CheckValues(int g, int leaf)
    {
        long values = Check.RowGroups[g].Chunks[leaf].NumValues;
        long bytes = Check.CheckChunk(_fs, g, leaf);
        if (values > (ParquetFileCheck.MaxRowsPerByte * bytes) + 4096)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{File}, row group {g}, column '{Check.Leaves[leaf].Path}': the column claims {values} values but holds only {bytes} bytes of data."));
        }

        return values;
    }

    /// <summary>
    /// Runs one column read of row group <paramref name="g"/> with Parquet.Net confined to the column's pages
    /// (<see cref="CheckRowGroup"/> must have validated them).
    /// </summary>
    public async Task ReadColumnAsync(int g, int leaf, string columnName, Func<Task> read)
    {
        ParquetFileCheck.ChunkInfo chunk = Check.RowGroups[g].Chunks[leaf];
        string part = string.Create(CultureInfo.InvariantCulture, $"row group {g}, column '{columnName}'");
        _bounded.SetWindow(chunk.Start, Check.PagesEnd(g, leaf), () => $"{File}, {part}");
        try
        {
            await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, File, part);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync().ConfigureAwait(false);
        await _bounded.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A failure inside Parquet.Net as an <see cref="InvalidDataException"/> that names the file and the part;
    /// its own message ("Index was outside the bounds of the array.") is kept only as the inner exception.
    /// </summary>
    public static Exception Translate(Exception e, string file, string part) => e switch
    {
        InvalidDataException when e.Message.StartsWith(file, StringComparison.Ordinal) => e,
        OutOfMemoryException or InsufficientExecutionStackException => e,
        IOException when e is not EndOfStreamException && e.GetType() != typeof(IOException) => e,
        _ => new InvalidDataException($"{file}, {part}: the data cannot be decoded (the file is corrupt, or uses a Parquet feature FastAls cannot read).", e),
    };
}
