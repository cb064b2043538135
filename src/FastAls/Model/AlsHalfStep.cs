namespace FastAls;

/// <summary>Which side a half-step solved.</summary>
public enum AlsHalfStep
{
    /// <summary>The user factors (and biases) were solved with the items fixed.</summary>
    Users = 0,

    /// <summary>The item factors (and biases) were solved with the users fixed.</summary>
    Items = 1,
}
