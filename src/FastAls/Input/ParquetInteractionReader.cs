using System.Buffers;
using System.Globalization;
using FastAls.IO.ParquetSafety;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>
/// Reads interactions from a Parquet file or a directory of part files, row group by row group, with
/// <see cref="ParquetRowGroupReader"/>'s <c>ReadAsync&lt;T&gt;(field, Memory&lt;T&gt;)</c> into reused,
/// pooled buffers (no <c>DataColumn</c>, no per-row objects besides the strings of text ids).
/// </summary>
internal static class ParquetInteractionReader
{
    /// <summary>Part files of a directory as Spark and pandas write them, sorted by name.</summary>
    public static string[] ListFiles(string path)
    {
        if (File.Exists(path))
        {
            return [Path.GetFullPath(path)];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or directory.", path);
        }

        string[] files = Directory.EnumerateFiles(path)
            .Where(f =>
            {
                string name = Path.GetFileName(f);
                return !name.StartsWith('.') && !name.StartsWith('_')
                    && (name.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".parq", StringComparison.OrdinalIgnoreCase));
            })
            .Select(Path.GetFullPath)
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            throw new InvalidDataException($"{path}: the directory holds no *.parquet part files (hidden files, _SUCCESS and .crc files are ignored).");
        }

        return files;
    }

    public static async Task<Dataset> ReadAsync(string path, InteractionLoadOptions options, CancellationToken cancellationToken)
    {
        string[] files = ListFiles(path);
        InteractionBuilder? builder = null;
        var buffers = new Buffers();
        try
        {
            foreach (string file in files)
            {
                builder = await ReadFileAsync(file, options, builder, buffers, cancellationToken).ConfigureAwait(false);
            }

            if (builder is null || builder.Count == 0)
            {
                throw new InvalidDataException($"{path}: no interactions (every row group is empty).");
            }

            return builder.Build();
        }
        finally
        {
            builder?.Dispose();
            buffers.Return();
        }
    }

    /// <summary>
    /// Reads one Parquet part file into a builder that is not built yet (ids numbered in first-seen order within
    /// the file; values checked): the raw interactions of one part of a distributed load.
    /// </summary>
    internal static async Task<InteractionBuilder> ReadPartAsync(string file, InteractionLoadOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{file}: no such part file.", file);
        }

        var buffers = new Buffers();
        try
        {
            return await ReadFileAsync(Path.GetFullPath(file), options, null, buffers, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            buffers.Return();
        }
    }

    private static async Task<InteractionBuilder> ReadFileAsync(string file, InteractionLoadOptions o, InteractionBuilder? builder, Buffers buffers, CancellationToken ct)
    {
        // Parquet.Net trusts the file: its decoders loop forever on a truncated footer and allocate whatever a
        // count claims. SafeParquetFile validates the structure first and confines Parquet.Net's reads.
        SafeParquetFile pq = await SafeParquetFile.OpenAsync(file, ct).ConfigureAwait(false);
        await using (pq.ConfigureAwait(false))
        {
            DataField[] fields = pq.TopLevelFields();
            DataField userField = FindField(file, fields, o.UserColumn, required: true)!;
            DataField itemField = FindField(file, fields, o.ItemColumn, required: true)!;
            DataField? valueField = o.ValueColumn is null ? null : FindField(file, fields, o.ValueColumn, o.ValueColumnRequired);
            if (valueField is null && o.ValueColumn is not null && fields.Length > 2)
            {
                // The same rule as for a text header: other columns but no value column is not taken to mean 1.0.
                throw new InvalidDataException($"{file}: no column '{o.ValueColumn}' (columns: {string.Join(", ", fields.Select(x => x.Name))}); name the value column, or say there is none (ValueColumn = null, --value-col none) to use 1.0 for every interaction.");
            }

            IdKind userKind = IdKindOf(file, userField, o.UserIdKind, "UserIdKind");
            IdKind itemKind = IdKindOf(file, itemField, o.ItemIdKind, "ItemIdKind");
            if (valueField is not null)
            {
                Type t = valueField.ClrType;
                if (valueField.IsArray || (t != typeof(float) && t != typeof(double) && t != typeof(int) && t != typeof(long)))
                {
                    throw new InvalidDataException($"{file}, column '{valueField.Name}': the value column has type {Describe(valueField)}; expected float, double, int32 or int64.");
                }
            }

            int userLeaf = pq.LeafOf(userField);
            int itemLeaf = pq.LeafOf(itemField);
            int valueLeaf = valueField is null ? -1 : pq.LeafOf(valueField);
            if (builder is null)
            {
                builder = new InteractionBuilder(userKind, itemKind, o.Duplicates, o.Values);
            }
            else if (builder.UserIds.Kind != userKind || builder.ItemIds.Kind != itemKind)
            {
                throw new InvalidDataException($"{file}: id column types ({userKind} users, {itemKind} items) differ from the earlier part files ({builder.UserIds.Kind}, {builder.ItemIds.Kind}).");
            }

            string uName = $"'{userField.Name}'", iName = $"'{itemField.Name}'", vName = valueField is null ? "(none)" : $"'{valueField.Name}'";
            for (int g = 0; g < pq.Check.RowGroups.Count; g++)
            {
                ct.ThrowIfCancellationRequested();
                if (pq.Check.RowGroups[g].NumRows == 0)
                {
                    continue;
                }

                // Every page header of the chunks to be read is checked (counts, sizes, checksums) before any
                // buffer is sized by the row count; the count must also fit the bytes that hold it.
                int n = pq.CheckRowGroup(g, userLeaf, itemLeaf, valueLeaf);
                using ParquetRowGroupReader rg = pq.Reader.OpenRowGroupReader(g);
                var block = new SourceBlock(file, g, 0, uName, iName, vName);
                builder.BeginBlock(block);
                int[] users = buffers.UserIndices(n);
                int[] items = buffers.ItemIndices(n);
                float[] values = buffers.Values(n);
                await pq.ReadColumnAsync(g, userLeaf, userField.Name, () => ReadIdsAsync(rg, userField, n, builder.UserIds, users, buffers, block, InteractionColumn.User, ct)).ConfigureAwait(false);
                await pq.ReadColumnAsync(g, itemLeaf, itemField.Name, () => ReadIdsAsync(rg, itemField, n, builder.ItemIds, items, buffers, block, InteractionColumn.Item, ct)).ConfigureAwait(false);
                if (valueField is null)
                {
                    values.AsSpan(0, n).Fill(1f);
                }
                else
                {
                    await pq.ReadColumnAsync(g, valueLeaf, valueField.Name, () => ReadValuesAsync(rg, valueField, n, values, buffers, block, ct)).ConfigureAwait(false);
                }

                for (int k = 0; k < n; k++)
                {
                    builder.AddIndices(users[k], items[k], values[k]);
                }
            }
        }

        return builder;
    }

    private static DataField? FindField(string file, DataField[] fields, string name, bool required)
    {
        DataField? f = Array.Find(fields, x => x.Name == name);
        if (f is null && required)
        {
            throw new InvalidDataException($"{file}: no column '{name}' (columns: {string.Join(", ", fields.Select(x => x.Name))}).");
        }

        return f;
    }

    private static IdKind IdKindOf(string file, DataField field, IdKind? wanted, string option)
    {
        Type t = field.ClrType;
        IdKind kind;
        if (!field.IsArray && (t == typeof(int) || t == typeof(long)))
        {
            kind = IdKind.Int64;
        }
        else if (!field.IsArray && IsText(t))
        {
            kind = IdKind.String;
        }
        else
        {
            throw new InvalidDataException($"{file}, column '{field.Name}': the id column has type {Describe(field)}; expected int32, int64 or string.");
        }

        if (wanted is IdKind w && w != kind)
        {
            throw new InvalidDataException($"{file}, column '{field.Name}': {option} is {w} but the column holds {Describe(field)} ids.");
        }

        return kind;
    }

    private static bool IsText(Type t) => t == typeof(string) || t == typeof(ReadOnlyMemory<char>);

    private static string Describe(DataField f)
    {
        Type t = f.ClrType;
        string name = t == typeof(int) ? "int32" : t == typeof(long) ? "int64" : t == typeof(float) ? "float" : t == typeof(double) ? "double" : IsText(t) ? "string" : t.Name;
        return (f.IsArray ? "array of " : string.Empty) + name + (f.IsNullable ? " (nullable)" : string.Empty);
    }

    private static async Task ReadIdsAsync(ParquetRowGroupReader rg, DataField field, int n, IdMap map, int[] dense, Buffers buffers, SourceBlock block, InteractionColumn column, CancellationToken ct)
    {
        Type t = field.ClrType;
        if (IsText(t))
        {
            // Text ids read as their raw bytes (a byte[] view of the same column) and decoded here with strict
            // UTF-8: Parquet.Net's own decoding replaces invalid bytes with U+FFFD, which would silently merge
            // distinct ids. A string is made only for an id not seen before.
            var raw = new DataField<byte[]>(field.Name, field.IsNullable);
            _ = new ParquetSchema(raw);
            ReadOnlyMemory<byte>[] m = buffers.Bytes(n);
            int[]? levels = field.IsNullable ? buffers.Levels(n) : null;
            await rg.ReadRawAsync(raw, m.AsMemory(0, n), levels?.AsMemory(0, n), null, ct).ConfigureAwait(false);
            char[] chars = buffers.Chars(256);
            for (int k = 0, v = 0; k < n; k++)
            {
                if (levels is not null && levels[k] == 0)
                {
                    Array.Clear(m, 0, n);
                    ThrowNull(block, k, column);
                }

                ReadOnlySpan<byte> id = m[v++].Span;
                if (!System.Text.Unicode.Utf8.IsValid(id))
                {
                    Array.Clear(m, 0, n);
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{block.Describe(k, column)}: the id is not valid UTF-8."));
                }

                if (chars.Length < id.Length)
                {
                    chars = buffers.Chars(id.Length);
                }

                int len = System.Text.Encoding.UTF8.GetChars(id, chars);
                dense[k] = map.GetOrAdd(chars.AsSpan(0, len));
            }

            Array.Clear(m, 0, n);
            return;
        }

        long[] ids = buffers.Longs(n);
        if (t == typeof(long))
        {
            if (field.IsNullable)
            {
                long?[] nl = buffers.NullableLongs(n);
                await rg.ReadAsync<long>(field, nl.AsMemory(0, n), null, ct).ConfigureAwait(false);
                CopyNonNull(nl, ids, n, block, column);
            }
            else
            {
                await rg.ReadAsync<long>(field, ids.AsMemory(0, n), null, ct).ConfigureAwait(false);
            }
        }
        else
        {
            int[] ints = buffers.Ints(n);
            if (field.IsNullable)
            {
                int?[] ni = buffers.NullableInts(n);
                await rg.ReadAsync<int>(field, ni.AsMemory(0, n), null, ct).ConfigureAwait(false);
                CopyNonNull(ni, ints, n, block, column);
            }
            else
            {
                await rg.ReadAsync<int>(field, ints.AsMemory(0, n), null, ct).ConfigureAwait(false);
            }

            for (int k = 0; k < n; k++)
            {
                ids[k] = ints[k];
            }
        }

        for (int k = 0; k < n; k++)
        {
            dense[k] = map.GetOrAdd(ids[k]);
        }
    }

    private static async Task ReadValuesAsync(ParquetRowGroupReader rg, DataField field, int n, float[] values, Buffers buffers, SourceBlock block, CancellationToken ct)
    {
        Type t = field.ClrType;
        bool nullable = field.IsNullable;
        if (t == typeof(float))
        {
            if (nullable)
            {
                float?[] nf = buffers.NullableFloats(n);
                await rg.ReadAsync<float>(field, nf.AsMemory(0, n), null, ct).ConfigureAwait(false);
                CopyNonNull(nf, values, n, block, InteractionColumn.Value);
            }
            else
            {
                await rg.ReadAsync<float>(field, values.AsMemory(0, n), null, ct).ConfigureAwait(false);
            }

            return;
        }

        if (t == typeof(double))
        {
            double[] d = buffers.Doubles(n);
            if (nullable)
            {
                double?[] nd = buffers.NullableDoubles(n);
                await rg.ReadAsync<double>(field, nd.AsMemory(0, n), null, ct).ConfigureAwait(false);
                CopyNonNull(nd, d, n, block, InteractionColumn.Value);
            }
            else
            {
                await rg.ReadAsync<double>(field, d.AsMemory(0, n), null, ct).ConfigureAwait(false);
            }

            for (int k = 0; k < n; k++)
            {
                values[k] = (float)d[k];
            }

            return;
        }

        if (t == typeof(long))
        {
            long[] l = buffers.Longs(n);
            if (nullable)
            {
                long?[] nl = buffers.NullableLongs(n);
                await rg.ReadAsync<long>(field, nl.AsMemory(0, n), null, ct).ConfigureAwait(false);
                CopyNonNull(nl, l, n, block, InteractionColumn.Value);
            }
            else
            {
                await rg.ReadAsync<long>(field, l.AsMemory(0, n), null, ct).ConfigureAwait(false);
            }

            for (int k = 0; k < n; k++)
            {
                values[k] = l[k];
            }

            return;
        }

        int[] ints = buffers.Ints(n);
        if (nullable)
        {
            int?[] ni = buffers.NullableInts(n);
            await rg.ReadAsync<int>(field, ni.AsMemory(0, n), null, ct).ConfigureAwait(false);
            CopyNonNull(ni, ints, n, block, InteractionColumn.Value);
        }
        else
        {
            await rg.ReadAsync<int>(field, ints.AsMemory(0, n), null, ct).ConfigureAwait(false);
        }

        for (int k = 0; k < n; k++)
        {
            values[k] = ints[k];
        }
    }

    private static void CopyNonNull<T>(T?[] source, T[] target, int n, SourceBlock block, InteractionColumn column)
        where T : struct
    {
        for (int k = 0; k < n; k++)
        {
            T? x = source[k];
            if (!x.HasValue)
            {
                ThrowNull(block, k, column);
            }

            target[k] = x.GetValueOrDefault();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowNull(SourceBlock block, int row, InteractionColumn column) =>
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{block.Describe(row, column)}: null {(column == InteractionColumn.Value ? "value" : "id")} (nulls are not allowed in the {column.ToString().ToLowerInvariant()} column)."));

    /// <summary>Column buffers rented once and reused for every row group (grown when a row group is larger).</summary>
    private sealed class Buffers
    {
        private int[]? _users;
        private int[]? _items;
        private float[]? _values;
        private long[]? _longs;
        private int[]? _ints;
        private double[]? _doubles;
        private string?[]? _strings;
        private ReadOnlyMemory<byte>[]? _bytes;
        private int[]? _levels;
        private char[]? _chars;
        private long?[]? _nlongs;
        private int?[]? _nints;
        private float?[]? _nfloats;
        private double?[]? _ndoubles;

        public int[] UserIndices(int n) => Get(ref _users, n);

        public int[] ItemIndices(int n) => Get(ref _items, n);

        public float[] Values(int n) => Get(ref _values, n);

        public long[] Longs(int n) => Get(ref _longs, n);

        public int[] Ints(int n) => Get(ref _ints, n);

        public double[] Doubles(int n) => Get(ref _doubles, n);

        public string?[] Strings(int n) => Get(ref _strings, n);

        public ReadOnlyMemory<byte>[] Bytes(int n) => Get(ref _bytes, n);

        public int[] Levels(int n) => Get(ref _levels, n);

        public char[] Chars(int n) => Get(ref _chars, n);

        public long?[] NullableLongs(int n) => Get(ref _nlongs, n);

        public int?[] NullableInts(int n) => Get(ref _nints, n);

        public float?[] NullableFloats(int n) => Get(ref _nfloats, n);

        public double?[] NullableDoubles(int n) => Get(ref _ndoubles, n);

        public void Return()
        {
            Put(ref _users);
            Put(ref _items);
            Put(ref _values);
            Put(ref _longs);
            Put(ref _ints);
            Put(ref _doubles);
            Put(ref _strings);
            Put(ref _bytes);
            Put(ref _levels);
            Put(ref _chars);
            Put(ref _nlongs);
            Put(ref _nints);
            Put(ref _nfloats);
            Put(ref _ndoubles);
        }

        private static T[] Get<T>(ref T[]? slot, int n)
        {
            if (slot is null || slot.Length < n)
            {
                if (slot is not null)
                {
                    ArrayPool<T>.Shared.Return(slot, clearArray: RuntimeHelpersIsRef<T>());
                }

                slot = ArrayPool<T>.Shared.Rent(Math.Max(n, 1024));
            }

            return slot;
        }

        private static void Put<T>(ref T[]? slot)
        {
            if (slot is not null)
            {
                ArrayPool<T>.Shared.Return(slot, clearArray: RuntimeHelpersIsRef<T>());
                slot = null;
            }
        }

        private static bool RuntimeHelpersIsRef<T>() => System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>();
    }
}
