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
