namespace FastAls;

/// <summary>One block of batch results handed to an <see cref="IRecommendationSink"/>, in query order.</summary>
public readonly ref struct RecommendationBlock
{
    internal RecommendationBlock(ReadOnlySpan<int> queries, int n, ReadOnlySpan<int> counts, ReadOnlySpan<int> items, ReadOnlySpan<float> scores)
    {
        Queries = queries;
        N = n;
        Counts = counts;
        Items = items;
        Scores = scores;
    }

    /// <summary>The query (user) indices of this block.</summary>
    public ReadOnlySpan<int> Queries { get; }

    /// <summary>Slots per query.</summary>
    public int N { get; }

    /// <summary>Results per query.</summary>
    public ReadOnlySpan<int> Counts { get; }

    /// <summary>Result indices, <c>Queries.Length * N</c>, best first per query.</summary>
    public ReadOnlySpan<int> Items { get; }

    /// <summary>Result scores, <c>Queries.Length * N</c>.</summary>
    public ReadOnlySpan<float> Scores { get; }
}
