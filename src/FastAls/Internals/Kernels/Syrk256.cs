using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The Vector256 SYRK micro-kernel: tiles of six rows of G by two 256-bit vectors of columns (twelve accumulators), and
/// one of four rows (eight) to finish each band of sixteen rows.
/// </summary>
/// <remarks>
/// Each entry is one FMA chain over the block's rows, in row order, whatever the tile: the tile's shape changes no bit.
/// Six rows rather than four (2026-12-03): with eight accumulators, as many FMAs as two 256-bit units with a latency of
/// four cycles keep in flight, the 4 x 16 tile left no slack, and the Gram probe at k = 32 read about 70 % of the
/// Vector512 kernel's rate on a core whose two paths have the same FMA peak. Twelve accumulators, two row vectors and a
/// broadcast take fifteen of an AVX2 core's sixteen vector registers.
/// </remarks>
internal static class Syrk256
{
    [MethodImpl(MethodImplOptions.NoInlining)] // a block kernel: see GroupedRows.WeightedRows
    public static void Upper(ref float a, int n, int w, ref float g, ref float src, bool zero)
    {
        // Bands of sixteen rows (w is a multiple of 16): rows p of a band get columns from the band's first, p & ~15.
        for (int band = 0; band < w; band += 16)
        {
            for (int q0 = band; q0 < w; q0 += 16)
            {
                Tile6x2(ref a, n, w, band, q0, ref g, ref src, zero);
                Tile6x2(ref a, n, w, band + 6, q0, ref g, ref src, zero);
                Tile4x2(ref a, n, w, band + 12, q0, ref g, ref src, zero);
            }
        }
    }

    private static void Tile6x2(ref float a, int n, int w, int p0, int q0, ref float g, ref float src, bool zero)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
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
            x = Vector256.Create(Unsafe.Add(ref ap, 4));
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(Unsafe.Add(ref ap, 5));
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
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
