namespace FastAls.Internals.Kernels;

/// <summary>
/// Block scoring for serving: <c>scores[u * ld + i] = users[u] . items[i]</c> for a block of user rows
/// against a block of item rows, both padded to <c>stride</c> floats (a multiple of 16 with zero padding,
/// as <see cref="FactorMatrix"/> stores them), so the vector paths have no tail.
/// </summary>
internal static class ScoreKernel
{
    /// <summary>Scores with the process's active path (<see cref="KernelSet.Active"/>).</summary>
    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld)
        => KernelSet.Active.Score(users, userCount, items, itemCount, stride, scores, ld);

    /// <summary>Scores on the path <typeparamref name="TIsa"/>.</summary>
    public static void Score<TIsa>(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld)
        where TIsa : struct, IIsa
    {
        if (stride % FactorMatrix.StrideAlignment != 0 || stride <= 0)
        {
            throw new ArgumentException($"Stride {stride} is not a positive multiple of {FactorMatrix.StrideAlignment}.", nameof(stride));
        }

        if (userCount < 0 || itemCount < 0 || ld < itemCount)
        {
            throw new ArgumentException($"Bad block shape: {userCount} users, {itemCount} items, leading dimension {ld}.");
        }

        if (users.Length < (long)userCount * stride || items.Length < (long)itemCount * stride
            || (userCount > 0 && scores.Length < (long)(userCount - 1) * ld + itemCount))
        {
            throw new ArgumentException("A span is shorter than the block it is said to hold.");
        }

        TIsa.Score(users, userCount, items, itemCount, stride, scores, ld);
    }
}
