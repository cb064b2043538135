using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// Block scoring for serving: <c>scores[u * ld + i] = users[u] . items[i]</c> for a block of user rows
/// against a block of item rows, both padded to <c>stride</c> floats (a multiple of 16 with zero padding,
/// as <see cref="FactorMatrix"/> stores them), so the vector paths have no tail.
/// </summary>
internal static class ScoreKernel
{
    /// <summary>Scores with the process's active path (<see cref="KernelIsa.Active"/>).</summary>
    public static void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld)
        => Score(KernelIsa.Active, users, userCount, items, itemCount, stride, scores, ld);

    /// <summary>Scores with an explicit path (tests and benchmarks compare the paths).</summary>
    public static void Score(KernelPath path, ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld)
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

        if (!KernelIsa.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"This machine cannot run the {path} score kernel.");
        }

        switch (path)
        {
            case KernelPath.Vector512:
                ScoreVector<Score512Ops, Vector512<float>>.Score(users, userCount, items, itemCount, stride, scores, ld);
                break;
            case KernelPath.Vector256:
                ScoreVector<Score256Ops, Vector256<float>>.Score(users, userCount, items, itemCount, stride, scores, ld);
                break;
            default:
                ScoreScalar.Score(users, userCount, items, itemCount, stride, scores, ld);
                break;
        }
    }
}
