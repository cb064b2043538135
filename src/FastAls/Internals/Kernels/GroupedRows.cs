using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The CG neighbour pass (<see cref="Blas.WeightedRowsMatVec{TIsa}"/>, <see cref="Blas.WeightedRowsResidual{TIsa}"/>)
/// and the loss pass's <see cref="Blas.RowDots{TIsa}"/> taken eight neighbour rows at a time (then four of the rows left,
/// <see cref="Half"/>), for any stride that is a multiple of 16 (the biased strides 48, 80, 144
/// included), with the same bits as the row-by-row kernels. Reached only through the ISA types:
/// <see cref="WeightedRowKernels.TryRun256"/> (every such stride but 32, which has its register kernel),
/// <see cref="Vector256Isa.RowDots"/>, <see cref="WeightedRowKernels.TryRun512"/> (the strides its register kernels
/// do not cover) and <see cref="Vector512Isa.RowDots"/>.
/// </summary>
/// <remarks>
/// <para>
/// Row by row, every neighbour pays a horizontal sum (its dot product) whose latency the next step waits on, and,
/// for the strides without a register kernel, a load and a store of the output per vector of columns. Here the
/// eight rows' dot products are formed side by side (eight independent FMA chains, the shared vector loaded once
/// for four rows) and reduced together into one vector of eight dots by a transpose-and-add tree
/// (<see cref="IVectorOps{TVec}.Sum8"/>: <c>vhaddps</c>/<c>vperm2f128</c> at 256 bits, <c>vshufps</c>/<c>vshuff32x4</c>
/// at 512); the eight coefficients are then applied to the output in register blocks of eight vectors of columns (eight
/// independent FMA chains). One width-generic body serves both paths.
/// </para>
/// <para>
/// Bits: each dot keeps <see cref="Vector256Isa.Dot"/>'s order (two accumulators over 16-float steps starting from
/// zero, added, then the eight lanes summed as <c>((e0 + e1) + (e2 + e3)) + ((e4 + e5) + (e6 + e7))</c>, the order of
/// <see cref="Vector256.Sum{T}(Vector256{T})"/>); the coefficient is <c>dot * w</c> or <c>q - dot * w</c> with
/// the same roundings; each output entry receives the rows' FMAs in row order, as <see cref="Vector256Isa.Axpy"/>
/// row by row gives them. On the Vector512 path the same holds with <see cref="Vector512Isa.Dot"/>'s order and
/// <see cref="Vector512Ops.Sum"/>'s tree. The kernel tests check this bitwise against the row-by-row kernels.
/// </para>
/// </remarks>
internal static class GroupedRows
{
    /// <summary>Rows per group (one per lane of the reduced dot vector).</summary>
    internal const int Group = 8;

    /// <summary>Rows per half group: four of the rows after the last whole group, reduced together (<see cref="IVectorOps{TVec}.Sum4"/>).</summary>
    internal const int Half = 4;

    /// <summary>True when the grouped kernels take <paramref name="stride"/> (a positive multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Applies(int stride) => (stride & 15) == 0 && stride > 0;

    /// <summary>
    /// <c>y[0..stride) += sum_j t_j * block[j, :]</c> with <c>t_j = wt[j] * (block[j, :] . v)</c>, or
    /// <c>q[j] - wt[j] * (block[j, :] . v)</c> when <paramref name="residual"/> (stride: see <see cref="Applies"/>), on the
    /// path of <typeparamref name="TOps"/>: eight rows' dots reduced together (<see cref="IVectorOps{TVec}.Sum8"/>), then
    /// four of the rows left (<see cref="IVectorOps{TVec}.Sum4"/>), then row by row.
    /// </summary>
    /// <remarks>
    /// Not inlined, as every block kernel that is built from <c>AggressiveInlining</c> helpers: where the JIT inlines
    /// such a kernel into its caller, the caller's inlining budget can run out before the helpers are placed, and they
    /// stay calls that pass vectors through memory. Whether that happens depended on the tier-1 profile, so on what the
    /// process had trained before (see <c>WeightedRowKernels.RegisterRows</c>). One call per block costs nothing.
    /// <typeparamref name="TRows"/> is where the rows are: a gathered block (<see cref="Contiguous"/>), or the fixed side
    /// read in place through the columns at <c>b0 + c0[j] * stride</c> (<see cref="Indexed"/>; each group then asks for
    /// the next group's rows), with the same bits as gathering them first.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void WeightedRows<TOps, TVec, TRows>(ref float b0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IRowSource
    {
        int j = 0;
        for (; j <= rows - Group; j += Group)
        {
            if (TRows.IsIndexed)
            {
                RowPrefetch.Rows<TRows>(ref b0, ref c0, j + Group, Math.Min(Group, rows - j - Group), stride);
            }

            ref float g = ref TRows.Row(ref b0, ref c0, j, stride);
            ref int cj = ref TRows.IsIndexed ? ref Unsafe.Add(ref c0, j) : ref c0;
            Vector256<float> t = Blas.Coefficients(Dots8<TOps, TVec, TRows>(ref g, ref b0, ref cj, stride, ref v0), ref Unsafe.Add(ref w0, j), ref Unsafe.Add(ref q0, j), residual);

            // Through memory: each coefficient is then one broadcast load instead of a shuffle.
            Accumulate<TOps, TVec, TRows>(ref g, ref b0, ref cj, stride, ref Unsafe.As<Vector256<float>, float>(ref t), Group, ref y0);
        }

        if (j <= rows - Half)
        {
            // Four of the last rows as half a group (short rows are common: most users have few neighbours).
            WeightedHalf<TOps, TVec, TRows>(ref b0, ref c0, j, stride, ref Unsafe.Add(ref w0, j), ref Unsafe.Add(ref q0, j), residual, ref v0, ref y0);
            j += Half;
        }

        for (; j < rows; j++)
        {
            ref float row = ref TRows.Row(ref b0, ref c0, j, stride);
            VectorBlas<TOps, TVec>.Axpy(Blas.Coefficient(VectorBlas<TOps, TVec>.Dot(ref row, ref v0, stride), ref w0, ref q0, residual, j), ref row, ref y0, stride);
        }
    }

    /// <summary>
    /// <see cref="WeightedRows{TOps, TVec, TRows}"/> for the four rows from row <paramref name="j"/> (weights and targets from
    /// <paramref name="w0"/> and <paramref name="q0"/>). Not inlined: in the group loop's method it made the JIT spill that
    /// loop's registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WeightedHalf<TOps, TVec, TRows>(ref float b0, ref int c0, int j, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IRowSource
    {
        ref float g = ref TRows.Row(ref b0, ref c0, j, stride);
        ref int cj = ref TRows.IsIndexed ? ref Unsafe.Add(ref c0, j) : ref c0;
        Vector128<float> t = Blas.Coefficients(Dots4x<TOps, TVec, TRows>(ref g, ref b0, ref cj, stride, ref v0), ref w0, ref q0, residual);

        Accumulate<TOps, TVec, TRows>(ref g, ref b0, ref cj, stride, ref Unsafe.As<Vector128<float>, float>(ref t), Half, ref y0);
    }

    /// <summary>
    /// <c>y[j] = block[j, :] . x</c> for the whole groups of eight among <paramref name="rows"/> rows, then four of the rows
    /// left (the bits of the path's <c>Dot</c> per row); 0 when the stride does not apply (see <see cref="Applies"/>).
    /// </summary>
    /// <returns>The rows done (the caller finishes the rest row by row).</returns>
    [MethodImpl(MethodImplOptions.NoInlining)] // a block kernel (see WeightedRows)
    public static int RowDots<TOps, TVec>(ref float b0, int rows, int stride, ref float x0, ref float y0)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (!Applies(stride))
        {
            return 0;
        }

        int j = 0;
        for (; j <= rows - Group; j += Group)
        {
            Dots8<TOps, TVec, Contiguous>(ref Unsafe.Add(ref b0, (nint)j * stride), ref b0, ref Unsafe.NullRef<int>(), stride, ref x0).StoreUnsafe(ref y0, (nuint)j);
        }

        if (j <= rows - Half)
        {
            Dots4x<TOps, TVec, Contiguous>(ref Unsafe.Add(ref b0, (nint)j * stride), ref b0, ref Unsafe.NullRef<int>(), stride, ref x0).StoreUnsafe(ref y0, (nuint)j);
            j += Half;
        }

        return j;
    }

    /// <summary>The dot products of eight consecutive rows with <paramref name="v"/>, lane j for row j, each with the bits of the path's <c>Dot</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Dots8<TOps, TVec, TRows>(ref float g, ref float b0, ref int cj, int stride, ref float v)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IRowSource
    {
        Dots4<TOps, TVec, TRows>(ref g, ref b0, ref cj, stride, ref v, out TVec p0, out TVec p1, out TVec p2, out TVec p3);
        ref int c4 = ref TRows.IsIndexed ? ref Unsafe.Add(ref cj, 4) : ref cj;
        Dots4<TOps, TVec, TRows>(ref RowGroup.Member<TRows>(ref g, ref b0, ref cj, 0, 4, stride), ref b0, ref c4, stride, ref v, out TVec p4, out TVec p5, out TVec p6, out TVec p7);
        return TOps.Sum8(p0, p1, p2, p3, p4, p5, p6, p7);
    }

    /// <summary>The dot products of four consecutive rows with <paramref name="v"/>, lane j for row j, each with the bits of the path's <c>Dot</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Dots4x<TOps, TVec, TRows>(ref float g, ref float b0, ref int cj, int stride, ref float v)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IRowSource
    {
        Dots4<TOps, TVec, TRows>(ref g, ref b0, ref cj, stride, ref v, out TVec p0, out TVec p1, out TVec p2, out TVec p3);
        return TOps.Sum4(p0, p1, p2, p3);
    }

    /// <summary>
    /// For four consecutive rows, the vector <c>a0 + a1</c> of the path's <c>Dot</c> before its horizontal sum: a0 over
    /// the even vector steps and a1 over the odd ones, both from zero, and a last lone vector step (a stride that is an
    /// odd number of vectors: 16, 48, 80 at 512 bits) into a0. One body for both widths.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dots4<TOps, TVec, TRows>(ref float g, ref float b0, ref int cj, int stride, ref float v, out TVec p0, out TVec p1, out TVec p2, out TVec p3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IRowSource
    {
        ref float r0 = ref g;
        ref float r1 = ref RowGroup.Member<TRows>(ref g, ref b0, ref cj, 0, 1, stride);
        ref float r2 = ref RowGroup.Member<TRows>(ref g, ref b0, ref cj, 0, 2, stride);
        ref float r3 = ref RowGroup.Member<TRows>(ref g, ref b0, ref cj, 0, 3, stride);
        nuint w = (nuint)TOps.Count, n = (nuint)stride, i = 0;
        TVec a00 = TOps.Zero, a01 = TOps.Zero, a10 = TOps.Zero, a11 = TOps.Zero;
        TVec a20 = TOps.Zero, a21 = TOps.Zero, a30 = TOps.Zero, a31 = TOps.Zero;
        for (; i + (2 * w) <= n; i += 2 * w)
        {
            TVec v0 = TOps.Load(ref v, i), v1 = TOps.Load(ref v, i + w);
            a00 = TOps.FusedMultiplyAdd(TOps.Load(ref r0, i), v0, a00);
            a01 = TOps.FusedMultiplyAdd(TOps.Load(ref r0, i + w), v1, a01);
            a10 = TOps.FusedMultiplyAdd(TOps.Load(ref r1, i), v0, a10);
            a11 = TOps.FusedMultiplyAdd(TOps.Load(ref r1, i + w), v1, a11);
            a20 = TOps.FusedMultiplyAdd(TOps.Load(ref r2, i), v0, a20);
            a21 = TOps.FusedMultiplyAdd(TOps.Load(ref r2, i + w), v1, a21);
            a30 = TOps.FusedMultiplyAdd(TOps.Load(ref r3, i), v0, a30);
            a31 = TOps.FusedMultiplyAdd(TOps.Load(ref r3, i + w), v1, a31);
        }

        if (i < n)
        {
            TVec v0 = TOps.Load(ref v, i);
            a00 = TOps.FusedMultiplyAdd(TOps.Load(ref r0, i), v0, a00);
            a10 = TOps.FusedMultiplyAdd(TOps.Load(ref r1, i), v0, a10);
            a20 = TOps.FusedMultiplyAdd(TOps.Load(ref r2, i), v0, a20);
            a30 = TOps.FusedMultiplyAdd(TOps.Load(ref r3, i), v0, a30);
        }

        p0 = TOps.Add(a00, a01);
        p1 = TOps.Add(a10, a11);
        p2 = TOps.Add(a20, a21);
        p3 = TOps.Add(a30, a31);
    }

    /// <summary>
    /// <c>y[0..stride) += sum_{j &lt; count} t[j] * g[j, :]</c> (<paramref name="t"/>: the rows' coefficients in memory, each
    /// taken by one broadcast load; <paramref name="count"/> is <see cref="Group"/> or <see cref="Half"/>): register blocks of
    /// eight vectors of columns, then four, then one, every output entry receiving the rows' FMAs in row order whatever its
    /// block. One body for both widths.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TOps, TVec, TRows>(ref float g, ref float b0, ref int cj, int stride, ref float t, int count, ref float y)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IRowSource
    {
        nint s = stride;
        nuint w = (nuint)TOps.Count;
        int c = 0;
        for (; c <= stride - (8 * (int)w); c += 8 * (int)w)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            TVec y_0 = TOps.Load(ref yc, 0), y_1 = TOps.Load(ref yc, w), y_2 = TOps.Load(ref yc, 2 * w), y_3 = TOps.Load(ref yc, 3 * w);
            TVec y_4 = TOps.Load(ref yc, 4 * w), y_5 = TOps.Load(ref yc, 5 * w), y_6 = TOps.Load(ref yc, 6 * w), y_7 = TOps.Load(ref yc, 7 * w);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < count; j++)
            {
                TVec tj = TOps.Create(Unsafe.Add(ref t, j));
                ref float rj = ref TRows.IsIndexed ? ref Unsafe.Add(ref RowGroup.Member<TRows>(ref g, ref b0, ref cj, 0, j, s), c) : ref Unsafe.Add(ref r, j * s);
                y_0 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 0), y_0);
                y_1 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, w), y_1);
                y_2 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 2 * w), y_2);
                y_3 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 3 * w), y_3);
                y_4 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 4 * w), y_4);
                y_5 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 5 * w), y_5);
                y_6 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 6 * w), y_6);
                y_7 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 7 * w), y_7);
            }

            TOps.Store(y_0, ref yc, 0);
            TOps.Store(y_1, ref yc, w);
            TOps.Store(y_2, ref yc, 2 * w);
            TOps.Store(y_3, ref yc, 3 * w);
            TOps.Store(y_4, ref yc, 4 * w);
            TOps.Store(y_5, ref yc, 5 * w);
            TOps.Store(y_6, ref yc, 6 * w);
            TOps.Store(y_7, ref yc, 7 * w);
        }

        for (; c <= stride - (4 * (int)w); c += 4 * (int)w)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            TVec y_0 = TOps.Load(ref yc, 0), y_1 = TOps.Load(ref yc, w), y_2 = TOps.Load(ref yc, 2 * w), y_3 = TOps.Load(ref yc, 3 * w);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < count; j++)
            {
                TVec tj = TOps.Create(Unsafe.Add(ref t, j));
                ref float rj = ref TRows.IsIndexed ? ref Unsafe.Add(ref RowGroup.Member<TRows>(ref g, ref b0, ref cj, 0, j, s), c) : ref Unsafe.Add(ref r, j * s);
                y_0 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 0), y_0);
                y_1 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, w), y_1);
                y_2 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 2 * w), y_2);
                y_3 = TOps.FusedMultiplyAdd(tj, TOps.Load(ref rj, 3 * w), y_3);
            }

            TOps.Store(y_0, ref yc, 0);
            TOps.Store(y_1, ref yc, w);
            TOps.Store(y_2, ref yc, 2 * w);
            TOps.Store(y_3, ref yc, 3 * w);
        }

        for (; c < stride; c += (int)w)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            TVec y_0 = TOps.Load(ref yc, 0);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < count; j++)
            {
                ref float rj = ref TRows.IsIndexed ? ref Unsafe.Add(ref RowGroup.Member<TRows>(ref g, ref b0, ref cj, 0, j, s), c) : ref Unsafe.Add(ref r, j * s);
                y_0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref t, j)), TOps.Load(ref rj, 0), y_0);
            }

            TOps.Store(y_0, ref yc, 0);
        }
    }
}
