namespace FastAls.Interop;

/// <summary>A handle's object, held in use for the duration of one export call (see <see cref="FastAlsHandles.Acquire{T}"/>).</summary>
internal readonly struct Lease<T> : IDisposable
    where T : class
{
    private readonly int _slot;

    internal Lease(T value, int slot)
    {
        Value = value;
        _slot = slot;
    }

    public T Value { get; }

    public void Dispose() => FastAlsHandles.Release(_slot);
}
