using System.Globalization;
using System.Text;
using System.Text.Json;
using FastAls.Internals.IO;
using FastAls.IO.ParquetSafety;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>Switches of <see cref="SparkAlsFormat.Export"/>.</summary>
public sealed record SparkExportOptions
{
    /// <summary>Write the user and item biases in an extra <c>bias</c> column (biased models). Default true.</summary>
    public bool IncludeBiases { get; init; } = true;

    /// <summary>Replace an existing folder. Default false (an existing folder is an error).</summary>
    public bool Overwrite { get; init; }

    /// <summary>The <c>sparkVersion</c> written to the metadata.</summary>
    public string SparkVersion { get; init; } = "3.5.0";

    /// <summary>Rows per Parquet row group.</summary>
    public int RowGroupSize { get; init; } = 1 << 16;

    /// <summary>
    /// Write the extra columns (<c>bias</c>, <c>external_id</c>) to <c>fastalsExtras/userFactors/</c> and
    /// <c>fastalsExtras/itemFactors/</c> (columns <c>id</c> plus the extras) instead of into the factor files,
    /// so the factor files hold exactly Spark's two columns and every Spark call (including
    /// <c>recommendForAllUsers</c>, which maps the factor tables by position) works unchanged. Default false.
    /// </summary>
    public bool ExtrasInSidecar { get; init; }
}
