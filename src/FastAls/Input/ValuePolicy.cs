namespace FastAls.IO;

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
