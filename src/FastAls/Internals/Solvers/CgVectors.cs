using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The element-wise vector updates of one CG row solve (the search direction, the shift by lambda), vectorized.
/// Each element gets exactly the scalar expression's operations (a multiply, then an add or a subtract; never a
/// fused multiply-add), so the bits are the same on every kernel path and at every vector width.
/// </summary>
internal static class CgVectors
{
    /// <summary><c>p[i] = r[i] + beta * p[i]</c> for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Direction(Span<float> p, ReadOnlySpan<float> r, float beta, int n)
    {
        ref float p0 = ref MemoryMarshal.GetReference(p);
        ref float r0 = ref MemoryMarshal.GetReference(r);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var b = new Vector<float>(beta);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                (Vector.LoadUnsafe(ref r0, (nuint)i) + (b * Vector.LoadUnsafe(ref p0, (nuint)i))).StoreUnsafe(ref p0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref p0, i) = Unsafe.Add(ref r0, i) + (beta * Unsafe.Add(ref p0, i));
        }
    }

    /// <summary><c>y[i] += lambda * v[i]</c> for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddShift(Span<float> y, ReadOnlySpan<float> v, float lambda, int n)
    {
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var l = new Vector<float>(lambda);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                (Vector.LoadUnsafe(ref y0, (nuint)i) + (l * Vector.LoadUnsafe(ref v0, (nuint)i))).StoreUnsafe(ref y0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref y0, i) += lambda * Unsafe.Add(ref v0, i);
        }
    }

    /// <summary><c>r[i] = h0[i] - r[i] - lambda * v[i]</c> (h0 zero when null) for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StartResidual(Span<float> r, float[]? h0, ReadOnlySpan<float> v, float lambda, int n)
    {
        ref float r0 = ref MemoryMarshal.GetReference(r);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (h0 is not null && Vector.IsHardwareAccelerated)
        {
            ref float h = ref MemoryMarshal.GetArrayDataReference(h0);
            var l = new Vector<float>(lambda);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                (Vector.LoadUnsafe(ref h, (nuint)i) - Vector.LoadUnsafe(ref r0, (nuint)i) - (l * Vector.LoadUnsafe(ref v0, (nuint)i))).StoreUnsafe(ref r0, (nuint)i);
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            var l = new Vector<float>(lambda);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                (Vector<float>.Zero - Vector.LoadUnsafe(ref r0, (nuint)i) - (l * Vector.LoadUnsafe(ref v0, (nuint)i))).StoreUnsafe(ref r0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref r0, i) = (h0 is null ? 0f : h0[i]) - Unsafe.Add(ref r0, i) - (lambda * Unsafe.Add(ref v0, i));
        }
    }
}
