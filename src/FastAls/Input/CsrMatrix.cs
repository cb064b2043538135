using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using FastAls.Internals;
using FastAls.Internals.Solvers;

namespace FastAls;

/// <summary>
/// A compressed-sparse-row matrix of <see cref="float"/> values: <see cref="long"/> row offsets (so more
/// than 2^31 non-zeros work), <see cref="int"/> column indices strictly increasing within each row.
/// </summary>
/// <remarks>
/// <para>
/// The memory may be managed arrays (pinned), unmanaged memory or a memory-mapped file; the type hands
/// out spans and does not care which. There are no per-row objects. Instances are immutable and safe to
/// read from many threads. Dispose releases the memory; spans obtained earlier must not be used after.
/// </para>
/// <para>
/// Every instance holds a structure that <see cref="Validate"/> accepts, so the pointer loops here and in the
/// solvers (which index the other side's factors by column, and read <c>[offsets[r], offsets[r + 1])</c>) never
/// leave their arrays. Matrices made from caller memory (<see cref="FromArrays"/>, and the C ABI's zero-copy path)
/// are validated before they are handed out; only matrices the library built itself in this process
/// (the internal trusted constructor and <c>FromTrustedArrays</c>)
/// skip that pass, and the code that builds them is what guarantees the structure.
/// </para>
/// </remarks>
public sealed unsafe class CsrMatrix : IDisposable
{
    private readonly long* _offsets;
    private readonly int* _indices;
    private readonly float* _values;
    private readonly MemoryOwner _owner;
    private readonly bool _ownsOwner;

    /// <summary>
    /// The trusted constructor: wraps a structure that this library built itself in this process (a transpose,
    /// the interaction builder, a split) and that therefore already holds the invariants of <see cref="Validate"/>.
    /// Memory that came from a caller or a file goes through <c>FromPointers</c>/<see cref="FromArrays"/>
    /// or is validated by its reader (<see cref="IO.CsrCache"/>) before any pointer loop reads it.
    /// </summary>
    internal CsrMatrix(int rows, int cols, long* offsets, int* indices, float* values, MemoryOwner owner, bool ownsOwner = true)
    {
        Rows = rows;
        Cols = cols;
        _offsets = offsets;
        _indices = indices;
        _values = values;
        _owner = owner;
        _ownsOwner = ownsOwner;
        Nnz = offsets[rows];
    }

    /// <summary>
    /// Wraps managed arrays without copying (they are pinned until the matrix is disposed).
    /// </summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    /// <param name="rowOffsets"><c>rows + 1</c> offsets, starting at 0, non-decreasing, ending at nnz.</param>
    /// <param name="colIndices">Column of each non-zero, in [0, cols), strictly increasing within a row.</param>
    /// <param name="values">Value of each non-zero; must be finite.</param>
    /// <remarks>The structure is always checked (O(nnz), see <see cref="Validate"/>): the kernels index memory with it.</remarks>
    /// <exception cref="ArgumentException">The array lengths do not match the shape.</exception>
    /// <exception cref="InvalidDataException">The structure is invalid (the message names the row).</exception>
    public static CsrMatrix FromArrays(int rows, int cols, long[] rowOffsets, int[] colIndices, float[] values) =>
        FromArraysCore(rows, cols, rowOffsets, colIndices, values, validate: true);

    /// <summary>
    /// Wraps arrays that this library filled itself (a split, synthetic data) without the O(nnz) check; the
    /// builder guarantees the invariants of <see cref="Validate"/>. Never for arrays that came from a caller.
    /// </summary>
    internal static CsrMatrix FromTrustedArrays(int rows, int cols, long[] rowOffsets, int[] colIndices, float[] values) =>
        FromArraysCore(rows, cols, rowOffsets, colIndices, values, validate: false);

    private static CsrMatrix FromArraysCore(int rows, int cols, long[] rowOffsets, int[] colIndices, float[] values, bool validate)
    {
        ArgumentNullException.ThrowIfNull(rowOffsets);
        ArgumentNullException.ThrowIfNull(colIndices);
        ArgumentNullException.ThrowIfNull(values);
        ValidateShape(rows, cols);
        if (rowOffsets.Length != (long)rows + 1)
        {
            throw new ArgumentException($"rowOffsets has {rowOffsets.Length} entries; a {rows}-row matrix needs {(long)rows + 1}.", nameof(rowOffsets));
        }

        long nnz = rowOffsets[rows];
        if (colIndices.Length != nnz || values.Length != nnz)
        {
            throw new ArgumentException($"rowOffsets[{rows}] = {nnz} but colIndices has {colIndices.Length} and values {values.Length} entries.", nameof(rowOffsets));
        }

        var owner = new PinnedArraysOwner(rowOffsets, colIndices, values);
        var m = new CsrMatrix(rows, cols, (long*)owner.AddressOf(0), (int*)owner.AddressOf(1), (float*)owner.AddressOf(2), owner);
        if (validate)
        {
            try
            {
                m.Validate();
            }
            catch
            {
                m.Dispose();
                throw;
            }
        }

        return m;
    }

    /// <summary>
    /// Wraps memory owned by the caller (for example a C or Python caller) without copying. The caller
    /// keeps the memory alive and unchanged for the lifetime of the matrix. The caller has checked that
    /// <paramref name="rowOffsets"/> holds <c>rows + 1</c> entries and the other two arrays <c>rowOffsets[rows]</c>
    /// each; everything else (offsets from 0, non-decreasing; columns in range and increasing; finite values) is
    /// validated here, the offsets before any row is walked.
    /// </summary>
    internal static CsrMatrix FromPointers(int rows, int cols, long* rowOffsets, int* colIndices, float* values)
    {
        ValidateShape(rows, cols);
        var m = new CsrMatrix(rows, cols, rowOffsets, colIndices, values, BorrowedOwner.Create());
        try
        {
            m.Validate();
        }
        catch
        {
            m.Dispose();
            throw;
        }

        return m;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Cols { get; }

    /// <summary>Number of stored non-zeros.</summary>
    public long Nnz { get; }

    /// <summary>True when the memory behind the matrix is a memory-mapped file.</summary>
    public bool IsMemoryMapped => _owner.IsMemoryMapped;

    /// <summary>The <c>Rows + 1</c> row offsets.</summary>
    public ReadOnlySpan<long> RowOffsets
    {
        get
        {
            ThrowIfDisposed();
            return new ReadOnlySpan<long>(_offsets, Rows + 1);
        }
    }

    /// <summary>All column indices (only when <see cref="Nnz"/> fits a span; see <see cref="GetColIndices"/>).</summary>
    public ReadOnlySpan<int> ColIndices => GetColIndices(0, CheckedSpanLength(Nnz));

    /// <summary>All values (only when <see cref="Nnz"/> fits a span; see <see cref="GetValues"/>).</summary>
    public ReadOnlySpan<float> Values => GetValues(0, CheckedSpanLength(Nnz));

    /// <summary>Column indices of the non-zeros in <c>[start, start + length)</c>.</summary>
    public ReadOnlySpan<int> GetColIndices(long start, int length)
    {
        ThrowIfDisposed();
        CheckRange(start, length);
        return new ReadOnlySpan<int>(_indices + start, length);
    }

    /// <summary>Values of the non-zeros in <c>[start, start + length)</c>.</summary>
    public ReadOnlySpan<float> GetValues(long start, int length)
    {
        ThrowIfDisposed();
        CheckRange(start, length);
        return new ReadOnlySpan<float>(_values + start, length);
    }

    /// <summary>Number of non-zeros in <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int RowLength(int row)
    {
        ThrowIfDisposed();
        CheckRow(row);
        return (int)(_offsets[row + 1] - _offsets[row]);
    }

    /// <summary>Column indices of <paramref name="row"/>, ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<int> RowIndices(int row)
    {
        ThrowIfDisposed();
        CheckRow(row);
        long s = _offsets[row];
        return new ReadOnlySpan<int>(_indices + s, (int)(_offsets[row + 1] - s));
    }

    /// <summary>Values of <paramref name="row"/>, in the order of <see cref="RowIndices"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> RowValues(int row)
    {
        ThrowIfDisposed();
        CheckRow(row);
        long s = _offsets[row];
        return new ReadOnlySpan<float>(_values + s, (int)(_offsets[row + 1] - s));
    }

    /// <summary>The value at (<paramref name="row"/>, <paramref name="col"/>), or 0 when not stored.</summary>
    public float Get(int row, int col)
    {
        ReadOnlySpan<int> idx = RowIndices(row);
        int p = idx.BinarySearch(col);
        return p >= 0 ? RowValues(row)[p] : 0f;
    }

    /// <summary>
    /// Builds the transpose (e.g. item-by-user from user-by-item) in O(nnz) with a counting pass, on all cores;
    /// the result's column indices come out sorted and its bytes do not depend on the core count.
    /// </summary>
    public CsrMatrix Transpose() => Transpose(Environment.ProcessorCount);

    /// <summary>
    /// The transpose on up to <paramref name="threads"/> workers. The rows are cut into contiguous parts of about
    /// equal non-zeros; each part counts its entries per column, a prefix sum over (column, part) gives every part
    /// its own start in each output row, and each part scatters its rows in order. An output row therefore lists
    /// part 0's rows, then part 1's, each ascending: exactly the serial order, so the bytes are those of the
    /// one-part pass.
    /// </summary>
    internal CsrMatrix Transpose(int threads)
    {
        ThrowIfDisposed();

        // Bounds: every column index is in [0, Cols) and the offsets are monotonic from 0 to Nnz, which the
        // constructor that made this instance guarantees (validated, or built by this library); so off[c + 1],
        // next[c] and idx/val[q] stay inside their Cols + 1, Cols and Nnz entries. A part's starts begin at the
        // sum of the earlier parts' counts and advance by its own count, so the parts write disjoint ranges.
        var owner = new NativeOwner();
        long* starts = null;
        try
        {
            int cols = Cols;
            long nnz = Nnz;
            long* off = owner.Alloc<long>((long)cols + 1, zero: true);
            int* idx = owner.Alloc<int>(nnz);
            float* val = owner.Alloc<float>(nnz);
            int parts = TransposeParts(threads, nnz, cols);
            int[] bounds = RowPartition(parts);
            long width = Math.Max(cols, 1);
            starts = (long*)NativeMemory.AllocZeroed((nuint)(parts * width), sizeof(long));
            long* counts = starts;
            HalfStepSolver.RunWorkers(Math.Min(parts, Math.Max(threads, 1)), PartLoop(parts, part =>
            {
                long* count = counts + (part * width);
                long e = _offsets[bounds[part + 1]];
                for (long p = _offsets[bounds[part]]; p < e; p++)
                {
                    count[_indices[p]]++;
                }
            }));

            // counts -> starts, column by column and part by part (the serial order of the output).
            long running = 0;
            for (int c = 0; c < cols; c++)
            {
                for (int part = 0; part < parts; part++)
                {
                    long n = counts[(part * width) + c];
                    counts[(part * width) + c] = running;
                    running += n;
                }

                off[c + 1] = running;
            }

            HalfStepSolver.RunWorkers(Math.Min(parts, Math.Max(threads, 1)), PartLoop(parts, part =>
            {
                long* next = counts + (part * width);
                long partEnd = _offsets[bounds[part + 1]];
                for (int r = bounds[part]; r < bounds[part + 1]; r++)
                {
                    long e = _offsets[r + 1];
                    for (long p = _offsets[r]; p < e; p++)
                    {
                        // Nearly every write lands in another output row, a cache miss on a large matrix: ask for the
                        // lines of the entry ScatterPrefetch ahead now (its column's next slot, which at most a few
                        // writes in between can move), so that many misses are in flight instead of a store-buffer stall.
                        if (Sse.IsSupported && p + ScatterPrefetch < partEnd)
                        {
                            long ahead = next[_indices[p + ScatterPrefetch]];
                            Sse.Prefetch0(idx + ahead);
                            Sse.Prefetch0(val + ahead);
                        }

                        long q = next[_indices[p]]++;
                        idx[q] = r;
                        val[q] = _values[p];
                    }
                }
            }));

            GC.KeepAlive(this);
            return new CsrMatrix(Cols, Rows, off, idx, val, owner);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
        finally
        {
            NativeMemory.Free(starts);
        }
    }

    /// <summary>How many entries ahead the transpose's scatter prefetches its output lines (32 measured best of 16, 32, 64 on 10M entries).</summary>
    private const int ScatterPrefetch = 32;

    /// <summary>Non-zeros below which a pass over the matrix stays on one thread (the workers' start-up would dominate).</summary>
    internal const long ParallelNnz = 1 << 16;

    /// <summary>
    /// Parts of the parallel transpose: about two per worker (so a slow core does not hold up the others), fewer
    /// when the per-part column counts (8 bytes x columns x parts, freed before the call returns) would exceed a
    /// quarter of the transpose's index and value bytes; one for small matrices.
    /// </summary>
    internal static int TransposeParts(int threads, long nnz, int cols)
    {
        if (threads <= 1 || nnz < ParallelNnz)
        {
            return 1;
        }

        long byScratch = nnz / (4L * Math.Max(cols, 1));
        return (int)Math.Clamp(Math.Min(2L * threads, byScratch), 1, 64);
    }

    /// <summary>
    /// Cuts the rows into <paramref name="parts"/> contiguous ranges of about equal non-zeros, in row order:
    /// part p is rows [bounds[p], bounds[p + 1]). Some may be empty. Needs valid offsets.
    /// </summary>
    internal int[] RowPartition(int parts)
    {
        var bounds = new int[parts + 1];
        bounds[parts] = Rows;
        long nnz = Nnz;
        for (int p = 1; p < parts; p++)
        {
            long target = (long)((Int128)nnz * p / parts);
            int lo = bounds[p - 1], hi = Rows;
            while (lo < hi)
            {
                int mid = lo + ((hi - lo) >> 1);
                if (_offsets[mid] < target)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            bounds[p] = lo;
        }

        return bounds;
    }

    /// <summary>A worker body that claims parts 0, 1, ... in turn until all are done (any worker may take any part).</summary>
    private static Action<int> PartLoop(int parts, Action<int> body)
    {
        int next = -1;
        return _ =>
        {
            int part;
            while ((part = Interlocked.Increment(ref next)) < parts)
            {
                body(part);
            }
        };
    }

    /// <summary>Copies the matrix into unmanaged memory that this library owns.</summary>
    public CsrMatrix Clone()
    {
        ThrowIfDisposed();
        var owner = new NativeOwner();
        long* off = owner.Alloc<long>((long)Rows + 1);
        int* idx = owner.Alloc<int>(Nnz);
        float* val = owner.Alloc<float>(Nnz);
        Buffer.MemoryCopy(_offsets, off, ((long)Rows + 1) * sizeof(long), ((long)Rows + 1) * sizeof(long));
        Buffer.MemoryCopy(_indices, idx, Nnz * sizeof(int), Nnz * sizeof(int));
        Buffer.MemoryCopy(_values, val, Nnz * sizeof(float), Nnz * sizeof(float));
        return new CsrMatrix(Rows, Cols, off, idx, val, owner);
    }

    /// <summary>
    /// Checks the structure: offsets start at 0, never decrease and end at <see cref="Nnz"/>, columns are in
    /// range and strictly increasing within each row, values are finite. Throws <see cref="InvalidDataException"/>
    /// naming the row. The offsets are checked completely before any row is walked, so a bad offset cannot
    /// send the column pass past the end of the arrays.
    /// </summary>
    public void Validate()
    {
        ThrowIfDisposed();
        ValidateOffsets(_offsets, Rows, Nnz);

        // With the offsets checked, the rows are checked in parallel parts (row order within a part); each part stops
        // at its first bad row and the earliest part's error is thrown, which is the error a serial pass finds first.
        int threads = Environment.ProcessorCount;
        int parts = threads <= 1 || Nnz < ParallelNnz ? 1 : 2 * threads;
        int[] bounds = RowPartition(parts);
        var errors = new InvalidDataException?[parts];
        HalfStepSolver.RunWorkers(Math.Min(parts, threads), PartLoop(parts, part => errors[part] = ValidateRows(bounds[part], bounds[part + 1])));
        GC.KeepAlive(this);
        foreach (InvalidDataException? e in errors)
        {
            if (e is not null)
            {
                throw e;
            }
        }
    }

    /// <summary>The error of the first bad row in [<paramref name="first"/>, <paramref name="end"/>), or null; needs checked offsets.</summary>
    private InvalidDataException? ValidateRows(int first, int end)
    {
        for (int r = first; r < end; r++)
        {
            long s = _offsets[r], e = _offsets[r + 1];
            int prev = -1;
            for (long p = s; p < e; p++)
            {
                int c = _indices[p];
                if ((uint)c >= (uint)Cols)
                {
                    return new InvalidDataException($"CSR row {r} has column index {c} outside [0, {Cols}).");
                }

                if (c <= prev)
                {
                    return new InvalidDataException($"CSR row {r} has column indices out of order or repeated ({prev} then {c}); they must be strictly increasing.");
                }

                if (!float.IsFinite(_values[p]))
                {
                    return new InvalidDataException($"CSR row {r}, column {c} holds a non-finite value ({_values[p]}).");
                }

                prev = c;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks <paramref name="rows"/> + 1 offsets: the first is 0, they never decrease, no row holds more than
    /// <see cref="int.MaxValue"/> entries and the last is <paramref name="nnz"/>. O(rows); reads nothing else.
    /// </summary>
    internal static void ValidateOffsets(long* offsets, int rows, long nnz)
    {
        if (offsets[0] != 0)
        {
            throw new InvalidDataException($"CSR row offsets must start at 0 (found {offsets[0]}).");
        }

        for (int r = 0; r < rows; r++)
        {
            long s = offsets[r], e = offsets[r + 1];
            if (e < s)
            {
                throw new InvalidDataException($"CSR row offsets decrease at row {r} ({s} then {e}).");
            }

            if (e - s > int.MaxValue)
            {
                throw new InvalidDataException($"CSR row {r} has {e - s} non-zeros; at most {int.MaxValue} are supported per row.");
            }
        }

        if (offsets[rows] != nnz)
        {
            throw new InvalidDataException($"CSR row offsets end at {offsets[rows]}, but there are {nnz} non-zeros.");
        }
    }

    /// <summary>
    /// Checks that <paramref name="other"/> is exactly the transpose of this matrix (same entries and values,
    /// bit for bit). Both must be structurally valid. O(nnz) time, O(Cols) memory: rows are visited in order,
    /// so each entry (r, c) must be the next unread entry of <paramref name="other"/>'s row c.
    /// </summary>
    internal void ValidateTransposeOf(CsrMatrix other)
    {
        ThrowIfDisposed();
        other.ThrowIfDisposed();
        if (other.Rows != Cols || other.Cols != Rows || other.Nnz != Nnz)
        {
            throw new InvalidDataException($"The item-user matrix ({other.Rows} x {other.Cols}, {other.Nnz} non-zeros) is not the transpose of the user-item matrix ({Rows} x {Cols}, {Nnz} non-zeros): the shapes differ.");
        }

        long* next = (long*)NativeMemory.Alloc((nuint)Math.Max(Cols, 1), sizeof(long));
        try
        {
            // Bounds: both matrices passed Validate, so c < Cols = other.Rows and next[c] stays within row c
            // of other (checked against its end before it is read).
            new ReadOnlySpan<long>(other._offsets, Cols).CopyTo(new Span<long>(next, Cols));
            for (int r = 0; r < Rows; r++)
            {
                long e = _offsets[r + 1];
                for (long p = _offsets[r]; p < e; p++)
                {
                    int c = _indices[p];
                    long q = next[c]++;
                    if (q >= other._offsets[c + 1] || other._indices[q] != r
                        || BitConverter.SingleToInt32Bits(other._values[q]) != BitConverter.SingleToInt32Bits(_values[p]))
                    {
                        throw new InvalidDataException($"The item-user matrix is not the transpose of the user-item matrix: entry (row {r}, column {c}) differs or is missing.");
                    }
                }
            }

            // Every entry of other was matched once (equal nnz, and each row consumed no further than its end).
        }
        finally
        {
            NativeMemory.Free(next);
        }

        GC.KeepAlive(this);
        GC.KeepAlive(other);
    }

    /// <summary>Releases the memory (unless it is borrowed from a caller).</summary>
    public void Dispose()
    {
        if (_ownsOwner)
        {
            _owner.Dispose();
        }
        else
        {
            _disposedView = true;
        }
    }

    private bool _disposedView;

    internal MemoryOwner Owner => _owner;

    internal long* OffsetsPtr => _offsets;

    internal int* IndicesPtr => _indices;

    internal float* ValuesPtr => _values;

    private static void ValidateShape(int rows, int cols)
    {
        if (rows < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "Row count must not be negative.");
        }

        if (cols < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cols), cols, "Column count must not be negative.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfDisposed()
    {
        if (_owner.IsDisposed || _disposedView)
        {
            ThrowDisposed();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Rows)
        {
            ThrowRow(row, Rows);
        }
    }

    private void CheckRange(long start, int length)
    {
        if (start < 0 || length < 0 || start + length > Nnz)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Range [{start}, {start + length}) is outside the {Nnz} non-zeros.");
        }
    }

    private static int CheckedSpanLength(long n) =>
        n <= int.MaxValue ? (int)n : throw new InvalidOperationException($"The matrix has {n} non-zeros, more than one span can hold; use GetColIndices/GetValues or the per-row accessors.");

    [DoesNotReturn]
    private static void ThrowDisposed() => throw new ObjectDisposedException(nameof(CsrMatrix));

    [DoesNotReturn]
    private static void ThrowRow(int row, int rows) => throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {rows}).");
}
