using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>How an implicit model turns a value r into confidence.</summary>
public enum ConfidenceKind
{
    /// <summary><c>c = 1 + alpha * r</c>.</summary>
    Linear = 0,

    /// <summary><c>c = 1 + alpha * log(1 + r / eps)</c>.</summary>
    Log = 1,

    /// <summary>
    /// <c>c = alpha * r</c>, the <c>implicit</c> package's convention (unobserved pairs keep weight 1, so an
    /// observed pair adds <c>(c - 1) y y'</c>, which is negative when <c>alpha * |r| &lt; 1</c>).
    /// </summary>
    Scaled = 2,
}
