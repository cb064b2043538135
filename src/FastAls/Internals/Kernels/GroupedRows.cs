using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The CG neighbour pass (<see cref="Blas.WeightedRowsMatVec{TIsa}"/>, <see cref="Blas.WeightedRowsResidual{TIsa}"/>)
/// and the loss pass's <see cref="Blas.RowDots{TIsa}"/> taken eight neighbour rows at a time, for any stride that is a
/// multiple of 16 (the biased strides 48, 80, 144 included), with the same bits as the row-by-row kernels. Reached only
/// through the ISA types: <see cref="WeightedRows256"/> (every such stride but 32, whose register kernel is as fast),
/// <see cref="Vector256Isa.RowDots"/>, and <see cref="WeightedRows512"/> (the strides its register kernels do not cover,
/// with the per-row horizontal sums kept).
/// </summary>
/// <remarks>
/// <para>
/// Row by row, every neighbour pays a horizontal sum (its dot product) whose latency the next step waits on, and,
/// for the strides without a register kernel, a load and a store of the output per vector of columns. Here the
/// eight rows' dot products are formed side by side (eight independent FMA chains, the shared vector loaded once
/// for four rows) and, on the Vector256 path, reduced together into one vector of eight dots by a transpose-and-add
/// tree (<c>vhaddps</c>/<c>vperm2f128</c>: the Vector256 path runs only where AVX2 and FMA are, see
/// <see cref="KernelIsa.Best"/>); the eight coefficients are then applied to the output in register blocks of eight
/// vectors of columns (eight independent FMA chains).
/// </para>
/// <para>
/// Bits: each dot keeps <see cref="Vector256Isa.Dot"/>'s order (two accumulators over 16-float steps starting from
/// zero, added, then the eight lanes summed as <c>((e0 + e1) + (e2 + e3)) + ((e4 + e5) + (e6 + e7))</c>, the order of
/// <see cref="Vector256.Sum{T}(Vector256{T})"/>); the coefficient is <c>dot * w</c> or <c>q - dot * w</c> with
/// the same roundings; each output entry receives the rows' FMAs in row order, as <see cref="Vector256Isa.Axpy"/>
/// row by row gives them. The kernel tests check this bitwise against the row-by-row kernels.
/// </para>
/// </remarks>
internal static class GroupedRows
{
    /// <summary>Rows per group (one per lane of the reduced dot vector).</summary>
    internal const int Group = 8;

    /// <summary>True when the grouped kernels take <paramref name="stride"/> (a positive multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Applies(int stride) => (stride & 15) == 0 && stride > 0;

    /// <summary>
    /// <c>y[0..stride) += sum_j t_j * block[j, :]</c> with <c>t_j = wt[j] * (block[j, :] . v)</c>, or
    /// <c>q[j] - wt[j] * (block[j, :] . v)</c> when <paramref name="residual"/> (stride: see <see cref="Applies"/>).
    /// </summary>
    public static void WeightedRows256(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        int j = 0;
        for (; j <= rows - Group; j += Group)
        {
            ref float g = ref Unsafe.Add(ref b0, (nint)j * stride);
            Vector256<float> t = Dots8(ref g, stride, ref v0) * Vector256.LoadUnsafe(ref w0, (nuint)j);
            if (residual)
            {
                t = Vector256.LoadUnsafe(ref q0, (nuint)j) - t;
            }

            Accumulate8(ref g, stride, t, ref y0);
        }

        for (; j < rows; j++)
        {
            ref float row = ref Unsafe.Add(ref b0, (nint)j * stride);
            Vector256Isa.Axpy(Blas.Coefficient(Vector256Isa.Dot(ref row, ref v0, stride), ref w0, ref q0, residual, j), ref row, ref y0, stride);
        }
    }

    /// <summary>
    /// <c>y[j] = block[j, :] . x</c> for the whole groups of eight among <paramref name="rows"/> rows (the bits of
    /// <see cref="Vector256Isa.Dot"/> per row); 0 when the stride does not apply (see <see cref="Applies"/>).
    /// </summary>
    /// <returns>The rows done (the caller finishes the rest row by row).</returns>
    public static int RowDots256(ref float b0, int rows, int stride, ref float x0, ref float y0)
    {
        if (!Applies(stride))
        {
            return 0;
        }

        int j = 0;
        for (; j <= rows - Group; j += Group)
        {
            Dots8(ref Unsafe.Add(ref b0, (nint)j * stride), stride, ref x0).StoreUnsafe(ref y0, (nuint)j);
        }

        return j;
    }

    /// <summary>
    /// The Vector512 form of <see cref="WeightedRows256"/> for any stride that is a multiple of 16: eight rows' dot
    /// products side by side (each in <see cref="Vector512Isa.Dot"/>'s order, summed by
    /// <see cref="Vector512.Sum{T}(Vector512{T})"/> as there), then the eight coefficients applied to the output in
    /// register blocks of up to 128 columns, rows in order.
    /// </summary>
    public static void WeightedRows512(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector256<float> t = default;
        ref float t0 = ref Unsafe.As<Vector256<float>, float>(ref t);
        int j = 0;
        for (; j <= rows - Group; j += Group)
        {
            ref float g = ref Unsafe.Add(ref b0, (nint)j * stride);
            Dots4x512(ref g, stride, ref v0, ref t0);
            Dots4x512(ref Unsafe.Add(ref g, (nint)4 * stride), stride, ref v0, ref Unsafe.Add(ref t0, 4));
            for (int l = 0; l < Group; l++)
            {
                float c = Unsafe.Add(ref t0, l) * Unsafe.Add(ref w0, j + l);
                Unsafe.Add(ref t0, l) = residual ? Unsafe.Add(ref q0, j + l) - c : c;
            }

            Accumulate8x512(ref g, stride, ref t0, ref y0);
        }

        for (; j < rows; j++)
        {
            ref float row = ref Unsafe.Add(ref b0, (nint)j * stride);
            Vector512Isa.Axpy(Blas.Coefficient(Vector512Isa.Dot(ref row, ref v0, stride), ref w0, ref q0, residual, j), ref row, ref y0, stride);
        }
    }


    /// <summary>
    /// <c>d[r] = Vector512Isa.Dot(row r, v)</c> for four consecutive rows, bit for bit: two accumulators over
    /// 32-float steps from zero, a last 16-float step into the first, then <c>Vector512.Sum(a0 + a1)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dots4x512(ref float g, int stride, ref float v, ref float d)
    {
        ref float r0 = ref g;
        ref float r1 = ref Unsafe.Add(ref g, stride);
        ref float r2 = ref Unsafe.Add(ref g, (nint)2 * stride);
        ref float r3 = ref Unsafe.Add(ref g, (nint)3 * stride);
        Vector512<float> a00 = Vector512<float>.Zero, a01 = Vector512<float>.Zero, a10 = Vector512<float>.Zero, a11 = Vector512<float>.Zero;
        Vector512<float> a20 = Vector512<float>.Zero, a21 = Vector512<float>.Zero, a30 = Vector512<float>.Zero, a31 = Vector512<float>.Zero;
        nuint i = 0, n = (nuint)stride;
        for (; i + 32 <= n; i += 32)
        {
            Vector512<float> v0 = Vector512.LoadUnsafe(ref v, i), v1 = Vector512.LoadUnsafe(ref v, i + 16);
            a00 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, i), v0, a00);
            a01 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, i + 16), v1, a01);
            a10 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, i), v0, a10);
            a11 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, i + 16), v1, a11);
            a20 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, i), v0, a20);
            a21 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, i + 16), v1, a21);
            a30 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, i), v0, a30);
            a31 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, i + 16), v1, a31);
        }

        if (i < n)
        {
            // stride is a multiple of 16: one 16-float step remains at most.
            Vector512<float> v0 = Vector512.LoadUnsafe(ref v, i);
            a00 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, i), v0, a00);
            a10 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, i), v0, a10);
            a20 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, i), v0, a20);
            a30 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, i), v0, a30);
        }

        d = Vector512.Sum(a00 + a01);
        Unsafe.Add(ref d, 1) = Vector512.Sum(a10 + a11);
        Unsafe.Add(ref d, 2) = Vector512.Sum(a20 + a21);
        Unsafe.Add(ref d, 3) = Vector512.Sum(a30 + a31);
    }

    /// <summary><c>y[0..stride) += sum_{j &lt; 8} t[j] * g[j, :]</c> on the Vector512 path, rows in order for every output entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate8x512(ref float g, int stride, ref float t, ref float y)
    {
        nint s = stride;
        int c = 0;
        for (; c <= stride - 128; c += 128)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            Vector512<float> y_0 = Vector512.LoadUnsafe(ref yc), y_1 = Vector512.LoadUnsafe(ref yc, 16), y_2 = Vector512.LoadUnsafe(ref yc, 32), y_3 = Vector512.LoadUnsafe(ref yc, 48);
            Vector512<float> y_4 = Vector512.LoadUnsafe(ref yc, 64), y_5 = Vector512.LoadUnsafe(ref yc, 80), y_6 = Vector512.LoadUnsafe(ref yc, 96), y_7 = Vector512.LoadUnsafe(ref yc, 112);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < Group; j++)
            {
                Vector512<float> tj = Vector512.Create(Unsafe.Add(ref t, j));
                ref float rj = ref Unsafe.Add(ref r, j * s);
                y_0 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj), y_0);
                y_1 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 16), y_1);
                y_2 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 32), y_2);
                y_3 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 48), y_3);
                y_4 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 64), y_4);
                y_5 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 80), y_5);
                y_6 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 96), y_6);
                y_7 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 112), y_7);
            }

            y_0.StoreUnsafe(ref yc);
            y_1.StoreUnsafe(ref yc, 16);
            y_2.StoreUnsafe(ref yc, 32);
            y_3.StoreUnsafe(ref yc, 48);
            y_4.StoreUnsafe(ref yc, 64);
            y_5.StoreUnsafe(ref yc, 80);
            y_6.StoreUnsafe(ref yc, 96);
            y_7.StoreUnsafe(ref yc, 112);
        }

        for (; c <= stride - 64; c += 64)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            Vector512<float> y_0 = Vector512.LoadUnsafe(ref yc), y_1 = Vector512.LoadUnsafe(ref yc, 16), y_2 = Vector512.LoadUnsafe(ref yc, 32), y_3 = Vector512.LoadUnsafe(ref yc, 48);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < Group; j++)
            {
                Vector512<float> tj = Vector512.Create(Unsafe.Add(ref t, j));
                ref float rj = ref Unsafe.Add(ref r, j * s);
                y_0 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj), y_0);
                y_1 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 16), y_1);
                y_2 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 32), y_2);
                y_3 = Vector512.FusedMultiplyAdd(tj, Vector512.LoadUnsafe(ref rj, 48), y_3);
            }

            y_0.StoreUnsafe(ref yc);
            y_1.StoreUnsafe(ref yc, 16);
            y_2.StoreUnsafe(ref yc, 32);
            y_3.StoreUnsafe(ref yc, 48);
        }

        for (; c < stride; c += 16)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            Vector512<float> y_0 = Vector512.LoadUnsafe(ref yc);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < Group; j++)
            {
                y_0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, j)), Vector512.LoadUnsafe(ref Unsafe.Add(ref r, j * s)), y_0);
            }

            y_0.StoreUnsafe(ref yc);
        }
    }

    /// <summary>The dot products of eight consecutive rows with <paramref name="v"/>, lane j for row j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Dots8(ref float g, int stride, ref float v)
    {
        Dots4(ref g, stride, ref v, out Vector256<float> p0, out Vector256<float> p1, out Vector256<float> p2, out Vector256<float> p3);
        Dots4(ref Unsafe.Add(ref g, (nint)4 * stride), stride, ref v, out Vector256<float> p4, out Vector256<float> p5, out Vector256<float> p6, out Vector256<float> p7);

        // Lane-pair sums, then quad sums, then the two 128-bit halves: ((e0+e1)+(e2+e3)) + ((e4+e5)+(e6+e7)) per row.
        Vector256<float> q0 = Avx.HorizontalAdd(Avx.HorizontalAdd(p0, p1), Avx.HorizontalAdd(p2, p3));
        Vector256<float> q1 = Avx.HorizontalAdd(Avx.HorizontalAdd(p4, p5), Avx.HorizontalAdd(p6, p7));
        return Avx.Permute2x128(q0, q1, 0x20) + Avx.Permute2x128(q0, q1, 0x31);
    }

    /// <summary>
    /// For four consecutive rows, the vector <c>a0 + a1</c> of <see cref="Vector256Isa.Dot"/> (a0 over the even 8-float
    /// steps, a1 over the odd ones, both from zero) before its horizontal sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dots4(ref float g, int stride, ref float v, out Vector256<float> p0, out Vector256<float> p1, out Vector256<float> p2, out Vector256<float> p3)
    {
        ref float r0 = ref g;
        ref float r1 = ref Unsafe.Add(ref g, stride);
        ref float r2 = ref Unsafe.Add(ref g, (nint)2 * stride);
        ref float r3 = ref Unsafe.Add(ref g, (nint)3 * stride);
        Vector256<float> a00 = Vector256<float>.Zero, a01 = Vector256<float>.Zero, a10 = Vector256<float>.Zero, a11 = Vector256<float>.Zero;
        Vector256<float> a20 = Vector256<float>.Zero, a21 = Vector256<float>.Zero, a30 = Vector256<float>.Zero, a31 = Vector256<float>.Zero;
        for (nuint i = 0; i < (nuint)stride; i += 16)
        {
            Vector256<float> v0 = Vector256.LoadUnsafe(ref v, i), v1 = Vector256.LoadUnsafe(ref v, i + 8);
            a00 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, i), v0, a00);
            a01 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, i + 8), v1, a01);
            a10 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, i), v0, a10);
            a11 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, i + 8), v1, a11);
            a20 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r2, i), v0, a20);
            a21 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r2, i + 8), v1, a21);
            a30 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r3, i), v0, a30);
            a31 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r3, i + 8), v1, a31);
        }

        p0 = a00 + a01;
        p1 = a10 + a11;
        p2 = a20 + a21;
        p3 = a30 + a31;
    }

    /// <summary><c>y[0..stride) += sum_{j &lt; 8} t_j * g[j, :]</c>, rows in order for every output entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate8(ref float g, int stride, Vector256<float> t, ref float y)
    {
        // Through memory: each coefficient is then one broadcast load instead of a shuffle.
        ref float t0 = ref Unsafe.As<Vector256<float>, float>(ref t);
        nint s = stride;
        int c = 0;
        for (; c <= stride - 64; c += 64)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            Vector256<float> y_0 = Vector256.LoadUnsafe(ref yc), y_1 = Vector256.LoadUnsafe(ref yc, 8), y_2 = Vector256.LoadUnsafe(ref yc, 16), y_3 = Vector256.LoadUnsafe(ref yc, 24);
            Vector256<float> y_4 = Vector256.LoadUnsafe(ref yc, 32), y_5 = Vector256.LoadUnsafe(ref yc, 40), y_6 = Vector256.LoadUnsafe(ref yc, 48), y_7 = Vector256.LoadUnsafe(ref yc, 56);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < Group; j++)
            {
                Vector256<float> tj = Vector256.Create(Unsafe.Add(ref t0, j));
                ref float rj = ref Unsafe.Add(ref r, j * s);
                y_0 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj), y_0);
                y_1 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 8), y_1);
                y_2 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 16), y_2);
                y_3 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 24), y_3);
                y_4 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 32), y_4);
                y_5 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 40), y_5);
                y_6 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 48), y_6);
                y_7 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 56), y_7);
            }

            y_0.StoreUnsafe(ref yc);
            y_1.StoreUnsafe(ref yc, 8);
            y_2.StoreUnsafe(ref yc, 16);
            y_3.StoreUnsafe(ref yc, 24);
            y_4.StoreUnsafe(ref yc, 32);
            y_5.StoreUnsafe(ref yc, 40);
            y_6.StoreUnsafe(ref yc, 48);
            y_7.StoreUnsafe(ref yc, 56);
        }

        for (; c <= stride - 32; c += 32)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            Vector256<float> y_0 = Vector256.LoadUnsafe(ref yc), y_1 = Vector256.LoadUnsafe(ref yc, 8), y_2 = Vector256.LoadUnsafe(ref yc, 16), y_3 = Vector256.LoadUnsafe(ref yc, 24);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < Group; j++)
            {
                Vector256<float> tj = Vector256.Create(Unsafe.Add(ref t0, j));
                ref float rj = ref Unsafe.Add(ref r, j * s);
                y_0 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj), y_0);
                y_1 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 8), y_1);
                y_2 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 16), y_2);
                y_3 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 24), y_3);
            }

            y_0.StoreUnsafe(ref yc);
            y_1.StoreUnsafe(ref yc, 8);
            y_2.StoreUnsafe(ref yc, 16);
            y_3.StoreUnsafe(ref yc, 24);
        }

        for (; c < stride; c += 16)
        {
            ref float yc = ref Unsafe.Add(ref y, c);
            Vector256<float> y_0 = Vector256.LoadUnsafe(ref yc), y_1 = Vector256.LoadUnsafe(ref yc, 8);
            ref float r = ref Unsafe.Add(ref g, c);
            for (int j = 0; j < Group; j++)
            {
                Vector256<float> tj = Vector256.Create(Unsafe.Add(ref t0, j));
                ref float rj = ref Unsafe.Add(ref r, j * s);
                y_0 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj), y_0);
                y_1 = Vector256.FusedMultiplyAdd(tj, Vector256.LoadUnsafe(ref rj, 8), y_1);
            }

            y_0.StoreUnsafe(ref yc);
            y_1.StoreUnsafe(ref yc, 8);
        }
    }
}
