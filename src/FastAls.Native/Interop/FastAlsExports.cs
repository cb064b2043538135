using System.Runtime.InteropServices;

namespace FastAls.Interop;

/// <summary>
/// The C exports: FastAls.Generators adds one <c>[UnmanagedCallersOnly]</c> method per <c>[FastAlsExport]</c> method,
/// each in its own generated file (<c>FastAlsExports.&lt;entry point&gt;.g.cs</c>). The one export written by hand is
/// <c>fastals_last_error</c>, which reports on the others and so has no status of its own.
/// </summary>
internal static unsafe partial class FastAlsExports
{
    /// <summary>fastals_last_error: see the C header.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastals_last_error")]
    internal static nuint LastError(byte* buffer, nuint cap)
    {
        try
        {
            return FastAlsErrors.Copy(buffer, cap);
        }
        catch
        {
            return 0;
        }
    }
}
