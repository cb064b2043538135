using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The vector micro-kernels of <see cref="Blas.WeightedRowsMatVec{TIsa}"/> and <see cref="Blas.WeightedRowsResidual{TIsa}"/>:
/// register kernels for the strides of two and four vectors, where v and the output stay in registers for the whole
/// block, and the eight-rows-at-a-time kernels of <see cref="GroupedRows"/> for every other positive multiple of 16.
/// The register kernels are one width-generic body each (<see cref="IVectorOps{TVec}"/>): four vectors is stride 32 on
/// the Vector256 path and 64 on the Vector512 path, two vectors is 32 on the Vector512 path (at 256 bits, stride 16 is
/// as fast grouped). Each row's dot product keeps the order of the path's <c>Dot</c> (two accumulators over two-vector
/// steps from zero, added, then summed) and its update the FMA chain of its <c>Axpy</c>, so the results are those of
/// the generic loop, bit for bit.
/// </summary>
internal static class WeightedRowKernels
{
    /// <summary>The Vector256 path: the register kernel for stride 32, the grouped kernel for every other multiple of 16; false otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRun256(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        if (stride == 32)
        {
            FourVectors<Vector256Ops, Vector256<float>>(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        if (GroupedRows.Applies(stride))
        {
            GroupedRows.WeightedRows256(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The Vector512 path: the register kernels for strides 64 and 32, the grouped kernel for the other multiples of 16
    /// (the biased 48, 80, 144; 128); false otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRun512(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        if (stride == 64)
        {
            FourVectors<Vector512Ops, Vector512<float>>(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        if (stride == 32)
        {
            TwoVectors<Vector512Ops, Vector512<float>>(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        if (GroupedRows.Applies(stride))
        {
            GroupedRows.WeightedRows512(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Rows of four vectors: v and y in eight registers for the whole block. Rows go four at a time: their four dot
    /// products are reduced together (<see cref="IVectorOps{TVec}.Sum4"/>, one transpose-and-add tree instead of four
    /// horizontal sums whose latency each row's update waited on), their coefficients formed in one vector, and the
    /// four updates applied to y in row order. The loop is software-pipelined: the next four rows' dots are formed
    /// while the current four are added, so no row is loaded twice in one iteration (the JIT keeps a value loaded twice
    /// in a register, and with 16 vector registers it spilled them to the stack). The rows left over go one by one.
    /// Bits: each dot, coefficient and FMA chain into y is the one-row-at-a-time kernel's (the tail below).
    /// </summary>
    private static void FourVectors<TOps, TVec>(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        nuint w = (nuint)TOps.Count;
        nint stride = 4 * TOps.Count;
        TVec v_0 = TOps.Load(ref v0, 0), v_1 = TOps.Load(ref v0, w), v_2 = TOps.Load(ref v0, 2 * w), v_3 = TOps.Load(ref v0, 3 * w);
        TVec y_0 = TOps.Load(ref y0, 0), y_1 = TOps.Load(ref y0, w), y_2 = TOps.Load(ref y0, 2 * w), y_3 = TOps.Load(ref y0, 3 * w);
        int j = 0;
        if (rows >= 4)
        {
            Vector128<float> t = Coefficients4<TOps, TVec>(ref b0, 0, stride, v_0, v_1, v_2, v_3, ref w0, ref q0, residual);
            for (; j + 8 <= rows; j += 4)
            {
                Vector128<float> next = Coefficients4<TOps, TVec>(ref b0, j + 4, stride, v_0, v_1, v_2, v_3, ref w0, ref q0, residual);
                AddRows4<TOps, TVec>(t, ref Unsafe.Add(ref b0, j * stride), stride, ref y_0, ref y_1, ref y_2, ref y_3);
                t = next;
            }

            AddRows4<TOps, TVec>(t, ref Unsafe.Add(ref b0, j * stride), stride, ref y_0, ref y_1, ref y_2, ref y_3);
            j += 4;
        }

        for (; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, j * stride);
            TVec t = TOps.Create(Blas.Coefficient(TOps.Sum(DotParts<TOps, TVec>(ref r, v_0, v_1, v_2, v_3)), ref w0, ref q0, residual, j));
            AddRow<TOps, TVec>(t, ref r, ref y_0, ref y_1, ref y_2, ref y_3);
        }

        TOps.Store(y_0, ref y0, 0);
        TOps.Store(y_1, ref y0, w);
        TOps.Store(y_2, ref y0, 2 * w);
        TOps.Store(y_3, ref y0, 3 * w);
    }

    /// <summary>
    /// The coefficients of rows j to j + 3 (<see cref="Blas.Coefficient"/>, in one vector): their dots (<see cref="DotParts"/>
    /// summed by <see cref="IVectorOps{TVec}.Sum4"/>) times the weights, or the targets minus that.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Coefficients4<TOps, TVec>(ref float b0, int j, nint stride, TVec v_0, TVec v_1, TVec v_2, TVec v_3, ref float w0, ref float q0, bool residual)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float ra = ref Unsafe.Add(ref b0, j * stride);
        Vector128<float> dots = TOps.Sum4(
            DotParts<TOps, TVec>(ref ra, v_0, v_1, v_2, v_3),
            DotParts<TOps, TVec>(ref Unsafe.Add(ref ra, stride), v_0, v_1, v_2, v_3),
            DotParts<TOps, TVec>(ref Unsafe.Add(ref ra, 2 * stride), v_0, v_1, v_2, v_3),
            DotParts<TOps, TVec>(ref Unsafe.Add(ref ra, 3 * stride), v_0, v_1, v_2, v_3));
        return Blas.Coefficients(dots, ref Unsafe.Add(ref w0, j), ref Unsafe.Add(ref q0, j), residual);
    }

    /// <summary>A row's dot product before its horizontal sum, in the path's <c>Dot</c> order: vectors 0 and 2 into one accumulator, 1 and 3 into another, both from zero, then added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec DotParts<TOps, TVec>(ref float r, TVec v_0, TVec v_1, TVec v_2, TVec v_3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        nuint w = (nuint)TOps.Count;
        TVec a0 = TOps.FusedMultiplyAdd(TOps.Load(ref r, 0), v_0, TOps.Zero);
        TVec a1 = TOps.FusedMultiplyAdd(TOps.Load(ref r, w), v_1, TOps.Zero);
        a0 = TOps.FusedMultiplyAdd(TOps.Load(ref r, 2 * w), v_2, a0);
        a1 = TOps.FusedMultiplyAdd(TOps.Load(ref r, 3 * w), v_3, a1);
        return TOps.Add(a0, a1);
    }

    /// <summary>Rows j to j + 3 (from <paramref name="ra"/>) added to y with their coefficients <paramref name="t"/>, in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRows4<TOps, TVec>(Vector128<float> t, ref float ra, nint stride, ref TVec y_0, ref TVec y_1, ref TVec y_2, ref TVec y_3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        AddRow<TOps, TVec>(TOps.Create(t.GetElement(0)), ref ra, ref y_0, ref y_1, ref y_2, ref y_3);
        AddRow<TOps, TVec>(TOps.Create(t.GetElement(1)), ref Unsafe.Add(ref ra, stride), ref y_0, ref y_1, ref y_2, ref y_3);
        AddRow<TOps, TVec>(TOps.Create(t.GetElement(2)), ref Unsafe.Add(ref ra, 2 * stride), ref y_0, ref y_1, ref y_2, ref y_3);
        AddRow<TOps, TVec>(TOps.Create(t.GetElement(3)), ref Unsafe.Add(ref ra, 3 * stride), ref y_0, ref y_1, ref y_2, ref y_3);
    }

    /// <summary><c>y += t * row</c>, one FMA per vector (the path's <c>Axpy</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TOps, TVec>(TVec t, ref float r, ref TVec y_0, ref TVec y_1, ref TVec y_2, ref TVec y_3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        nuint w = (nuint)TOps.Count;
        y_0 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, 0), y_0);
        y_1 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, w), y_1);
        y_2 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, 2 * w), y_2);
        y_3 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, 3 * w), y_3);
    }

    /// <summary>Rows of two vectors: v and y in four registers for the whole block.</summary>
    private static void TwoVectors<TOps, TVec>(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        nuint w = (nuint)TOps.Count;
        nint stride = 2 * TOps.Count;
        TVec v_0 = TOps.Load(ref v0, 0), v_1 = TOps.Load(ref v0, w);
        TVec y_0 = TOps.Load(ref y0, 0), y_1 = TOps.Load(ref y0, w);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, j * stride);
            TVec u0 = TOps.Load(ref r, 0), u1 = TOps.Load(ref r, w);
            TVec a0 = TOps.FusedMultiplyAdd(u0, v_0, TOps.Zero);
            TVec a1 = TOps.FusedMultiplyAdd(u1, v_1, TOps.Zero);
            TVec t = TOps.Create(Blas.Coefficient(TOps.Sum(TOps.Add(a0, a1)), ref w0, ref q0, residual, j));
            y_0 = TOps.FusedMultiplyAdd(t, u0, y_0);
            y_1 = TOps.FusedMultiplyAdd(t, u1, y_1);
        }

        TOps.Store(y_0, ref y0, 0);
        TOps.Store(y_1, ref y0, w);
    }
}
