using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>How lambda is applied to a row.</summary>
public enum RegularizationScaling
{
    /// <summary>The same lambda for every row.</summary>
    Constant = 0,

    /// <summary>lambda times the row's interaction count (ALS-WR, as Spark ML does).</summary>
    ByCount = 1,
}
