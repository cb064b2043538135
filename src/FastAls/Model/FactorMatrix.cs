using System.Runtime.CompilerServices;
using FastAls.Internals;

namespace FastAls;

/// <summary>
/// A dense rows x k matrix of <see cref="float"/> factors in 64-byte aligned unmanaged memory. Each row
/// starts on a 64-byte boundary: the stride is k rounded up to a multiple of 16 floats, and the padding
/// is kept at zero so kernels can run over whole vectors without a tail.
/// </summary>
internal sealed unsafe class FactorMatrix : IDisposable
{
    /// <summary>The row stride is a multiple of this many floats.</summary>
    public const int StrideAlignment = 16;

    private readonly Storage? _storage; // null for a view of caller memory (nothing to free)
    private readonly float* _data;
    private int _disposed;

    /// <summary>A zeroed matrix.</summary>
    public FactorMatrix(int rows, int factors)
        : this(rows, factors, zero: true)
    {
    }

    /// <summary>
    /// A matrix whose memory is not cleared: the caller writes every float of every padded row (values and padding)
    /// before anything reads it (<see cref="AlsModel.Fit"/>, whose start <see cref="Internals.Solvers.RowInit.Fill"/>
    /// writes all of it on several threads, instead of a one-thread clear first).
    /// </summary>
    internal static FactorMatrix Uninitialized(int rows, int factors) => new(rows, factors, zero: false);

    private FactorMatrix(int rows, int factors, bool zero)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factors);
        Rows = rows;
        Factors = factors;
        Stride = (factors + StrideAlignment - 1) / StrideAlignment * StrideAlignment;
        var storage = new Storage();
        _storage = storage;
        _data = storage.Owner.Alloc<float>((long)rows * Stride, zero);
    }

    /// <summary>
    /// A view of the first <paramref name="rows"/> rows of <paramref name="storage"/> (same k and stride). The view
    /// and the storage share a reference-counted owner: the memory is freed when the last of them is disposed,
    /// so a view never hands out freed memory, whichever is disposed first. A disposed matrix (view or storage)
    /// throws <see cref="ObjectDisposedException"/> from every accessor.
    /// </summary>
    internal FactorMatrix(FactorMatrix storage, int rows)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, storage.Rows);
        Rows = rows;
        Factors = storage.Factors;
        Stride = storage.Stride;
        _data = storage.Pointer;
        _storage = storage._storage;
        if (_storage is not null && !_storage.AddRef())
        {
            throw new ObjectDisposedException(nameof(FactorMatrix), "The storage of the view was disposed.");
        }
    }

    /// <summary>
    /// A view of caller memory holding <paramref name="rows"/> x <paramref name="factors"/> floats row-major, without a
    /// copy. Only possible when k is a multiple of <see cref="StrideAlignment"/> (so there is no padding); the caller
    /// keeps the memory alive and unchanged for the view's lifetime. Disposing the view frees nothing.
    /// </summary>
    internal FactorMatrix(float* external, int rows, int factors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factors);
        if (factors % StrideAlignment != 0)
        {
            throw new ArgumentException($"Only k a multiple of {StrideAlignment} can wrap caller memory (got {factors}).", nameof(factors));
        }

        Rows = rows;
        Factors = factors;
        Stride = factors;
        _data = external;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of factors k (the logical row length).</summary>
    public int Factors { get; }

    /// <summary>Floats between the starts of consecutive rows (k padded to a multiple of 16).</summary>
    public int Stride { get; }

    /// <summary>The k factors of <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<float> Row(int row)
    {
        CheckRow(row);
        return new Span<float>(_data + (long)row * Stride, Factors);
    }

    /// <summary>The whole padded row (length <see cref="Stride"/>; the padding must stay zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<float> PaddedRow(int row)
    {
        CheckRow(row);
        return new Span<float>(_data + (long)row * Stride, Stride);
    }

    internal float* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _data;
        }
    }

    /// <summary>Copies the factors into a dense row-major rows x k array.</summary>
    public float[] ToArray()
    {
        var a = new float[checked(Rows * Factors)];
        CopyTo(a);
        return a;
    }

    /// <summary>Copies the factors into a dense row-major rows x k destination.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < (long)Rows * Factors)
        {
            throw new ArgumentException($"Destination holds {destination.Length} floats; {Rows} x {Factors} are needed.", nameof(destination));
        }

        for (int r = 0; r < Rows; r++)
        {
            Row(r).CopyTo(destination.Slice(r * Factors, Factors));
        }
    }

    /// <summary>Copies a dense row-major rows x k source into the matrix.</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != (long)Rows * Factors)
        {
            throw new ArgumentException($"Source holds {source.Length} floats; {Rows} x {Factors} are needed.", nameof(source));
        }

        for (int r = 0; r < Rows; r++)
        {
            source.Slice(r * Factors, Factors).CopyTo(Row(r));
        }
    }

    /// <summary>A read-only view of this matrix.</summary>
    public ReadOnlyFactorMatrix AsReadOnly() => new(this);

    /// <summary>A deep copy.</summary>
    public FactorMatrix Clone()
    {
        var c = new FactorMatrix(Rows, Factors);
        long n = (long)Rows * Stride * sizeof(float);
        Buffer.MemoryCopy(Pointer, c.Pointer, n, n);
        return c;
    }

    /// <summary>Copies every value from <paramref name="other"/>, which must have the same shape.</summary>
    public void CopyFrom(FactorMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Rows != Rows || other.Factors != Factors)
        {
            throw new ArgumentException($"Shape {other.Rows} x {other.Factors} differs from {Rows} x {Factors}.", nameof(other));
        }

        other.CopyRowsTo(this, 0, Rows);
    }

    /// <summary>
    /// Copies the padded rows [<paramref name="start"/>, <paramref name="end"/>) into the same rows of
    /// <paramref name="destination"/>, which has the same k and at least <paramref name="end"/> rows.
    /// </summary>
    internal void CopyRowsTo(FactorMatrix destination, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Factors != Factors || destination.Stride != Stride)
        {
            throw new ArgumentException($"k = {destination.Factors} (stride {destination.Stride}) differs from k = {Factors} (stride {Stride}).", nameof(destination));
        }

        if (start < 0 || start > end || end > Rows || end > destination.Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(end), $"Rows [{start}, {end}) are not inside {Rows} and {destination.Rows} rows.");
        }

        long n = (long)(end - start) * Stride * sizeof(float);
        Buffer.MemoryCopy(Pointer + ((long)start * Stride), destination.Pointer + ((long)start * Stride), n, n);
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _storage?.Release();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckRow(int row)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
        }
    }

    /// <summary>The memory of a matrix and its views, freed when the last holder releases it.</summary>
    private sealed class Storage
    {
        private int _holders = 1;

        public NativeOwner Owner { get; } = new();

        /// <summary>Adds a holder; false when the memory is already freed.</summary>
        public bool AddRef()
        {
            int n = Volatile.Read(ref _holders);
            while (n > 0)
            {
                int seen = Interlocked.CompareExchange(ref _holders, n + 1, n);
                if (seen == n)
                {
                    return true;
                }

                n = seen;
            }

            return false;
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _holders) == 0)
            {
                Owner.Dispose();
            }
        }
    }
}
