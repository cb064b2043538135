using System.Globalization;
using System.Text;
using System.Text.Json;
using FastAls.Internals.IO;
using FastAls.IO.ParquetSafety;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>
/// Reads and writes the folder layout Spark ML's <c>ALSModel.save</c> uses: <c>metadata/part-00000</c>
/// (one line of JSON), <c>userFactors/</c> and <c>itemFactors/</c> Parquet part files with
/// <c>id: int32</c> and <c>features: array&lt;float&gt;</c>, and empty <c>_SUCCESS</c> markers.
/// </summary>
/// <remarks>
/// Extra columns, in the factor files by default (Spark loads such a model and <c>transform</c> works, but
/// <c>recommendForAll*</c> maps the factor tables to <c>(Int, Array[Float])</c> by position and fails on a
/// third column), or with <see cref="SparkExportOptions.ExtrasInSidecar"/> in <c>fastalsExtras/userFactors/</c>
/// and <c>fastalsExtras/itemFactors/</c> (<c>id</c> plus the extras), leaving the factor files exactly Spark's:
/// <list type="bullet">
/// <item><c>bias: float</c> (required): b_u / g_i of the biased models; the global mean goes to the metadata.</item>
/// <item><c>external_id: int64 | string</c> (required): written when a side's ids are not all int64 values in the
/// int32 range. Then <c>id</c> is the dense index (0 .. n-1) and the real id is here; otherwise <c>id</c> is the
/// external id itself.</item>
/// </list>
/// The metadata carries Spark's keys (<c>class</c>, <c>timestamp</c>, <c>sparkVersion</c>, <c>uid</c>,
/// <c>paramMap</c>, <c>defaultParamMap</c>, <c>rank</c>) and a <c>fastals</c> object with the model kind, every
/// hyperparameter, the global mean and the id kinds, which Spark's reader ignores.
/// </remarks>
public static class SparkAlsFormat
{
    /// <summary>The class name Spark's metadata names.</summary>
    public const string SparkClass = "org.apache.spark.ml.recommendation.ALSModel";

    /// <summary>The folder of the extra columns when <see cref="SparkExportOptions.ExtrasInSidecar"/> is set.</summary>
    public const string SidecarFolder = "fastalsExtras";

    /// <summary>Writes <paramref name="model"/> to <paramref name="folder"/> (built in a temporary folder beside it, flushed to disk, then renamed into place).</summary>
    public static void Export(AlsModel model, string folder, SparkExportOptions? options = null)
        => Task.Run(() => ExportAsync(model, folder, options)).GetAwaiter().GetResult();

    /// <summary>Reads a folder written by <see cref="Export"/> or by Spark's <c>ALSModel.save</c>.</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="options">Options for a plain Spark export (which records no kind or hyperparameters;
    /// default: <see cref="AlsModelKind.Explicit"/> with the file's rank). Ignored when the metadata has a
    /// <c>fastals</c> object, except that its factor count must then agree.</param>
    public static AlsModel Import(string folder, AlsOptions? options = null)
        => Task.Run(() => ImportAsync(folder, options)).GetAwaiter().GetResult();

    /// <inheritdoc cref="Export"/>
    public static async Task ExportAsync(AlsModel model, string folder, SparkExportOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new SparkExportOptions();
        using Internals.ModelGate.ReadScope read = model.Gate.EnterRead();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.RowGroupSize);
        string full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(full) && !options.Overwrite)
        {
            throw new IOException($"{full} already exists (set SparkExportOptions.Overwrite to replace it).");
        }

        using (AtomicDirectory output = AtomicDirectory.Create(full))
        {
            string tmp = output.TempPath;
            Directory.CreateDirectory(Path.Combine(tmp, "metadata"));
            bool biases = options.IncludeBiases && model.UserBiasArray is not null;
            bool userExt = NeedsExternalColumn(model.UserIds);
            bool itemExt = NeedsExternalColumn(model.ItemIds);
            foreach ((string side, FactorMatrix f, IdMap ids, bool ext, float[]? b) in new[]
            {
                ("userFactors", model.UserMatrix, model.UserIds, userExt, biases ? model.UserBiasArray : null),
                ("itemFactors", model.ItemMatrix, model.ItemIds, itemExt, biases ? model.ItemBiasArray : null),
            })
            {
                if (options.ExtrasInSidecar)
                {
                    await WriteFactorsAsync(Path.Combine(tmp, side), f, ids, ext, 0, null, options.RowGroupSize, features: true, extrasColumn: false, FreshPartName(0), ct).ConfigureAwait(false);
                    if (ext || b is not null)
                    {
                        await WriteFactorsAsync(Path.Combine(tmp, SidecarFolder, side), f, ids, ext, 0, b, options.RowGroupSize, features: false, extrasColumn: true, FreshPartName(0), ct).ConfigureAwait(false);
                    }
                }
                else
                {
                    await WriteFactorsAsync(Path.Combine(tmp, side), f, ids, ext, 0, b, options.RowGroupSize, features: true, extrasColumn: true, FreshPartName(0), ct).ConfigureAwait(false);
                }
            }
            await WriteMetadataAsync(tmp, model.Options, model.GlobalMean, model.UserIds.Kind, model.ItemIds.Kind, options, userExt, itemExt, biases, ct).ConfigureAwait(false);
            output.Commit(options.Overwrite, ct);
        }
    }

    /// <inheritdoc cref="Import"/>
    public static async Task<AlsModel> ImportAsync(string folder, AlsOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string metaPath = Path.Combine(folder, "metadata", "part-00000");
        if (!File.Exists(metaPath))
        {
            throw new FileNotFoundException($"{folder} is not a Spark ALSModel folder: {metaPath} is missing.", metaPath);
        }

        string json = (await File.ReadAllTextAsync(metaPath, ct).ConfigureAwait(false)).Trim();
        int rank;
        AlsOptions opts;
        float mu = 0;
        IdExpectation userIds = default, itemIds = default;
        using (JsonDocument doc = ParseMetadata(json, metaPath))
        {
            JsonElement root = doc.RootElement;
            if (!root.TryGetProperty("class", out JsonElement cls) || cls.GetString() != SparkClass)
            {
                throw new InvalidDataException($"{metaPath}: class is not {SparkClass}.");
            }

            if (!root.TryGetProperty("rank", out JsonElement r) || r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out rank) || rank < 1)
            {
                throw new InvalidDataException($"{metaPath}: no positive integer \"rank\".");
            }

            try
            {
                // The factor count's range, checked before the rank sizes any buffer.
                new AlsOptions { Factors = rank }.Validate();
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{metaPath}: rank {rank} is out of range ({e.Message})", e);
            }

            if (root.TryGetProperty("fastals", out JsonElement fa))
            {
                opts = ReadOptions(fa, metaPath, rank);
                mu = ReadGlobalMean(fa, metaPath);
                userIds = ReadIdExpectation(fa, "user", metaPath);
                itemIds = ReadIdExpectation(fa, "item", metaPath);
                if (options is not null && options.Factors != rank)
                {
                    throw new ArgumentException($"options.Factors = {options.Factors} but the model's rank is {rank}.", nameof(options));
                }
            }
            else
            {
                opts = options ?? new AlsOptions { Kind = AlsModelKind.Explicit, Factors = rank };
                if (opts.Factors != rank)
                {
                    throw new ArgumentException($"options.Factors = {opts.Factors} but the Spark model's rank is {rank}.", nameof(options));
                }
            }
        }

        FactorTable users = await ReadFactorsAsync(Path.Combine(folder, "userFactors"), Path.Combine(folder, SidecarFolder, "userFactors"), rank, opts.HasBiases, userIds, ct).ConfigureAwait(false);
        FactorTable items = await ReadFactorsAsync(Path.Combine(folder, "itemFactors"), Path.Combine(folder, SidecarFolder, "itemFactors"), rank, opts.HasBiases, itemIds, ct).ConfigureAwait(false);
        var model = new AlsModel(opts, users.Count, items.Count, users.Ids, items.Ids);
        model.SetGlobalMean(mu);
        users.CopyTo(model.UserMatrix, model.UserBiasArray);
        items.CopyTo(model.ItemMatrix, model.ItemBiasArray);
        return model;
    }

    /// <summary>
    /// Writes one part file of one side's factors into <paramref name="sideDir"/> (<c>userFactors</c> or
    /// <c>itemFactors</c> of a folder being built): the rows [<paramref name="firstRow"/>, firstRow + rows) of the
    /// model, as <c>part-NNNNN-c000.snappy.parquet</c> with NNNNN = <paramref name="part"/>. The import reads a
    /// side's part files in name order, so parts numbered in row order give the model's row order. The file is
    /// written under a temporary name and renamed into place (a rerun of the same part replaces it). What a
    /// distributed driver's workers call, one part per block; <see cref="WriteMetadata"/> completes the folder.
    /// </summary>
    /// <param name="sideDir">the side's folder (created when missing)</param>
    /// <param name="part">the part number (the block)</param>
    /// <param name="factors">the block's factor rows</param>
    /// <param name="ids">the block's external ids (row r: model row firstRow + r)</param>
    /// <param name="firstRow">the model row of the block's row 0</param>
    /// <param name="external">the side's ids go to an external_id column (decided for the whole side: <see cref="NeedsExternalColumn"/>)</param>
    /// <param name="biases">the block's biases, or null</param>
    internal static void WritePart(string sideDir, int part, FactorMatrix factors, IdMap ids, int firstRow, bool external, float[]? biases)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        if (ids.Count != factors.Rows || (biases is not null && biases.Length != factors.Rows))
        {
            throw new ArgumentException($"{factors.Rows} factor rows but {ids.Count} ids and {biases?.Length ?? 0} biases.", nameof(ids));
        }

        if (!external && ids.Kind != IdKind.Int64)
        {
            throw new ArgumentException("String ids need the external_id column.", nameof(external));
        }

        Task.Run(() => WriteFactorsAsync(sideDir, factors, ids, external, firstRow, biases, new SparkExportOptions().RowGroupSize, features: true, extrasColumn: true, $"part-{part:D5}-c000.snappy.parquet", CancellationToken.None)).GetAwaiter().GetResult();
    }

    /// <summary>Writes <c>metadata/part-00000</c> and <c>metadata/_SUCCESS</c> of a folder whose factor parts were written by <see cref="WritePart"/>.</summary>
    internal static void WriteMetadata(string folder, AlsOptions options, float globalMean, IdKind userKind, IdKind itemKind, bool userExternal, bool itemExternal)
        => Task.Run(() => WriteMetadataAsync(folder, options, globalMean, userKind, itemKind, new SparkExportOptions(), userExternal, itemExternal, options.HasBiases, CancellationToken.None)).GetAwaiter().GetResult();

    /// <summary>True when a side's ids cannot be Spark's int32 <c>id</c> column, so they go to <c>external_id</c>.</summary>
    internal static bool NeedsExternalColumn(IdMap ids)
    {
        if (ids.Kind != IdKind.Int64)
        {
            return true;
        }

        foreach (long id in ids.Int64Ids)
        {
            if (id is < int.MinValue or > int.MaxValue)
            {
                return true;
            }
        }

        return false;
    }

    private static string FreshPartName(int part) => $"part-{part:D5}-{Guid.NewGuid():D}-c000.snappy.parquet";

    private static async Task WriteMetadataAsync(string folder, AlsOptions o, float globalMean, IdKind userKind, IdKind itemKind, SparkExportOptions options, bool userExt, bool itemExt, bool biases, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(folder, "metadata"));
        await File.WriteAllTextAsync(Path.Combine(folder, "metadata", "part-00000"), MetadataJson(o, globalMean, userKind, itemKind, options, userExt, itemExt, biases) + "\n", ct).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, "metadata", "_SUCCESS"), [], ct).ConfigureAwait(false);
    }

    /// <summary>Writes a side's factor rows as the Parquet file <paramref name="name"/> in <paramref name="dir"/>; row r has model row firstRow + r.</summary>
    private static async Task WriteFactorsAsync(string dir, FactorMatrix factors, IdMap ids, bool external, int firstRow, float[]? biases, int rowGroup, bool features, bool extrasColumn, string name, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var idField = new DataField<int>("id", false);
        var element = new DataField<float>("element", false);
        var featureList = new ListField("features", element);
        var fields = new List<Field> { idField };
        if (features)
        {
            fields.Add(featureList);
        }

        DataField<float>? biasField = biases is null ? null : new DataField<float>("bias", false);
        if (biasField is not null)
        {
            fields.Add(biasField);
        }

        DataField? extField = !external || !extrasColumn ? null : ids.Kind == IdKind.String ? new DataField<string>("external_id", false) : new DataField<long>("external_id", false);
        if (extField is not null)
        {
            fields.Add(extField);
        }

        var schema = new ParquetSchema(fields);
        string path = Path.Combine(dir, name);

        // Parquet.Net writes no page checksums: write its file under a hidden name, then copy it with a CRC-32 in
        // every page header (as InteractionParquetWriter does), so that an import detects a changed byte of the
        // factors instead of loading other values. Spark's reader accepts (and may verify) page checksums.
        string scratch = "." + name + "." + Guid.NewGuid().ToString("N")[..12];
        string raw = Path.Combine(dir, scratch + ".raw");
        await using (var fs = new FileStream(raw, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
        {
            await using ParquetWriter writer = await ParquetWriter.CreateAsync(schema, fs, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, ct).ConfigureAwait(false);
            int k = factors.Factors;
            for (int start = 0; start < factors.Rows; start += rowGroup)
            {
                int n = Math.Min(rowGroup, factors.Rows - start);
                var id = new int[n];
                var values = new float[n * k];
                var rep = new int[n * k];
                var def = new int[n * k];
                def.AsSpan().Fill(element.MaxDefinitionLevel);
                for (int r = 0; r < n; r++)
                {
                    id[r] = external ? firstRow + start + r : (int)ids.GetInt64(start + r);
                    factors.Row(start + r).CopyTo(values.AsSpan(r * k, k));
                    rep.AsSpan((r * k) + 1, k - 1).Fill(1);
                }

                using ParquetRowGroupWriter rg = writer.CreateRowGroup();
                await rg.WriteAsync<int>(idField, id, null, null, ct).ConfigureAwait(false);
                if (features)
                {
                    await rg.WriteAllPartsAsync<float>(element, values, def, rep, ct).ConfigureAwait(false);
                }

                if (biasField is not null)
                {
                    await rg.WriteAsync<float>(biasField, biases.AsMemory(start, n), null, null, ct).ConfigureAwait(false);
                }

                if (extField is not null)
                {
                    if (ids.Kind == IdKind.String)
                    {
                        var s = new string[n];
                        for (int r = 0; r < n; r++)
                        {
                            s[r] = ids.GetString(start + r);
                        }

                        await rg.WriteAsync(extField, s, null).ConfigureAwait(false);
                    }
                    else
                    {
                        await rg.WriteAsync<long>(extField, ids.Int64Ids.Slice(start, n).ToArray(), null, null, ct).ConfigureAwait(false);
                    }
                }

                rg.CompleteValidate();
            }
        }

        // The checksummed copy gets a temporary name too and is renamed into place: a writer killed mid-copy leaves
        // no partial part file under the final name, and a rerun of the same part replaces the file.
        string done = Path.Combine(dir, scratch + ".tmp");
        ParquetPageChecksums.Add(raw, done);
        File.Delete(raw);
        File.Move(done, path, overwrite: true);
        await File.WriteAllBytesAsync(Path.Combine(dir, "_SUCCESS"), [], ct).ConfigureAwait(false);
    }

    private sealed class FactorTable
    {
        public List<int> SparkIds { get; } = [];

        public List<float> Values { get; } = [];

        public List<float>? Biases { get; set; }

        public List<long>? LongIds { get; set; }

        public List<string>? StringIds { get; set; }

        public IdMap Ids { get; set; } = IdMap.CreateInt64();

        public int Count => SparkIds.Count;

        public int Rank { get; init; }

        public void CopyTo(FactorMatrix m, float[]? biases)
        {
            for (int r = 0; r < Count; r++)
            {
                for (int d = 0; d < Rank; d++)
                {
                    m.Row(r)[d] = Values[(r * Rank) + d];
                }
            }

            if (biases is not null)
            {
                Biases!.CopyTo(biases);
            }
        }
    }

    /// <summary>What the FastAls metadata promises about a side's ids: an external_id column, and of which kind.</summary>
    private readonly record struct IdExpectation(bool External, IdKind Kind);

    private static float ReadGlobalMean(JsonElement fa, string path)
    {
        if (!fa.TryGetProperty("globalMean", out JsonElement m))
        {
            return 0f;
        }

        // Written with WriteNumber(float), so NaN or infinity cannot appear as a JSON number; a huge literal
        // still parses to infinity and is rejected here.
        if (m.ValueKind != JsonValueKind.Number || !m.TryGetDouble(out double d) || !float.IsFinite((float)d))
        {
            throw new InvalidDataException($"{path}: fastals.globalMean ({m.GetRawText()}) is not a finite float.");
        }

        return (float)d;
    }

    private static IdExpectation ReadIdExpectation(JsonElement fa, string side, string path)
    {
        bool external = fa.TryGetProperty(side + "IdColumn", out JsonElement col) && col.ValueKind == JsonValueKind.String && col.GetString() == "external_id";
        IdKind kind = IdKind.Int64;
        if (fa.TryGetProperty(side + "IdKind", out JsonElement k))
        {
            if (k.ValueKind != JsonValueKind.String || !Enum.TryParse(k.GetString(), ignoreCase: false, out kind) || !Enum.IsDefined(kind))
            {
                throw new InvalidDataException($"{path}: fastals.{side}IdKind ({k.GetRawText()}) is not Int64 or String.");
            }
        }

        if (kind == IdKind.String && !external)
        {
            throw new InvalidDataException($"{path}: fastals.{side}IdKind is String but {side}IdColumn is not \"external_id\".");
        }

        return new IdExpectation(external, kind);
    }

    private static async Task<FactorTable> ReadFactorsAsync(string dir, string sidecarDir, int rank, bool needBias, IdExpectation expect, CancellationToken ct)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"{dir} is missing (a Spark ALSModel folder has userFactors/ and itemFactors/).");
        }

        var table = new FactorTable { Rank = rank };
        await ReadPartsAsync(dir, table, rank, ct).ConfigureAwait(false);
        string where = dir;
        if (Directory.Exists(sidecarDir))
        {
            // extras kept apart so the factor files are exactly Spark's two columns
            var side = new FactorTable { Rank = 0 };
            await ReadPartsAsync(sidecarDir, side, 0, ct).ConfigureAwait(false);
            var at = new Dictionary<int, int>(side.Count);
            for (int r = 0; r < side.Count; r++)
            {
                if (!at.TryAdd(side.SparkIds[r], r))
                {
                    throw new InvalidDataException($"{sidecarDir}: id {side.SparkIds[r]} appears twice.");
                }
            }

            var order = new int[table.Count];
            for (int r = 0; r < table.Count; r++)
            {
                if (!at.TryGetValue(table.SparkIds[r], out order[r]))
                {
                    throw new InvalidDataException($"{sidecarDir}: no row for id {table.SparkIds[r]} of {dir}.");
                }
            }

            table.Biases = side.Biases is null ? table.Biases : [.. order.Select(r => side.Biases[r])];
            table.LongIds = side.LongIds is null ? table.LongIds : [.. order.Select(r => side.LongIds[r])];
            table.StringIds = side.StringIds is null ? table.StringIds : [.. order.Select(r => side.StringIds[r])];
            where = sidecarDir;
        }

        if (needBias && table.Biases is null)
        {
            throw new InvalidDataException($"{where}: the model kind has biases but there is no \"bias\" column.");
        }

        if (table.Count == 0)
        {
            throw new InvalidDataException($"{dir}: no rows; a model needs at least one {(dir.EndsWith("userFactors", StringComparison.Ordinal) ? "user" : "item")} (empty or missing part files).");
        }

        if (expect.External && table.StringIds is null && table.LongIds is null)
        {
            throw new InvalidDataException($"{where}: the metadata says the ids are in an \"external_id\" column ({expect.Kind}), but there is none; importing the Spark ids instead would change every id.");
        }

        if (expect.External && (table.StringIds is not null) != (expect.Kind == IdKind.String))
        {
            throw new InvalidDataException($"{where}: the \"external_id\" column holds {(table.StringIds is not null ? "strings" : "int64 values")}, but the metadata says the ids are {expect.Kind}.");
        }

        for (int t = 0; t < table.Values.Count; t++)
        {
            if (!float.IsFinite(table.Values[t]))
            {
                throw new InvalidDataException($"{dir}: the features of row {t / rank} (id {table.SparkIds[t / rank]}) hold a non-finite value ({table.Values[t]}).");
            }
        }

        if (table.Biases is not null)
        {
            for (int r = 0; r < table.Biases.Count; r++)
            {
                if (!float.IsFinite(table.Biases[r]))
                {
                    throw new InvalidDataException($"{where}: the bias of row {r} (id {table.SparkIds[r]}) is not finite ({table.Biases[r]}).");
                }
            }
        }

        var ids = table.StringIds is not null ? IdMap.CreateString(table.Count) : IdMap.CreateInt64(table.Count);
        for (int r = 0; r < table.Count; r++)
        {
            bool fresh = table.StringIds is not null ? ids.GetOrAdd(table.StringIds[r]) == r
                : ids.GetOrAdd(table.LongIds is not null ? table.LongIds[r] : table.SparkIds[r]) == r;
            if (!fresh)
            {
                string id = table.StringIds?[r] ?? (table.LongIds is not null ? table.LongIds[r] : table.SparkIds[r]).ToString(CultureInfo.InvariantCulture);
                throw new InvalidDataException($"{where}: id {id} (row {r}) appears twice.");
            }
        }

        table.Ids = ids;
        return table;
    }

    /// <summary>Appends the rows of every part file in <paramref name="dir"/> (features only when rank &gt; 0).</summary>
    /// <remarks>
    /// Each file is opened through <see cref="SafeParquetFile"/>, as interaction input is: the footer is validated
    /// before Parquet.Net parses it, every page header of a row group's columns is checked (sizes, value counts,
    /// checksums when present) before a buffer is sized, row and value counts must fit the bytes that hold them,
    /// and Parquet.Net reads inside the column's pages only; any failure is an <see cref="InvalidDataException"/>
    /// naming the file, row group and column.
    /// </remarks>
    private static async Task ReadPartsAsync(string dir, FactorTable table, int rank, CancellationToken ct)
    {
        string[] files = Directory.GetFiles(dir, "*.parquet");
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string file in files)
        {
            SafeParquetFile pq = await SafeParquetFile.OpenAsync(file, ct).ConfigureAwait(false);
            await using (pq.ConfigureAwait(false))
            {
                await ReadPartAsync(pq, table, rank, ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task ReadPartAsync(SafeParquetFile pq, FactorTable table, int rank, CancellationToken ct)
    {
        string file = pq.File;
        DataField[] df;
        try
        {
            df = pq.Reader.Schema.GetDataFields();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw SafeParquetFile.Translate(e, file, "schema");
        }

        DataField idField = Find(df, "id", file);
        DataField? feat = rank == 0 ? null : df.FirstOrDefault(f => f.Path.FirstPart == "features") ?? throw new InvalidDataException($"{file}: no \"features\" column.");
        DataField? bias = df.FirstOrDefault(f => f.Name == "bias" && f.MaxRepetitionLevel == 0);
        DataField? ext = df.FirstOrDefault(f => f.Name == "external_id" && f.MaxRepetitionLevel == 0);
        if (idField.ClrType != typeof(int))
        {
            throw new InvalidDataException($"{file}: column \"id\" is {idField.ClrType.Name}, not int32.");
        }

        if (feat is not null && (feat.ClrType != typeof(float) || feat.MaxRepetitionLevel != 1))
        {
            throw new InvalidDataException($"{file}: column \"features\" is not a list of float.");
        }

        if (ext is not null && ext.ClrType != typeof(long) && ext.ClrType != typeof(string) && ext.ClrType != typeof(ReadOnlyMemory<char>))
        {
            throw new InvalidDataException($"{file}: column \"external_id\" is {ext.ClrType.Name}; int64 or string expected.");
        }

        int idLeaf = pq.LeafOf(idField);
        int featLeaf = feat is null ? -1 : pq.LeafOf(feat);
        int biasLeaf = bias is null ? -1 : pq.LeafOf(bias);
        int extLeaf = ext is null ? -1 : pq.LeafOf(ext);
        bool stringIds = ext is not null && ext.ClrType != typeof(long);
        bool first = table.Count == 0;
        if (first)
        {
            table.Biases = bias is null ? null : [];
            table.LongIds = ext is null || stringIds ? null : [];
            table.StringIds = stringIds ? [] : null;
        }
        else if ((table.Biases is null) != (bias is null) || (table.LongIds is null) == (ext is not null && !stringIds) || (table.StringIds is null) == stringIds)
        {
            throw new InvalidDataException($"{file}: the columns differ from the earlier part files.");
        }

        for (int g = 0; g < pq.Check.RowGroups.Count; g++)
        {
            ct.ThrowIfCancellationRequested();
            if (pq.Check.RowGroups[g].NumRows == 0)
            {
                continue;
            }

            // The row count must fit the bytes of the one-value-per-row columns, the feature count the bytes of
            // the features, before either sizes a buffer.
            int n = pq.CheckRowGroup(g, idLeaf, biasLeaf, extLeaf);
            long numValues = feat is null ? 0 : pq.CheckValues(g, featLeaf);
            using ParquetRowGroupReader rg = pq.Reader.OpenRowGroupReader(g);
            var idv = new int[n];
            await pq.ReadColumnAsync(g, idLeaf, "id", async () => await rg.ReadAsync<int>(idField, idv, null, ct).ConfigureAwait(false)).ConfigureAwait(false);
            table.SparkIds.AddRange(idv);
            if (feat is not null)
            {
                if (numValues != (long)n * rank)
                {
                    throw new InvalidDataException($"{file}, row group {g}: {numValues} feature values for {n} rows of rank {rank} (a null or wrong-length features list).");
                }

                var vals = new float[numValues];
                var rep = new int[numValues];
                var def = new int[numValues];
                await pq.ReadColumnAsync(g, featLeaf, "features", async () => await rg.ReadRawAsync<float>(feat, vals, def, rep, ct).ConfigureAwait(false)).ConfigureAwait(false);
                for (int t = 0; t < vals.Length; t++)
                {
                    if ((rep[t] == 0) != (t % rank == 0) || def[t] != feat.MaxDefinitionLevel)
                    {
                        throw new InvalidDataException($"{file}, row group {g}, row {t / rank}: the features list is null or does not have {rank} values.");
                    }
                }

                table.Values.AddRange(vals);
            }

            if (bias is not null)
            {
                var b = new float[n];
                await pq.ReadColumnAsync(g, biasLeaf, "bias", async () => await rg.ReadAsync<float>(bias, b, null, ct).ConfigureAwait(false)).ConfigureAwait(false);
                table.Biases!.AddRange(b);
            }

            if (ext is not null && stringIds)
            {
                var sv = new string[n];
                await pq.ReadColumnAsync(g, extLeaf, "external_id", async () => await rg.ReadAsync(ext, sv, null).ConfigureAwait(false)).ConfigureAwait(false);
                table.StringIds!.AddRange(sv);
            }
            else if (ext is not null)
            {
                var l = new long[n];
                await pq.ReadColumnAsync(g, extLeaf, "external_id", async () => await rg.ReadAsync<long>(ext, l, null, ct).ConfigureAwait(false)).ConfigureAwait(false);
                table.LongIds!.AddRange(l);
            }
        }
    }

    private static DataField Find(DataField[] fields, string name, string file)
        => fields.FirstOrDefault(f => f.Name == name && f.MaxRepetitionLevel == 0) ?? throw new InvalidDataException($"{file}: no \"{name}\" column.");

    private static JsonDocument ParseMetadata(string json, string path)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    private static string MetadataJson(AlsOptions o, float globalMean, IdKind userKind, IdKind itemKind, SparkExportOptions options, bool userExt, bool itemExt, bool biases)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("class", SparkClass);
            w.WriteNumber("timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            w.WriteString("sparkVersion", options.SparkVersion);
            w.WriteString("uid", "als_" + Guid.NewGuid().ToString("N")[..12]);
            foreach (string map in new[] { "paramMap", "defaultParamMap" })
            {
                w.WriteStartObject(map);
                w.WriteNumber("blockSize", 4096);
                w.WriteString("itemCol", "item");
                w.WriteString("predictionCol", "prediction");
                w.WriteString("userCol", "user");
                w.WriteString("coldStartStrategy", "nan");
                w.WriteEndObject();
            }

            w.WriteNumber("rank", o.Factors);
            w.WriteStartObject("fastals");
            w.WriteNumber("formatVersion", 1);
            o.WriteJsonProperties(w);
            w.WriteNumber("globalMean", globalMean);
            w.WriteBoolean("biasColumns", biases);
            w.WriteBoolean("extrasInSidecar", options.ExtrasInSidecar);
            w.WriteString("userIdColumn", userExt ? "external_id" : "id");
            w.WriteString("itemIdColumn", itemExt ? "external_id" : "id");
            w.WriteString("userIdKind", userKind.ToString());
            w.WriteString("itemIdKind", itemKind.ToString());
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static AlsOptions ReadOptions(JsonElement fa, string path, int rank)
    {
        try
        {
            AlsOptions o = AlsOptions.ReadJsonProperties(fa);
            o.Validate();
            if (o.Factors != rank)
            {
                throw new InvalidDataException($"{path}: fastals.factors = {o.Factors} but rank = {rank}.");
            }

            return o;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: the \"fastals\" metadata is incomplete or invalid ({e.Message}).", e);
        }
    }

    internal static string Invariant(float f) => f.ToString("R", CultureInfo.InvariantCulture);
}
