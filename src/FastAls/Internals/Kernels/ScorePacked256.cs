using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>The Vector256 tiles of <see cref="ScorePacked"/>: 2 users x the 32 items of a panel per tile, and one user per row.</summary>
internal static class ScorePacked256
{
    private const int W = PackedPanels.Width;

    /// <summary>Two users (rows <paramref name="stride"/> apart) against one panel, into <c>outTile[u * ld + j]</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // a block kernel: see GroupedRows.WeightedRows
    public static void Tile(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile, int ld)
    {
        if (ld < W || outTile.Length < ld + W || users.Length < 2 * stride || panel.Length < stride * W)
        {
            throw new ArgumentException($"A packed tile needs 2 users of stride {stride}, a panel of {stride * W} and an output of {ld} + {W}.");
        }

        ref float u0 = ref MemoryMarshal.GetReference(users);
        ref float u1 = ref Unsafe.Add(ref u0, stride);
        ref float pr = ref MemoryMarshal.GetReference(panel);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        for (nuint d = 0; d < (nuint)stride; d++)
        {
            nuint at = d * W;
            Vector256<float> x = Vector256.Create(Unsafe.Add(ref u0, d));
            Vector256<float> y = Vector256.Create(Unsafe.Add(ref u1, d));
            Vector256<float> p = Vector256.LoadUnsafe(ref pr, at);
            a0 = Vector256.FusedMultiplyAdd(x, p, a0);
            b0 = Vector256.FusedMultiplyAdd(y, p, b0);
            p = Vector256.LoadUnsafe(ref pr, at + 8);
            a1 = Vector256.FusedMultiplyAdd(x, p, a1);
            b1 = Vector256.FusedMultiplyAdd(y, p, b1);
            p = Vector256.LoadUnsafe(ref pr, at + 16);
            a2 = Vector256.FusedMultiplyAdd(x, p, a2);
            b2 = Vector256.FusedMultiplyAdd(y, p, b2);
            p = Vector256.LoadUnsafe(ref pr, at + 24);
            a3 = Vector256.FusedMultiplyAdd(x, p, a3);
            b3 = Vector256.FusedMultiplyAdd(y, p, b3);
        }

        ref float o = ref MemoryMarshal.GetReference(outTile);
        nuint l = (nuint)ld;
        a0.StoreUnsafe(ref o, 0);
        a1.StoreUnsafe(ref o, 8);
        a2.StoreUnsafe(ref o, 16);
        a3.StoreUnsafe(ref o, 24);
        b0.StoreUnsafe(ref o, l);
        b1.StoreUnsafe(ref o, l + 8);
        b2.StoreUnsafe(ref o, l + 16);
        b3.StoreUnsafe(ref o, l + 24);
    }

    /// <summary>One user against one panel in four 256-bit lanes; the same bits as <see cref="ScalarIsa.PackedRow"/> (see <see cref="ScorePacked512.Row"/>).</summary>
    public static void Row(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow)
    {
        if (outRow.Length < W || user.Length < stride || panel.Length < stride * W)
        {
            throw new ArgumentException($"A packed row needs a user of stride {stride}, a panel of {stride * W} and an output of {W}.");
        }

        ref float u0 = ref MemoryMarshal.GetReference(user);
        ref float pr = ref MemoryMarshal.GetReference(panel);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nuint d = 0; d < (nuint)stride; d++)
        {
            nuint at = d * W;
            Vector256<float> x = Vector256.Create(Unsafe.Add(ref u0, d));
            a0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref pr, at), a0);
            a1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref pr, at + 8), a1);
            a2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref pr, at + 16), a2);
            a3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref pr, at + 24), a3);
        }

        ref float o = ref MemoryMarshal.GetReference(outRow);
        a0.StoreUnsafe(ref o, 0);
        a1.StoreUnsafe(ref o, 8);
        a2.StoreUnsafe(ref o, 16);
        a3.StoreUnsafe(ref o, 24);
    }
}
