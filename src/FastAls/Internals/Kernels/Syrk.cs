using System.Runtime.InteropServices;

namespace FastAls.Internals.Kernels;

/// <summary>
/// Symmetric rank-n update <c>G += A^T A</c> of a Gram matrix from a contiguous row-major block
/// <c>A</c> (n rows of <c>w</c> floats, <c>w</c> a multiple of 16, padding columns zero). Only tiles on
/// or above the diagonal are accumulated (<see cref="SyrkUpper"/>); <see cref="MirrorUpper"/> copies the
/// upper triangle down once the accumulation is complete.
/// </summary>
/// <remarks>
/// The vector paths are register-blocked micro-kernels: a tile of <c>R</c> rows of <c>G</c> by two
/// vectors of columns lives in <c>2R</c> accumulators while the kernel streams through the block; each
/// block row costs two vector loads and <c>R</c> broadcasts for <c>2R</c> FMAs (Vector512: 8 x 32,
/// Vector256: 4 x 16). The caller feeds blocks small enough to stay in L1/L2 (a few hundred rows).
/// </remarks>
internal static class Syrk
{
    /// <summary>Accumulates the upper triangle (tile-wise; some entries below it too) of <c>A^T A</c> into <paramref name="g"/> (w x w).</summary>
    public static void SyrkUpper<TIsa>(ReadOnlySpan<float> a, int n, int w, Span<float> g)
        where TIsa : struct, IIsa
    {
        if ((w & 15) != 0 || a.Length < n * w || g.Length < w * w)
        {
            throw new ArgumentException($"SYRK needs w a multiple of 16 (got {w}), a block of {n} x {w} and a {w} x {w} output.");
        }

        if (n == 0)
        {
            return;
        }

        ref float g0 = ref MemoryMarshal.GetReference(g);
        TIsa.SyrkUpper(ref MemoryMarshal.GetReference(a), n, w, ref g0, ref g0, false);
    }

    /// <summary>
    /// Like <see cref="SyrkUpper"/>, but the accumulation starts from <paramref name="init"/> (w x w) instead of
    /// from <paramref name="g"/>'s contents (from zero when <paramref name="init"/> is empty): row p of
    /// <paramref name="g"/> is written from column <c>p &amp; ~15</c> to <c>w</c> (the part SYRK and the Cholesky
    /// kernel use) with <c>init + A^T A</c>, bit for bit what copying that part of <paramref name="init"/> into
    /// <paramref name="g"/> and calling <see cref="SyrkUpper"/> gives, without the separate copy. Entries left of
    /// column <c>p &amp; ~15</c> are not touched.
    /// </summary>
    public static void SyrkUpperFrom<TIsa>(ReadOnlySpan<float> init, ReadOnlySpan<float> a, int n, int w, Span<float> g)
        where TIsa : struct, IIsa
    {
        bool zero = init.IsEmpty;
        if ((w & 15) != 0 || a.Length < n * w || g.Length < w * w || (!zero && init.Length < w * w))
        {
            throw new ArgumentException($"SYRK needs w a multiple of 16 (got {w}), a block of {n} x {w} and {w} x {w} initial and output matrices.");
        }

        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float i0 = ref zero ? ref g0 : ref MemoryMarshal.GetReference(init);
        if (n > 0)
        {
            TIsa.SyrkUpper(ref MemoryMarshal.GetReference(a), n, w, ref g0, ref i0, zero);
        }
        else
        {
            SyrkScalar.Start(w, ref g0, ref i0, zero);
        }
    }

    /// <summary>Copies <c>g[p, q]</c> (q &gt; p) to <c>g[q, p]</c> for the leading <paramref name="d"/> x <paramref name="d"/> block.</summary>
    public static void MirrorUpper(Span<float> g, int d, int w)
    {
        for (int p = 1; p < d; p++)
        {
            for (int q = 0; q < p; q++)
            {
                g[p * w + q] = g[q * w + p];
            }
        }
    }
}
