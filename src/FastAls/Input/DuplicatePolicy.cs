namespace FastAls.IO;

/// <summary>What to do when the same (user, item) pair occurs more than once in the input.</summary>
public enum DuplicatePolicy
{
    /// <summary>Add the values (the natural choice for implicit counts such as plays or clicks).</summary>
    Sum = 0,

    /// <summary>Keep the value that came last in input order (e.g. the latest rating).</summary>
    LastWins = 1,

    /// <summary>Reject the input, naming the pair and where its two occurrences are (the natural choice for explicit ratings).</summary>
    Error = 2,
}
