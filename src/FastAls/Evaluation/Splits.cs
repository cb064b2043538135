namespace FastAls.Evaluation;

/// <summary>
/// Train/test splits of a user-by-item matrix, deterministic by seed (a SplitMix64 stream, the same on
/// every platform and runtime version).
/// </summary>
public static class Splits
{
    /// <summary>Each interaction independently goes to test with probability <paramref name="testFraction"/>.</summary>
    public static TrainTestSplit Random(CsrMatrix userItems, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be in [0, 1].");
        }

        var rng = new SplitMix64(seed);
        var toTest = new bool[CheckedNnz(userItems)];
        for (int t = 0; t < toTest.Length; t++)
        {
            toTest[t] = rng.NextDouble() < testFraction;
        }

        return Partition(userItems, toTest);
    }

    /// <summary>
    /// For every user with more than <paramref name="k"/> interactions, <paramref name="k"/> of them chosen at
    /// random go to test (as <c>implicit</c>'s <c>leave_k_out_split</c>); users with k or fewer stay whole in train.
    /// </summary>
    public static TrainTestSplit LeaveKOut(CsrMatrix userItems, int k, int seed)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var rng = new SplitMix64(seed);
        var toTest = new bool[CheckedNnz(userItems)];
        ReadOnlySpan<long> off = userItems.RowOffsets;
        var pos = new List<int>();
        for (int u = 0; u < userItems.Rows; u++)
        {
            int len = (int)(off[u + 1] - off[u]);
            if (len <= k)
            {
                continue;
            }

            pos.Clear();
            for (int t = 0; t < len; t++)
            {
                pos.Add(t);
            }

            for (int t = 0; t < k; t++)
            {
                int j = t + (int)rng.NextBelow((ulong)(len - t));
                (pos[t], pos[j]) = (pos[j], pos[t]);
                toTest[off[u] + pos[t]] = true;
            }
        }

        return Partition(userItems, toTest);
    }

    /// <summary>
    /// For every user with more than <paramref name="k"/> interactions, the <paramref name="k"/> latest by
    /// <paramref name="timestamps"/> (parallel to the matrix's non-zeros; ties: the later position) go to test.
    /// </summary>
    public static TrainTestSplit LeaveLastKOut(CsrMatrix userItems, ReadOnlySpan<long> timestamps, int k)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        CheckTimestamps(userItems, timestamps);
        var toTest = new bool[timestamps.Length];
        ReadOnlySpan<long> off = userItems.RowOffsets;
        var order = new List<int>();
        for (int u = 0; u < userItems.Rows; u++)
        {
            int len = (int)(off[u + 1] - off[u]);
            if (len <= k)
            {
                continue;
            }

            ReadOnlySpan<long> ts = timestamps.Slice((int)off[u], len);
            long[] keys = ts.ToArray();
            int[] idx = new int[len];
            for (int t = 0; t < len; t++)
            {
                idx[t] = t;
            }

            Array.Sort(idx, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
            for (int t = len - k; t < len; t++)
            {
                toTest[off[u] + idx[t]] = true;
            }
        }

        return Partition(userItems, toTest);
    }

    /// <summary>Interactions at or after <paramref name="cutoff"/> go to test (a global temporal split).</summary>
    public static TrainTestSplit ByTimestamp(CsrMatrix userItems, ReadOnlySpan<long> timestamps, long cutoff)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        CheckTimestamps(userItems, timestamps);
        var toTest = new bool[timestamps.Length];
        for (int t = 0; t < toTest.Length; t++)
        {
            toTest[t] = timestamps[t] >= cutoff;
        }

        return Partition(userItems, toTest);
    }

    /// <summary>
    /// The latest <paramref name="testFraction"/> of all interactions (by timestamp, ties by position) go
    /// to test (a global temporal split by fraction).
    /// </summary>
    public static TrainTestSplit ByTimestampFraction(CsrMatrix userItems, ReadOnlySpan<long> timestamps, double testFraction)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        CheckTimestamps(userItems, timestamps);
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be in [0, 1].");
        }

        int n = timestamps.Length;
        int nTest = (int)Math.Round(n * testFraction, MidpointRounding.AwayFromZero);
        long[] keys = timestamps.ToArray();
        int[] idx = new int[n];
        for (int t = 0; t < n; t++)
        {
            idx[t] = t;
        }

        Array.Sort(idx, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
        var toTest = new bool[n];
        for (int t = n - nTest; t < n; t++)
        {
            toTest[idx[t]] = true;
        }

        return Partition(userItems, toTest);
    }

    private static void CheckTimestamps(CsrMatrix m, ReadOnlySpan<long> timestamps)
    {
        if (timestamps.Length != CheckedNnz(m))
        {
            throw new ArgumentException($"timestamps has {timestamps.Length} entries; the matrix has {m.Nnz} non-zeros (one timestamp per non-zero, in CSR order).", nameof(timestamps));
        }
    }

    private static int CheckedNnz(CsrMatrix m) => m.Nnz <= Array.MaxLength
        ? (int)m.Nnz
        : throw new NotSupportedException($"Splitting a matrix of {m.Nnz} non-zeros (more than an array holds) is not supported.");

    private static TrainTestSplit Partition(CsrMatrix m, bool[] toTest)
    {
        ReadOnlySpan<long> off = m.RowOffsets;
        ReadOnlySpan<int> cols = m.ColIndices;
        ReadOnlySpan<float> vals = m.Values;
        int nTest = 0;
        foreach (bool b in toTest)
        {
            nTest += b ? 1 : 0;
        }

        var trOff = new long[m.Rows + 1];
        var teOff = new long[m.Rows + 1];
        var trCol = new int[toTest.Length - nTest];
        var trVal = new float[trCol.Length];
        var teCol = new int[nTest];
        var teVal = new float[nTest];
        int a = 0, b2 = 0;
        for (int u = 0; u < m.Rows; u++)
        {
            for (long t = off[u]; t < off[u + 1]; t++)
            {
                if (toTest[t])
                {
                    teCol[b2] = cols[(int)t];
                    teVal[b2++] = vals[(int)t];
                }
                else
                {
                    trCol[a] = cols[(int)t];
                    trVal[a++] = vals[(int)t];
                }
            }

            trOff[u + 1] = a;
            teOff[u + 1] = b2;
        }

        // Trusted: each row keeps a subsequence of a validated row of m (columns stay in range and increasing).
        return new TrainTestSplit(
            CsrMatrix.FromTrustedArrays(m.Rows, m.Cols, trOff, trCol, trVal),
            CsrMatrix.FromTrustedArrays(m.Rows, m.Cols, teOff, teCol, teVal));
    }

    /// <summary>SplitMix64: a tiny, platform-independent seeded generator.</summary>
    internal struct SplitMix64(int seed)
    {
        private ulong _state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        public ulong NextBelow(ulong n) => (ulong)(((UInt128)Next() * n) >> 64);
    }
}
