using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// BLAS-1/2 kernels over float spans and over row-major blocks of padded rows, in the three
/// <see cref="KernelPath"/> widths. Callers check lengths once; the kernels trust them. Each path
/// sums in a fixed order, so the same path and inputs always give the same bits.
/// </summary>
internal static class Blas
{
    /// <summary>x . y over the first <c>x.Length</c> elements (<c>y</c> must be at least as long).</summary>
    public static float Dot(KernelPath path, ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        Debug(y.Length >= x.Length);
        return Dot(path, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    /// <summary>y += a * x over the first <c>x.Length</c> elements.</summary>
    public static void Axpy(KernelPath path, float a, ReadOnlySpan<float> x, Span<float> y)
    {
        Debug(y.Length >= x.Length);
        Axpy(path, a, ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), x.Length);
    }

    /// <summary>
    /// For each of the <paramref name="rows"/> rows of the row-major block <paramref name="block"/>
    /// (stride <paramref name="stride"/>): <c>y[j] = block[j, 0..stride) . x</c>.
    /// </summary>
    public static void RowDots(KernelPath path, ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> x, Span<float> y)
    {
        Debug(block.Length >= rows * stride && x.Length >= stride && y.Length >= rows);
        ref float b0 = ref MemoryMarshal.GetReference(block);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        if (path == KernelPath.Vector256 && GroupedRows.Applies256(stride))
        {
            GroupedRows.RowDots256(ref b0, rows, stride, ref x0, ref y0);
            return;
        }

        for (int j = 0; j < rows; j++)
        {
            Unsafe.Add(ref y0, j) = Dot(path, ref Unsafe.Add(ref b0, (nint)j * stride), ref x0, stride);
        }
    }

    /// <summary><c>y[0..stride) += sum_j q[j] * block[j, 0..stride)</c> over <paramref name="rows"/> rows.</summary>
    public static void AddWeightedRows(KernelPath path, ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> q, Span<float> y)
    {
        Debug(block.Length >= rows * stride && q.Length >= rows && y.Length >= stride);
        ref float b0 = ref MemoryMarshal.GetReference(block);
        ref float q0 = ref MemoryMarshal.GetReference(q);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int c = 0;
        if (path == KernelPath.Vector512)
        {
            // y kept in registers, 64 columns at a time; each entry gets the same FMA sequence as Axpy row by row.
            for (; c <= stride - 64; c += 64)
            {
                ref float yc = ref Unsafe.Add(ref y0, c);
                Vector512<float> s0 = Vector512.LoadUnsafe(ref yc), s1 = Vector512.LoadUnsafe(ref yc, 16), s2 = Vector512.LoadUnsafe(ref yc, 32), s3 = Vector512.LoadUnsafe(ref yc, 48);
                for (int j = 0; j < rows; j++)
                {
                    ref float r = ref Unsafe.Add(ref b0, ((nint)j * stride) + c);
                    Vector512<float> t = Vector512.Create(Unsafe.Add(ref q0, j));
                    s0 = Vector512.FusedMultiplyAdd(t, Vector512.LoadUnsafe(ref r), s0);
                    s1 = Vector512.FusedMultiplyAdd(t, Vector512.LoadUnsafe(ref r, 16), s1);
                    s2 = Vector512.FusedMultiplyAdd(t, Vector512.LoadUnsafe(ref r, 32), s2);
                    s3 = Vector512.FusedMultiplyAdd(t, Vector512.LoadUnsafe(ref r, 48), s3);
                }

                s0.StoreUnsafe(ref yc);
                s1.StoreUnsafe(ref yc, 16);
                s2.StoreUnsafe(ref yc, 32);
                s3.StoreUnsafe(ref yc, 48);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            for (; c <= stride - 32; c += 32)
            {
                ref float yc = ref Unsafe.Add(ref y0, c);
                Vector256<float> s0 = Vector256.LoadUnsafe(ref yc), s1 = Vector256.LoadUnsafe(ref yc, 8), s2 = Vector256.LoadUnsafe(ref yc, 16), s3 = Vector256.LoadUnsafe(ref yc, 24);
                for (int j = 0; j < rows; j++)
                {
                    ref float r = ref Unsafe.Add(ref b0, ((nint)j * stride) + c);
                    Vector256<float> t = Vector256.Create(Unsafe.Add(ref q0, j));
                    s0 = Vector256.FusedMultiplyAdd(t, Vector256.LoadUnsafe(ref r), s0);
                    s1 = Vector256.FusedMultiplyAdd(t, Vector256.LoadUnsafe(ref r, 8), s1);
                    s2 = Vector256.FusedMultiplyAdd(t, Vector256.LoadUnsafe(ref r, 16), s2);
                    s3 = Vector256.FusedMultiplyAdd(t, Vector256.LoadUnsafe(ref r, 24), s3);
                }

                s0.StoreUnsafe(ref yc);
                s1.StoreUnsafe(ref yc, 8);
                s2.StoreUnsafe(ref yc, 16);
                s3.StoreUnsafe(ref yc, 24);
            }
        }

        if (c < stride)
        {
            // The remaining columns (and the scalar path): row by row.
            for (int j = 0; j < rows; j++)
            {
                Axpy(path, Unsafe.Add(ref q0, j), ref Unsafe.Add(ref b0, ((nint)j * stride) + c), ref Unsafe.Add(ref y0, c), stride - c);
            }
        }
    }

    /// <summary><c>dst[j, :] = s[j] * src[j, :]</c> for <paramref name="rows"/> rows of <paramref name="stride"/> floats.</summary>
    public static void ScaleRows(KernelPath path, ReadOnlySpan<float> src, int rows, int stride, ReadOnlySpan<float> s, Span<float> dst)
    {
        Debug(src.Length >= rows * stride && dst.Length >= rows * stride && s.Length >= rows);
        ref float s0 = ref MemoryMarshal.GetReference(src);
        ref float d0 = ref MemoryMarshal.GetReference(dst);
        ref float f0 = ref MemoryMarshal.GetReference(s);
        for (int j = 0; j < rows; j++)
        {
            Scale(path, Unsafe.Add(ref f0, j), ref Unsafe.Add(ref s0, (nint)j * stride), ref Unsafe.Add(ref d0, (nint)j * stride), stride);
        }
    }

    /// <summary>
    /// The neighbour share of a CG mat-vec in one pass over the block:
    /// <c>y[0..stride) += sum_j (wt[j] * (block[j, :] . v)) * block[j, :]</c>. Each row is read once (its dot
    /// and its update back to back, while it is in L1); for the common strides the output stays in registers
    /// for the whole block. Bit-identical to <see cref="RowDots"/>, a scaling by <paramref name="wt"/> and
    /// <see cref="AddWeightedRows"/> on the same path (same dot order, same FMA chain into y).
    /// </summary>
    public static void WeightedRowsMatVec(KernelPath path, ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> v, Span<float> y) =>
        WeightedRows(path, block, rows, stride, wt, wt, false, v, y);

    /// <summary>
    /// The neighbour share of a CG residual in one pass over the block:
    /// <c>y[0..stride) += sum_j (q[j] - wt[j] * (block[j, :] . v)) * block[j, :]</c> (the right-hand side's
    /// <c>q_j f_j</c> terms minus the mat-vec's, without forming either separately).
    /// </summary>
    public static void WeightedRowsResidual(KernelPath path, ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y)
    {
        Debug(q.Length >= rows);
        WeightedRows(path, block, rows, stride, wt, q, true, v, y);
    }

    private static void WeightedRows(KernelPath path, ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, bool residual, ReadOnlySpan<float> v, Span<float> y)
    {
        Debug(block.Length >= rows * stride && wt.Length >= rows && v.Length >= stride && y.Length >= stride);
        ref float b0 = ref MemoryMarshal.GetReference(block);
        ref float w0 = ref MemoryMarshal.GetReference(wt);
        ref float q0 = ref MemoryMarshal.GetReference(q);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        if (path == KernelPath.Vector256 && stride != 32 && GroupedRows.Applies256(stride))
        {
            // Every stride but 32 (whose register kernel below is as fast): eight rows at a time, same bits.
            GroupedRows.WeightedRows256(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return;
        }

        if (path == KernelPath.Vector512 && stride != 64 && stride != 32 && (stride & 15) == 0)
        {
            // The strides without a register kernel below (the biased 48, 80, 144; 128): eight rows at a time, same bits.
            GroupedRows.WeightedRows512(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return;
        }

        if (path == KernelPath.Vector512 && stride == 64)
        {
            WeightedRowsMatVec512x64(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return;
        }

        if (path == KernelPath.Vector512 && stride == 32)
        {
            WeightedRowsMatVec512x32(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return;
        }

        if (path == KernelPath.Vector256 && stride == 32)
        {
            WeightedRowsMatVec256x32(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return;
        }

        for (int j = 0; j < rows; j++)
        {
            ref float row = ref Unsafe.Add(ref b0, (nint)j * stride);
            float t = Coefficient(Dot(path, ref row, ref v0, stride), ref w0, ref q0, residual, j);
            Axpy(path, t, ref row, ref y0, stride);
        }
    }

    /// <summary><c>dot * wt[j]</c>, or <c>q[j] - dot * wt[j]</c> for a residual.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Coefficient(float dot, ref float w0, ref float q0, bool residual, int j)
    {
        float t = dot * Unsafe.Add(ref w0, j);
        return residual ? Unsafe.Add(ref q0, j) - t : t;
    }

    /// <summary>
    /// <c>y[0..stride) = sum_{i &lt; rows} x[i] * a[i, 0..stride)</c>: the product with a symmetric matrix
    /// taken column-wise (row i of a symmetric A is its column i), so no horizontal sums are needed; the
    /// output is kept in registers, one block of columns at a time.
    /// </summary>
    public static void ColumnMatVec(KernelPath path, ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x, Span<float> y)
    {
        Debug(a.Length >= rows * stride && x.Length >= rows && y.Length >= stride);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        int c = 0;
        if (path == KernelPath.Vector512)
        {
            if ((stride & 127) == 0)
            {
                c = GroupedRows.ColumnMatVec512(ref a0, rows, stride, ref x0, ref y0);
            }

            for (; c <= stride - 64; c += 64)
            {
                Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero, s2 = Vector512<float>.Zero, s3 = Vector512<float>.Zero;
                for (int i = 0; i < rows; i++)
                {
                    ref float r = ref Unsafe.Add(ref a0, ((nint)i * stride) + c);
                    Vector512<float> xi = Vector512.Create(Unsafe.Add(ref x0, i));
                    s0 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref r), s0);
                    s1 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref r, 16), s1);
                    s2 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref r, 32), s2);
                    s3 = Vector512.FusedMultiplyAdd(xi, Vector512.LoadUnsafe(ref r, 48), s3);
                }

                s0.StoreUnsafe(ref y0, (nuint)c);
                s1.StoreUnsafe(ref y0, (nuint)(c + 16));
                s2.StoreUnsafe(ref y0, (nuint)(c + 32));
                s3.StoreUnsafe(ref y0, (nuint)(c + 48));
            }

            for (; c <= stride - 16; c += 16)
            {
                Vector512<float> s0 = Vector512<float>.Zero;
                for (int i = 0; i < rows; i++)
                {
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x0, i)), Vector512.LoadUnsafe(ref a0, (nuint)(((nint)i * stride) + c)), s0);
                }

                s0.StoreUnsafe(ref y0, (nuint)c);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            if ((stride & 63) == 0 && GroupedRows.Applies256(stride))
            {
                c = GroupedRows.ColumnMatVec256(ref a0, rows, stride, ref x0, ref y0);
            }

            for (; c <= stride - 32; c += 32)
            {
                Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero, s2 = Vector256<float>.Zero, s3 = Vector256<float>.Zero;
                for (int i = 0; i < rows; i++)
                {
                    ref float r = ref Unsafe.Add(ref a0, ((nint)i * stride) + c);
                    Vector256<float> xi = Vector256.Create(Unsafe.Add(ref x0, i));
                    s0 = Vector256.FusedMultiplyAdd(xi, Vector256.LoadUnsafe(ref r), s0);
                    s1 = Vector256.FusedMultiplyAdd(xi, Vector256.LoadUnsafe(ref r, 8), s1);
                    s2 = Vector256.FusedMultiplyAdd(xi, Vector256.LoadUnsafe(ref r, 16), s2);
                    s3 = Vector256.FusedMultiplyAdd(xi, Vector256.LoadUnsafe(ref r, 24), s3);
                }

                s0.StoreUnsafe(ref y0, (nuint)c);
                s1.StoreUnsafe(ref y0, (nuint)(c + 8));
                s2.StoreUnsafe(ref y0, (nuint)(c + 16));
                s3.StoreUnsafe(ref y0, (nuint)(c + 24));
            }

            for (; c <= stride - 8; c += 8)
            {
                Vector256<float> s0 = Vector256<float>.Zero;
                for (int i = 0; i < rows; i++)
                {
                    s0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref x0, i)), Vector256.LoadUnsafe(ref a0, (nuint)(((nint)i * stride) + c)), s0);
                }

                s0.StoreUnsafe(ref y0, (nuint)c);
            }
        }

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

    private static void WeightedRowsMatVec512x64(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector512<float> v_0 = Vector512.LoadUnsafe(ref v0), v_1 = Vector512.LoadUnsafe(ref v0, 16), v_2 = Vector512.LoadUnsafe(ref v0, 32), v_3 = Vector512.LoadUnsafe(ref v0, 48);
        Vector512<float> y_0 = Vector512.LoadUnsafe(ref y0), y_1 = Vector512.LoadUnsafe(ref y0, 16), y_2 = Vector512.LoadUnsafe(ref y0, 32), y_3 = Vector512.LoadUnsafe(ref y0, 48);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, (nint)j * 64);
            Vector512<float> u0 = Vector512.LoadUnsafe(ref r), u1 = Vector512.LoadUnsafe(ref r, 16), u2 = Vector512.LoadUnsafe(ref r, 32), u3 = Vector512.LoadUnsafe(ref r, 48);

            // Same order as Dot: two accumulators over 32-float steps, then their sum.
            Vector512<float> a0 = Vector512.FusedMultiplyAdd(u0, v_0, Vector512<float>.Zero);
            Vector512<float> a1 = Vector512.FusedMultiplyAdd(u1, v_1, Vector512<float>.Zero);
            a0 = Vector512.FusedMultiplyAdd(u2, v_2, a0);
            a1 = Vector512.FusedMultiplyAdd(u3, v_3, a1);
            Vector512<float> t = Vector512.Create(Coefficient(Vector512.Sum(a0 + a1), ref w0, ref q0, residual, j));
            y_0 = Vector512.FusedMultiplyAdd(t, u0, y_0);
            y_1 = Vector512.FusedMultiplyAdd(t, u1, y_1);
            y_2 = Vector512.FusedMultiplyAdd(t, u2, y_2);
            y_3 = Vector512.FusedMultiplyAdd(t, u3, y_3);
        }

        y_0.StoreUnsafe(ref y0);
        y_1.StoreUnsafe(ref y0, 16);
        y_2.StoreUnsafe(ref y0, 32);
        y_3.StoreUnsafe(ref y0, 48);
    }

    private static void WeightedRowsMatVec512x32(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector512<float> v_0 = Vector512.LoadUnsafe(ref v0), v_1 = Vector512.LoadUnsafe(ref v0, 16);
        Vector512<float> y_0 = Vector512.LoadUnsafe(ref y0), y_1 = Vector512.LoadUnsafe(ref y0, 16);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, (nint)j * 32);
            Vector512<float> u0 = Vector512.LoadUnsafe(ref r), u1 = Vector512.LoadUnsafe(ref r, 16);
            Vector512<float> a0 = Vector512.FusedMultiplyAdd(u0, v_0, Vector512<float>.Zero);
            Vector512<float> a1 = Vector512.FusedMultiplyAdd(u1, v_1, Vector512<float>.Zero);
            Vector512<float> t = Vector512.Create(Coefficient(Vector512.Sum(a0 + a1), ref w0, ref q0, residual, j));
            y_0 = Vector512.FusedMultiplyAdd(t, u0, y_0);
            y_1 = Vector512.FusedMultiplyAdd(t, u1, y_1);
        }

        y_0.StoreUnsafe(ref y0);
        y_1.StoreUnsafe(ref y0, 16);
    }

    private static void WeightedRowsMatVec256x32(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector256<float> v_0 = Vector256.LoadUnsafe(ref v0), v_1 = Vector256.LoadUnsafe(ref v0, 8), v_2 = Vector256.LoadUnsafe(ref v0, 16), v_3 = Vector256.LoadUnsafe(ref v0, 24);
        Vector256<float> y_0 = Vector256.LoadUnsafe(ref y0), y_1 = Vector256.LoadUnsafe(ref y0, 8), y_2 = Vector256.LoadUnsafe(ref y0, 16), y_3 = Vector256.LoadUnsafe(ref y0, 24);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, (nint)j * 32);
            Vector256<float> u0 = Vector256.LoadUnsafe(ref r), u1 = Vector256.LoadUnsafe(ref r, 8), u2 = Vector256.LoadUnsafe(ref r, 16), u3 = Vector256.LoadUnsafe(ref r, 24);
            Vector256<float> a0 = Vector256.FusedMultiplyAdd(u0, v_0, Vector256<float>.Zero);
            Vector256<float> a1 = Vector256.FusedMultiplyAdd(u1, v_1, Vector256<float>.Zero);
            a0 = Vector256.FusedMultiplyAdd(u2, v_2, a0);
            a1 = Vector256.FusedMultiplyAdd(u3, v_3, a1);
            Vector256<float> t = Vector256.Create(Coefficient(Vector256.Sum(a0 + a1), ref w0, ref q0, residual, j));
            y_0 = Vector256.FusedMultiplyAdd(t, u0, y_0);
            y_1 = Vector256.FusedMultiplyAdd(t, u1, y_1);
            y_2 = Vector256.FusedMultiplyAdd(t, u2, y_2);
            y_3 = Vector256.FusedMultiplyAdd(t, u3, y_3);
        }

        y_0.StoreUnsafe(ref y0);
        y_1.StoreUnsafe(ref y0, 8);
        y_2.StoreUnsafe(ref y0, 16);
        y_3.StoreUnsafe(ref y0, 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(KernelPath path, ref float x, ref float y, int n)
    {
        int i = 0;
        float s;
        if (path == KernelPath.Vector512 && n >= Vector512<float>.Count)
        {
            Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero;
            for (; i <= n - 32; i += 32)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)(i + 16)), Vector512.LoadUnsafe(ref y, (nuint)(i + 16)), a1);
            }

            for (; i <= n - 16; i += 16)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i), a0);
            }

            s = Vector512.Sum(a0 + a1);
        }
        else if (path != KernelPath.Scalar && n >= Vector256<float>.Count)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)(i + 8)), Vector256.LoadUnsafe(ref y, (nuint)(i + 8)), a1);
            }

            for (; i <= n - 8; i += 8)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), a0);
            }

            s = Vector256.Sum(a0 + a1);
        }
        else
        {
            s = 0f;
        }

        for (; i < n; i++)
        {
            s += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        }

        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Axpy(KernelPath path, float a, ref float x, ref float y, int n)
    {
        int i = 0;
        if (path == KernelPath.Vector512)
        {
            Vector512<float> va = Vector512.Create(a);
            for (; i <= n - 16; i += 16)
            {
                Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            Vector256<float> va = Vector256.Create(a);
            for (; i <= n - 8; i += 8)
            {
                Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) += a * Unsafe.Add(ref x, i);
        }
    }

    /// <summary><c>y[i] += a0 x0[i] + a1 x1[i] + a2 x2[i] + a3 x3[i]</c> for i in [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Axpy4(KernelPath path, float a0, float a1, float a2, float a3, ref float x0, ref float x1, ref float x2, ref float x3, ref float y, int start, int end)
    {
        int i = start;
        if (path == KernelPath.Vector512)
        {
            Vector512<float> v0 = Vector512.Create(a0), v1 = Vector512.Create(a1), v2 = Vector512.Create(a2), v3 = Vector512.Create(a3);
            for (; i <= end - 16; i += 16)
            {
                Vector512<float> acc = Vector512.LoadUnsafe(ref y, (nuint)i);
                acc = Vector512.FusedMultiplyAdd(v0, Vector512.LoadUnsafe(ref x0, (nuint)i), acc);
                acc = Vector512.FusedMultiplyAdd(v1, Vector512.LoadUnsafe(ref x1, (nuint)i), acc);
                acc = Vector512.FusedMultiplyAdd(v2, Vector512.LoadUnsafe(ref x2, (nuint)i), acc);
                acc = Vector512.FusedMultiplyAdd(v3, Vector512.LoadUnsafe(ref x3, (nuint)i), acc);
                acc.StoreUnsafe(ref y, (nuint)i);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            Vector256<float> v0 = Vector256.Create(a0), v1 = Vector256.Create(a1), v2 = Vector256.Create(a2), v3 = Vector256.Create(a3);
            for (; i <= end - 8; i += 8)
            {
                Vector256<float> acc = Vector256.LoadUnsafe(ref y, (nuint)i);
                acc = Vector256.FusedMultiplyAdd(v0, Vector256.LoadUnsafe(ref x0, (nuint)i), acc);
                acc = Vector256.FusedMultiplyAdd(v1, Vector256.LoadUnsafe(ref x1, (nuint)i), acc);
                acc = Vector256.FusedMultiplyAdd(v2, Vector256.LoadUnsafe(ref x2, (nuint)i), acc);
                acc = Vector256.FusedMultiplyAdd(v3, Vector256.LoadUnsafe(ref x3, (nuint)i), acc);
                acc.StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < end; i++)
        {
            Unsafe.Add(ref y, i) += (a0 * Unsafe.Add(ref x0, i)) + (a1 * Unsafe.Add(ref x1, i)) + (a2 * Unsafe.Add(ref x2, i)) + (a3 * Unsafe.Add(ref x3, i));
        }
    }

    /// <summary>
    /// <see cref="Axpy4"/> on two outputs at once, sharing the loads of x0..x3 (vector paths; the caller
    /// handles the scalar path and tails): <c>y[i] += a0 x0[i] + ... + a3 x3[i]</c> and
    /// <c>z[i] += b0 x0[i] + ... + b3 x3[i]</c> for i in [start, end), end - start a multiple of the vector
    /// width. Each output gets exactly the FMA sequence <see cref="Axpy4"/> gives it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Axpy4x2(KernelPath path, float a0, float a1, float a2, float a3, float b0, float b1, float b2, float b3, ref float x0, ref float x1, ref float x2, ref float x3, ref float y, ref float z, int start, int end)
    {
        int i = start;
        if (path == KernelPath.Vector512)
        {
            Vector512<float> v0 = Vector512.Create(a0), v1 = Vector512.Create(a1), v2 = Vector512.Create(a2), v3 = Vector512.Create(a3);
            Vector512<float> w0 = Vector512.Create(b0), w1 = Vector512.Create(b1), w2 = Vector512.Create(b2), w3 = Vector512.Create(b3);
            for (; i <= end - 16; i += 16)
            {
                Vector512<float> r0 = Vector512.LoadUnsafe(ref x0, (nuint)i), r1 = Vector512.LoadUnsafe(ref x1, (nuint)i);
                Vector512<float> r2 = Vector512.LoadUnsafe(ref x2, (nuint)i), r3 = Vector512.LoadUnsafe(ref x3, (nuint)i);
                Vector512<float> acc = Vector512.LoadUnsafe(ref y, (nuint)i);
                Vector512<float> acd = Vector512.LoadUnsafe(ref z, (nuint)i);
                acc = Vector512.FusedMultiplyAdd(v0, r0, acc);
                acd = Vector512.FusedMultiplyAdd(w0, r0, acd);
                acc = Vector512.FusedMultiplyAdd(v1, r1, acc);
                acd = Vector512.FusedMultiplyAdd(w1, r1, acd);
                acc = Vector512.FusedMultiplyAdd(v2, r2, acc);
                acd = Vector512.FusedMultiplyAdd(w2, r2, acd);
                acc = Vector512.FusedMultiplyAdd(v3, r3, acc);
                acd = Vector512.FusedMultiplyAdd(w3, r3, acd);
                acc.StoreUnsafe(ref y, (nuint)i);
                acd.StoreUnsafe(ref z, (nuint)i);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            Vector256<float> v0 = Vector256.Create(a0), v1 = Vector256.Create(a1), v2 = Vector256.Create(a2), v3 = Vector256.Create(a3);
            Vector256<float> w0 = Vector256.Create(b0), w1 = Vector256.Create(b1), w2 = Vector256.Create(b2), w3 = Vector256.Create(b3);
            for (; i <= end - 8; i += 8)
            {
                Vector256<float> r0 = Vector256.LoadUnsafe(ref x0, (nuint)i), r1 = Vector256.LoadUnsafe(ref x1, (nuint)i);
                Vector256<float> r2 = Vector256.LoadUnsafe(ref x2, (nuint)i), r3 = Vector256.LoadUnsafe(ref x3, (nuint)i);
                Vector256<float> acc = Vector256.LoadUnsafe(ref y, (nuint)i);
                Vector256<float> acd = Vector256.LoadUnsafe(ref z, (nuint)i);
                acc = Vector256.FusedMultiplyAdd(v0, r0, acc);
                acd = Vector256.FusedMultiplyAdd(w0, r0, acd);
                acc = Vector256.FusedMultiplyAdd(v1, r1, acc);
                acd = Vector256.FusedMultiplyAdd(w1, r1, acd);
                acc = Vector256.FusedMultiplyAdd(v2, r2, acc);
                acd = Vector256.FusedMultiplyAdd(w2, r2, acd);
                acc = Vector256.FusedMultiplyAdd(v3, r3, acc);
                acd = Vector256.FusedMultiplyAdd(w3, r3, acd);
                acc.StoreUnsafe(ref y, (nuint)i);
                acd.StoreUnsafe(ref z, (nuint)i);
            }
        }

        for (; i < end; i++)
        {
            Unsafe.Add(ref y, i) += (a0 * Unsafe.Add(ref x0, i)) + (a1 * Unsafe.Add(ref x1, i)) + (a2 * Unsafe.Add(ref x2, i)) + (a3 * Unsafe.Add(ref x3, i));
            Unsafe.Add(ref z, i) += (b0 * Unsafe.Add(ref x0, i)) + (b1 * Unsafe.Add(ref x1, i)) + (b2 * Unsafe.Add(ref x2, i)) + (b3 * Unsafe.Add(ref x3, i));
        }
    }

    /// <summary>x[0..n) *= a.</summary>
    internal static void ScaleInPlace(KernelPath path, float a, ref float x, int n) => Scale(path, a, ref x, ref x, n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(KernelPath path, float a, ref float x, ref float y, int n)
    {
        int i = 0;
        if (path == KernelPath.Vector512)
        {
            Vector512<float> va = Vector512.Create(a);
            for (; i <= n - 16; i += 16)
            {
                (va * Vector512.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            Vector256<float> va = Vector256.Create(a);
            for (; i <= n - 8; i += 8)
            {
                (va * Vector256.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) = a * Unsafe.Add(ref x, i);
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
