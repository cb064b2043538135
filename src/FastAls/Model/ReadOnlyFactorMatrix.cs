using System.Runtime.CompilerServices;

namespace FastAls;

/// <summary>
/// A read-only view of a <see cref="FactorMatrix"/>: what <see cref="AlsModel.UserFactors"/> and
/// <see cref="AlsModel.ItemFactors"/> hand out, so that a model's factors change only through its setters (which
/// keep its serving caches consistent). The view follows the matrix: it shows later changes.
/// </summary>
public sealed class ReadOnlyFactorMatrix
{
    private readonly FactorMatrix _matrix;

    /// <summary>A read-only view of <paramref name="matrix"/>.</summary>
    internal ReadOnlyFactorMatrix(FactorMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        _matrix = matrix;
    }

    /// <summary>Number of rows.</summary>
    public int Rows => _matrix.Rows;

    /// <summary>Number of factors k (the logical row length).</summary>
    public int Factors => _matrix.Factors;

    /// <summary>Floats between the starts of consecutive rows in memory (k padded to a multiple of 16).</summary>
    public int Stride => _matrix.Stride;

    /// <summary>The matrix viewed (library code that may write it keeps the owner's caches consistent).</summary>
    internal FactorMatrix Matrix => _matrix;

    /// <summary>The k factors of <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> Row(int row) => _matrix.Row(row);

    /// <summary>Copies the factors into a dense row-major rows x k array.</summary>
    public float[] ToArray() => _matrix.ToArray();

    /// <summary>Copies the factors into a dense row-major rows x k destination.</summary>
    public void CopyTo(Span<float> destination) => _matrix.CopyTo(destination);

    /// <summary>A deep, writable copy (the caller owns and disposes it).</summary>
    internal FactorMatrix Clone() => _matrix.Clone();
}
