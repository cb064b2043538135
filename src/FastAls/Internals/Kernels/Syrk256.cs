using System.Runtime.CompilerServices;
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
                SyrkTile.RowsByTwo<Vector256Ops, Vector256<float>, SixTileRows>(ref a, n, w, band, q0, ref g, ref src, zero);
                SyrkTile.RowsByTwo<Vector256Ops, Vector256<float>, SixTileRows>(ref a, n, w, band + 6, q0, ref g, ref src, zero);
                SyrkTile.RowsByTwo<Vector256Ops, Vector256<float>, FourTileRows>(ref a, n, w, band + 12, q0, ref g, ref src, zero);
            }
        }
    }
}
