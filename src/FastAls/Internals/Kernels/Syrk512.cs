using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>The Vector512 SYRK micro-kernel: 8 rows of G by two 512-bit vectors of columns (16 accumulators) per tile (<see cref="SyrkTile"/>), and 8 by one for the last 16 columns.</summary>
internal static class Syrk512
{
    /// <summary>Tiles store <c>src + sum</c> (or the sum alone when <paramref name="zero"/>) into g; src may be g.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // a block kernel: see GroupedRows.WeightedRows
    public static void Upper(ref float a, int n, int w, ref float g, ref float src, bool zero)
    {
        for (int p0 = 0; p0 < w; p0 += 8)
        {
            int q0 = p0 & ~15;
            for (; q0 + 32 <= w; q0 += 32)
            {
                SyrkTile.RowsByTwo<Vector512Ops, Vector512<float>, EightTileRows>(ref a, n, w, p0, q0, ref g, ref src, zero);
            }

            if (q0 < w)
            {
                Tile8x1(ref a, n, w, p0, q0, ref g, ref src, zero);
            }
        }
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add1(ref float dst, ref float src, bool zero, Vector512<float> c0) =>
        (zero ? c0 : Vector512.LoadUnsafe(ref src) + c0).StoreUnsafe(ref dst);
}
