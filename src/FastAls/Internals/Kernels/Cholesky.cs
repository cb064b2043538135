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
    /// <paramref name="a"/> becomes R (right-looking: after row j of R is scaled, every later row i gets
    /// <c>A[i, i..] -= R[j, i] * R[j, i..]</c>, a contiguous AXPY). The vector paths start each update at the
    /// 16-aligned column at or before i and run to <paramref name="w"/>, so they also write entries left
    /// of the diagonal and past d: those are scratch, never read. Returns -1 on success, else the index
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

        // Blocks of four rows: factor the block (updating only the block's own rows), then apply the
        // block's rank-4 update to every later row in one pass (four FMAs per load and store of A), two
        // rows at a time on the vector paths where they share their aligned start (eight FMAs per four
        // loads of the block's rows; each row gets the same FMA sequence as alone).
        for (int j0 = 0; j0 < d; j0 += 4)
        {
            int jEnd = Math.Min(d, j0 + 4);
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

            if (jEnd - j0 == 4)
            {
                ref float r0 = ref Unsafe.Add(ref a0, (nint)j0 * w);
                ref float r1 = ref Unsafe.Add(ref r0, w);
                ref float r2 = ref Unsafe.Add(ref r0, 2 * w);
                ref float r3 = ref Unsafe.Add(ref r0, 3 * w);
                for (int i = jEnd; i < d; i++)
                {
                    int s = !TIsa.IsVector ? i : i & ~15;
                    if (TIsa.IsVector && i + 1 < d && ((i + 1) & 15) != 0)
                    {
                        // Rows i and i + 1 share their aligned start: update both per load of the block's rows.
                        TIsa.Axpy4x2(
                            -Unsafe.Add(ref r0, i),
                            -Unsafe.Add(ref r1, i),
                            -Unsafe.Add(ref r2, i),
                            -Unsafe.Add(ref r3, i),
                            -Unsafe.Add(ref r0, i + 1),
                            -Unsafe.Add(ref r1, i + 1),
                            -Unsafe.Add(ref r2, i + 1),
                            -Unsafe.Add(ref r3, i + 1),
                            ref r0,
                            ref r1,
                            ref r2,
                            ref r3,
                            ref Unsafe.Add(ref a0, (nint)i * w),
                            ref Unsafe.Add(ref a0, (nint)(i + 1) * w),
                            s,
                            w);
                        i++;
                        continue;
                    }

                    TIsa.Axpy4(
                        -Unsafe.Add(ref r0, i),
                        -Unsafe.Add(ref r1, i),
                        -Unsafe.Add(ref r2, i),
                        -Unsafe.Add(ref r3, i),
                        ref r0,
                        ref r1,
                        ref r2,
                        ref r3,
                        ref Unsafe.Add(ref a0, (nint)i * w),
                        s,
                        !TIsa.IsVector ? d : w);
                }
            }
            else
            {
                for (int j = j0; j < jEnd; j++)
                {
                    ref float rj = ref Unsafe.Add(ref a0, (nint)j * w);
                    for (int i = jEnd; i < d; i++)
                    {
                        int s = !TIsa.IsVector ? i : i & ~15;
                        TIsa.Axpy(-Unsafe.Add(ref rj, i), ref Unsafe.Add(ref rj, s), ref Unsafe.Add(ref a0, (nint)i * w + s), (TIsa.IsVector ? w : d) - s);
                    }
                }
            }
        }

        return -1;
    }

    /// <summary>Solves <c>R^T R x = b</c> in place in <paramref name="b"/> with the factor from <see cref="Factor"/>.</summary>
    public static void Solve<TIsa>(ReadOnlySpan<float> r, int d, int w, Span<float> b)
        where TIsa : struct, IIsa
    {
        if (b.Length < d || r.Length < (d - 1) * w + d)
        {
            throw new ArgumentException($"Cholesky solve needs a {d} x {d} factor with stride {w} and {d} right-hand-side entries.", nameof(b));
        }

        ref float r0 = ref MemoryMarshal.GetReference(r);
        ref float b0 = ref MemoryMarshal.GetReference(b);

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
