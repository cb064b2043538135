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
        for (int j = 0; j < rows; j++)
        {
            Axpy(path, Unsafe.Add(ref q0, j), ref Unsafe.Add(ref b0, (nint)j * stride), ref y0, stride);
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
