using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastAls.Internals.Kernels;

/// <summary>
/// In-place Cholesky factorization <c>A = L L^T</c> of a dense SPD matrix (row-major, leading
/// <c>d x d</c> block of a <c>w</c>-strided buffer) and the matching triangular solves. The inner
/// products run on the chosen <see cref="KernelPath"/>.
/// </summary>
internal static class Cholesky
{
    /// <summary>
    /// A pivot must exceed this fraction of its original diagonal entry; below it the matrix is
    /// numerically singular in float and the solve would be noise.
    /// </summary>
    internal const float RelativePivotFloor = 1e-6f;

    /// <summary>
    /// Overwrites the lower triangle of <paramref name="a"/> with L (the diagonal holds L's diagonal).
    /// Returns -1 on success, else the index of the first pivot that is not positive.
    /// </summary>
    public static int Factor(KernelPath path, Span<float> a, int d, int w)
    {
        if (a.Length < (d - 1) * w + d)
        {
            throw new ArgumentException($"Cholesky needs a {d} x {d} matrix with stride {w}.", nameof(a));
        }

        ref float a0 = ref MemoryMarshal.GetReference(a);
        for (int i = 0; i < d; i++)
        {
            ref float ri = ref Unsafe.Add(ref a0, (nint)i * w);
            for (int j = 0; j < i; j++)
            {
                ref float rj = ref Unsafe.Add(ref a0, (nint)j * w);
                float s = Unsafe.Add(ref ri, j) - Blas.Dot(path, ref ri, ref rj, j);
                Unsafe.Add(ref ri, j) = s / Unsafe.Add(ref rj, j);
            }

            float diag = Unsafe.Add(ref ri, i);
            float p = diag - Blas.Dot(path, ref ri, ref ri, i);
            if (!(p > RelativePivotFloor * diag) || !float.IsFinite(p))
            {
                return i;
            }

            Unsafe.Add(ref ri, i) = MathF.Sqrt(p);
        }

        return -1;
    }

    /// <summary>Solves <c>L L^T x = b</c> in place in <paramref name="b"/> with the factor from <see cref="Factor"/>.</summary>
    public static void Solve(KernelPath path, ReadOnlySpan<float> l, int d, int w, Span<float> b)
    {
        if (b.Length < d || l.Length < (d - 1) * w + d)
        {
            throw new ArgumentException($"Cholesky solve needs a {d} x {d} factor with stride {w} and {d} right-hand-side entries.", nameof(b));
        }

        ref float l0 = ref MemoryMarshal.GetReference(l);
        ref float b0 = ref MemoryMarshal.GetReference(b);

        // L y = b (row-oriented: a dot product per row).
        for (int i = 0; i < d; i++)
        {
            ref float ri = ref Unsafe.Add(ref l0, (nint)i * w);
            Unsafe.Add(ref b0, i) = (Unsafe.Add(ref b0, i) - Blas.Dot(path, ref ri, ref b0, i)) / Unsafe.Add(ref ri, i);
        }

        // L^T x = y (column-oriented: once x_i is known, subtract it from the rows above with an axpy).
        for (int i = d - 1; i >= 0; i--)
        {
            ref float ri = ref Unsafe.Add(ref l0, (nint)i * w);
            float xi = Unsafe.Add(ref b0, i) / Unsafe.Add(ref ri, i);
            Unsafe.Add(ref b0, i) = xi;
            Blas.Axpy(path, -xi, ref ri, ref b0, i);
        }
    }
}
