using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastAls.Internals.Kernels;

/// <summary>Portable reference score kernel: one dot product per (user, item), sequential sum
/// (items four at a time with independent accumulators, each with the same sequential sum).</summary>
internal static class ScoreScalar
{
    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld)
    {
        ref float u0 = ref MemoryMarshal.GetReference(users);
        ref float i0 = ref MemoryMarshal.GetReference(items);
        ref float s0 = ref MemoryMarshal.GetReference(scores);
        for (int u = 0; u < userCount; u++)
        {
            ref float ur = ref Unsafe.Add(ref u0, (nint)u * stride);
            ref float sr = ref Unsafe.Add(ref s0, (nint)u * ld);
            int i = 0;
            for (; i + 4 <= itemCount; i += 4)
            {
                // four items at once, four independent chains; each item's own chain is the sequential sum below
                ref float ia = ref Unsafe.Add(ref i0, (nint)i * stride);
                ref float ib = ref Unsafe.Add(ref ia, stride);
                ref float ic = ref Unsafe.Add(ref ib, stride);
                ref float id = ref Unsafe.Add(ref ic, stride);
                float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                for (int d = 0; d < stride; d++)
                {
                    float x = Unsafe.Add(ref ur, d);
                    a0 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref ia, d), a0);
                    a1 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref ib, d), a1);
                    a2 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref ic, d), a2);
                    a3 = MathF.FusedMultiplyAdd(x, Unsafe.Add(ref id, d), a3);
                }

                Unsafe.Add(ref sr, i) = a0;
                Unsafe.Add(ref sr, i + 1) = a1;
                Unsafe.Add(ref sr, i + 2) = a2;
                Unsafe.Add(ref sr, i + 3) = a3;
            }

            for (; i < itemCount; i++)
            {
                ref float ir = ref Unsafe.Add(ref i0, (nint)i * stride);
                float acc = 0;
                for (int d = 0; d < stride; d++)
                {
                    acc = MathF.FusedMultiplyAdd(Unsafe.Add(ref ur, d), Unsafe.Add(ref ir, d), acc);
                }

                Unsafe.Add(ref s0, (nint)u * ld + i) = acc;
            }
        }
    }
}
