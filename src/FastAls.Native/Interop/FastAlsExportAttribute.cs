namespace FastAls.Interop;

/// <summary>
/// Exports a static method as a C function <c>entryPoint</c>: FastAls.Generators writes the
/// <c>[UnmanagedCallersOnly]</c> wrapper (one generated file per export) and its C and Python declarations.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class FastAlsExportAttribute : Attribute
{
    public FastAlsExportAttribute(string entryPoint)
    {
        EntryPoint = entryPoint;
    }

    /// <summary>The C name: <c>fastals_</c> then lower-case snake_case.</summary>
    public string EntryPoint { get; }

    /// <summary>Name of the trailing out parameter that receives the return value (default <c>result</c>).</summary>
    public string? Result { get; set; }
}
