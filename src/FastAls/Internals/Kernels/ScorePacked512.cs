using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>The Vector512 tiles of <see cref="ScorePacked"/>: 4 users x the 32 items of a panel per tile, and one user per row.</summary>
internal static class ScorePacked512
{
    private const int W = PackedPanels.Width;

    /// <summary>Four users (rows <paramref name="stride"/> apart) against one panel, into <c>outTile[u * ld + j]</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)] // a block kernel: see GroupedRows.WeightedRows
    public static void Tile(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile, int ld)
    {
        if (ld < W || outTile.Length < (3 * ld) + W || users.Length < 4 * stride || panel.Length < stride * W)
        {
            throw new ArgumentException($"A packed tile needs 4 users of stride {stride}, a panel of {stride * W} and an output of 3 * {ld} + {W}.");
        }

        ref float u0 = ref MemoryMarshal.GetReference(users);
        ref float u1 = ref Unsafe.Add(ref u0, stride);
        ref float u2 = ref Unsafe.Add(ref u1, stride);
        ref float u3 = ref Unsafe.Add(ref u2, stride);
        ref float pr = ref MemoryMarshal.GetReference(panel);
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, e0 = default, e1 = default;
        for (nuint d = 0; d < (nuint)stride; d++)
        {
            Vector512<float> p0 = Vector512.LoadUnsafe(ref pr, d * W);
            Vector512<float> p1 = Vector512.LoadUnsafe(ref pr, (d * W) + 16);
            Vector512<float> x = Vector512.Create(Unsafe.Add(ref u0, d));
            a0 = Vector512.FusedMultiplyAdd(x, p0, a0);
            a1 = Vector512.FusedMultiplyAdd(x, p1, a1);
            x = Vector512.Create(Unsafe.Add(ref u1, d));
            b0 = Vector512.FusedMultiplyAdd(x, p0, b0);
            b1 = Vector512.FusedMultiplyAdd(x, p1, b1);
            x = Vector512.Create(Unsafe.Add(ref u2, d));
            c0 = Vector512.FusedMultiplyAdd(x, p0, c0);
            c1 = Vector512.FusedMultiplyAdd(x, p1, c1);
            x = Vector512.Create(Unsafe.Add(ref u3, d));
            e0 = Vector512.FusedMultiplyAdd(x, p0, e0);
            e1 = Vector512.FusedMultiplyAdd(x, p1, e1);
        }

        ref float o = ref MemoryMarshal.GetReference(outTile);
        nuint l = (nuint)ld;
        a0.StoreUnsafe(ref o, 0);
        a1.StoreUnsafe(ref o, 16);
        b0.StoreUnsafe(ref o, l);
        b1.StoreUnsafe(ref o, l + 16);
        c0.StoreUnsafe(ref o, 2 * l);
        c1.StoreUnsafe(ref o, (2 * l) + 16);
        e0.StoreUnsafe(ref o, 3 * l);
        e1.StoreUnsafe(ref o, (3 * l) + 16);
    }

    /// <summary>
    /// One user against one panel, the 32 items in two 512-bit lanes: per item the same sequential fused multiply-add
    /// chain as <see cref="ScalarIsa.PackedRow"/> (a lane's FMA rounds once, as <see cref="MathF.FusedMultiplyAdd"/>), so the same bits.
    /// </summary>
    public static void Row(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow)
    {
        if (outRow.Length < W || user.Length < stride || panel.Length < stride * W)
        {
            throw new ArgumentException($"A packed row needs a user of stride {stride}, a panel of {stride * W} and an output of {W}.");
        }

        ref float u0 = ref MemoryMarshal.GetReference(user);
        ref float pr = ref MemoryMarshal.GetReference(panel);
        Vector512<float> a0 = default, a1 = default;
        for (nuint d = 0; d < (nuint)stride; d++)
        {
            Vector512<float> x = Vector512.Create(Unsafe.Add(ref u0, d));
            a0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref pr, d * W), a0);
            a1 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref pr, (d * W) + 16), a1);
        }

        ref float o = ref MemoryMarshal.GetReference(outRow);
        a0.StoreUnsafe(ref o, 0);
        a1.StoreUnsafe(ref o, 16);
    }
}
