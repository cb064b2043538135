using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>The Vector256 SYRK micro-kernel: 4 rows of G by two 256-bit vectors of columns (8 accumulators) per tile.</summary>
internal static class Syrk256
{
    [MethodImpl(MethodImplOptions.NoInlining)] // a block kernel: see GroupedRows.WeightedRows
    public static void Upper(ref float a, int n, int w, ref float g, ref float src, bool zero)
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
