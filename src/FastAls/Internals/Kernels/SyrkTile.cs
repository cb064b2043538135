using System.Runtime.CompilerServices;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The SYRK register tile of both vector paths: <c>TRows</c> rows of G (four, six or eight) by two
/// vectors of columns, one accumulator each, over the block's n rows. Each entry is one FMA chain in row order from
/// zero, then added to its <c>src</c> entry (or stored alone when <c>zero</c>): the tile's shape is not in the bits.
/// Used by <see cref="Syrk256"/> (6 × 16 and 4 × 16) and <see cref="Syrk512"/> (8 × 32).
/// </summary>
internal static class SyrkTile
{
    /// <summary>Rows p0 .. p0 + rows - 1 by columns q0 .. q0 + 2v - 1 of <c>g = src + a' a</c> (a: n rows of stride w).</summary>
    /// <remarks>Inlined into the paths' <c>Upper</c>, which are block kernels compiled apart (see <see cref="GroupedRows.WeightedRows{TOps, TVec, TRows}"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RowsByTwo<TOps, TVec, TRows>(ref float a, int n, int w, int p0, int q0, ref float g, ref float src, bool zero)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, ITileRows
    {
        nuint v = (nuint)TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        TVec c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
        ref float row = ref a;
        for (int j = 0; j < n; j++)
        {
            TVec b0 = TOps.Load(ref row, (nuint)q0);
            TVec b1 = TOps.Load(ref row, (nuint)q0 + v);
            ref float ap = ref Unsafe.Add(ref row, p0);
            TVec x = TOps.Create(ap);
            c00 = TOps.FusedMultiplyAdd(x, b0, c00);
            c01 = TOps.FusedMultiplyAdd(x, b1, c01);
            x = TOps.Create(Unsafe.Add(ref ap, 1));
            c10 = TOps.FusedMultiplyAdd(x, b0, c10);
            c11 = TOps.FusedMultiplyAdd(x, b1, c11);
            x = TOps.Create(Unsafe.Add(ref ap, 2));
            c20 = TOps.FusedMultiplyAdd(x, b0, c20);
            c21 = TOps.FusedMultiplyAdd(x, b1, c21);
            x = TOps.Create(Unsafe.Add(ref ap, 3));
            c30 = TOps.FusedMultiplyAdd(x, b0, c30);
            c31 = TOps.FusedMultiplyAdd(x, b1, c31);
            if (TRows.Count > 4)
            {
                x = TOps.Create(Unsafe.Add(ref ap, 4));
                c40 = TOps.FusedMultiplyAdd(x, b0, c40);
                c41 = TOps.FusedMultiplyAdd(x, b1, c41);
                x = TOps.Create(Unsafe.Add(ref ap, 5));
                c50 = TOps.FusedMultiplyAdd(x, b0, c50);
                c51 = TOps.FusedMultiplyAdd(x, b1, c51);
            }

            if (TRows.Count > 6)
            {
                x = TOps.Create(Unsafe.Add(ref ap, 6));
                c60 = TOps.FusedMultiplyAdd(x, b0, c60);
                c61 = TOps.FusedMultiplyAdd(x, b1, c61);
                x = TOps.Create(Unsafe.Add(ref ap, 7));
                c70 = TOps.FusedMultiplyAdd(x, b0, c70);
                c71 = TOps.FusedMultiplyAdd(x, b1, c71);
            }

            row = ref Unsafe.Add(ref row, w);
        }

        nint t0 = ((nint)p0 * w) + q0;
        ref float gt = ref Unsafe.Add(ref g, t0);
        ref float st = ref Unsafe.Add(ref src, t0);
        Add2<TOps, TVec>(ref gt, ref st, zero, c00, c01);
        Add2<TOps, TVec>(ref Unsafe.Add(ref gt, w), ref Unsafe.Add(ref st, w), zero, c10, c11);
        Add2<TOps, TVec>(ref Unsafe.Add(ref gt, 2 * w), ref Unsafe.Add(ref st, 2 * w), zero, c20, c21);
        Add2<TOps, TVec>(ref Unsafe.Add(ref gt, 3 * w), ref Unsafe.Add(ref st, 3 * w), zero, c30, c31);
        if (TRows.Count > 4)
        {
            Add2<TOps, TVec>(ref Unsafe.Add(ref gt, 4 * w), ref Unsafe.Add(ref st, 4 * w), zero, c40, c41);
            Add2<TOps, TVec>(ref Unsafe.Add(ref gt, 5 * w), ref Unsafe.Add(ref st, 5 * w), zero, c50, c51);
        }

        if (TRows.Count > 6)
        {
            Add2<TOps, TVec>(ref Unsafe.Add(ref gt, 6 * w), ref Unsafe.Add(ref st, 6 * w), zero, c60, c61);
            Add2<TOps, TVec>(ref Unsafe.Add(ref gt, 7 * w), ref Unsafe.Add(ref st, 7 * w), zero, c70, c71);
        }
    }

    /// <summary>A tile row's two vectors into g: <c>src + c</c>, or c alone when <paramref name="zero"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add2<TOps, TVec>(ref float dst, ref float src, bool zero, TVec c0, TVec c1)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        nuint v = (nuint)TOps.Count;
        if (zero)
        {
            TOps.Store(c0, ref dst, 0);
            TOps.Store(c1, ref dst, v);
        }
        else
        {
            TOps.Store(TOps.Add(TOps.Load(ref src, 0), c0), ref dst, 0);
            TOps.Store(TOps.Add(TOps.Load(ref src, v), c1), ref dst, v);
        }
    }
}

/// <summary>The rows of a <see cref="SyrkTile"/>, a constant the JIT folds per specialization.</summary>
internal interface ITileRows
{
    static abstract int Count { get; }
}

/// <summary>Four rows: eight accumulators (the last tile of a Vector256 band).</summary>
internal readonly struct FourTileRows : ITileRows
{
    public static int Count => 4;
}

/// <summary>Six rows: twelve accumulators (Vector256: fifteen of an AVX2 core's sixteen registers with the row vectors and a broadcast).</summary>
internal readonly struct SixTileRows : ITileRows
{
    public static int Count => 6;
}

/// <summary>Eight rows: sixteen accumulators (Vector512, which has 32 registers).</summary>
internal readonly struct EightTileRows : ITileRows
{
    public static int Count => 8;
}
