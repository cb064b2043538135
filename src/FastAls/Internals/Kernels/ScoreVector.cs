using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// Vector score kernel, one body for every width (the JIT specializes it per struct): a 2-user x 4-item
/// register tile (8 accumulators) so each loaded user vector is reused against four items and each item
/// vector against two users; a lone user (single calls) runs a 1 x 4 tile (<see cref="ScoreOneUser"/>); edges fall
/// back to 1 x 1. Every score is one accumulator run over the factors in order, then <c>Sum</c>, whatever the tile. The stride is a multiple of every vector width.
/// </summary>
internal static class ScoreVector<TOps, TVec>
    where TOps : struct, IVectorOps<TVec>
    where TVec : struct
{
    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld)
    {
        ref float u0 = ref MemoryMarshal.GetReference(users);
        ref float i0 = ref MemoryMarshal.GetReference(items);
        ref float s0 = ref MemoryMarshal.GetReference(scores);
        nuint st = (nuint)stride;
        nuint step = (nuint)TOps.Count;
        int u = 0;
        for (; u + 2 <= userCount; u += 2)
        {
            ref float ua = ref Unsafe.Add(ref u0, (nint)u * stride);
            ref float ub = ref Unsafe.Add(ref ua, stride);
            int i = 0;
            for (; i + 4 <= itemCount; i += 4)
            {
                ref float ia = ref Unsafe.Add(ref i0, (nint)i * stride);
                ref float ib = ref Unsafe.Add(ref ia, stride);
                ref float ic = ref Unsafe.Add(ref ib, stride);
                ref float id = ref Unsafe.Add(ref ic, stride);
                TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
                TVec b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero;
                for (nuint d = 0; d < st; d += step)
                {
                    TVec x = TOps.Load(ref ua, d);
                    TVec y = TOps.Load(ref ub, d);
                    TVec v = TOps.Load(ref ia, d);
                    a0 = TOps.FusedMultiplyAdd(x, v, a0);
                    b0 = TOps.FusedMultiplyAdd(y, v, b0);
                    v = TOps.Load(ref ib, d);
                    a1 = TOps.FusedMultiplyAdd(x, v, a1);
                    b1 = TOps.FusedMultiplyAdd(y, v, b1);
                    v = TOps.Load(ref ic, d);
                    a2 = TOps.FusedMultiplyAdd(x, v, a2);
                    b2 = TOps.FusedMultiplyAdd(y, v, b2);
                    v = TOps.Load(ref id, d);
                    a3 = TOps.FusedMultiplyAdd(x, v, a3);
                    b3 = TOps.FusedMultiplyAdd(y, v, b3);
                }

                ref float ra = ref Unsafe.Add(ref s0, (nint)u * ld + i);
                ref float rb = ref Unsafe.Add(ref ra, ld);
                ra = TOps.Sum(a0);
                Unsafe.Add(ref ra, 1) = TOps.Sum(a1);
                Unsafe.Add(ref ra, 2) = TOps.Sum(a2);
                Unsafe.Add(ref ra, 3) = TOps.Sum(a3);
                rb = TOps.Sum(b0);
                Unsafe.Add(ref rb, 1) = TOps.Sum(b1);
                Unsafe.Add(ref rb, 2) = TOps.Sum(b2);
                Unsafe.Add(ref rb, 3) = TOps.Sum(b3);
            }

            for (; i < itemCount; i++)
            {
                ref float ir = ref Unsafe.Add(ref i0, (nint)i * stride);
                Unsafe.Add(ref s0, (nint)u * ld + i) = Dot(ref ua, ref ir, st);
                Unsafe.Add(ref s0, (nint)(u + 1) * ld + i) = Dot(ref ub, ref ir, st);
            }
        }

        for (; u < userCount; u++)
        {
            ScoreOneUser(ref Unsafe.Add(ref u0, (nint)u * stride), ref i0, itemCount, st, ref Unsafe.Add(ref s0, (nint)u * ld));
        }
    }

    /// <summary>
    /// One user against <paramref name="itemCount"/> items (the single-query path: a lone user, or the last of an odd
    /// count): four items per pass with four independent accumulators, so the FMA latency chain of one item no longer
    /// bounds the loop. Each item still gets one accumulator run over the factors in order and then <c>Sum</c>, exactly as
    /// <see cref="Dot"/> (and the 2 x 4 tile) computes it, so the bits are the same as one <see cref="Dot"/> per item.
    /// Four, not eight: at k = 64 a 50,000-item catalogue (12.8 MB) streams from memory, and a 1 x 8 tile measured
    /// slower than the 1 x 1 loop on the AVX2 VM while 1 x 4 measured faster (bench/results/AMD-EPYC-2c/serving.md).
    /// </summary>
    private static void ScoreOneUser(ref float ur, ref float i0, int itemCount, nuint st, ref float out0)
    {
        nuint step = (nuint)TOps.Count;
        int stride = (int)st;
        int i = 0;
        for (; i + 4 <= itemCount; i += 4)
        {
            ref float ia = ref Unsafe.Add(ref i0, (nint)i * stride);
            ref float ib = ref Unsafe.Add(ref ia, stride);
            ref float ic = ref Unsafe.Add(ref ib, stride);
            ref float id = ref Unsafe.Add(ref ic, stride);
            TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
            for (nuint d = 0; d < st; d += step)
            {
                TVec x = TOps.Load(ref ur, d);
                a0 = TOps.FusedMultiplyAdd(x, TOps.Load(ref ia, d), a0);
                a1 = TOps.FusedMultiplyAdd(x, TOps.Load(ref ib, d), a1);
                a2 = TOps.FusedMultiplyAdd(x, TOps.Load(ref ic, d), a2);
                a3 = TOps.FusedMultiplyAdd(x, TOps.Load(ref id, d), a3);
            }

            ref float r = ref Unsafe.Add(ref out0, i);
            r = TOps.Sum(a0);
            Unsafe.Add(ref r, 1) = TOps.Sum(a1);
            Unsafe.Add(ref r, 2) = TOps.Sum(a2);
            Unsafe.Add(ref r, 3) = TOps.Sum(a3);
        }

        for (; i < itemCount; i++)
        {
            Unsafe.Add(ref out0, i) = Dot(ref ur, ref Unsafe.Add(ref i0, (nint)i * stride), st);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float x, ref float y, nuint stride)
    {
        TVec acc = TOps.Zero;
        for (nuint d = 0; d < stride; d += (nuint)TOps.Count)
        {
            acc = TOps.FusedMultiplyAdd(TOps.Load(ref x, d), TOps.Load(ref y, d), acc);
        }

        return TOps.Sum(acc);
    }
}
