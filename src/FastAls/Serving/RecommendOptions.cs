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

    /// <summary>Worker threads of the batch calls; 0 means all processors.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Stops a batch call between blocks of users with an <see cref="OperationCanceledException"/> (a streaming
    /// writer given to the call is then abandoned by its owner, which deletes its temporary file).
    /// </summary>
    public CancellationToken CancellationToken { get; init; }
}
