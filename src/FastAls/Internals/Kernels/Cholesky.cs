using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastAls.Internals.Kernels;

/// <summary>
/// In-place Cholesky factorization <c>A = R^T R</c> of a dense SPD matrix (row-major, leading
/// <c>d x d</c> block of a <c>w</c>-strided buffer) and the matching triangular solves. The inner
/// products run on the path <c>TIsa</c> (see <see cref="IIsa"/>).
/// </summary>
internal static class Cholesky
{
    /// <summary>
    /// A pivot must exceed this fraction of its original diagonal entry; below it the matrix is
    /// numerically singular in float and the solve would be noise.
    /// </summary>
    internal const float RelativePivotFloor = 1e-6f;

    /// <summary>
    /// Factors <c>A = R^T R</c> in place: the upper triangle of the leading <c>d x d</c> block of
    /// <paramref name="a"/> becomes R (each row i gets <c>A[i, i..] -= R[j, i] * R[j, i..]</c> for every earlier
    /// pivot j, in pivot order, before it is scaled). The vector paths start each update at the 16-aligned column
    /// at or before i and run to <paramref name="w"/>, so they also write entries left of the diagonal and past
    /// d: those are scratch, never read. Returns -1 on success, else the index
    /// of the first pivot that is not positive (relative to its original diagonal entry).
    /// </summary>
    public static int Factor<TIsa>(Span<float> a, int d, int w)
        where TIsa : struct, IIsa
    {
        if (a.Length < d * w || (w & 15) != 0)
        {
            throw new ArgumentException($"Cholesky needs a {d} x {d} matrix with stride {w} (a multiple of 16).", nameof(a));
        }

        Span<float> diag = d <= 1024 ? stackalloc float[d] : new float[d];
        ref float a0 = ref MemoryMarshal.GetReference(a);
        for (int i = 0; i < d; i++)
        {
            diag[i] = Unsafe.Add(ref a0, (nint)i * w + i);
        }

        // Blocks of four rows, left-looking: bring the block's rows up to date with every earlier pivot
        // (TIsa.CholeskyRows, register tiles), then factor the block, updating only its own rows. Each entry gets
        // the same arithmetic in the same order as in the right-looking form (rank-4 updates of all later rows
        // after each block), so the bits are those of that form; but each entry is loaded and stored once per
        // block rather than once per earlier block.
        for (int j0 = 0; j0 < d; j0 += 4)
        {
            int jEnd = Math.Min(d, j0 + 4);
            TIsa.CholeskyRows(ref a0, w, d, j0, jEnd - j0);
            for (int j = j0; j < jEnd; j++)
            {
                ref float rj = ref Unsafe.Add(ref a0, (nint)j * w);
                float p = Unsafe.Add(ref rj, j);
                if (!(p > RelativePivotFloor * diag[j]) || !float.IsFinite(p))
                {
                    return j;
                }

                float r = MathF.Sqrt(p);
                int start = !TIsa.IsVector ? j + 1 : (j + 1) & ~15;
                TIsa.Scale(1f / r, ref Unsafe.Add(ref rj, start), ref Unsafe.Add(ref rj, start), w - start);
                Unsafe.Add(ref rj, j) = r;
                for (int i = j + 1; i < jEnd; i++)
                {
                    int s = !TIsa.IsVector ? i : i & ~15;
                    TIsa.Axpy(-Unsafe.Add(ref rj, i), ref Unsafe.Add(ref rj, s), ref Unsafe.Add(ref a0, (nint)i * w + s), (TIsa.IsVector ? w : d) - s);
                }
            }
        }

        return -1;
    }

    /// <summary>
    /// Solves <c>R^T R x = b</c> in place in <paramref name="b"/> with the factor from <see cref="Factor"/>: on the vector
    /// paths in blocks of eight unknowns (<see cref="BlockedSolve"/>), on the scalar path one unknown at a time.
    /// </summary>
    public static void Solve<TIsa>(ReadOnlySpan<float> r, int d, int w, Span<float> b)
        where TIsa : struct, IIsa
    {
        if (b.Length < d || r.Length < (d - 1) * w + d)
        {
            throw new ArgumentException($"Cholesky solve needs a {d} x {d} factor with stride {w} and {d} right-hand-side entries.", nameof(b));
        }

        ref float r0 = ref MemoryMarshal.GetReference(r);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        if (TIsa.IsVector)
        {
            BlockedSolve.Solve(ref r0, d, w, ref b0);
            return;
        }

        // R^T y = b: once y_j is known, remove it from the later entries with row j of R.
        for (int j = 0; j < d; j++)
        {
            ref float rj = ref Unsafe.Add(ref r0, (nint)j * w);
            float yj = Unsafe.Add(ref b0, j) / Unsafe.Add(ref rj, j);
            Unsafe.Add(ref b0, j) = yj;
            TIsa.Axpy(-yj, ref Unsafe.Add(ref rj, j + 1), ref Unsafe.Add(ref b0, j + 1), d - j - 1);
        }

        // R x = y: a dot product per row, last row first.
        for (int i = d - 1; i >= 0; i--)
        {
            ref float ri = ref Unsafe.Add(ref r0, (nint)i * w);
            float s = TIsa.Dot(ref Unsafe.Add(ref ri, i + 1), ref Unsafe.Add(ref b0, i + 1), d - i - 1);
            Unsafe.Add(ref b0, i) = (Unsafe.Add(ref b0, i) - s) / Unsafe.Add(ref ri, i);
        }
    }
}
