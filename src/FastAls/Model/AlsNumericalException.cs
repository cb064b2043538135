namespace FastAls;

/// <summary>
/// A numerical failure of a solve: a row's normal equations are not positive definite (a Cholesky
/// breakdown), or a solution came out NaN or infinite (a divergence). The message says which side and
/// row, what happened and what to change; <see cref="Side"/> and <see cref="Row"/> carry the same for code.
/// </summary>
/// <remarks>
/// Training that throws this keeps the factors of the last completed half-step. Through the C ABI it is
/// <c>FASTALS_E_NUMERICAL</c> (Python: <c>FastAlsNumericalError</c>). Options and data whose magnitude
/// would overflow float32 are rejected before training starts (an <see cref="ArgumentException"/> naming
/// the option, or an <see cref="InvalidDataException"/> naming the row), so this exception means a
/// genuinely ill-posed or diverging problem: more regularization, a smaller alpha or rescaled data help.
/// </remarks>
public sealed class AlsNumericalException : ArithmeticException
{
    /// <summary>Creates the exception with a message and no side or row.</summary>
    public AlsNumericalException()
        : this("A numerical failure in an ALS solve.")
    {
    }

    /// <summary>Creates the exception with a message and no side or row.</summary>
    public AlsNumericalException(string message)
        : this(message, string.Empty, -1)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public AlsNumericalException(string message, Exception innerException)
        : base(message, innerException)
    {
        Side = string.Empty;
        Row = -1;
    }

    /// <summary>Creates the exception for a row of a side.</summary>
    /// <param name="message">What happened, where, and what to change.</param>
    /// <param name="side">"user", "item" (training, fold-in) or "block" (a shard solve); empty when unknown.</param>
    /// <param name="row">The row's index on that side (the global row index), or -1 when unknown.</param>
    public AlsNumericalException(string message, string side, long row)
        : base(message)
    {
        Side = side ?? string.Empty;
        Row = row;
    }

    /// <summary>The side whose row failed: "user", "item" or "block"; empty when unknown.</summary>
    public string Side { get; }

    /// <summary>The failing row's index on <see cref="Side"/>, or -1 when unknown.</summary>
    public long Row { get; }
}
