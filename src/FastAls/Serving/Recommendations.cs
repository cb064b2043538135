namespace FastAls;

/// <summary>One recommended (or similar) row: its dense index and its score.</summary>
/// <param name="Index">Dense item (or user) index; map it to an external id with the model's id map.</param>
/// <param name="Score">The score (higher is better).</param>
public readonly record struct Recommendation(int Index, float Score);

/// <summary>
/// Top-n results for one query, best first (ties broken by the lower index), with the id map that turns
/// indices into external ids.
/// </summary>
public sealed class Recommendations
{
    internal Recommendations(int[] indices, float[] scores, IdMap ids)
    {
        Indices = indices;
        Scores = scores;
        Ids = ids;
    }

    /// <summary>An empty result (an unknown id where the caller asked for empty results).</summary>
    public static Recommendations Empty(IdMap ids) => new([], [], ids);

    /// <summary>Number of results (at most n; fewer when fewer candidates remain).</summary>
    public int Count => Indices.Length;

    /// <summary>Dense indices, best first.</summary>
    public int[] Indices { get; }

    /// <summary>Scores, best first.</summary>
    public float[] Scores { get; }

    /// <summary>The id map of the returned rows (items, or users for similar users).</summary>
    public IdMap Ids { get; }

    /// <summary>The result at <paramref name="rank"/> (0 is the best).</summary>
    public Recommendation this[int rank] => new(Indices[rank], Scores[rank]);

    /// <summary>The external <see cref="long"/> id of the result at <paramref name="rank"/>.</summary>
    public long GetInt64Id(int rank) => Ids.GetInt64(Indices[rank]);

    /// <summary>The external <see cref="string"/> id of the result at <paramref name="rank"/>.</summary>
    public string GetStringId(int rank) => Ids.GetString(Indices[rank]);

    /// <summary>The external id of the result at <paramref name="rank"/> as text.</summary>
    public string FormatId(int rank) => Ids.Format(Indices[rank]);
}

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

/// <summary>Receives batch results block by block (from one thread, in query order).</summary>
public interface IRecommendationSink
{
    /// <summary>Consumes one block; the spans are only valid during the call.</summary>
    void Write(in RecommendationBlock block);
}
