namespace FastAls;

/// <summary>Filters and switches of the recommend and similar-items calls.</summary>
public sealed record RecommendOptions
{
    /// <summary>The defaults: filter the user's seen items, no allow- or deny-list, throw on unknown ids.</summary>
    public static RecommendOptions Default { get; } = new();

    /// <summary>
    /// Leave out the items the user already interacted with (default true; needs the user-by-item
    /// matrix, or the row, passed to the call). Ignored by the similar-items and similar-users calls.
    /// </summary>
    public bool FilterSeen { get; init; } = true;

    /// <summary>Allow-list: only these item (or, for similar users, user) indices may be returned.</summary>
    public IReadOnlyList<int>? Candidates { get; init; }

    /// <summary>Deny-list: these item (or user) indices are never returned.</summary>
    public IReadOnlyList<int>? Exclude { get; init; }

    /// <summary>
    /// Worker threads of the call (never negative). A call with many queries (a batch, recommend-all) runs its blocks of
    /// queries on this many threads; 0 means all processors. A call with one query (<c>Recommend</c>,
    /// <c>RecommendForFactors</c>, <c>SimilarItems</c>, <c>SimilarUsers</c>, or a batch of one) runs on the calling
    /// thread unless asked for more: 0 and 1 both mean the calling thread alone, so a server that calls from many
    /// request threads is not oversubscribed. With a value above 1 the query's catalogue is split across that many
    /// threads (the calling thread and pool threads; at most one per 2,048 items), each scoring its share into its own
    /// top-n, and the shares are merged. Catalogues under 8,192 items stay on the calling thread, where the hand-off
    /// costs more than it saves. The results (items and score bits) are the same for any value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public int Threads
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, $"Threads must be >= 0 (0: all processors for a batch, the calling thread for one query; got {value}).");
    }

    /// <summary>
    /// Stops a batch call between blocks of users with an <see cref="OperationCanceledException"/> (a streaming
    /// writer given to the call is then abandoned by its owner, which deletes its temporary file).
    /// </summary>
    public CancellationToken CancellationToken { get; init; }
}
