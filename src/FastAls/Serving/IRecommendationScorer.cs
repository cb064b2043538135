namespace FastAls;

/// <summary>
/// Anything that scores (user, item) pairs a block at a time: an <see cref="AlsModel"/>
/// (<see cref="AlsModel.AsScorer"/>) or a baseline such as <see cref="PopularityScorer"/>. The batch
/// recommender and the evaluation code run every scorer through the same path.
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface IRecommendationScorer
{
    /// <summary>Number of users (query rows).</summary>
    int Users { get; }

    /// <summary>Number of items.</summary>
    int Items { get; }

    /// <summary>
    /// Writes the scores of <paramref name="users"/> against items <c>[itemStart, itemStart + itemCount)</c>
    /// into <paramref name="scores"/>, row-major (<c>users.Length x itemCount</c>). Higher is better.
    /// </summary>
    void ScoreBlock(ReadOnlySpan<int> users, int itemStart, int itemCount, Span<float> scores);
}

/// <summary>The most-popular baseline: every user gets the items with the most interactions.</summary>
public sealed class PopularityScorer : IRecommendationScorer
{
    private readonly float[] _popularity;

    /// <summary>Counts each item's interactions (non-zeros) in <paramref name="userItems"/>.</summary>
    public PopularityScorer(CsrMatrix userItems)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        Users = userItems.Rows;
        _popularity = new float[userItems.Cols];
        for (int u = 0; u < userItems.Rows; u++)
        {
            foreach (int i in userItems.RowIndices(u))
            {
                _popularity[i]++;
            }
        }
    }

    /// <inheritdoc/>
    public int Users { get; }

    /// <inheritdoc/>
    public int Items => _popularity.Length;

    /// <summary>The interaction count of each item.</summary>
    public ReadOnlySpan<float> Popularity => _popularity;

    /// <inheritdoc/>
    public void ScoreBlock(ReadOnlySpan<int> users, int itemStart, int itemCount, Span<float> scores)
    {
        ReadOnlySpan<float> p = _popularity.AsSpan(itemStart, itemCount);
        for (int u = 0; u < users.Length; u++)
        {
            p.CopyTo(scores.Slice(u * itemCount, itemCount));
        }
    }
}
