namespace FastAls.Interop;

/// <summary>
/// The struct is the C form of an options record: it must have a field of the same name and type for every settable
/// public property of <c>optionsType</c>, and <c>From(options)</c> / <c>ToOptionsUnvalidated()</c> are generated.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
internal sealed class FastAlsOptionsMirrorAttribute : Attribute
{
    public FastAlsOptionsMirrorAttribute(Type optionsType)
    {
        OptionsType = optionsType;
    }

    /// <summary>The options record mirrored.</summary>
    public Type OptionsType { get; }
}
