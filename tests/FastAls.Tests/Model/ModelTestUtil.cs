using FastAls;

namespace FastAls.Tests.Model;

internal static class ModelTestUtil
{
    public static AlsModel Make(AlsModelKind kind, float[,] users, float[,] items, IdMap? userIds = null, IdMap? itemIds = null, float regularization = 0.1f)
    {
        int k = users.GetLength(1);
        var m = new AlsModel(new AlsOptions { Kind = kind, Factors = k, Regularization = regularization }, users.GetLength(0), items.GetLength(0), userIds, itemIds);
        m.SetUserFactors(users.Cast<float>().ToArray());
        m.SetItemFactors(items.Cast<float>().ToArray());
        return m;
    }

    public static AlsModel Random(AlsModelKind kind, int users, int items, int k, int seed)
    {
        var rng = new Random(seed);
        var m = new AlsModel(new AlsOptions { Kind = kind, Factors = k }, users, items);
        var uf = new float[users * k];
        for (int j = 0; j < uf.Length; j++)
        {
            uf[j] = (float)(rng.NextDouble() - 0.5);
        }

        var itf = new float[items * k];
        for (int j = 0; j < itf.Length; j++)
        {
            itf[j] = (float)(rng.NextDouble() - 0.5);
        }

        m.SetUserFactors(uf);
        m.SetItemFactors(itf);
        if (m.HasBiases)
        {
            var ub = new float[users];
            for (int u = 0; u < users; u++)
            {
                ub[u] = (float)rng.NextDouble();
            }

            var ib = new float[items];
            for (int i = 0; i < items; i++)
            {
                ib[i] = (float)rng.NextDouble();
            }

            m.SetUserBiases(ub);
            m.SetItemBiases(ib);
            m.SetGlobalMean(3.5f);
        }

        return m;
    }

    /// <summary>A random user-by-item matrix with about <paramref name="perRow"/> items a row.</summary>
    public static CsrMatrix RandomCsr(int rows, int cols, int perRow, int seed, bool withValues = true)
    {
        var rng = new Random(seed);
        var offsets = new long[rows + 1];
        var idx = new List<int>();
        var vals = new List<float>();
        for (int r = 0; r < rows; r++)
        {
            var set = new SortedSet<int>();
            int want = rng.Next(0, (2 * perRow) + 1);
            for (int t = 0; t < want; t++)
            {
                set.Add(rng.Next(cols));
            }

            foreach (int c in set)
            {
                idx.Add(c);
                vals.Add(withValues ? 1 + rng.Next(5) : 1);
            }

            offsets[r + 1] = idx.Count;
        }

        return CsrMatrix.FromArrays(rows, cols, offsets, idx.ToArray(), vals.ToArray());
    }

    public static CsrMatrix Csr(int rows, int cols, params (int Row, int Col, float Value)[] entries)
    {
        var sorted = entries.OrderBy(e => e.Row).ThenBy(e => e.Col).ToArray();
        var offsets = new long[rows + 1];
        foreach (var e in sorted)
        {
            offsets[e.Row + 1]++;
        }

        for (int r = 0; r < rows; r++)
        {
            offsets[r + 1] += offsets[r];
        }

        return CsrMatrix.FromArrays(rows, cols, offsets, sorted.Select(e => e.Col).ToArray(), sorted.Select(e => e.Value).ToArray());
    }

    /// <summary>Brute-force top-n with the documented order (score desc, index asc).</summary>
    public static (int Index, double Score)[] BruteTopN(Func<int, double> score, int items, int n, Func<int, bool> allowed)
        => Enumerable.Range(0, items).Where(allowed).Select(i => (Index: i, Score: score(i)))
            .OrderByDescending(t => t.Score).ThenBy(t => t.Index).Take(n).ToArray();
}
