using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// BLAS-1/2 kernels over float spans and over row-major blocks of padded rows, written once over the ISA type
/// <c>TIsa</c> of each method (<see cref="ScalarIsa"/>, <see cref="Vector256Isa"/>,
/// <see cref="Vector512Isa"/>; the JIT specializes them, so no call branches on the path). Callers check lengths
/// once; the kernels trust them. Each path sums in a fixed order, so the same path and inputs always give the
/// same bits.
/// </summary>
/// <remarks>
/// <para>
/// Why the dot products (and every other reduction here) are hand-written rather than
/// <c>TensorPrimitives.Dot</c>: the summation order is part of the results. A dot product on a vector path
/// runs two vector accumulators over steps of two vectors, then one vector, adds the two accumulators, sums
/// the lanes and adds the scalar tail in order; the scalar path sums in index order. That order is fixed by
/// this code, not by a library version or the hardware a library picks at run time, and it never depends on
/// how rows are split over threads. So training gives bit-identical factors for any thread count and on every
/// run, the fused micro-kernels (<see cref="WeightedRowKernels"/>, <see cref="GroupedRows"/>) can promise the
/// bits of the plain loops, and the checked-in reference files pin each path exactly.
/// <c>TensorPrimitives.Dot</c> promises none of that: its accumulator layout is an implementation detail
/// that may change between releases and with the vector width it chooses.
/// </para>
/// </remarks>
internal static class Blas
{
    /// <summary>x . y over the first <c>x.Length</c> elements (<c>y</c> must be at least as long).</summary>
    /// <remarks>Forced inline, as <see cref="Axpy{TIsa}"/>: the row solve calls both a few times a row, and a large caller
    /// that had spent its inlining budget kept them as calls.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot<TIsa>(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        where TIsa : struct, IIsa
    {
        Debug(y.Length >= x.Length);
        return TIsa.Dot(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    /// <summary>y += a * x over the first <c>x.Length</c> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy<TIsa>(float a, ReadOnlySpan<float> x, Span<float> y)
        where TIsa : struct, IIsa
    {
        Debug(y.Length >= x.Length);
        TIsa.Axpy(a, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    /// <summary>
    /// For each of the <paramref name="rows"/> rows of the row-major block <paramref name="block"/>
    /// (stride <paramref name="stride"/>): <c>y[j] = block[j, 0..stride) . x</c>.
    /// </summary>
    public static void RowDots<TIsa>(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> x, Span<float> y)
        where TIsa : struct, IIsa
    {
        Debug(block.Length >= rows * stride && x.Length >= stride && y.Length >= rows);
        ref float b0 = ref MemoryMarshal.GetReference(block);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);

        // Groups of rows reduced together where the path has such a kernel (same bits as row by row); the rest one by one.
        for (int j = TIsa.RowDots(ref b0, rows, stride, ref x0, ref y0); j < rows; j++)
        {
            Unsafe.Add(ref y0, j) = TIsa.Dot(ref Unsafe.Add(ref b0, (nint)j * stride), ref x0, stride);
        }
    }

    /// <summary><c>y[0..stride) += sum_j q[j] * block[j, 0..stride)</c> over <paramref name="rows"/> rows.</summary>
    public static void AddWeightedRows<TIsa>(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> q, Span<float> y)
        where TIsa : struct, IIsa
    {
        Debug(block.Length >= rows * stride && q.Length >= rows && y.Length >= stride);
        ref float b0 = ref MemoryMarshal.GetReference(block);
        ref float q0 = ref MemoryMarshal.GetReference(q);
        ref float y0 = ref MemoryMarshal.GetReference(y);

        // y kept in registers, four vectors of columns at a time (none on the scalar path); each entry gets the
        // same FMA sequence as Axpy row by row.
        int c = TIsa.AddWeightedRows(ref b0, rows, stride, ref q0, ref y0);
        if (c < stride)
        {
            // The remaining columns (and the scalar path): row by row.
            for (int j = 0; j < rows; j++)
            {
                TIsa.Axpy(Unsafe.Add(ref q0, j), ref Unsafe.Add(ref b0, ((nint)j * stride) + c), ref Unsafe.Add(ref y0, c), stride - c);
            }
        }
    }

    /// <summary><c>dst[j, :] = s[j] * src[j, :]</c> for <paramref name="rows"/> rows of <paramref name="stride"/> floats.</summary>
    public static void ScaleRows<TIsa>(ReadOnlySpan<float> src, int rows, int stride, ReadOnlySpan<float> s, Span<float> dst)
        where TIsa : struct, IIsa
    {
        Debug(src.Length >= rows * stride && dst.Length >= rows * stride && s.Length >= rows);
        ref float s0 = ref MemoryMarshal.GetReference(src);
        ref float d0 = ref MemoryMarshal.GetReference(dst);
        ref float f0 = ref MemoryMarshal.GetReference(s);
        for (int j = 0; j < rows; j++)
        {
            TIsa.Scale(Unsafe.Add(ref f0, j), ref Unsafe.Add(ref s0, (nint)j * stride), ref Unsafe.Add(ref d0, (nint)j * stride), stride);
        }
    }

    /// <summary>
    /// The neighbour share of a CG mat-vec in one pass over the block:
    /// <c>y[0..stride) += sum_j (wt[j] * (block[j, :] . v)) * block[j, :]</c>. Each row is read once (its dot
    /// and its update back to back, while it is in L1); for the common strides the output stays in registers
    /// for the whole block. Bit-identical to <see cref="RowDots"/>, a scaling by <paramref name="wt"/> and
    /// <see cref="AddWeightedRows"/> on the same path (same dot order, same FMA chain into y), except at the Vector512
    /// path's stride 32, where the register kernel adds the updates in two chains (<see cref="WeightedRowKernels"/>).
    /// </summary>
    public static void WeightedRowsMatVec<TIsa>(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> v, Span<float> y)
        where TIsa : struct, IIsa =>
        WeightedRows<TIsa>(block, rows, stride, wt, wt, false, v, y);

    /// <summary>
    /// The neighbour share of a CG residual in one pass over the block:
    /// <c>y[0..stride) += sum_j (q[j] - wt[j] * (block[j, :] . v)) * block[j, :]</c> (the right-hand side's
    /// <c>q_j f_j</c> terms minus the mat-vec's, without forming either separately).
    /// </summary>
    public static void WeightedRowsResidual<TIsa>(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y)
        where TIsa : struct, IIsa
    {
        Debug(q.Length >= rows);
        WeightedRows<TIsa>(block, rows, stride, wt, q, true, v, y);
    }

    /// <summary>
    /// <see cref="WeightedRowsResidual{TIsa}"/> and <c>m[0..stride) += sum_j wt[j] * block[j, :]</c>
    /// (<see cref="AddWeightedRows{TIsa}"/> with the weights): one pass over the block where the path's register kernel
    /// takes the stride (<see cref="WeightedRowKernels.TryRunResidualSum512"/>), else the two passes; the same bits
    /// either way.
    /// </summary>
    public static void WeightedRowsResidualAndSum<TIsa>(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y, Span<float> m)
        where TIsa : struct, IIsa
    {
        if (block.Length < rows * stride || wt.Length < rows || q.Length < rows || v.Length < stride || y.Length < stride || m.Length < stride)
        {
            throw new ArgumentException("A block, weight, target or vector is shorter than its rows and stride.");
        }

        if (TIsa.Path == KernelPath.Vector512 && WeightedRowKernels.TryRunResidualSum512(
            ref MemoryMarshal.GetReference(block), rows, stride, ref MemoryMarshal.GetReference(wt), ref MemoryMarshal.GetReference(q),
            ref MemoryMarshal.GetReference(v), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(m)))
        {
            return;
        }

        WeightedRowsResidual<TIsa>(block, rows, stride, wt, q, v, y);
        AddWeightedRows<TIsa>(block, rows, stride, wt, m);
    }

    /// <summary>
    /// <see cref="WeightedRowsMatVec{TIsa}"/> (or, with <paramref name="residual"/>, <see cref="WeightedRowsResidual{TIsa}"/>)
    /// over the rows <c>factors + cols[j] * stride</c> (of the <paramref name="factorRows"/> rows at <paramref name="factors"/>)
    /// read in place instead of from a gathered block, where the path has an in-place kernel for the stride
    /// (<see cref="WeightedRowKernels.HasIndexed"/>): the same bits as gathering them first. False (nothing done) otherwise.
    /// </summary>
    /// <remarks>
    /// The caller vouches for the columns: each in [0, factorRows), as a validated <see cref="CsrMatrix"/>
    /// row whose column count matches the fixed side's rows (checked here only in FASTALS_ASSERT builds: a check of every
    /// column would cost about as much as the pass).
    /// </remarks>
    public static bool TryWeightedRowsIndexed<TIsa>(ref float factors, long factorRows, int stride, ReadOnlySpan<int> cols, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, bool residual, ReadOnlySpan<float> v, Span<float> y)
        where TIsa : struct, IIsa
    {
        int rows = cols.Length;
        if (wt.Length < rows || q.Length < rows || v.Length < stride || y.Length < stride)
        {
            throw new ArgumentException("A weight, target or vector is shorter than its rows and stride.");
        }

        DebugColumns(factorRows, cols);
        return TIsa.WeightedRowsIndexed(ref factors, ref MemoryMarshal.GetReference(cols), rows, stride,
            ref MemoryMarshal.GetReference(wt), ref MemoryMarshal.GetReference(q), residual, ref MemoryMarshal.GetReference(v), ref MemoryMarshal.GetReference(y));
    }

    /// <summary>
    /// <see cref="WeightedRowsResidualAndSum{TIsa}"/> over rows read in place (see <see cref="TryWeightedRowsIndexed{TIsa}"/>),
    /// where the path's register kernel takes the stride (Vector512: 32 and 64); false (nothing done) otherwise.
    /// </summary>
    public static bool TryWeightedRowsResidualAndSumIndexed<TIsa>(ref float factors, long factorRows, int stride, ReadOnlySpan<int> cols, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y, Span<float> m)
        where TIsa : struct, IIsa
    {
        int rows = cols.Length;
        if (wt.Length < rows || q.Length < rows || v.Length < stride || y.Length < stride || m.Length < stride)
        {
            throw new ArgumentException("A weight, target or vector is shorter than its rows and stride.");
        }

        DebugColumns(factorRows, cols);
        return TIsa.Path == KernelPath.Vector512 && WeightedRowKernels.TryRunResidualSumIndexed512(
            ref factors, ref MemoryMarshal.GetReference(cols), rows, stride, ref MemoryMarshal.GetReference(wt), ref MemoryMarshal.GetReference(q),
            ref MemoryMarshal.GetReference(v), ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(m));
    }

    [System.Diagnostics.Conditional("FASTALS_ASSERT")]
    private static void DebugColumns(long factorRows, ReadOnlySpan<int> cols)
    {
        foreach (int col in cols)
        {
            Debug(col >= 0 && col < factorRows);
        }
    }

    private static void WeightedRows<TIsa>(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, bool residual, ReadOnlySpan<float> v, Span<float> y)
        where TIsa : struct, IIsa
    {
        Debug(block.Length >= rows * stride && wt.Length >= rows && v.Length >= stride && y.Length >= stride);
        ref float b0 = ref MemoryMarshal.GetReference(block);
        ref float w0 = ref MemoryMarshal.GetReference(wt);
        ref float q0 = ref MemoryMarshal.GetReference(q);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        if (TIsa.WeightedRows(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0))
        {
            return;
        }

        for (int j = 0; j < rows; j++)
        {
            ref float row = ref Unsafe.Add(ref b0, (nint)j * stride);
            float t = Coefficient(TIsa.Dot(ref row, ref v0, stride), ref w0, ref q0, residual, j);
            TIsa.Axpy(t, ref row, ref y0, stride);
        }
    }

    /// <summary><c>dot * wt[j]</c>, or <c>q[j] - dot * wt[j]</c> for a residual.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Coefficient(float dot, ref float w0, ref float q0, bool residual, int j)
    {
        float t = dot * Unsafe.Add(ref w0, j);
        return residual ? Unsafe.Add(ref q0, j) - t : t;
    }

    /// <summary><see cref="Coefficient"/> of four consecutive rows, from <paramref name="w"/> and <paramref name="q"/> on (the same two roundings per lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Coefficients(Vector128<float> dots, ref float w, ref float q, bool residual)
    {
        Vector128<float> t = dots * Vector128.LoadUnsafe(ref w);
        return residual ? Vector128.LoadUnsafe(ref q) - t : t;
    }

    /// <summary><see cref="Coefficient"/> of eight consecutive rows, from <paramref name="w"/> and <paramref name="q"/> on (the same two roundings per lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Coefficients(Vector256<float> dots, ref float w, ref float q, bool residual)
    {
        Vector256<float> t = dots * Vector256.LoadUnsafe(ref w);
        return residual ? Vector256.LoadUnsafe(ref q) - t : t;
    }

    /// <summary>
    /// <c>y[0..stride) = sum_{i &lt; rows} x[i] * a[i, 0..stride)</c>: the product with a symmetric matrix
    /// taken column-wise (row i of a symmetric A is its column i), so no horizontal sums are needed; the
    /// output is kept in registers, one block of columns at a time.
    /// </summary>
    public static void ColumnMatVec<TIsa>(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x, Span<float> y)
        where TIsa : struct, IIsa
    {
        Debug(a.Length >= rows * stride && x.Length >= rows && y.Length >= stride);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int c = TIsa.ColumnMatVec(ref a0, rows, stride, ref x0, ref y0);
        ColumnTail(ref a0, rows, stride, c, ref x0, ref y0);
    }

    /// <summary>
    /// <see cref="ColumnMatVec{TIsa}"/> of two vectors at once, <c>y0 = A x0</c> and <c>y1 = A x1</c>, reading A once:
    /// each output entry gets exactly the operations the one-vector call gives it (FMA chains over the rows, from
    /// zero, in the vector columns; the scalar loop in the rest), so the bits are those of two calls.
    /// </summary>
    public static void ColumnMatVec2<TIsa>(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x0, Span<float> y0, ReadOnlySpan<float> x1, Span<float> y1)
        where TIsa : struct, IIsa
    {
        Debug(a.Length >= rows * stride && x0.Length >= rows && y0.Length >= stride && x1.Length >= rows && y1.Length >= stride);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float u0 = ref MemoryMarshal.GetReference(x0);
        ref float v0 = ref MemoryMarshal.GetReference(y0);
        ref float u1 = ref MemoryMarshal.GetReference(x1);
        ref float v1 = ref MemoryMarshal.GetReference(y1);
        int c = TIsa.ColumnMatVec2(ref a0, rows, stride, ref u0, ref v0, ref u1, ref v1);
        ColumnTail(ref a0, rows, stride, c, ref u0, ref v0);
        ColumnTail(ref a0, rows, stride, c, ref u1, ref v1);
    }

    /// <summary>
    /// <see cref="ColumnMatVec{TIsa}"/> of four vectors at once, <c>y_i = A x_i</c>, reading A once (four CG rows in
    /// lockstep): each output entry gets exactly the operations the one-vector call gives it, so the bits are those of
    /// four calls.
    /// </summary>
    public static void ColumnMatVec4<TIsa>(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> x3, Span<float> y0, Span<float> y1, Span<float> y2, Span<float> y3)
        where TIsa : struct, IIsa
    {
        if (a.Length < rows * stride || x0.Length < rows || x1.Length < rows || x2.Length < rows || x3.Length < rows
            || y0.Length < stride || y1.Length < stride || y2.Length < stride || y3.Length < stride)
        {
            throw new ArgumentException($"A mat-vec of {rows} rows at stride {stride} needs {rows * stride} matrix floats, {rows} per input and {stride} per output.", nameof(a));
        }

        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float u0 = ref MemoryMarshal.GetReference(x0), u1 = ref MemoryMarshal.GetReference(x1);
        ref float u2 = ref MemoryMarshal.GetReference(x2), u3 = ref MemoryMarshal.GetReference(x3);
        ref float v0 = ref MemoryMarshal.GetReference(y0), v1 = ref MemoryMarshal.GetReference(y1);
        ref float v2 = ref MemoryMarshal.GetReference(y2), v3 = ref MemoryMarshal.GetReference(y3);
        int c = TIsa.ColumnMatVec4(ref a0, rows, stride, ref u0, ref u1, ref u2, ref u3, ref v0, ref v1, ref v2, ref v3);
        ColumnTail(ref a0, rows, stride, c, ref u0, ref v0);
        ColumnTail(ref a0, rows, stride, c, ref u1, ref v1);
        ColumnTail(ref a0, rows, stride, c, ref u2, ref v2);
        ColumnTail(ref a0, rows, stride, c, ref u3, ref v3);
    }

    /// <summary>Columns <paramref name="c"/> .. stride of <c>y = A x</c> in scalars: the columns past a path's vector part (all of them on the scalar path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnTail(ref float a0, int rows, int stride, int c, ref float x0, ref float y0)
    {
        for (; c < stride; c++)
        {
            float s = 0f;
            for (int i = 0; i < rows; i++)
            {
                s += Unsafe.Add(ref x0, i) * Unsafe.Add(ref a0, ((nint)i * stride) + c);
            }

            Unsafe.Add(ref y0, c) = s;
        }
    }

    [System.Diagnostics.Conditional("FASTALS_ASSERT")]
    private static void Debug(bool condition)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Kernel precondition failed.");
        }
    }
}
