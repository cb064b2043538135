using FastAls.IO;

namespace FastAls.Native;

/// <summary>
/// The raw interactions of one Parquet part file (a distributed load's unit of reading): input order, duplicates
/// not merged, user and item indices into the part's own id lists (first-seen order within the file). A driver
/// merges the parts' id lists into one shared dictionary so every worker agrees on dense indices.
/// </summary>
internal sealed class PartData
{
    public PartData(string file, InteractionLoadOptions options)
    {
        InteractionBuilder b = ParquetInteractionReader.ReadPartAsync(file, options, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            if (b.UserIds.Kind != IdKind.Int64 || b.ItemIds.Kind != IdKind.Int64)
            {
                throw new NotSupportedException($"{file}: distributed loading needs int64 user and item ids (this file has {b.UserIds.Kind} users and {b.ItemIds.Kind} items).");
            }

            UserIds = b.UserIds.Int64Ids.ToArray();
            ItemIds = b.ItemIds.Int64Ids.ToArray();
            Users = new int[b.Count];
            Items = new int[b.Count];
            Values = new float[b.Count];
            b.CopyRaw(Users, Items, Values);
        }
        finally
        {
            b.Dispose();
        }
    }

    public long[] UserIds { get; }

    public long[] ItemIds { get; }

    public int[] Users { get; }

    public int[] Items { get; }

    public float[] Values { get; }
}
