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

/// <summary>
/// Which values are accepted. NaN and infinite values are always rejected. Accepted zeros and negative
/// values are stored as explicit entries of the matrix: nothing is ever dropped silently.
/// </summary>
[Flags]
public enum ValuePolicy
{
    /// <summary>Keep zero and negative values as explicit entries (the default).</summary>
    KeepAll = 0,

    /// <summary>Reject a value of exactly zero.</summary>
    RejectZero = 1,

    /// <summary>Reject negative values.</summary>
    RejectNegative = 2,

    /// <summary>Reject zero and negative values (only positive confidences, e.g. implicit counts).</summary>
    RejectNonPositive = RejectZero | RejectNegative,
}
