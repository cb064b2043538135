namespace FastAls.Internals.Solvers;

/// <summary>
/// Counter-based starting factors: the value of (seed, side, row, column) is a pure function of those four
/// numbers (SplitMix64 hashes feeding a Box-Muller normal), so any process can initialise any range of rows
/// and get the bits a single-process fit gets. Rows without interactions start (and stay) at zero.
/// </summary>
internal static class RowInit
{
    /// <summary>Rows per part of a parallel fill.</summary>
    private const int FillRows = 1024;

    /// <summary>
    /// Fills rows [firstRow, firstRow + factors.Rows) of a side (0: users, 1: items); row r has interactions when
    /// offsets[r + 1] &gt; offsets[r] (block-local r). Parts of rows run on up to <see cref="AlsOptions.Threads"/>
    /// workers; every row's bits are a function of (seed, side, row) alone, so they do not depend on the split.
    /// </summary>
    public static unsafe void Fill(AlsOptions options, int side, int firstRow, ReadOnlySpan<long> rowOffsets, FactorMatrix factors)
    {
        if (rowOffsets.Length != (long)factors.Rows + 1)
        {
            throw new ArgumentException($"row_offsets has {rowOffsets.Length} entries; {(long)factors.Rows + 1} are needed.", nameof(rowOffsets));
        }

        float scale = options.InitScale / MathF.Sqrt(options.Factors);
        int rows = factors.Rows;
        int parts = (rows + FillRows - 1) / FillRows;
        fixed (long* offsets = rowOffsets)
        {
            long* off = offsets;
            int next = -1;
            HalfStepSolver.RunWorkers(Math.Min(AlsTrainer.ResolveThreads(options.Threads), parts), _ =>
            {
                int part;
                while ((part = Interlocked.Increment(ref next)) < parts)
                {
                    int end = Math.Min(rows, (part + 1) * FillRows);
                    for (int r = part * FillRows; r < end; r++)
                    {
                        Span<float> f = factors.Row(r);
                        if (off[r + 1] > off[r])
                        {
                            FillRow(options.Seed, side, (long)firstRow + r, f, scale);
                        }
                        else
                        {
                            f.Clear();
                        }
                    }
                }
            });
        }
    }

    /// <summary>The starting factors of one row: f[i] = scale * N(0, 1) drawn from hashes of (seed, side, row, i).</summary>
    public static void FillRow(int seed, int side, long row, Span<float> f, float scale)
    {
        ulong key = Mix((ulong)(uint)seed ^ 0x5FA1_5A15_0000_0000UL);
        key = Mix(key ^ ((ulong)(uint)side << 48) ^ (ulong)row);
        for (int i = 0; i < f.Length; i++)
        {
            ulong h1 = Mix(key ^ ((ulong)i << 1));
            ulong h2 = Mix(key ^ (((ulong)i << 1) | 1));
            double u1 = 1.0 - ((h1 >> 11) * (1.0 / (1UL << 53))); // (0, 1]
            double u2 = (h2 >> 11) * (1.0 / (1UL << 53));          // [0, 1)
            double g = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            f[i] = (float)(g * scale);
        }
    }

    /// <summary>The values of one block-local row.</summary>
    internal delegate ReadOnlySpan<float> RowValues(int row);

    /// <summary>
    /// Per-chunk sums (in double, row order within a chunk) of the values of rows [firstRow, firstRow + rows) of a
    /// side of totalRows rows, on the side's fixed Gram chunking; the block must be aligned to it. The global mean
    /// of a biased explicit fit is the sum of all chunks' sums in chunk order over nnz, so blocks agree with fit.
    /// </summary>
    public static void ValueSums(AlsLayout layout, int totalRows, int firstRow, int rows, RowValues rowValues, Span<double> sums)
    {
        (int first, int count) = HalfStepSolver.ChunkSpan(totalRows, layout.W, firstRow, rows);
        (_, int size) = HalfStepSolver.GramChunking(totalRows, layout.W);
        if (sums.Length != count)
        {
            throw new ArgumentException($"sums has {sums.Length} entries; the block covers {count} chunks.", nameof(sums));
        }

        for (int c = 0; c < count; c++)
        {
            int start = (first + c) * size - firstRow, end = Math.Min(rows, start + size);
            double s = 0;
            for (int r = start; r < end; r++)
            {
                foreach (float v in rowValues(r))
                {
                    s += v;
                }
            }

            sums[c] = s;
        }
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
