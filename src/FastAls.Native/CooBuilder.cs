namespace FastAls.Native;

/// <summary>COO triplets with external int64 ids -> a <see cref="Dataset"/> (ids in first-seen order, duplicates summed).</summary>
internal static class CooBuilder
{
    public static Dataset Build(ReadOnlySpan<long> userIds, ReadOnlySpan<long> itemIds, ReadOnlySpan<float> values)
    {
        if (userIds.Length != itemIds.Length || userIds.Length != values.Length)
        {
            throw new ArgumentException($"user_ids, item_ids and values must have the same length (got {userIds.Length}, {itemIds.Length}, {values.Length}).", nameof(values));
        }

        int n = userIds.Length;
        IdMap users = IdMap.CreateInt64(), items = IdMap.CreateInt64();
        int[] rows = new int[n], cols = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new InvalidDataException($"values[{i}] is not finite ({values[i]}; user {userIds[i]}, item {itemIds[i]}).");
            }

            rows[i] = users.GetOrAdd(userIds[i]);
            cols[i] = items.GetOrAdd(itemIds[i]);
        }

        int nRows = users.Count;
        long[] counts = new long[nRows + 1];
        for (int i = 0; i < n; i++)
        {
            counts[rows[i] + 1]++;
        }

        for (int r = 0; r < nRows; r++)
        {
            counts[r + 1] += counts[r];
        }

        int[] order = new int[n];
        long[] next = (long[])counts.Clone();
        for (int i = 0; i < n; i++)
        {
            order[next[rows[i]]++] = i;
        }

        // Sort each row by column, then merge duplicates (summing their values).
        long[] offsets = new long[nRows + 1];
        var outCols = new List<int>(n);
        var outVals = new List<float>(n);
        int[] keys = new int[n];
        for (int r = 0; r < nRows; r++)
        {
            int s = (int)counts[r], e = (int)counts[r + 1];
            for (int p = s; p < e; p++)
            {
                keys[p] = cols[order[p]];
            }

            Array.Sort(keys, order, s, e - s);
            for (int p = s; p < e; p++)
            {
                if (p > s && keys[p] == keys[p - 1])
                {
                    outVals[^1] += values[order[p]];
                    if (!float.IsFinite(outVals[^1]))
                    {
                        int i = order[p];
                        throw new InvalidDataException($"The duplicates of user {userIds[i]}, item {itemIds[i]} (values[{i}] and earlier) sum beyond float32's range; rescale the values.");
                    }
                }
                else
                {
                    outCols.Add(keys[p]);
                    outVals.Add(values[order[p]]);
                }
            }

            offsets[r + 1] = outCols.Count;
        }

        CsrMatrix m = CsrMatrix.FromArrays(nRows, items.Count, offsets, outCols.ToArray(), outVals.ToArray());
        return new Dataset(m, users, items);
    }
}
