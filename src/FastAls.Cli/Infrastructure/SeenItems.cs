namespace FastAls.Cli.Infrastructure;

/// <summary>Lines up a loaded <see cref="Dataset"/> with a model's user and item indices, for the seen-items filter.</summary>
internal static class SeenItems
{
    /// <summary>
    /// The user-by-item matrix of <paramref name="data"/> in <paramref name="model"/>'s index space: the data's own
    /// matrix when the id maps agree, else a re-indexed copy (ids the model does not know are dropped).
    /// </summary>
    public static CsrMatrix Align(Dataset data, AlsModel model, out bool copied)
    {
        if (SameIds(data.UserIds, model.UserIds) && SameIds(data.ItemIds, model.ItemIds))
        {
            copied = false;
            return data.UserItems;
        }

        copied = true;
        var itemMap = new int[data.Items];
        for (int i = 0; i < itemMap.Length; i++)
        {
            itemMap[i] = ModelIo.TryIndex(model.ItemIds, data.ItemIds.Format(i), out int mi) ? mi : -1;
        }

        var rowOf = new int[model.Users];
        long nnz = 0;
        for (int u = 0; u < rowOf.Length; u++)
        {
            rowOf[u] = ModelIo.TryIndex(data.UserIds, model.UserIds.Format(u), out int du) ? du : -1;
            if (rowOf[u] >= 0)
            {
                nnz += data.UserItems.RowLength(rowOf[u]);
            }
        }

        var offsets = new long[model.Users + 1];
        var cols = new List<int>((int)Math.Min(nnz, int.MaxValue));
        var row = new List<int>();
        for (int u = 0; u < rowOf.Length; u++)
        {
            row.Clear();
            if (rowOf[u] >= 0)
            {
                foreach (int i in data.UserItems.RowIndices(rowOf[u]))
                {
                    if (itemMap[i] >= 0)
                    {
                        row.Add(itemMap[i]);
                    }
                }

                row.Sort();
            }

            cols.AddRange(row);
            offsets[u + 1] = cols.Count;
        }

        var values = new float[cols.Count];
        Array.Fill(values, 1f);
        return CsrMatrix.FromArrays(model.Users, model.Items, offsets, [.. cols], values);
    }

    private static bool SameIds(IdMap a, IdMap b)
    {
        if (a.Kind != b.Kind || a.Count != b.Count)
        {
            return false;
        }

        return a.Kind == IdKind.Int64 ? a.Int64Ids.SequenceEqual(b.Int64Ids) : a.StringIds.SequenceEqual(b.StringIds, StringComparer.Ordinal);
    }
}
