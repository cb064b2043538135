using FastAls.Internals.IO;

namespace FastAls.IO;

/// <summary>
/// Loads interactions from Parquet (a file or a directory of part files) or delimited text into a
/// <see cref="Dataset"/>, and optionally through a memory-mapped CSR cache (<see cref="CsrCache"/>).
/// </summary>
/// <example>
/// <code>
/// using Dataset ml = InteractionLoader.Load("u.data");                       // TSV, no header: user item rating ...
/// using Dataset pq = InteractionLoader.Load("events/", new() { ValueColumn = "plays" });
/// using Dataset cached = InteractionLoader.LoadOrBuildCache("events/", "events.fcsr");
/// </code>
/// </example>
public static class InteractionLoader
{
    /// <summary>Loads interactions from <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Bad input; the message names the file, the row group or line and the column.</exception>
    /// <exception cref="FileNotFoundException">No such file or directory.</exception>
    public static Dataset Load(string path, InteractionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InteractionLoadOptions();
        return ResolveFormat(path, options) == InteractionFormat.Parquet
            ? Task.Run(() => ParquetInteractionReader.ReadAsync(path, options, cancellationToken), cancellationToken).GetAwaiter().GetResult()
            : LoadCsv(path, options, cancellationToken);
    }

    /// <summary>Loads interactions from <paramref name="path"/> (asynchronous Parquet reads).</summary>
    public static Task<Dataset> LoadAsync(string path, InteractionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InteractionLoadOptions();
        return ResolveFormat(path, options) == InteractionFormat.Parquet
            ? ParquetInteractionReader.ReadAsync(path, options, cancellationToken)
            : Task.Run(() => LoadCsv(path, options, cancellationToken), cancellationToken);
    }

    /// <summary>Loads delimited text (TSV/CSV/<c>::</c>) from <paramref name="path"/>.</summary>
    public static Dataset LoadCsv(string path, InteractionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new InteractionLoadOptions();
        options.Validate();
        PathChecks.ThrowIfDirectory(path, path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file.", path);
        }

        return CsvInteractionReader.Read(path, options, cancellationToken);
    }

    /// <summary>Loads Parquet from a file or a directory of part files.</summary>
    public static Task<Dataset> LoadParquetAsync(string path, InteractionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new InteractionLoadOptions();
        options.Validate();
        return ParquetInteractionReader.ReadAsync(path, options, cancellationToken);
    }

    /// <summary>
    /// Opens the CSR cache at <paramref name="cachePath"/> when it was built from the current
    /// <paramref name="sourcePath"/> (same path, size, modification time) with the same options; otherwise
    /// (missing, stale, corrupt or of another format version) loads the source, writes the cache (temporary
    /// name, then rename) and opens it. The matrices of the result are memory-mapped.
    /// </summary>
    /// <exception cref="ArgumentException">The cache path is the source itself (links resolved) or lies inside the
    /// source folder: building the cache would overwrite or change the data it is built from.</exception>
    public static Dataset LoadOrBuildCache(string sourcePath, string cachePath, InteractionLoadOptions? options = null, CsrCacheValidation validation = CsrCacheValidation.Checksum, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        ArgumentException.ThrowIfNullOrEmpty(cachePath);
        if (Internals.IO.FilePaths.Same(sourcePath, cachePath))
        {
            throw new ArgumentException($"The cache file {cachePath} is the source {sourcePath} itself; writing the cache would overwrite the data. Give the cache another name.", nameof(cachePath));
        }

        if (Directory.Exists(sourcePath) && Internals.IO.FilePaths.IsInside(cachePath, sourcePath))
        {
            throw new ArgumentException($"The cache file {cachePath} is inside the source folder {sourcePath}; writing it would change the data set. Put it outside the folder.", nameof(cachePath));
        }

        options ??= new InteractionLoadOptions();
        // The cache fingerprints the files this loader reads: a part directory's *.parquet files, or the one file.
        IReadOnlyList<string>? files = Directory.Exists(sourcePath) ? ParquetInteractionReader.ListFiles(sourcePath) : null;
        return CsrCache.LoadOrBuild(sourcePath, cachePath, () => Load(sourcePath, options, cancellationToken), options.Fingerprint(), validation, files);
    }

    /// <summary>
    /// Reads the schema and row counts of one Parquet file after validating its footer (length, offsets and
    /// counts against the file size), without reading column data.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a Parquet file, or a corrupt footer; the message names the file.</exception>
    public static async Task<ParquetFileSummary> ReadParquetSummaryAsync(string file, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        ParquetSafety.SafeParquetFile pq = await ParquetSafety.SafeParquetFile.OpenAsync(file, cancellationToken).ConfigureAwait(false);
        await using (pq.ConfigureAwait(false))
        {
            Parquet.Schema.ParquetSchema schema;
            try
            {
                schema = pq.Reader.Schema;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw ParquetSafety.SafeParquetFile.Translate(e, file, "schema");
            }

            return new ParquetFileSummary(schema, pq.Check.RowGroups.Count, pq.Check.RowGroups.Sum(g => g.NumRows));
        }
    }

    internal static InteractionFormat ResolveFormat(string path, InteractionLoadOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options.Validate();
        if (options.Format != InteractionFormat.Auto)
        {
            return options.Format;
        }

        if (Directory.Exists(path))
        {
            return InteractionFormat.Parquet;
        }

        return path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".parq", StringComparison.OrdinalIgnoreCase)
            ? InteractionFormat.Parquet
            : InteractionFormat.Csv;
    }
}
