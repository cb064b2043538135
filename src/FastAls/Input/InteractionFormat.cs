using System.Globalization;
using System.Text;

namespace FastAls.IO;

/// <summary>The input format of an interactions file.</summary>
public enum InteractionFormat
{
    /// <summary>Chosen from the path: a directory or a <c>.parquet</c>/<c>.parq</c> file is Parquet, anything else delimited text.</summary>
    Auto = 0,

    /// <summary>Apache Parquet: a single file or a directory of part files.</summary>
    Parquet = 1,

    /// <summary>Delimited text (CSV, TSV, <c>::</c>-separated).</summary>
    Csv = 2,
}
