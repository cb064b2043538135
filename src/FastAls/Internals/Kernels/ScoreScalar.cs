using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastAls.Internals.Kernels;

/// <summary>Portable reference score kernel: one dot product per (user, item), sequential sum.</summary>
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
            for (int i = 0; i < itemCount; i++)
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
