using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    public static void SyrkUpper(KernelPath path, ReadOnlySpan<float> a, int n, int w, Span<float> g)
    {
        if ((w & 15) != 0 || a.Length < n * w || g.Length < w * w)
        {
            throw new ArgumentException($"SYRK needs w a multiple of 16 (got {w}), a block of {n} x {w} and a {w} x {w} output.");
        }

        if (n == 0)
        {
            return;
        }

        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float g0 = ref MemoryMarshal.GetReference(g);
        switch (path)
        {
            case KernelPath.Vector512:
                Upper512(ref a0, n, w, ref g0, ref g0, false);
                break;
            case KernelPath.Vector256:
                Upper256(ref a0, n, w, ref g0, ref g0, false);
                break;
            default:
                UpperScalar(ref a0, n, w, ref g0);
                break;
        }
    }

    /// <summary>
    /// Like <see cref="SyrkUpper"/>, but the accumulation starts from <paramref name="init"/> (w x w) instead of
    /// from <paramref name="g"/>'s contents (from zero when <paramref name="init"/> is empty): row p of
    /// <paramref name="g"/> is written from column <c>p &amp; ~15</c> to <c>w</c> (the part SYRK and the Cholesky
    /// kernel use) with <c>init + A^T A</c>, bit for bit what copying that part of <paramref name="init"/> into
    /// <paramref name="g"/> and calling <see cref="SyrkUpper"/> gives, without the separate copy. Entries left of
    /// column <c>p &amp; ~15</c> are not touched.
    /// </summary>
    public static void SyrkUpperFrom(KernelPath path, ReadOnlySpan<float> init, ReadOnlySpan<float> a, int n, int w, Span<float> g)
    {
        bool zero = init.IsEmpty;
        if ((w & 15) != 0 || a.Length < n * w || g.Length < w * w || (!zero && init.Length < w * w))
        {
            throw new ArgumentException($"SYRK needs w a multiple of 16 (got {w}), a block of {n} x {w} and {w} x {w} initial and output matrices.");
        }

        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float i0 = ref zero ? ref g0 : ref MemoryMarshal.GetReference(init);
        if (n > 0 && path == KernelPath.Vector512)
        {
            Upper512(ref a0, n, w, ref g0, ref i0, zero);
            return;
        }

        if (n > 0 && path == KernelPath.Vector256)
        {
            Upper256(ref a0, n, w, ref g0, ref i0, zero);
            return;
        }

        for (int p = 0; p < w; p++)
        {
            int s = (p * w) + (p & ~15);
            if (zero)
            {
                g.Slice(s, w - (p & ~15)).Clear();
            }
            else
            {
                init.Slice(s, w - (p & ~15)).CopyTo(g[s..]);
            }
        }

        if (n > 0)
        {
            UpperScalar(ref a0, n, w, ref g0);
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

    private static void UpperScalar(ref float a, int n, int w, ref float g)
    {
        for (int p = 0; p < w; p++)
        {
            ref float gp = ref Unsafe.Add(ref g, (nint)p * w);
            for (int j = 0; j < n; j++)
            {
                ref float aj = ref Unsafe.Add(ref a, (nint)j * w);
                float ap = Unsafe.Add(ref aj, p);
                if (ap == 0f)
                {
                    continue;
                }

                for (int q = p; q < w; q++)
                {
                    Unsafe.Add(ref gp, q) += ap * Unsafe.Add(ref aj, q);
                }
            }
        }
    }

    /// <summary>Tiles store <c>src + sum</c> (or the sum alone when <paramref name="zero"/>) into g; src may be g.</summary>
    private static void Upper512(ref float a, int n, int w, ref float g, ref float src, bool zero)
    {
        for (int p0 = 0; p0 < w; p0 += 8)
        {
            int q0 = p0 & ~15;
            for (; q0 + 32 <= w; q0 += 32)
            {
                Tile8x2(ref a, n, w, p0, q0, ref g, ref src, zero);
            }

            if (q0 < w)
            {
                Tile8x1(ref a, n, w, p0, q0, ref g, ref src, zero);
            }
        }
    }

    private static void Tile8x2(ref float a, int n, int w, int p0, int q0, ref float g, ref float src, bool zero)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        ref float row = ref a;
        for (int j = 0; j < n; j++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref row, (nuint)q0);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref row, (nuint)(q0 + 16));
            ref float ap = ref Unsafe.Add(ref row, p0);
            Vector512<float> x = Vector512.Create(ap);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref ap, 1));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref ap, 2));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref ap, 3));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref ap, 4));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref ap, 5));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(Unsafe.Add(ref ap, 6));
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref ap, 7));
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            row = ref Unsafe.Add(ref row, w);
        }

        nint t0 = ((nint)p0 * w) + q0;
        ref float gt = ref Unsafe.Add(ref g, t0);
        ref float st = ref Unsafe.Add(ref src, t0);
        Add2(ref gt, ref st, zero, c00, c01);
        Add2(ref Unsafe.Add(ref gt, w), ref Unsafe.Add(ref st, w), zero, c10, c11);
        Add2(ref Unsafe.Add(ref gt, 2 * w), ref Unsafe.Add(ref st, 2 * w), zero, c20, c21);
        Add2(ref Unsafe.Add(ref gt, 3 * w), ref Unsafe.Add(ref st, 3 * w), zero, c30, c31);
        Add2(ref Unsafe.Add(ref gt, 4 * w), ref Unsafe.Add(ref st, 4 * w), zero, c40, c41);
        Add2(ref Unsafe.Add(ref gt, 5 * w), ref Unsafe.Add(ref st, 5 * w), zero, c50, c51);
        Add2(ref Unsafe.Add(ref gt, 6 * w), ref Unsafe.Add(ref st, 6 * w), zero, c60, c61);
        Add2(ref Unsafe.Add(ref gt, 7 * w), ref Unsafe.Add(ref st, 7 * w), zero, c70, c71);
    }

    private static void Tile8x1(ref float a, int n, int w, int p0, int q0, ref float g, ref float src, bool zero)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
        ref float row = ref a;
        for (int j = 0; j < n; j++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref row, (nuint)q0);
            ref float ap = ref Unsafe.Add(ref row, p0);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(ap), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 1)), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 2)), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 3)), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 4)), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 5)), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 6)), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ap, 7)), b0, c7);
            row = ref Unsafe.Add(ref row, w);
        }

        nint t0 = ((nint)p0 * w) + q0;
        ref float gt = ref Unsafe.Add(ref g, t0);
        ref float st = ref Unsafe.Add(ref src, t0);
        Add1(ref gt, ref st, zero, c0);
        Add1(ref Unsafe.Add(ref gt, w), ref Unsafe.Add(ref st, w), zero, c1);
        Add1(ref Unsafe.Add(ref gt, 2 * w), ref Unsafe.Add(ref st, 2 * w), zero, c2);
        Add1(ref Unsafe.Add(ref gt, 3 * w), ref Unsafe.Add(ref st, 3 * w), zero, c3);
        Add1(ref Unsafe.Add(ref gt, 4 * w), ref Unsafe.Add(ref st, 4 * w), zero, c4);
        Add1(ref Unsafe.Add(ref gt, 5 * w), ref Unsafe.Add(ref st, 5 * w), zero, c5);
        Add1(ref Unsafe.Add(ref gt, 6 * w), ref Unsafe.Add(ref st, 6 * w), zero, c6);
        Add1(ref Unsafe.Add(ref gt, 7 * w), ref Unsafe.Add(ref st, 7 * w), zero, c7);
    }

    private static void Upper256(ref float a, int n, int w, ref float g, ref float src, bool zero)
    {
        for (int p0 = 0; p0 < w; p0 += 4)
        {
            // w is a multiple of 16, so 16-column tiles always fit.
            for (int q0 = p0 & ~15; q0 < w; q0 += 16)
            {
                Tile4x2(ref a, n, w, p0, q0, ref g, ref src, zero);
            }
        }
    }

    private static void Tile4x2(ref float a, int n, int w, int p0, int q0, ref float g, ref float src, bool zero)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        ref float row = ref a;
        for (int j = 0; j < n; j++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref row, (nuint)q0);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref row, (nuint)(q0 + 8));
            ref float ap = ref Unsafe.Add(ref row, p0);
            Vector256<float> x = Vector256.Create(ap);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref ap, 1));
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref ap, 2));
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref ap, 3));
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            row = ref Unsafe.Add(ref row, w);
        }

        nint t0 = ((nint)p0 * w) + q0;
        ref float gt = ref Unsafe.Add(ref g, t0);
        ref float st = ref Unsafe.Add(ref src, t0);
        Add2(ref gt, ref st, zero, c00, c01);
        Add2(ref Unsafe.Add(ref gt, w), ref Unsafe.Add(ref st, w), zero, c10, c11);
        Add2(ref Unsafe.Add(ref gt, 2 * w), ref Unsafe.Add(ref st, 2 * w), zero, c20, c21);
        Add2(ref Unsafe.Add(ref gt, 3 * w), ref Unsafe.Add(ref st, 3 * w), zero, c30, c31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add2(ref float dst, ref float src, bool zero, Vector512<float> c0, Vector512<float> c1)
    {
        if (zero)
        {
            c0.StoreUnsafe(ref dst);
            c1.StoreUnsafe(ref dst, 16);
        }
        else
        {
            (Vector512.LoadUnsafe(ref src) + c0).StoreUnsafe(ref dst);
            (Vector512.LoadUnsafe(ref src, 16) + c1).StoreUnsafe(ref dst, 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add1(ref float dst, ref float src, bool zero, Vector512<float> c0) =>
        (zero ? c0 : Vector512.LoadUnsafe(ref src) + c0).StoreUnsafe(ref dst);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add2(ref float dst, ref float src, bool zero, Vector256<float> c0, Vector256<float> c1)
    {
        if (zero)
        {
            c0.StoreUnsafe(ref dst);
            c1.StoreUnsafe(ref dst, 8);
        }
        else
        {
            (Vector256.LoadUnsafe(ref src) + c0).StoreUnsafe(ref dst);
            (Vector256.LoadUnsafe(ref src, 8) + c1).StoreUnsafe(ref dst, 8);
        }
    }
}
