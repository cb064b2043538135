namespace FastAls;

/// <summary>
/// Top-n results for many queries in dense arrays: query <c>q</c> owns slots <c>[q * N, q * N + Counts[q])</c>
/// of <see cref="Items"/> and <see cref="Scores"/>; unused slots hold -1 and NaN.
/// </summary>
public sealed class BatchRecommendations
{
    internal BatchRecommendations(int[] queries, int n, int[] counts, int[] items, float[] scores, IdMap queryIds, IdMap itemIds)
    {
        Queries = queries;
        N = n;
        Counts = counts;
        Items = items;
        Scores = scores;
        QueryIds = queryIds;
        ItemIds = itemIds;
    }

    /// <summary>The query indices (users, or items for similar items), in order.</summary>
    public int[] Queries { get; }

    /// <summary>Slots per query.</summary>
    public int N { get; }

    /// <summary>Results per query.</summary>
    public int[] Counts { get; }

    /// <summary>Result indices, <c>Queries.Length * N</c>.</summary>
    public int[] Items { get; }

    /// <summary>Result scores, <c>Queries.Length * N</c>.</summary>
    public float[] Scores { get; }

    /// <summary>Id map of the queries.</summary>
    public IdMap QueryIds { get; }

    /// <summary>Id map of the results.</summary>
    public IdMap ItemIds { get; }

    /// <summary>The results of the query at <paramref name="position"/> in <see cref="Queries"/>.</summary>
    public Recommendations ForQuery(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, Queries.Length);
        int c = Counts[position];
        return new Recommendations(Items.AsSpan(position * N, c).ToArray(), Scores.AsSpan(position * N, c).ToArray(), ItemIds);
    }
}
