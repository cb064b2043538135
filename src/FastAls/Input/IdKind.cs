using System.Runtime.InteropServices;

namespace FastAls;

/// <summary>The type of external ids an <see cref="IdMap"/> holds.</summary>
public enum IdKind
{
    /// <summary>64-bit integer ids.</summary>
    Int64 = 0,

    /// <summary>String ids.</summary>
    String = 1,
}
