using FastAls.Interop;
using FastAls.IO;

namespace FastAls.Native;

/// <summary>
/// A Spark ALSModel folder written piece by piece, by the workers of a distributed run (one part file per block)
/// and its driver (the metadata), with the library's Spark writer: what fastals_model_import_spark reads back as
/// the model fastals_model_export_spark would have written.
/// </summary>
internal static unsafe partial class Exports
{
    /// <summary>Whether a side's ids go to the external_id column of a Spark export (an id outside Spark's int32 ids); decide once per side, for all its parts.</summary>
    /// <param name="ids">all the side's external ids</param>
    /// <param name="external">receives 1 when the ids need the external_id column</param>
    [FastAlsExport("fastals_spark_external_ids")]
    internal static void SparkExternalIds(ReadOnlySpan<long> ids, out bool external) =>
        external = SparkAlsFormat.NeedsExternalColumn(IdMap.FromInt64(ids));

    /// <summary>
    /// Writes rows [first_row, first_row + rows) of one side as part file number part (part-NNNNN-c000.snappy.parquet,
    /// under a temporary name, then renamed) of the Spark ALSModel folder being built in folder: parts numbered in
    /// row order make the model's row order. fastals_spark_write_metadata completes the folder.
    /// </summary>
    /// <param name="options">hyperparameters (kind and factors)</param>
    /// <param name="folder">the folder being built (userFactors/ and itemFactors/ are created in it)</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="part">the part number</param>
    /// <param name="firstRow">the model row of the part's first row</param>
    /// <param name="rows">rows in the part</param>
    /// <param name="factors">rows * factors floats</param>
    /// <param name="biases">rows biases for biased kinds, else none</param>
    /// <param name="ids">the rows' external ids</param>
    /// <param name="externalIds">the side's ids go to the external_id column (fastals_spark_external_ids of all the side's ids)</param>
    [FastAlsExport("fastals_spark_write_part")]
    internal static void SparkWritePart(in FastAlsFitOptions options, string folder, AlsHalfStep side, int part, int firstRow, int rows, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, ReadOnlySpan<long> ids, bool externalIds)
    {
        CheckLength(ids.Length, rows, nameof(ids));
        WriteSparkPart(options.ToOptions(), folder, side, part, firstRow, rows, factors, biases, IdMap.FromInt64(ids), externalIds);
    }

    /// <summary>
    /// fastals_spark_write_part for a side with string ids (always in the external_id column, as Spark export
    /// writes them): the rows' ids packed as UTF-8 text and rows + 1 offsets from 0.
    /// </summary>
    /// <param name="options">hyperparameters (kind and factors)</param>
    /// <param name="folder">the folder being built (userFactors/ and itemFactors/ are created in it)</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="part">the part number</param>
    /// <param name="firstRow">the model row of the part's first row</param>
    /// <param name="rows">rows in the part</param>
    /// <param name="factors">rows * factors floats</param>
    /// <param name="biases">rows biases for biased kinds, else none</param>
    /// <param name="text">the rows' ids in UTF-8</param>
    /// <param name="offsets">rows + 1 offsets into text</param>
    [FastAlsExport("fastals_spark_write_part_text")]
    internal static void SparkWritePartText(in FastAlsFitOptions options, string folder, AlsHalfStep side, int part, int firstRow, int rows, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, ReadOnlySpan<byte> text, ReadOnlySpan<long> offsets)
    {
        CheckLength(offsets.Length, (long)rows + 1, nameof(offsets));
        WriteSparkPart(options.ToOptions(), folder, side, part, firstRow, rows, factors, biases, IdMap.FromStrings(IdList.Unpack(text, offsets, "ids")), externalIds: true);
    }

    /// <summary>Writes the metadata (and _SUCCESS markers) of a Spark ALSModel folder whose parts fastals_spark_write_part wrote.</summary>
    /// <param name="options">hyperparameters (recorded in the metadata's fastals object)</param>
    /// <param name="folder">the folder being built</param>
    /// <param name="globalMean">the global mean of a biased explicit model, else 0</param>
    /// <param name="userExternalIds">the users' parts have the external_id column</param>
    /// <param name="itemExternalIds">the items' parts have the external_id column</param>
    /// <param name="userTextIds">the users' ids are strings (parts written by fastals_spark_write_part_text)</param>
    /// <param name="itemTextIds">the items' ids are strings (parts written by fastals_spark_write_part_text)</param>
    [FastAlsExport("fastals_spark_write_metadata")]
    internal static void SparkWriteMetadata(in FastAlsFitOptions options, string folder, float globalMean, bool userExternalIds, bool itemExternalIds, bool userTextIds, bool itemTextIds)
    {
        foreach (string side in new[] { "userFactors", "itemFactors" })
        {
            string dir = Path.Combine(folder, side);
            if (!Directory.Exists(dir) || Directory.GetFiles(dir, "part-*.parquet").Length == 0)
            {
                throw new InvalidDataException($"{dir}: no part files were written (fastals_spark_write_part).");
            }

            File.WriteAllBytes(Path.Combine(dir, "_SUCCESS"), []);
        }

        SparkAlsFormat.WriteMetadata(folder, options.ToOptions(), globalMean, userTextIds ? IdKind.String : IdKind.Int64, itemTextIds ? IdKind.String : IdKind.Int64, userExternalIds, itemExternalIds);
    }

    private static void WriteSparkPart(AlsOptions o, string folder, AlsHalfStep side, int part, int firstRow, int rows, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, IdMap ids, bool externalIds)
    {
        if (rows <= 0)
        {
            throw new ArgumentException($"rows must be > 0 (got {rows}).", nameof(rows));
        }

        CheckSide(side);
        CheckLength(factors.Length, (long)rows * o.Factors, nameof(factors));
        CheckLength(biases.Length, o.HasBiases ? rows : 0, nameof(biases));
        using var f = new FactorMatrix(rows, o.Factors);
        f.CopyFrom(factors);
        string dir = Path.Combine(folder, side == AlsHalfStep.Users ? "userFactors" : "itemFactors");
        SparkAlsFormat.WritePart(dir, part, f, ids, firstRow, externalIds, o.HasBiases ? biases.ToArray() : null);
    }
}
