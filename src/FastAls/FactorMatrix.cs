using System.Runtime.CompilerServices;
using FastAls.Internals;

namespace FastAls;

/// <summary>
/// A dense rows x k matrix of <see cref="float"/> factors in 64-byte aligned unmanaged memory. Each row
/// starts on a 64-byte boundary: the stride is k rounded up to a multiple of 16 floats, and the padding
/// is kept at zero so kernels can run over whole vectors without a tail.
/// </summary>
public sealed unsafe class FactorMatrix : IDisposable
{
    /// <summary>The row stride is a multiple of this many floats.</summary>
    public const int StrideAlignment = 16;

    private readonly NativeOwner _owner = new();
    private readonly float* _data;

    /// <summary>A zeroed matrix.</summary>
    public FactorMatrix(int rows, int factors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factors);
        Rows = rows;
        Factors = factors;
        Stride = (factors + StrideAlignment - 1) / StrideAlignment * StrideAlignment;
        _data = _owner.Alloc<float>((long)rows * Stride, zero: true);
    }

    /// <summary>
    /// A view of the first <paramref name="rows"/> rows of <paramref name="storage"/> (same k and stride). It owns
    /// nothing (disposing it frees nothing) and must not outlive <paramref name="storage"/>.
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
            ObjectDisposedException.ThrowIf(_owner.IsDisposed, this);
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

        long n = (long)Rows * Stride * sizeof(float);
        Buffer.MemoryCopy(other.Pointer, Pointer, n, n);
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose() => _owner.Dispose();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckRow(int row)
    {
        ObjectDisposedException.ThrowIf(_owner.IsDisposed, this);
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
        }
    }
}
