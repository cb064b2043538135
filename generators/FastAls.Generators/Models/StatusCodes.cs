using System.Linq;
using FastAls.Generators.Helpers;

namespace FastAls.Generators.Models;

/// <summary>
/// The status codes every export returns: the one table from which the generator writes the managed
/// <c>FastAlsStatus</c> enum (<c>FastAlsStatus.g.cs</c>), the C enum <c>fastals_status</c> and the Python constants.
/// </summary>
internal static class StatusCodes
{
    /// <summary>Each code: the managed member name, its value and what it means (the C and Python names derive from the member).</summary>
    public static readonly (string Member, int Value, string Doc)[] All =
    {
        ("Ok", 0, "Success."),
        ("InvalidArgument", 1, "An argument is out of range, NULL where it must not be, or inconsistent with another."),
        ("InvalidHandle", 2, "A handle is 0, unknown, already freed, or of the wrong kind."),
        ("Io", 3, "A file could not be read or written."),
        ("InvalidData", 4, "Input data (a file or arrays) is malformed."),
        ("Cancelled", 5, "The operation was cancelled (a callback returned non-zero)."),
        ("OutOfMemory", 6, "Memory ran out."),
        ("BufferTooSmall", 7, "An output buffer is too small; the needed size was written."),
        ("NotSupported", 8, "The operation is not supported for this model or build."),
        ("InvalidState", 9, "The object is not in a state that allows the operation."),
        ("Numerical", 10, "A solve failed numerically: a system not positive definite or a diverging (non-finite) solution; the message names the side and row."),
        ("Internal", 99, "An unexpected internal error (the message names the exception)."),
    };

    /// <summary>The C and Python name of a code: <c>Ok</c> -> <c>FASTALS_OK</c>, <c>InvalidArgument</c> -> <c>FASTALS_E_INVALID_ARGUMENT</c>.</summary>
    public static string CName(string member) =>
        member == "Ok" ? "FASTALS_OK" : "FASTALS_E_" + Naming.ToSnake(member).ToUpperInvariant();

    /// <summary>The C/Python names with their values and descriptions, in table order.</summary>
    public static (string Name, int Value, string Doc)[] ForInterface() =>
        All.Select(s => (CName(s.Member), s.Value, s.Doc)).ToArray();
}
