using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>
/// One instruction-set path of the kernels, as a type: the generic kernels and solvers
/// (<see cref="Blas"/>, <see cref="Syrk"/>, <see cref="Cholesky"/>, the row and half-step solvers) take it as a
/// type parameter <c>TIsa : struct, IIsa</c>, so the JIT compiles one specialized copy per path and no loop
/// branches on the path at run time. The members are the primitives whose code differs by width: the BLAS-1
/// loops (one width-generic body in <see cref="VectorBlas{TOps, TVec}"/>) and the register-blocked
/// micro-kernels: one width-generic body where both widths block the same way (<see cref="WeightedRowKernels"/>,
/// <see cref="GroupedRows"/>), one per width where the blocking really differs with the register file
/// (<see cref="Syrk512"/>, <see cref="ScorePacked256"/>, ...). <see cref="KernelSet.For"/> turns the run-time choice
/// (<see cref="KernelIsa.Active"/>) into one of these types, once.
/// </summary>
internal interface IIsa
{
    /// <summary>The path this type implements (for reports).</summary>
    static abstract KernelPath Path { get; }

    /// <summary>False on the scalar path: the vector paths start their row updates at 16-aligned columns.</summary>
    static abstract bool IsVector { get; }

    /// <summary><c>x[0..n) . y[0..n)</c> in the path's fixed order.</summary>
    static abstract float Dot(ref float x, ref float y, int n);

    /// <summary><c>y[0..n) += a x[0..n)</c>.</summary>
    static abstract void Axpy(float a, ref float x, ref float y, int n);

    /// <summary>
    /// The left-looking step of <see cref="Cholesky.Factor{TIsa}"/>: applies the updates of pivots 0 .. i0 - 1 (rows of R,
    /// final) to rows i0 .. i0 + rows - 1 of the matrix (1 &lt;= rows &lt;= 4, i0 a multiple of 4), every entry from its
    /// diagonal to d. Each entry gets, pivot block by pivot block in order, exactly the arithmetic that the right-looking
    /// rank-4 update of that block gives it (vector paths: one FMA per pivot, <c>fma(-r[j, i], r[j, c], a)</c>; scalar:
    /// <c>a += ((r0 x0 + r1 x1) + r2 x2) + r3 x3</c> per block of four), so the factor's bits do not depend on the order
    /// in which entries are updated. The vector paths work on 16-aligned columns from <c>i0 &amp; ~15</c> to
    /// <paramref name="w"/>: they also write entries left of the diagonal and past d, which are scratch.
    /// </summary>
    static abstract void CholeskyRows(ref float a, int w, int d, int i0, int rows);

    /// <summary><c>y[0..n) = a x[0..n)</c> (x and y may be the same).</summary>
    static abstract void Scale(float a, ref float x, ref float y, int n);

    /// <summary>
    /// <c>v[j, c] = sum_{p &lt; d} u[j, p] r[p, c]</c> for the <paramref name="rows"/> rows of u (stride <paramref name="us"/>)
    /// and the columns c in [0, <paramref name="rs"/>), with r upper triangular (the first <paramref name="d"/> rows at the
    /// stride <paramref name="rs"/>, a multiple of 16, entries below the diagonal stored as zeros): the low-rank exact
    /// solve's <c>U R^-1</c> (see <c>LowRankSolve</c>). Each entry sums its terms in the order of p, one FMA chain on the
    /// vector paths (which also add the stored zeros of rows p &gt; c within a tile).
    /// </summary>
    static abstract void MultiplyUpper(ref float u, int rows, int us, ref float r, int d, int rs, ref float v, int vs);

    /// <summary>Copies one padded factor row (<paramref name="n"/> a multiple of 16).</summary>
    static abstract void CopyRow(ref float src, ref float dst, int n);

    /// <summary><c>y[0..n) = x[0..n) + b y[0..n)</c>, a multiply then an add per element (never fused).</summary>
    static abstract void Xpby(ref float x, float b, ref float y, int n);

    /// <summary><c>y[0..n) += a x[0..n)</c>, a multiply then an add per element (never fused, unlike <see cref="Axpy"/>).</summary>
    static abstract void AddScaled(float a, ref float x, ref float y, int n);

    /// <summary>
    /// <c>r[0..n) = h[0..n) - r[0..n) - a v[0..n)</c> per element in that order (<c>(h - r) - (a v)</c>, never fused);
    /// <paramref name="h"/> a null reference for zeros.
    /// </summary>
    static abstract void SubtractScaled(ref float h, ref float r, float a, ref float v, int n);

    /// <summary>Asks for the cache line at <paramref name="address"/> (a hint; nothing on the scalar path, which runs no intrinsics).</summary>
    static abstract unsafe void Prefetch(byte* address);

    /// <summary>The register-blocked part of <see cref="Blas.AddWeightedRows{TIsa}"/>; returns the columns done.</summary>
    static abstract int AddWeightedRows(ref float b0, int rows, int stride, ref float q0, ref float y0);

    /// <summary>The grouped part of <see cref="Blas.RowDots{TIsa}"/> (several rows' dots reduced together); returns the rows done.</summary>
    static abstract int RowDots(ref float b0, int rows, int stride, ref float x0, ref float y0);

    /// <summary>The vector part of <see cref="Blas.ColumnMatVec{TIsa}"/>; returns the columns done.</summary>
    static abstract int ColumnMatVec(ref float a0, int rows, int stride, ref float x0, ref float y0);

    /// <summary>The vector part of <see cref="Blas.ColumnMatVec2{TIsa}"/> (two vectors, A read once); returns the columns done.</summary>
    static abstract int ColumnMatVec2(ref float a0, int rows, int stride, ref float x0, ref float y0, ref float x1, ref float y1);

    /// <summary>The vector part of <see cref="Blas.ColumnMatVec4{TIsa}"/> (four vectors, A read once); returns the columns done.</summary>
    static abstract int ColumnMatVec4(ref float a0, int rows, int stride, ref float x0, ref float x1, ref float x2, ref float x3, ref float y0, ref float y1, ref float y2, ref float y3);

    /// <summary>
    /// The micro-kernel of <see cref="Blas.WeightedRowsMatVec{TIsa}"/> / <see cref="Blas.WeightedRowsResidual{TIsa}"/>
    /// for this stride, if the path has one (false: the caller runs the generic loop).
    /// </summary>
    static abstract bool WeightedRows(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0);

    /// <summary>
    /// <see cref="WeightedRows"/> reading row j in place at <c>f0 + c0[j] * stride</c> (no gathered block), where the
    /// path has a register kernel for the stride; the same bits as the gathered pass. False: the caller gathers.
    /// </summary>
    static abstract bool WeightedRowsIndexed(ref float f0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0);

    /// <summary>
    /// The SYRK kernel: stores <c>src + A^T A</c> (or <c>A^T A</c> alone when <paramref name="zero"/>) into the
    /// upper part of <paramref name="g"/>, row p from column <c>p &amp; ~15</c>; <paramref name="src"/> may be
    /// <paramref name="g"/>. <paramref name="n"/> &gt; 0.
    /// </summary>
    static abstract void SyrkUpper(ref float a, int n, int w, ref float g, ref float src, bool zero);

    /// <summary>The block score kernel (<see cref="ScoreKernel"/>); the shapes are checked by the caller.</summary>
    static abstract void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld);

    /// <summary>Users per register tile of the packed score kernel (0: the path scores one user at a time).</summary>
    static abstract int PackedTileUsers { get; }

    /// <summary>
    /// <see cref="PackedTileUsers"/> users against one panel, into <c>outTile[u * ld + j]</c> (j &lt; 32): straight into a
    /// score block whose rows are <paramref name="ld"/> apart, or into a 32-wide scratch tile.
    /// </summary>
    static abstract void PackedTile(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile, int ld);

    /// <summary>One user against one panel, into <c>outRow[0..32)</c>.</summary>
    static abstract void PackedRow(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow);
}

/// <summary>The portable scalar path: the reference every other path is tested against. Its loops are also the vector paths' tails.</summary>
internal readonly struct ScalarIsa : IIsa
{
    public static KernelPath Path => KernelPath.Scalar;

    public static bool IsVector => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float x, ref float y, int n) => DotFrom(ref x, ref y, 0, n, 0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, ref float x, ref float y, int n) => AxpyFrom(a, ref x, ref y, 0, n);

    public static void MultiplyUpper(ref float u, int rows, int us, ref float r, int d, int rs, ref float v, int vs)
    {
        for (int j = 0; j < rows; j++)
        {
            ref float uj = ref Unsafe.Add(ref u, (nint)j * us);
            ref float vj = ref Unsafe.Add(ref v, (nint)j * vs);
            for (int c = 0; c < rs; c++)
            {
                float sum = 0f;
                int last = Math.Min(c, d - 1);
                for (int p = 0; p <= last; p++)
                {
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref uj, p), Unsafe.Add(ref r, ((nint)p * rs) + c), sum);
                }

                Unsafe.Add(ref vj, c) = sum;
            }
        }
    }

    public static void CholeskyRows(ref float a, int w, int d, int i0, int rows)
    {
        for (int i = i0; i < i0 + rows; i++)
        {
            ref float y = ref Unsafe.Add(ref a, (nint)i * w);
            for (int j0 = 0; j0 < i0; j0 += 4)
            {
                ref float x0 = ref Unsafe.Add(ref a, (nint)j0 * w);
                ref float x1 = ref Unsafe.Add(ref x0, w);
                ref float x2 = ref Unsafe.Add(ref x0, 2 * w);
                ref float x3 = ref Unsafe.Add(ref x0, 3 * w);
                float a0 = -Unsafe.Add(ref x0, i), a1 = -Unsafe.Add(ref x1, i), a2 = -Unsafe.Add(ref x2, i), a3 = -Unsafe.Add(ref x3, i);
                for (int c = i; c < d; c++)
                {
                    Unsafe.Add(ref y, c) += (a0 * Unsafe.Add(ref x0, c)) + (a1 * Unsafe.Add(ref x1, c)) + (a2 * Unsafe.Add(ref x2, c)) + (a3 * Unsafe.Add(ref x3, c));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(float a, ref float x, ref float y, int n) => ScaleFrom(a, ref x, ref y, 0, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyRow(ref float src, ref float dst, int n) =>
        MemoryMarshal.CreateReadOnlySpan(ref src, n).CopyTo(MemoryMarshal.CreateSpan(ref dst, n));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xpby(ref float x, float b, ref float y, int n) => XpbyFrom(ref x, b, ref y, 0, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(float a, ref float x, ref float y, int n) => AddScaledFrom(a, ref x, ref y, 0, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubtractScaled(ref float h, ref float r, float a, ref float v, int n) => SubtractScaledFrom(ref h, ref r, a, ref v, 0, n);

    public static unsafe void Prefetch(byte* address)
    {
    }

    public static int AddWeightedRows(ref float b0, int rows, int stride, ref float q0, ref float y0) => 0;

    public static int RowDots(ref float b0, int rows, int stride, ref float x0, ref float y0) => 0;

    public static int ColumnMatVec(ref float a0, int rows, int stride, ref float x0, ref float y0) => 0;

    public static int ColumnMatVec2(ref float a0, int rows, int stride, ref float x0, ref float y0, ref float x1, ref float y1) => 0;

    public static int ColumnMatVec4(ref float a0, int rows, int stride, ref float x0, ref float x1, ref float x2, ref float x3, ref float y0, ref float y1, ref float y2, ref float y3) => 0;

    public static bool WeightedRows(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) => false;

    public static bool WeightedRowsIndexed(ref float f0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) => false;

    public static void SyrkUpper(ref float a, int n, int w, ref float g, ref float src, bool zero) => SyrkScalar.Upper(ref a, n, w, ref g, ref src, zero);

    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld) =>
        ScoreScalar.Score(users, userCount, items, itemCount, stride, scores, ld);

    public static int PackedTileUsers => 0;

    public static void PackedTile(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile, int ld) =>
        throw new InvalidOperationException("The scalar path scores one user at a time.");

    /// <summary>One user against one panel; the scalar reference (the same FMA chain per item as every path).</summary>
    public static void PackedRow(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow)
    {
        const int W = PackedPanels.Width;
        Span<float> acc = outRow[..W];
        acc.Clear();
        for (int d = 0; d < stride; d++)
        {
            float x = user[d];
            ReadOnlySpan<float> p = panel.Slice(d * W, W);
            for (int j = 0; j < W; j++)
            {
                acc[j] = MathF.FusedMultiplyAdd(x, p[j], acc[j]);
            }
        }
    }

    /// <summary><c>s + x[i..n) . y[i..n)</c>, summed in index order (the scalar path, and every path's tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float DotFrom(ref float x, ref float y, int i, int n, float s)
    {
        for (; i < n; i++)
        {
            s += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        }

        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AxpyFrom(float a, ref float x, ref float y, int i, int n)
    {
        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) += a * Unsafe.Add(ref x, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ScaleFrom(float a, ref float x, ref float y, int i, int n)
    {
        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) = a * Unsafe.Add(ref x, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void XpbyFrom(ref float x, float b, ref float y, int i, int n)
    {
        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) = Unsafe.Add(ref x, i) + (b * Unsafe.Add(ref y, i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddScaledFrom(float a, ref float x, ref float y, int i, int n)
    {
        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) += a * Unsafe.Add(ref x, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SubtractScaledFrom(ref float h, ref float r, float a, ref float v, int i, int n)
    {
        if (Unsafe.IsNullRef(ref h))
        {
            for (; i < n; i++)
            {
                Unsafe.Add(ref r, i) = 0f - Unsafe.Add(ref r, i) - (a * Unsafe.Add(ref v, i));
            }

            return;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref r, i) = Unsafe.Add(ref h, i) - Unsafe.Add(ref r, i) - (a * Unsafe.Add(ref v, i));
        }
    }
}

/// <summary>256-bit vectors (AVX2 + FMA on x64).</summary>
internal readonly struct Vector256Isa : IIsa
{
    public static KernelPath Path => KernelPath.Vector256;

    public static bool IsVector => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float x, ref float y, int n) =>
        n >= Vector256<float>.Count ? VectorBlas<Vector256Ops, Vector256<float>>.Dot(ref x, ref y, n) : ScalarIsa.Dot(ref x, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, ref float x, ref float y, int n) => VectorBlas<Vector256Ops, Vector256<float>>.Axpy(a, ref x, ref y, n);

    public static void CholeskyRows(ref float a, int w, int d, int i0, int rows) =>
        VectorBlas<Vector256Ops, Vector256<float>>.CholeskyRows(ref a, w, i0, rows);

    public static void MultiplyUpper(ref float u, int rows, int us, ref float r, int d, int rs, ref float v, int vs) =>
        VectorBlas<Vector256Ops, Vector256<float>>.MultiplyUpper(ref u, rows, us, ref r, d, rs, ref v, vs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(float a, ref float x, ref float y, int n) => VectorBlas<Vector256Ops, Vector256<float>>.Scale(a, ref x, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyRow(ref float src, ref float dst, int n) => VectorBlas<Vector256Ops, Vector256<float>>.Copy(ref src, ref dst, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xpby(ref float x, float b, ref float y, int n) => VectorBlas<Vector256Ops, Vector256<float>>.Xpby(ref x, b, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(float a, ref float x, ref float y, int n) => VectorBlas<Vector256Ops, Vector256<float>>.AddScaled(a, ref x, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubtractScaled(ref float h, ref float r, float a, ref float v, int n) => VectorBlas<Vector256Ops, Vector256<float>>.SubtractScaled(ref h, ref r, a, ref v, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(byte* address) => Sse.Prefetch0(address);

    public static int AddWeightedRows(ref float b0, int rows, int stride, ref float q0, ref float y0) =>
        VectorBlas<Vector256Ops, Vector256<float>>.AddWeightedRows(ref b0, rows, stride, ref q0, ref y0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RowDots(ref float b0, int rows, int stride, ref float x0, ref float y0) => GroupedRows.RowDots<Vector256Ops, Vector256<float>>(ref b0, rows, stride, ref x0, ref y0);

    public static int ColumnMatVec(ref float a0, int rows, int stride, ref float x0, ref float y0) =>
        VectorBlas<Vector256Ops, Vector256<float>>.ColumnMatVec(ref a0, rows, stride, ref x0, ref y0);

    public static int ColumnMatVec2(ref float a0, int rows, int stride, ref float x0, ref float y0, ref float x1, ref float y1) =>
        VectorBlas<Vector256Ops, Vector256<float>>.ColumnMatVec2(ref a0, rows, stride, ref x0, ref y0, ref x1, ref y1);

    public static int ColumnMatVec4(ref float a0, int rows, int stride, ref float x0, ref float x1, ref float x2, ref float x3, ref float y0, ref float y1, ref float y2, ref float y3) =>
        VectorBlas<Vector256Ops, Vector256<float>>.ColumnMatVec4(ref a0, rows, stride, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1, ref y2, ref y3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool WeightedRows(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        WeightedRowKernels.TryRun256(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool WeightedRowsIndexed(ref float f0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        WeightedRowKernels.TryRunIndexed256(ref f0, ref c0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    public static void SyrkUpper(ref float a, int n, int w, ref float g, ref float src, bool zero) => Syrk256.Upper(ref a, n, w, ref g, ref src, zero);

    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld) =>
        ScoreVector<Vector256Ops, Vector256<float>>.Score(users, userCount, items, itemCount, stride, scores, ld);

    public static int PackedTileUsers => 2;

    public static void PackedTile(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile, int ld) => ScorePacked256.Tile(users, panel, stride, outTile, ld);

    public static void PackedRow(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow) => ScorePacked256.Row(user, panel, stride, outRow);
}

/// <summary>512-bit vectors (AVX-512F on x64).</summary>
internal readonly struct Vector512Isa : IIsa
{
    public static KernelPath Path => KernelPath.Vector512;

    public static bool IsVector => true;

    /// <remarks>Shorter than one 512-bit vector but at least one 256-bit one: the Vector256 order (as always on this path).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float x, ref float y, int n) =>
        n >= Vector512<float>.Count ? VectorBlas<Vector512Ops, Vector512<float>>.Dot(ref x, ref y, n) : Vector256Isa.Dot(ref x, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, ref float x, ref float y, int n) => VectorBlas<Vector512Ops, Vector512<float>>.Axpy(a, ref x, ref y, n);

    public static void CholeskyRows(ref float a, int w, int d, int i0, int rows) =>
        VectorBlas<Vector512Ops, Vector512<float>>.CholeskyRows(ref a, w, i0, rows);

    public static void MultiplyUpper(ref float u, int rows, int us, ref float r, int d, int rs, ref float v, int vs) =>
        VectorBlas<Vector512Ops, Vector512<float>>.MultiplyUpper(ref u, rows, us, ref r, d, rs, ref v, vs);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(float a, ref float x, ref float y, int n) => VectorBlas<Vector512Ops, Vector512<float>>.Scale(a, ref x, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyRow(ref float src, ref float dst, int n) => VectorBlas<Vector512Ops, Vector512<float>>.Copy(ref src, ref dst, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xpby(ref float x, float b, ref float y, int n) => VectorBlas<Vector512Ops, Vector512<float>>.Xpby(ref x, b, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(float a, ref float x, ref float y, int n) => VectorBlas<Vector512Ops, Vector512<float>>.AddScaled(a, ref x, ref y, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubtractScaled(ref float h, ref float r, float a, ref float v, int n) => VectorBlas<Vector512Ops, Vector512<float>>.SubtractScaled(ref h, ref r, a, ref v, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(byte* address) => Sse.Prefetch0(address);

    public static int AddWeightedRows(ref float b0, int rows, int stride, ref float q0, ref float y0) =>
        VectorBlas<Vector512Ops, Vector512<float>>.AddWeightedRows(ref b0, rows, stride, ref q0, ref y0);

    public static int RowDots(ref float b0, int rows, int stride, ref float x0, ref float y0) => GroupedRows.RowDots<Vector512Ops, Vector512<float>>(ref b0, rows, stride, ref x0, ref y0);

    public static int ColumnMatVec(ref float a0, int rows, int stride, ref float x0, ref float y0) =>
        VectorBlas<Vector512Ops, Vector512<float>>.ColumnMatVec(ref a0, rows, stride, ref x0, ref y0);

    public static int ColumnMatVec2(ref float a0, int rows, int stride, ref float x0, ref float y0, ref float x1, ref float y1) =>
        VectorBlas<Vector512Ops, Vector512<float>>.ColumnMatVec2(ref a0, rows, stride, ref x0, ref y0, ref x1, ref y1);

    public static int ColumnMatVec4(ref float a0, int rows, int stride, ref float x0, ref float x1, ref float x2, ref float x3, ref float y0, ref float y1, ref float y2, ref float y3) =>
        VectorBlas<Vector512Ops, Vector512<float>>.ColumnMatVec4(ref a0, rows, stride, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1, ref y2, ref y3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool WeightedRows(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        WeightedRowKernels.TryRun512(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool WeightedRowsIndexed(ref float f0, ref int c0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0) =>
        WeightedRowKernels.TryRunIndexed512(ref f0, ref c0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);

    public static void SyrkUpper(ref float a, int n, int w, ref float g, ref float src, bool zero) => Syrk512.Upper(ref a, n, w, ref g, ref src, zero);

    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld) =>
        ScoreVector<Vector512Ops, Vector512<float>>.Score(users, userCount, items, itemCount, stride, scores, ld);

    public static int PackedTileUsers => 4;

    public static void PackedTile(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile, int ld) => ScorePacked512.Tile(users, panel, stride, outTile, ld);

    public static void PackedRow(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow) => ScorePacked512.Row(user, panel, stride, outRow);
}
