using System.Globalization;

namespace FastAls.IO;

/// <summary>Which of the three interaction columns a message is about.</summary>
internal enum InteractionColumn
{
    User,
    Item,
    Value,
}

/// <summary>
/// Describes where a contiguous run of records came from, so that an error found later (a bad value, a
/// duplicate) can name the file, the row group or line, and the column.
/// </summary>
/// <param name="Source">File (or other source) name.</param>
/// <param name="RowGroup">Parquet row group, or -1 for line-based sources.</param>
/// <param name="First">First line (1-based) for line-based sources; first row (0-based) within the row group otherwise.</param>
/// <param name="UserColumn">How to name the user column in messages.</param>
/// <param name="ItemColumn">How to name the item column in messages.</param>
/// <param name="ValueColumn">How to name the value column in messages.</param>
/// <param name="Unit">"line" or "row".</param>
internal sealed record SourceBlock(string Source, int RowGroup, long First, string UserColumn, string ItemColumn, string ValueColumn, string Unit = "row")
{
    public static readonly SourceBlock InMemory = new("input", -1, 0, "user", "item", "value", "record");

    public string Describe(long offset, InteractionColumn column)
    {
        string col = column switch
        {
            InteractionColumn.User => UserColumn,
            InteractionColumn.Item => ItemColumn,
            _ => ValueColumn,
        };
        long at = First + offset;
        return RowGroup >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Source}, row group {RowGroup}, row {at}, column {col}")
            : string.Create(CultureInfo.InvariantCulture, $"{Source}, {Unit} {at}, column {col}");
    }
}
