namespace FastAls.Interop;

/// <summary>A handle that is 0, unknown, freed, or of another kind (reported as <see cref="FastAlsStatus.InvalidHandle"/>).</summary>
internal sealed class FastAlsHandleException : Exception
{
    public FastAlsHandleException(string message)
        : base(message)
    {
    }
}
