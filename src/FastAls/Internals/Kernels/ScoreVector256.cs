using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vec = System.Runtime.Intrinsics.Vector256;
using VecF = System.Runtime.Intrinsics.Vector256<float>;

namespace FastAls.Internals.Kernels;

/// <summary>
/// 256-bit score kernel: a 2-user x 4-item register tile (8 accumulators) so each loaded user vector is
/// reused against four items and each item vector against two users; edges fall back to 1 x 1.
/// </summary>
internal static class ScoreVector256
{
    private const int Step = 8;

    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld)
    {
        ref float u0 = ref MemoryMarshal.GetReference(users);
        ref float i0 = ref MemoryMarshal.GetReference(items);
        ref float s0 = ref MemoryMarshal.GetReference(scores);
        nuint st = (nuint)stride;
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
                VecF a0 = VecF.Zero, a1 = VecF.Zero, a2 = VecF.Zero, a3 = VecF.Zero;
                VecF b0 = VecF.Zero, b1 = VecF.Zero, b2 = VecF.Zero, b3 = VecF.Zero;
                for (nuint d = 0; d < st; d += Step)
                {
                    VecF x = Vec.LoadUnsafe(ref ua, d);
                    VecF y = Vec.LoadUnsafe(ref ub, d);
                    VecF v = Vec.LoadUnsafe(ref ia, d);
                    a0 = Vec.FusedMultiplyAdd(x, v, a0);
                    b0 = Vec.FusedMultiplyAdd(y, v, b0);
                    v = Vec.LoadUnsafe(ref ib, d);
                    a1 = Vec.FusedMultiplyAdd(x, v, a1);
                    b1 = Vec.FusedMultiplyAdd(y, v, b1);
                    v = Vec.LoadUnsafe(ref ic, d);
                    a2 = Vec.FusedMultiplyAdd(x, v, a2);
                    b2 = Vec.FusedMultiplyAdd(y, v, b2);
                    v = Vec.LoadUnsafe(ref id, d);
                    a3 = Vec.FusedMultiplyAdd(x, v, a3);
                    b3 = Vec.FusedMultiplyAdd(y, v, b3);
                }

                ref float ra = ref Unsafe.Add(ref s0, (nint)u * ld + i);
                ref float rb = ref Unsafe.Add(ref ra, ld);
                ra = Vec.Sum(a0);
                Unsafe.Add(ref ra, 1) = Vec.Sum(a1);
                Unsafe.Add(ref ra, 2) = Vec.Sum(a2);
                Unsafe.Add(ref ra, 3) = Vec.Sum(a3);
                rb = Vec.Sum(b0);
                Unsafe.Add(ref rb, 1) = Vec.Sum(b1);
                Unsafe.Add(ref rb, 2) = Vec.Sum(b2);
                Unsafe.Add(ref rb, 3) = Vec.Sum(b3);
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
            ref float ur = ref Unsafe.Add(ref u0, (nint)u * stride);
            for (int i = 0; i < itemCount; i++)
            {
                Unsafe.Add(ref s0, (nint)u * ld + i) = Dot(ref ur, ref Unsafe.Add(ref i0, (nint)i * stride), st);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float x, ref float y, nuint stride)
    {
        VecF acc = VecF.Zero;
        for (nuint d = 0; d < stride; d += Step)
        {
            acc = Vec.FusedMultiplyAdd(Vec.LoadUnsafe(ref x, d), Vec.LoadUnsafe(ref y, d), acc);
        }

        return Vec.Sum(acc);
    }
}
