using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The vector micro-kernels of <see cref="Blas.WeightedRowsMatVec{TIsa}"/> and <see cref="Blas.WeightedRowsResidual{TIsa}"/>:
/// register kernels for the strides of two and four vectors, where v and the output stay in registers for the whole
/// block, and the eight-rows-at-a-time kernels of <see cref="GroupedRows"/> for every other positive multiple of 16.
/// The register kernels are one body (<see cref="RegisterRows"/>), generic in the vector width
/// (<see cref="IVectorOps{TVec}"/>) and in the row's vectors: four vectors is stride 32 on the Vector256 path and 64 on
/// the Vector512 path, two vectors is 32 on the Vector512 path (at 256 bits, stride 16 is as fast grouped). Each row's
/// dot product keeps the order of the path's <c>Dot</c> (two accumulators over two-vector steps from zero, added, then
/// summed) and its update the FMA chain of its <c>Axpy</c>, so the results are those of the generic loop, bit for bit,
/// except at two vectors (below).
/// </summary>
/// <remarks>
/// At two vectors (stride 32 on the Vector512 path) the updates of a group of four rows go into two chains: rows 0 and
/// 2 into y, rows 1 and 3 into a second pair of accumulators from zero, added to y after the last whole group; the rows
/// after it go into y one by one. With one chain, each row's update waited on the previous row's (two FMAs a row, one a
/// vector, on a four-cycle chain), which on a core with two full-width FMA units (Zen 5) left half their throughput
/// unused: the pass ran at about four cycles a row where its loads and FMAs need about two. In-process A/B
/// (bench/run-ab.sh, one thread, k = 32, the fixed side in cache, 199 pairs, minima / per-pair median): explicit CG
/// 0.953 / 0.957 and 0.977 / 0.967, implicit 0.947 / 0.962, biased explicit 0.988 / 0.983, biased implicit 0.981 /
/// 0.962. A deliberate change of the Vector512 path's bits at k = 32 (the tests' reference,
/// GroupedRowsTests.AddRowsAsTheKernelDoes, says the order). At four vectors each row already feeds four chains, and the
/// FMAs are the limit. (On Zen 4, whose 512-bit FMAs run as two 256-bit halves, a second chain measured the same or
/// slower: bench/results/AMD-EPYC-family-25-model-17-2c/cg-step-chain-and-kernel-limits.md.)
/// </remarks>
internal static class WeightedRowKernels
{
    /// <summary>The Vector256 path: the register kernel for stride 32, the grouped kernel for every other multiple of 16; false otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRun256(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        TryRun256<Contiguous>(ref b0, ref Unsafe.NullRef<int>(), rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    /// <summary>
    /// The Vector512 path: the register kernels for strides 64 and 32, the grouped kernel for the other multiples of 16
    /// (the biased 48, 80, 144; 128); false otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRun512(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        TryRun512<Contiguous>(ref b0, ref Unsafe.NullRef<int>(), rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    /// <summary>
    /// Whether the path has an in-place kernel (<see cref="TryRunIndexed256"/>, <see cref="TryRunIndexed512"/>, and with
    /// <paramref name="withSum"/> <see cref="TryRunResidualSumIndexed512"/>) for the stride: every multiple of 16 on the
    /// vector paths, only the register kernels' 32 and 64 for the biased residual with its sum.
    /// </summary>
    public static bool HasIndexed(KernelPath path, int stride, bool withSum) => path switch
    {
        KernelPath.Vector512 => withSum ? stride is 32 or 64 : GroupedRows.Applies(stride),
        KernelPath.Vector256 => !withSum && GroupedRows.Applies(stride),
        _ => false,
    };

    /// <summary>
    /// The kernels of <see cref="TryRun256"/> (the register kernel for stride 32, the grouped kernel for the other multiples
    /// of 16) reading row j in place, at <c>f0 + cols[j] * stride</c>, instead of from a gathered block: the same bits as
    /// gathering the rows first. False for the other strides (the caller gathers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRunIndexed256(ref float f0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        TryRun256<Indexed>(ref f0, ref c0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    /// <summary><see cref="TryRunIndexed256"/> on the Vector512 path: the register kernels for 64 and 32, the grouped one for the other multiples of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRunIndexed512(ref float f0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        TryRun512<Indexed>(ref f0, ref c0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    /// <summary>The one dispatch of <see cref="TryRun256"/> and <see cref="TryRunIndexed256"/>, for rows from <typeparamref name="TRows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryRun256<TRows>(ref float b0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
        where TRows : struct, IRowSource
    {
        if (stride == 32)
        {
            RegisterRows<Vector256Ops, Vector256<float>, FourVectors, NoSum, TRows>(ref b0, ref c0, rows, ref w0, ref q0, residual, ref v0, ref y0, ref y0);
            return true;
        }

        if (GroupedRows.Applies(stride))
        {
            GroupedRows.WeightedRows<Vector256Ops, Vector256<float>, TRows>(ref b0, ref c0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        return false;
    }

    /// <summary>The one dispatch of <see cref="TryRun512"/> and <see cref="TryRunIndexed512"/>, for rows from <typeparamref name="TRows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryRun512<TRows>(ref float b0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
        where TRows : struct, IRowSource
    {
        if (stride == 64)
        {
            RegisterRows<Vector512Ops, Vector512<float>, FourVectors, NoSum, TRows>(ref b0, ref c0, rows, ref w0, ref q0, residual, ref v0, ref y0, ref y0);
            return true;
        }

        if (stride == 32)
        {
            RegisterRows<Vector512Ops, Vector512<float>, TwoVectors, NoSum, TRows>(ref b0, ref c0, rows, ref w0, ref q0, residual, ref v0, ref y0, ref y0);
            return true;
        }

        if (GroupedRows.Applies(stride))
        {
            GroupedRows.WeightedRows<Vector512Ops, Vector512<float>, TRows>(ref b0, ref c0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The residual pass of the biased models' CG with their weighted sum in the same pass, on the Vector512 path at the
    /// strides of its register kernels (32 and 64): <c>y += sum_j (q[j] - wt[j] * (block[j, :] . v)) * block[j, :]</c>
    /// and <c>m += sum_j wt[j] * block[j, :]</c>, each row loaded once for both. m gets the FMA chain of
    /// <see cref="Blas.AddWeightedRows{TIsa}"/> (row order, from m), so both outputs have the bits of the two passes. False
    /// elsewhere (the caller runs the two passes; at 256 bits the eight more registers would not fit in sixteen).
    /// </summary>
    public static bool TryRunResidualSum512(ref float b0, int rows, int stride, ref float w0, ref float q0, ref float v0, ref float y0, ref float m0) =>
        TryRunResidualSum512<Contiguous>(ref b0, ref Unsafe.NullRef<int>(), rows, stride, ref w0, ref q0, ref v0, ref y0, ref m0);

    /// <summary><see cref="TryRunResidualSum512"/> reading row j in place at <c>f0 + cols[j] * stride</c> (see <see cref="TryRunIndexed256"/>).</summary>
    public static bool TryRunResidualSumIndexed512(ref float f0, ref int c0, int rows, int stride, ref float w0, ref float q0, ref float v0, ref float y0, ref float m0) =>
        TryRunResidualSum512<Indexed>(ref f0, ref c0, rows, stride, ref w0, ref q0, ref v0, ref y0, ref m0);

    /// <summary>The one dispatch of <see cref="TryRunResidualSum512"/> and <see cref="TryRunResidualSumIndexed512"/>.</summary>
    private static bool TryRunResidualSum512<TRows>(ref float b0, ref int c0, int rows, int stride, ref float w0, ref float q0, ref float v0, ref float y0, ref float m0)
        where TRows : struct, IRowSource
    {
        if (stride == 64)
        {
            RegisterRows<Vector512Ops, Vector512<float>, FourVectors, WithSum, TRows>(ref b0, ref c0, rows, ref w0, ref q0, true, ref v0, ref y0, ref m0);
            return true;
        }

        if (stride == 32)
        {
            RegisterRows<Vector512Ops, Vector512<float>, TwoVectors, WithSum, TRows>(ref b0, ref c0, rows, ref w0, ref q0, true, ref v0, ref y0, ref m0);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Rows of two or four vectors (<typeparamref name="TWidth"/>): v and y in registers for the whole block. Rows go four
    /// at a time: their four dot products are reduced together (<see cref="IVectorOps{TVec}.Sum4"/>, one transpose-and-add
    /// tree instead of four horizontal sums whose latency each row's update waited on), their coefficients formed in one
    /// vector, and the four updates applied to y in row order. The loop is software-pipelined: the next four rows' dots
    /// are formed while the current four are added, so no row is loaded twice in one iteration (the JIT keeps a value
    /// loaded twice in a register, and with 16 vector registers it spilled them to the stack). The rows left over go one
    /// by one. Bits: each dot, coefficient and FMA chain into y is the one-row-at-a-time kernel's (the tail below).
    /// With <typeparamref name="TSum"/> (<see cref="TryRunResidualSum512"/>), m is kept in registers too and each loaded
    /// row also goes into <c>m += w_j row_j</c>; m is not touched otherwise (<paramref name="m0"/> may be any ref).
    /// Not inlined: see <see cref="GroupedRows.WeightedRows{TOps, TVec, TRows}"/>. Inlined into <c>Blas.WeightedRowsResidual</c> by a tier-1
    /// compile whose profile came from another model, its four-row helpers stayed calls, and a biased model's CG at
    /// k = 32 took 1.5 to 1.7 times as long when an implicit model had been trained first in the same process.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterRows<TOps, TVec, TWidth, TSum, TRows>(ref float b0, ref int c0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0, ref float m0)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
        where TSum : struct, IWeightedSum
        where TRows : struct, IRowSource
    {
        LoadRow<TOps, TVec, TWidth>(ref v0, out TVec v_0, out TVec v_1, out TVec v_2, out TVec v_3);
        LoadRow<TOps, TVec, TWidth>(ref y0, out TVec y_0, out TVec y_1, out TVec y_2, out TVec y_3);
        TVec m_0 = TOps.Zero, m_1 = TOps.Zero, m_2 = TOps.Zero, m_3 = TOps.Zero;
        if (TSum.On)
        {
            LoadRow<TOps, TVec, TWidth>(ref m0, out m_0, out m_1, out m_2, out m_3);
        }

        Pass<TOps, TVec, TWidth, TSum, TRows>(ref b0, ref c0, rows, ref w0, ref q0, residual, v_0, v_1, v_2, v_3, ref y_0, ref y_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        StoreRow<TOps, TVec, TWidth>(ref y0, y_0, y_1, y_2, y_3);
        if (TSum.On)
        {
            StoreRow<TOps, TVec, TWidth>(ref m0, m_0, m_1, m_2, m_3);
        }
    }

    /// <summary>Loads a row of two or four vectors (<typeparamref name="TWidth"/>) into registers; the ones past the width are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LoadRow<TOps, TVec, TWidth>(ref float src, out TVec v0, out TVec v1, out TVec v2, out TVec v3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
    {
        nuint w = (nuint)TOps.Count;
        v0 = TOps.Load(ref src, 0);
        v1 = TOps.Load(ref src, w);
        v2 = TWidth.Four ? TOps.Load(ref src, 2 * w) : TOps.Zero;
        v3 = TWidth.Four ? TOps.Load(ref src, 3 * w) : TOps.Zero;
    }

    /// <summary>Stores a row of two or four vectors (<typeparamref name="TWidth"/>) from registers; nothing past the width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreRow<TOps, TVec, TWidth>(ref float dst, TVec v0, TVec v1, TVec v2, TVec v3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
    {
        nuint w = (nuint)TOps.Count;
        TOps.Store(v0, ref dst, 0);
        TOps.Store(v1, ref dst, w);
        if (TWidth.Four)
        {
            TOps.Store(v2, ref dst, 2 * w);
            TOps.Store(v3, ref dst, 3 * w);
        }
    }

    /// <summary>
    /// The loop of <see cref="RegisterRows"/> with v, y (and m, with <typeparamref name="TSum"/>) in registers: the same
    /// pass for the register kernel, which loads and stores them around it, and for <c>RowSolver</c>'s CG in registers,
    /// which keeps them there across a row's passes. The vectors past the row's width (<typeparamref name="TWidth"/>)
    /// are not read or written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Pass<TOps, TVec, TWidth, TSum, TRows>(ref float b0, ref int c0, int rows, ref float w0, ref float q0, bool residual, TVec v_0, TVec v_1, TVec v_2, TVec v_3,
        ref TVec y_0, ref TVec y_1, ref TVec y_2, ref TVec y_3, ref TVec m_0, ref TVec m_1, ref TVec m_2, ref TVec m_3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
        where TSum : struct, IWeightedSum
        where TRows : struct, IRowSource
    {
        nint stride = (TWidth.Four ? 4 : 2) * TOps.Count;
        // In place (Indexed), the rows are scattered over the fixed side: each step asks for the rows RowPrefetch.Ahead on.
        int ahead = TRows.IsIndexed ? RowPrefetch.Ahead(stride) : 0;
        int j = 0;
        if (rows >= 4)
        {
            // Two-vector rows: the odd rows of each group of four go into a second pair of accumulators (o), from zero,
            // added to y after the groups (see the class remarks); four-vector rows have four chains already.
            TVec o_0 = TOps.Zero, o_1 = TOps.Zero;
            Vector128<float> t = Coefficients4<TOps, TVec, TWidth, TRows>(ref b0, ref c0, 0, stride, v_0, v_1, v_2, v_3, ref w0, ref q0, residual);
            for (; j + 8 <= rows; j += 4)
            {
                if (TRows.IsIndexed && j + 8 + ahead <= rows)
                {
                    RowPrefetch.Rows<TRows>(ref b0, ref c0, j + 4 + ahead, 4, stride);
                }

                Vector128<float> next = Coefficients4<TOps, TVec, TWidth, TRows>(ref b0, ref c0, j + 4, stride, v_0, v_1, v_2, v_3, ref w0, ref q0, residual);
                AddRows4<TOps, TVec, TWidth, TSum, TRows>(t, ref b0, ref c0, j, stride, ref Unsafe.Add(ref w0, j), ref y_0, ref y_1, ref y_2, ref y_3, ref o_0, ref o_1, ref m_0, ref m_1, ref m_2, ref m_3);
                t = next;
            }

            AddRows4<TOps, TVec, TWidth, TSum, TRows>(t, ref b0, ref c0, j, stride, ref Unsafe.Add(ref w0, j), ref y_0, ref y_1, ref y_2, ref y_3, ref o_0, ref o_1, ref m_0, ref m_1, ref m_2, ref m_3);
            j += 4;
            if (!TWidth.Four)
            {
                y_0 = TOps.Add(y_0, o_0);
                y_1 = TOps.Add(y_1, o_1);
            }
        }

        for (; j < rows; j++)
        {
            ref float r = ref TRows.Row(ref b0, ref c0, j, stride);
            TVec t = TOps.Create(Blas.Coefficient(TOps.Sum(DotParts<TOps, TVec, TWidth>(ref r, v_0, v_1, v_2, v_3)), ref w0, ref q0, residual, j));
            AddRow<TOps, TVec, TWidth, TSum>(t, ref r, Unsafe.Add(ref w0, j), ref y_0, ref y_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        }
    }

    /// <summary>
    /// The coefficients of rows j to j + 3 (<see cref="Blas.Coefficient"/>, in one vector): their dots (<see cref="DotParts"/>
    /// summed by <see cref="IVectorOps{TVec}.Sum4"/>) times the weights, or the targets minus that.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Coefficients4<TOps, TVec, TWidth, TRows>(ref float b0, ref int c0, int j, nint stride, TVec v_0, TVec v_1, TVec v_2, TVec v_3, ref float w0, ref float q0, bool residual)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
        where TRows : struct, IRowSource
    {
        ref float ra = ref TRows.Row(ref b0, ref c0, j, stride);
        Vector128<float> dots = TOps.Sum4(
            DotParts<TOps, TVec, TWidth>(ref ra, v_0, v_1, v_2, v_3),
            DotParts<TOps, TVec, TWidth>(ref RowGroup.Member<TRows>(ref ra, ref b0, ref c0, j, 1, stride), v_0, v_1, v_2, v_3),
            DotParts<TOps, TVec, TWidth>(ref RowGroup.Member<TRows>(ref ra, ref b0, ref c0, j, 2, stride), v_0, v_1, v_2, v_3),
            DotParts<TOps, TVec, TWidth>(ref RowGroup.Member<TRows>(ref ra, ref b0, ref c0, j, 3, stride), v_0, v_1, v_2, v_3));
        return Blas.Coefficients(dots, ref Unsafe.Add(ref w0, j), ref Unsafe.Add(ref q0, j), residual);
    }

    /// <summary>
    /// A row's dot product before its horizontal sum, in the path's <c>Dot</c> order: vector 0 (then 2) into one
    /// accumulator, vector 1 (then 3) into another, both from zero, then added.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec DotParts<TOps, TVec, TWidth>(ref float r, TVec v_0, TVec v_1, TVec v_2, TVec v_3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
    {
        nuint w = (nuint)TOps.Count;
        TVec a0 = TOps.FusedMultiplyAdd(TOps.Load(ref r, 0), v_0, TOps.Zero);
        TVec a1 = TOps.FusedMultiplyAdd(TOps.Load(ref r, w), v_1, TOps.Zero);
        if (TWidth.Four)
        {
            a0 = TOps.FusedMultiplyAdd(TOps.Load(ref r, 2 * w), v_2, a0);
            a1 = TOps.FusedMultiplyAdd(TOps.Load(ref r, 3 * w), v_3, a1);
        }

        return TOps.Add(a0, a1);
    }

    /// <summary>
    /// Rows <paramref name="j"/> to j + 3 (<typeparamref name="TRows"/>) added to y with their coefficients <paramref name="t"/>, in row order
    /// (and to m with their weights from <paramref name="wj"/> on, with <typeparamref name="TSum"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRows4<TOps, TVec, TWidth, TSum, TRows>(Vector128<float> t, ref float b0, ref int c0, int j, nint stride, ref float wj, ref TVec y_0, ref TVec y_1, ref TVec y_2, ref TVec y_3,
        ref TVec o_0, ref TVec o_1, ref TVec m_0, ref TVec m_1, ref TVec m_2, ref TVec m_3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
        where TSum : struct, IWeightedSum
        where TRows : struct, IRowSource
    {
        ref float ra = ref TRows.Row(ref b0, ref c0, j, stride);
        ref float r1 = ref RowGroup.Member<TRows>(ref ra, ref b0, ref c0, j, 1, stride);
        ref float r3 = ref RowGroup.Member<TRows>(ref ra, ref b0, ref c0, j, 3, stride);
        AddRow<TOps, TVec, TWidth, TSum>(TOps.Create(t.GetElement(0)), ref ra, wj, ref y_0, ref y_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        if (TWidth.Four)
        {
            AddRow<TOps, TVec, TWidth, TSum>(TOps.Create(t.GetElement(1)), ref r1, Unsafe.Add(ref wj, 1), ref y_0, ref y_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        }
        else
        {
            AddRow<TOps, TVec, TWidth, TSum>(TOps.Create(t.GetElement(1)), ref r1, Unsafe.Add(ref wj, 1), ref o_0, ref o_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        }

        AddRow<TOps, TVec, TWidth, TSum>(TOps.Create(t.GetElement(2)), ref RowGroup.Member<TRows>(ref ra, ref b0, ref c0, j, 2, stride), Unsafe.Add(ref wj, 2), ref y_0, ref y_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        if (TWidth.Four)
        {
            AddRow<TOps, TVec, TWidth, TSum>(TOps.Create(t.GetElement(3)), ref r3, Unsafe.Add(ref wj, 3), ref y_0, ref y_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        }
        else
        {
            AddRow<TOps, TVec, TWidth, TSum>(TOps.Create(t.GetElement(3)), ref r3, Unsafe.Add(ref wj, 3), ref o_0, ref o_1, ref y_2, ref y_3, ref m_0, ref m_1, ref m_2, ref m_3);
        }
    }

    /// <summary>
    /// <c>y += t * row</c>, one FMA per vector (the path's <c>Axpy</c>); with <typeparamref name="TSum"/> also
    /// <c>m += weight * row</c> from the same loads (the FMA of <see cref="Blas.AddWeightedRows{TIsa}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TOps, TVec, TWidth, TSum>(TVec t, ref float r, float weight, ref TVec y_0, ref TVec y_1, ref TVec y_2, ref TVec y_3,
        ref TVec m_0, ref TVec m_1, ref TVec m_2, ref TVec m_3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, IRowWidth
        where TSum : struct, IWeightedSum
    {
        nuint w = (nuint)TOps.Count;
        TVec r0 = TOps.Load(ref r, 0), r1 = TOps.Load(ref r, w);
        y_0 = TOps.FusedMultiplyAdd(t, r0, y_0);
        y_1 = TOps.FusedMultiplyAdd(t, r1, y_1);
        TVec s = TSum.On ? TOps.Create(weight) : t;
        if (TSum.On)
        {
            m_0 = TOps.FusedMultiplyAdd(s, r0, m_0);
            m_1 = TOps.FusedMultiplyAdd(s, r1, m_1);
        }

        if (TWidth.Four)
        {
            TVec r2 = TOps.Load(ref r, 2 * w), r3 = TOps.Load(ref r, 3 * w);
            y_2 = TOps.FusedMultiplyAdd(t, r2, y_2);
            y_3 = TOps.FusedMultiplyAdd(t, r3, y_3);
            if (TSum.On)
            {
                m_2 = TOps.FusedMultiplyAdd(s, r2, m_2);
                m_3 = TOps.FusedMultiplyAdd(s, r3, m_3);
            }
        }
    }

    /// <summary>Whether the register kernel also sums the weighted rows (the biased models' residual pass), a constant per specialization.</summary>
    internal interface IWeightedSum
    {
        /// <summary>m += w_j row_j as well.</summary>
        static abstract bool On { get; }
    }

    /// <summary>The neighbour pass alone.</summary>
    internal readonly struct NoSum : IWeightedSum
    {
        public static bool On => false;
    }

    /// <summary>The residual pass with the weighted sum.</summary>
    internal readonly struct WithSum : IWeightedSum
    {
        public static bool On => true;
    }

    /// <summary>The vectors per row of <see cref="RegisterRows"/>, a constant the JIT folds per specialization.</summary>
    internal interface IRowWidth
    {
        /// <summary>Four vectors per row; two otherwise.</summary>
        static abstract bool Four { get; }
    }

    /// <summary>Rows of two vectors.</summary>
    internal readonly struct TwoVectors : IRowWidth
    {
        public static bool Four => false;
    }

    /// <summary>Rows of four vectors.</summary>
    internal readonly struct FourVectors : IRowWidth
    {
        public static bool Four => true;
    }
}
