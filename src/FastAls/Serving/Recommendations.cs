namespace FastAls;

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
