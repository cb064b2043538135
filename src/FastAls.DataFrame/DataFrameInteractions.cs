using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FastAls.IO;
using Microsoft.Data.Analysis;
using MdaDataFrame = Microsoft.Data.Analysis.DataFrame;

namespace FastAls.DataFrame;

/// <summary>
/// Converts between <see cref="MdaDataFrame"/> (Microsoft.Data.Analysis) and <see cref="Dataset"/>. Columns are
/// read through their typed buffers (<c>GetReadOnlyDataBuffers</c>), never boxed per row.
/// </summary>
/// <remarks>
/// Id columns: <see cref="Int32DataFrameColumn"/>, <see cref="Int64DataFrameColumn"/> (int64 ids),
/// <see cref="StringDataFrameColumn"/> or <see cref="ArrowStringDataFrameColumn"/> (text ids; Arrow strings are
/// decoded from the UTF-8 buffer, a string is made only for a new id). Value column: single, double, int32 or
/// int64; optional (see <see cref="InteractionLoadOptions.ValueColumn"/>). Nulls are rejected with the row and
/// column; the duplicate and value policies of the options apply as for files.
/// </remarks>
public static class DataFrameInteractions
{
    private const int Batch = 1 << 16;

    /// <summary>Builds a <see cref="Dataset"/> from the user, item and value columns of <paramref name="frame"/>.</summary>
    /// <exception cref="InvalidDataException">A missing or mistyped column, a null, a bad value or a forbidden duplicate; the message names the row and column.</exception>
    public static Dataset ToDataset(this MdaDataFrame frame, InteractionLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        options ??= new InteractionLoadOptions();
        DataFrameColumn user = Find(frame, options.UserColumn, true)!;
        DataFrameColumn item = Find(frame, options.ItemColumn, true)!;
        DataFrameColumn? value = options.ValueColumn is null ? null : Find(frame, options.ValueColumn, options.ValueColumnRequired);
        IdKind userKind = KindOf(user, options.UserIdKind, nameof(options.UserIdKind));
        IdKind itemKind = KindOf(item, options.ItemIdKind, nameof(options.ItemIdKind));
        if (value is not null && value is not (PrimitiveDataFrameColumn<float> or PrimitiveDataFrameColumn<double> or PrimitiveDataFrameColumn<int> or PrimitiveDataFrameColumn<long>))
        {
            throw new InvalidDataException($"DataFrame, column '{value.Name}': the value column has type {value.DataType.Name}; expected Single, Double, Int32 or Int64.");
        }

        long rows = frame.Rows.Count;
        if (rows == 0)
        {
            throw new InvalidDataException("DataFrame: no interactions (the frame has no rows).");
        }

        using var builder = new InteractionBuilder(userKind, itemKind, options.Duplicates, options.Values);
        var block = new SourceBlock("DataFrame", -1, 0, $"'{user.Name}'", $"'{item.Name}'", value is null ? "(none)" : $"'{value.Name}'");
        builder.BeginBlock(block);
        CheckNoNulls(user, block, InteractionColumn.User);
        CheckNoNulls(item, block, InteractionColumn.Item);
        if (value is not null)
        {
            CheckNoNulls(value, block, InteractionColumn.Value);
        }

        int[] u = ArrayPool<int>.Shared.Rent(Batch);
        int[] it = ArrayPool<int>.Shared.Rent(Batch);
        float[] v = ArrayPool<float>.Shared.Rent(Batch);
        long[] scratch = ArrayPool<long>.Shared.Rent(Batch);
        char[] chars = ArrayPool<char>.Shared.Rent(256);
        try
        {
            for (long start = 0; start < rows; start += Batch)
            {
                int n = (int)Math.Min(Batch, rows - start);
                MapIds(user, start, n, builder.UserIds, u, scratch, ref chars);
                MapIds(item, start, n, builder.ItemIds, it, scratch, ref chars);
                if (value is null)
                {
                    v.AsSpan(0, n).Fill(1f);
                }
                else
                {
                    ReadValues(value, start, n, v, scratch);
                }

                for (int k = 0; k < n; k++)
                {
                    builder.AddIndices(u[k], it[k], v[k]);
                }
            }

            return builder.Build();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(u);
            ArrayPool<int>.Shared.Return(it);
            ArrayPool<float>.Shared.Return(v);
            ArrayPool<long>.Shared.Return(scratch);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// The interactions of <paramref name="dataset"/> as a frame with user, item and value columns (user-major
    /// order, external ids): <see cref="Int64DataFrameColumn"/> or <see cref="StringDataFrameColumn"/> ids and a
    /// <see cref="SingleDataFrameColumn"/> of values.
    /// </summary>
    public static MdaDataFrame ToDataFrame(this Dataset dataset, string userColumn = "user", string itemColumn = "item", string valueColumn = "value")
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrEmpty(userColumn);
        ArgumentException.ThrowIfNullOrEmpty(itemColumn);
        ArgumentException.ThrowIfNullOrEmpty(valueColumn);
        CsrMatrix m = dataset.UserItems;
        long nnz = m.Nnz;
        if (nnz > int.MaxValue / sizeof(long))
        {
            throw new NotSupportedException($"The dataset has {nnz} interactions; a DataFrame column buffer holds at most {int.MaxValue / sizeof(long)}.");
        }

        int n = (int)nnz;
        int[] rowOf = new int[n];
        for (int r = 0; r < m.Rows; r++)
        {
            long s = m.RowOffsets[r];
            rowOf.AsSpan((int)s, m.RowLength(r)).Fill(r);
        }

        ReadOnlySpan<int> cols = m.ColIndices;
        DataFrameColumn users = IdColumn(userColumn, dataset.UserIds, rowOf);
        DataFrameColumn items = IdColumn(itemColumn, dataset.ItemIds, cols);
        var values = new SingleDataFrameColumn(valueColumn, PrimitiveBuffer(m.Values), AllValid(n), n, 0);
        return new MdaDataFrame(users, items, values);
    }

    private static DataFrameColumn IdColumn(string name, IdMap map, ReadOnlySpan<int> indices)
    {
        int n = indices.Length;
        if (map.Kind == IdKind.Int64)
        {
            ReadOnlySpan<long> ids = map.Int64Ids;
            var bytes = new byte[(long)n * sizeof(long)];
            Span<long> dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
            for (int k = 0; k < n; k++)
            {
                dst[k] = ids[indices[k]];
            }

            return new Int64DataFrameColumn(name, bytes, AllValid(n), n, 0);
        }

        var col = new StringDataFrameColumn(name, n);
        IReadOnlyList<string> s = map.StringIds;
        for (int k = 0; k < n; k++)
        {
            col[k] = s[indices[k]];
        }

        return col;
    }

    private static ReadOnlyMemory<byte> PrimitiveBuffer<T>(ReadOnlySpan<T> values)
        where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

    private static ReadOnlyMemory<byte> AllValid(int n)
    {
        var bits = new byte[(n + 7) / 8];
        bits.AsSpan().Fill(0xFF);
        return bits;
    }

    private static DataFrameColumn? Find(MdaDataFrame frame, string name, bool required)
    {
        int i = frame.Columns.IndexOf(name);
        if (i < 0)
        {
            if (required)
            {
                throw new InvalidDataException($"DataFrame: no column '{name}' (columns: {string.Join(", ", frame.Columns.Select(c => c.Name))}).");
            }

            return null;
        }

        return frame.Columns[i];
    }

    private static IdKind KindOf(DataFrameColumn c, IdKind? wanted, string option)
    {
        IdKind kind = c switch
        {
            PrimitiveDataFrameColumn<int> or PrimitiveDataFrameColumn<long> => IdKind.Int64,
            StringDataFrameColumn or ArrowStringDataFrameColumn => IdKind.String,
            _ => throw new InvalidDataException($"DataFrame, column '{c.Name}': the id column has type {c.DataType.Name}; expected Int32, Int64 or String."),
        };
        if (wanted is IdKind w && w != kind)
        {
            throw new InvalidDataException($"DataFrame, column '{c.Name}': {option} is {w} but the column holds {c.DataType.Name} ids.");
        }

        return kind;
    }

    private static void CheckNoNulls(DataFrameColumn c, SourceBlock block, InteractionColumn column)
    {
        if (c.NullCount == 0)
        {
            return;
        }

        for (long r = 0; r < c.Length; r++)
        {
            if (c is StringDataFrameColumn s ? s[r] is null : !IsValid(c, r))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{block.Describe(r, column)}: null (nulls are not allowed in the {column.ToString().ToLowerInvariant()} column)."));
            }
        }
    }

    private static bool IsValid(DataFrameColumn c, long r) => c switch
    {
        PrimitiveDataFrameColumn<int> p => p.IsValid(r),
        PrimitiveDataFrameColumn<long> p => p.IsValid(r),
        PrimitiveDataFrameColumn<float> p => p.IsValid(r),
        PrimitiveDataFrameColumn<double> p => p.IsValid(r),
        ArrowStringDataFrameColumn a => a.IsValid(r),
        _ => true,
    };

    private static void MapIds(DataFrameColumn c, long start, int n, IdMap map, int[] dense, long[] scratch, ref char[] chars)
    {
        switch (c)
        {
            case PrimitiveDataFrameColumn<long> l:
                Copy(l.GetReadOnlyDataBuffers(), start, scratch.AsSpan(0, n));
                for (int k = 0; k < n; k++)
                {
                    dense[k] = map.GetOrAdd(scratch[k]);
                }

                break;
            case PrimitiveDataFrameColumn<int> i:
                Span<int> ints = MemoryMarshal.Cast<long, int>(scratch.AsSpan())[..n];
                Copy(i.GetReadOnlyDataBuffers(), start, ints);
                for (int k = 0; k < n; k++)
                {
                    dense[k] = map.GetOrAdd((long)ints[k]);
                }

                break;
            case StringDataFrameColumn s:
                for (int k = 0; k < n; k++)
                {
                    dense[k] = map.GetOrAdd(s[start + k]);
                }

                break;
            case ArrowStringDataFrameColumn a:
                MapArrowStrings(a, start, n, map, dense, ref chars);
                break;
        }
    }

    private static void MapArrowStrings(ArrowStringDataFrameColumn a, long start, int n, IdMap map, int[] dense, ref char[] chars)
    {
        // Arrow layout: per buffer, int32 offsets (length + 1) into a UTF-8 data buffer.
        using IEnumerator<ReadOnlyMemory<byte>> data = a.GetReadOnlyDataBuffers().GetEnumerator();
        using IEnumerator<ReadOnlyMemory<int>> offsets = a.GetReadOnlyOffsetsBuffers().GetEnumerator();
        long bufferStart = 0;
        int k = 0;
        while (k < n && data.MoveNext() && offsets.MoveNext())
        {
            ReadOnlySpan<int> off = offsets.Current.Span;
            ReadOnlySpan<byte> bytes = data.Current.Span;
            long count = off.Length - 1;
            long row = start + k;
            while (k < n && row - bufferStart < count)
            {
                int j = (int)(row - bufferStart);
                ReadOnlySpan<byte> utf8 = bytes[off[j]..off[j + 1]];
                int need = Encoding.UTF8.GetMaxCharCount(utf8.Length);
                if (need > chars.Length)
                {
                    ArrayPool<char>.Shared.Return(chars);
                    chars = ArrayPool<char>.Shared.Rent(need);
                }

                int len = Encoding.UTF8.GetChars(utf8, chars);
                dense[k++] = map.GetOrAdd(chars.AsSpan(0, len));
                row++;
            }

            bufferStart += count;
        }
    }

    private static void ReadValues(DataFrameColumn c, long start, int n, float[] values, long[] scratch)
    {
        switch (c)
        {
            case PrimitiveDataFrameColumn<float> f:
                Copy(f.GetReadOnlyDataBuffers(), start, values.AsSpan(0, n));
                break;
            case PrimitiveDataFrameColumn<double> d:
                Span<double> ds = MemoryMarshal.Cast<long, double>(scratch.AsSpan())[..n];
                Copy(d.GetReadOnlyDataBuffers(), start, ds);
                for (int k = 0; k < n; k++)
                {
                    values[k] = (float)ds[k];
                }

                break;
            case PrimitiveDataFrameColumn<long> l:
                Copy(l.GetReadOnlyDataBuffers(), start, scratch.AsSpan(0, n));
                for (int k = 0; k < n; k++)
                {
                    values[k] = scratch[k];
                }

                break;
            case PrimitiveDataFrameColumn<int> i:
                Span<int> ints = MemoryMarshal.Cast<long, int>(scratch.AsSpan())[..n];
                Copy(i.GetReadOnlyDataBuffers(), start, ints);
                for (int k = 0; k < n; k++)
                {
                    values[k] = ints[k];
                }

                break;
        }
    }

    /// <summary>Copies rows [start, start + dst.Length) out of a column's chunked buffers.</summary>
    private static void Copy<T>(IEnumerable<ReadOnlyMemory<T>> buffers, long start, Span<T> dst)
    {
        long bufferStart = 0;
        int done = 0;
        foreach (ReadOnlyMemory<T> b in buffers)
        {
            long bufferEnd = bufferStart + b.Length;
            long row = start + done;
            if (row < bufferEnd)
            {
                int from = (int)(row - bufferStart);
                int take = Math.Min(b.Length - from, dst.Length - done);
                b.Span.Slice(from, take).CopyTo(dst[done..]);
                done += take;
                if (done == dst.Length)
                {
                    return;
                }
            }

            bufferStart = bufferEnd;
        }

        if (done != dst.Length)
        {
            throw new InvalidDataException($"DataFrame: a column ends after {start + done} rows; the frame says more.");
        }
    }
}
