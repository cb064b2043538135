namespace FastAls;

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
