using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The element-wise vector updates of one CG row solve (the search direction, the shift by lambda, the first
/// residual), on the path <c>TIsa</c> (<see cref="IIsa.Xpby"/>, <see cref="IIsa.AddScaled"/>,
/// <see cref="IIsa.SubtractScaled"/>). Each element gets exactly the scalar expression's operations (a multiply,
/// then an add or a subtract; never a fused multiply-add), so the bits are the same on every kernel path and at
/// every vector width.
/// </summary>
internal static class CgVectors
{
    /// <summary><c>p[i] = r[i] + beta * p[i]</c> for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Direction<TIsa>(Span<float> p, ReadOnlySpan<float> r, float beta, int n)
        where TIsa : struct, IIsa =>
        TIsa.Xpby(ref MemoryMarshal.GetReference(r), beta, ref MemoryMarshal.GetReference(p), n);

    /// <summary><c>y[i] += lambda * v[i]</c> for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddShift<TIsa>(Span<float> y, ReadOnlySpan<float> v, float lambda, int n)
        where TIsa : struct, IIsa =>
        TIsa.AddScaled(lambda, ref MemoryMarshal.GetReference(v), ref MemoryMarshal.GetReference(y), n);

    /// <summary><c>r[i] = h0[i] - r[i] - lambda * v[i]</c> (h0 zero when null) for i in [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StartResidual<TIsa>(Span<float> r, float[]? h0, ReadOnlySpan<float> v, float lambda, int n)
        where TIsa : struct, IIsa =>
        TIsa.SubtractScaled(
            ref h0 is null ? ref Unsafe.NullRef<float>() : ref MemoryMarshal.GetArrayDataReference(h0),
            ref MemoryMarshal.GetReference(r),
            lambda,
            ref MemoryMarshal.GetReference(v),
            n);
}
