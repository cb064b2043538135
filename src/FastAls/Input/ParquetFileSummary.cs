namespace FastAls.IO;

/// <summary>The metadata of a Parquet file (see <see cref="InteractionLoader.ReadParquetSummaryAsync"/>).</summary>
/// <param name="Schema">The file's schema as Parquet.Net describes it.</param>
/// <param name="RowGroups">Number of row groups.</param>
/// <param name="Rows">Number of rows (the row groups' counts, checked to add up to the file's).</param>
public sealed record ParquetFileSummary(Parquet.Schema.ParquetSchema Schema, int RowGroups, long Rows);
