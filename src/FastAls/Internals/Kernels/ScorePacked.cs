using System.Runtime.CompilerServices;

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
        // From a cache line: the kernels load each factor of a panel's 32 items as whole vectors.
        _data = AlignedFloats.Allocate(checked(panels * Stride * Width));
        Span<float> data = _data.Span;
        for (int p = 0; p < panels; p++)
        {
            Span<float> panel = data.Slice(p * Stride * Width, Stride * Width);
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

    private readonly AlignedFloats _data;

    /// <summary>The panels holding rows <c>[start, start + count)</c>; <paramref name="start"/> must be a multiple of <see cref="Width"/>.</summary>
    public ReadOnlySpan<float> Panels(int start, int count)
    {
        int first = start / Width;
        int panels = (count + Width - 1) / Width;
        return _data.Slice(first * Stride * Width, panels * Stride * Width);
    }
}

/// <summary>
/// Packed block scoring: <c>scores[u * ld + i] = users[u] . item_i</c> against <see cref="PackedPanels"/>.
/// Register tiles (<see cref="ScorePacked512"/>, <see cref="ScorePacked256"/>): 4 users x 2 vectors (Vector512) or
/// 2 users x 4 vectors (Vector256) of 32 items; every
/// score is one sequential fused multiply-add chain over the factors, the same order on every path, so
/// all paths give bit-identical scores.
/// </summary>
internal static class ScorePacked
{
    private const int W = PackedPanels.Width;

    /// <summary>Scores with the process's active path (<see cref="KernelSet.Active"/>).</summary>
    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> panels, int itemCount, int stride, Span<float> scores, int ld)
        => KernelSet.Active.ScorePacked(users, userCount, panels, itemCount, stride, scores, ld);

    /// <summary>Scores on the path <typeparamref name="TIsa"/>: its register tiles of users, then one user at a time.</summary>
    public static void Score<TIsa>(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> panels, int itemCount, int stride, Span<float> scores, int ld)
        where TIsa : struct, IIsa
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

        Span<float> tmp = stackalloc float[4 * W];
        int tile = TIsa.PackedTileUsers;
        for (int p = 0; p < panelCount; p++)
        {
            int i0 = p * W;
            int n = Math.Min(W, itemCount - i0);
            ReadOnlySpan<float> panel = panels.Slice(p * stride * W, stride * W);
            int u = 0;
            if (tile > 0)
            {
                for (; u + tile <= userCount; u += tile)
                {
                    if (n == W)
                    {
                        // A whole panel: the tile's vectors go straight to the score rows (no scratch, no copy).
                        TIsa.PackedTile(users.Slice(u * stride), panel, stride, scores.Slice((u * ld) + i0), ld);
                    }
                    else
                    {
                        TIsa.PackedTile(users.Slice(u * stride), panel, stride, tmp, W);
                        Store(tmp, tile, n, scores, (u * ld) + i0, ld);
                    }
                }
            }

            for (; u < userCount; u++)
            {
                if (n == W)
                {
                    TIsa.PackedRow(users.Slice(u * stride, stride), panel, stride, scores.Slice((u * ld) + i0, W));
                }
                else
                {
                    TIsa.PackedRow(users.Slice(u * stride, stride), panel, stride, tmp);
                    tmp[..n].CopyTo(scores.Slice((u * ld) + i0, n));
                }
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
}
