using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>
/// One float query against rows stored as bfloat16 (<see cref="Serving.Bf16Catalogue"/>), one body for every width: the
/// first, approximate pass of a bounded single query. The query comes split into its even- and odd-numbered factors
/// (<c>qEven[j] = q[2j]</c>, <c>qOdd[j] = q[2j + 1]</c>, the same for every width), so each 32-bit pair widens to two
/// floats with one shift (<see cref="IVectorOps{TVec}.LoadBf16"/>) and no shuffle. Eight rows
/// per pass, one accumulator each (eight independent FMA chains), summed together into one vector (<see cref="IVectorOps{TVec}.Sum8"/>). The scores are approximate by
/// design; how far they can be from the float scores is bounded by the catalogue's per-row slack.
/// </summary>
internal static class ScoreBf16<TOps, TVec>
    where TOps : struct, IVectorOps<TVec>
    where TVec : struct
{
    /// <summary>
    /// <c>scores[i] = q . rows[i]</c> for <paramref name="rowCount"/> rows of <paramref name="stride"/> bfloat16 values (a
    /// multiple of <c>2 * Count</c>); <paramref name="qEven"/> and <paramref name="qOdd"/> hold <c>stride / 2</c> floats each.
    /// <paramref name="rows"/> must not move (pinned or native memory): the prefetches take its address.
    /// </summary>
    public static unsafe void Score(ref float qEven, ref float qOdd, ref ushort rows, int rowCount, int stride, ref float scores)
    {
        nuint half = (nuint)(stride / 2);
        nuint step = (nuint)TOps.Count;
        nuint tileBytes = (nuint)stride * 16;
        int i = 0;
        for (; i + 8 <= rowCount; i += 8)
        {
            ref ushort r0 = ref Unsafe.Add(ref rows, (nint)i * stride);
            if (Sse.IsSupported)
            {
                // four tiles ahead (4 KiB at k = 64): the catalogue streams from memory when it is larger than the cache,
                // and the hardware prefetcher alone left the pass at about 0.7 of the one-pass time instead of 0.5-0.6.
                // A prefetch never faults, so the last tiles need no check; the catalogue is pinned (Bf16Catalogue).
                byte* ahead = (byte*)Unsafe.AsPointer(ref r0) + (4 * tileBytes);
                for (nuint b = 0; b < tileBytes; b += 64)
                {
                    Sse.Prefetch0(ahead + b);
                }
            }

            ref ushort r1 = ref Unsafe.Add(ref r0, stride);
            ref ushort r2 = ref Unsafe.Add(ref r1, stride);
            ref ushort r3 = ref Unsafe.Add(ref r2, stride);
            ref ushort r4 = ref Unsafe.Add(ref r3, stride);
            ref ushort r5 = ref Unsafe.Add(ref r4, stride);
            ref ushort r6 = ref Unsafe.Add(ref r5, stride);
            ref ushort r7 = ref Unsafe.Add(ref r6, stride);
            TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
            TVec a4 = TOps.Zero, a5 = TOps.Zero, a6 = TOps.Zero, a7 = TOps.Zero;
            for (nuint h = 0; h < half; h += step)
            {
                TVec qe = TOps.Load(ref qEven, h);
                TVec qo = TOps.Load(ref qOdd, h);
                a0 = Pair(ref r0, 2 * h, qe, qo, a0);
                a1 = Pair(ref r1, 2 * h, qe, qo, a1);
                a2 = Pair(ref r2, 2 * h, qe, qo, a2);
                a3 = Pair(ref r3, 2 * h, qe, qo, a3);
                a4 = Pair(ref r4, 2 * h, qe, qo, a4);
                a5 = Pair(ref r5, 2 * h, qe, qo, a5);
                a6 = Pair(ref r6, 2 * h, qe, qo, a6);
                a7 = Pair(ref r7, 2 * h, qe, qo, a7);
            }

            TOps.Sum8(a0, a1, a2, a3, a4, a5, a6, a7).StoreUnsafe(ref scores, (nuint)i);
        }

        for (; i < rowCount; i++)
        {
            ref ushort r = ref Unsafe.Add(ref rows, (nint)i * stride);
            TVec a = TOps.Zero;
            for (nuint h = 0; h < half; h += step)
            {
                a = Pair(ref r, 2 * h, TOps.Load(ref qEven, h), TOps.Load(ref qOdd, h), a);
            }

            Unsafe.Add(ref scores, i) = TOps.Sum(a);
        }
    }

    /// <summary><c>acc + even * qe + odd * qo</c> for the <c>2 * Count</c> values at <paramref name="row"/> + <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Pair(ref ushort row, nuint offset, TVec qe, TVec qo, TVec acc)
    {
        TOps.LoadBf16(ref row, offset, out TVec e, out TVec o);
        return TOps.FusedMultiplyAdd(o, qo, TOps.FusedMultiplyAdd(e, qe, acc));
    }
}
