using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// Item factors re-laid out for the packed score kernels: panels of <see cref="Width"/> consecutive rows,
/// each stored transposed (<c>stride x Width</c>, factor-major) so a kernel loads the d-th factor of 32
/// items as whole vectors and never needs a horizontal sum. Rows past the end are zero. A batch scorer
/// builds it once per call (the same memory as the factors themselves).
/// </summary>
internal sealed class PackedPanels
{
    /// <summary>Rows per panel (two 512-bit or four 256-bit vectors).</summary>
    public const int Width = 32;

    public PackedPanels(FactorMatrix m)
    {
        Rows = m.Rows;
        Stride = m.Stride;
        int panels = (m.Rows + Width - 1) / Width;
        Data = new float[(long)panels * Stride * Width];
        for (int p = 0; p < panels; p++)
        {
            Span<float> panel = Data.AsSpan(p * Stride * Width, Stride * Width);
            int rows = Math.Min(Width, m.Rows - (p * Width));
            for (int j = 0; j < rows; j++)
            {
                Span<float> row = m.PaddedRow((p * Width) + j);
                for (int d = 0; d < row.Length; d++)
                {
                    panel[(d * Width) + j] = row[d];
                }
            }
        }
    }

    public int Rows { get; }

    public int Stride { get; }

    public float[] Data { get; }

    /// <summary>The panels holding rows <c>[start, start + count)</c>; <paramref name="start"/> must be a multiple of <see cref="Width"/>.</summary>
    public ReadOnlySpan<float> Panels(int start, int count)
    {
        int first = start / Width;
        int panels = (count + Width - 1) / Width;
        return Data.AsSpan(first * Stride * Width, panels * Stride * Width);
    }
}

/// <summary>
/// Packed block scoring: <c>scores[u * ld + i] = users[u] . item_i</c> against <see cref="PackedPanels"/>.
/// Register tiles: 4 users x 2 vectors (Vector512) or 2 users x 4 vectors (Vector256) of 32 items; every
/// score is one sequential fused multiply-add chain over the factors, the same order on every path, so
/// all paths give bit-identical scores.
/// </summary>
internal static class ScorePacked
{
    private const int W = PackedPanels.Width;

    public static void Score(KernelPath path, ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> panels, int itemCount, int stride, Span<float> scores, int ld)
    {
        if (stride % FactorMatrix.StrideAlignment != 0 || stride <= 0 || userCount < 0 || itemCount < 0 || ld < itemCount)
        {
            throw new ArgumentException($"Bad packed block: stride {stride}, {userCount} users, {itemCount} items, ld {ld}.");
        }

        int panelCount = (itemCount + W - 1) / W;
        if (users.Length < (long)userCount * stride || panels.Length < (long)panelCount * stride * W
            || (userCount > 0 && scores.Length < (long)(userCount - 1) * ld + itemCount))
        {
            throw new ArgumentException("A span is shorter than the packed block it is said to hold.");
        }

        if (!KernelIsa.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"This machine cannot run the {path} score kernel.");
        }

        Span<float> tmp = stackalloc float[4 * W];
        for (int p = 0; p < panelCount; p++)
        {
            int i0 = p * W;
            int n = Math.Min(W, itemCount - i0);
            ReadOnlySpan<float> panel = panels.Slice(p * stride * W, stride * W);
            int u = 0;
            if (path == KernelPath.Vector512)
            {
                for (; u + 4 <= userCount; u += 4)
                {
                    Tile512x4(users.Slice(u * stride), panel, stride, tmp);
                    Store(tmp, 4, n, scores, (u * ld) + i0, ld);
                }
            }
            else if (path == KernelPath.Vector256)
            {
                for (; u + 2 <= userCount; u += 2)
                {
                    Tile256x2(users.Slice(u * stride), panel, stride, tmp);
                    Store(tmp, 2, n, scores, (u * ld) + i0, ld);
                }
            }

            for (; u < userCount; u++)
            {
                ReadOnlySpan<float> user = users.Slice(u * stride, stride);
                if (path == KernelPath.Vector512)
                {
                    Row512(user, panel, stride, tmp);
                }
                else if (path == KernelPath.Vector256)
                {
                    Row256(user, panel, stride, tmp);
                }
                else
                {
                    Row(user, panel, stride, tmp);
                }

                tmp[..n].CopyTo(scores.Slice((u * ld) + i0, n));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ReadOnlySpan<float> tmp, int rows, int n, Span<float> scores, int at, int ld)
    {
        for (int r = 0; r < rows; r++)
        {
            tmp.Slice(r * W, n).CopyTo(scores.Slice(at + (r * ld), n));
        }
    }

    private static void Tile512x4(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile)
    {
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
        a0.StoreUnsafe(ref o, 0);
        a1.StoreUnsafe(ref o, 16);
        b0.StoreUnsafe(ref o, 32);
        b1.StoreUnsafe(ref o, 48);
        c0.StoreUnsafe(ref o, 64);
        c1.StoreUnsafe(ref o, 80);
        e0.StoreUnsafe(ref o, 96);
        e1.StoreUnsafe(ref o, 112);
    }

    private static void Tile256x2(ReadOnlySpan<float> users, ReadOnlySpan<float> panel, int stride, Span<float> outTile)
    {
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
        a0.StoreUnsafe(ref o, 0);
        a1.StoreUnsafe(ref o, 8);
        a2.StoreUnsafe(ref o, 16);
        a3.StoreUnsafe(ref o, 24);
        b0.StoreUnsafe(ref o, 32);
        b1.StoreUnsafe(ref o, 40);
        b2.StoreUnsafe(ref o, 48);
        b3.StoreUnsafe(ref o, 56);
    }

    /// <summary>
    /// One user against one panel, the 32 items in two 512-bit lanes: per item the same sequential fused multiply-add
    /// chain as <see cref="Row"/> (a lane's FMA rounds once, as <see cref="MathF.FusedMultiplyAdd"/>), so the same bits.
    /// </summary>
    private static void Row512(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow)
    {
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

    /// <summary>One user against one panel in four 256-bit lanes; the same bits as <see cref="Row"/> (see <see cref="Row512"/>).</summary>
    private static void Row256(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow)
    {
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

    /// <summary>One user against one panel; the scalar reference (the same FMA chain per item).</summary>
    private static void Row(ReadOnlySpan<float> user, ReadOnlySpan<float> panel, int stride, Span<float> outRow)
    {
        Span<float> acc = outRow[..W];
        acc.Clear();
        for (int d = 0; d < stride; d++)
        {
            float x = user[d];
            ReadOnlySpan<float> p = panel.Slice(d * W, W);
            for (int j = 0; j < W; j++)
            {
                acc[j] = MathF.FusedMultiplyAdd(x, p[j], acc[j]);
            }
        }
    }
}
