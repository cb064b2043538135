using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The extended Gram matrix <c>E = sum_r e_r e_r^T</c> of one side (all its rows, including rows with no
/// interactions), with <c>e_r = (f_r, 1, bias_r)</c> for the biased models and <c>e_r = f_r</c> otherwise.
/// Stored full and symmetric in double, <c>W x W</c> (<see cref="AlsLayout.W"/>), entries past the
/// extended dimension zero.
/// </summary>
/// <remarks>
/// Its leading <c>(k+1) x (k+1)</c> block is <c>Y~'Y~</c> (the implicit models' once-per-half-step
/// precomputation), column <c>k+1</c> holds <c>Y~'g</c> (the unobserved pairs' share of the biased
/// implicit right-hand side) and the corner <c>g'g</c>. Summed over fixed row chunks in a fixed order,
/// so it does not depend on the thread count.
/// </remarks>
internal sealed class GramMatrix
{
    /// <summary>Rows per fixed chunk of the parallel Gram pass (the chunking never depends on threads).</summary>
    internal const int ChunkRows = 512;

    /// <summary>Rows copied into one extended block before the SYRK kernel runs on it.</summary>
    internal const int BlockRows = 64;

    public GramMatrix(AlsLayout layout)
    {
        Layout = layout;
        Values = new double[layout.W * layout.W];
    }

    public AlsLayout Layout { get; }

    /// <summary>Row-major W x W values.</summary>
    public double[] Values { get; }

    public double this[int p, int q] => Values[p * Layout.W + q];

    /// <summary>The matrix in single precision (for the solves), into <paramref name="into"/> (W x W floats).</summary>
    public void ToSingle(Span<float> into)
    {
        if (into.Length != Values.Length)
        {
            throw new ArgumentException($"The Gram matrix has {Values.Length} entries; the buffer {into.Length}.", nameof(into));
        }

        for (int i = 0; i < into.Length; i++)
        {
            into[i] = (float)Values[i];
        }
    }

    /// <summary>
    /// <c>sum_{u,i} pred_ui^2</c> over all pairs of a row set X (this matrix, the side whose rows carry
    /// their own bias at k+1) and Y (<paramref name="other"/>): <c>&lt;P E_X P, E_Y&gt;</c> where P swaps
    /// the indices k and k+1 so that <c>(x, b, 1) . (y, 1, g) = x.y + b + g</c>.
    /// </summary>
    public double PairSquareSum(GramMatrix other)
    {
        int w = Layout.W, e = Layout.E, k = Layout.K;
        double s = 0;
        for (int p = 0; p < e; p++)
        {
            int pp = Layout.Biased && p >= k ? (2 * k + 1) - p : p;
            for (int q = 0; q < e; q++)
            {
                int qq = Layout.Biased && q >= k ? (2 * k + 1) - q : q;
                s += Values[pp * w + qq] * other.Values[p * w + q];
            }
        }

        return s;
    }

    /// <summary>The Gram matrix of all rows of a side (same fixed chunking as a training half-step, so the same bits).</summary>
    public static GramMatrix Compute(AlsLayout layout, KernelSet kernels, FactorMatrix factors, float[]? biases, int threads = 1)
    {
        var g = new GramMatrix(layout);
        (int count, _) = HalfStepSolver.GramChunking(factors.Rows, layout.W);
        var partials = new double[count][];
        for (int i = 0; i < count; i++)
        {
            partials[i] = new double[layout.W * layout.W];
        }

        int workers = Math.Max(1, Math.Min(threads, count));
        var scratches = new GramScratch[workers];
        for (int i = 0; i < workers; i++)
        {
            scratches[i] = new GramScratch(layout);
        }

        HalfStepSolver.ComputeGram(layout, kernels, factors, biases, g, partials, scratches, workers);
        return g;
    }

    /// <summary>
    /// Adds the upper triangle (tile-wise) of <c>sum e_r e_r^T</c> over rows [start, end) into <paramref name="acc"/>,
    /// in blocks of <see cref="BlockRows"/> rows summed in float by the SYRK kernel, then in double.
    /// </summary>
    internal static unsafe void AccumulateRows(AlsLayout layout, KernelSet kernels, FactorMatrix factors, float[]? biases, int start, int end, GramScratch scratch, double[] acc)
    {
        int w = layout.W, k = layout.K, s = layout.FactorStride;
        float[] block = scratch.Block;
        float[] tile = scratch.Tile;
        float* f = factors.Pointer;
        for (int b = start; b < end; b += BlockRows)
        {
            int n = Math.Min(BlockRows, end - b);
            for (int j = 0; j < n; j++)
            {
                Span<float> dst = block.AsSpan(j * w, w);
                new ReadOnlySpan<float>(f + (long)(b + j) * s, s).CopyTo(dst);
                if (layout.Biased)
                {
                    dst[s..].Clear();
                    dst[k] = 1f;
                    dst[k + 1] = biases![b + j];
                }
            }

            Array.Clear(tile);
            kernels.SyrkUpper(block, n, w, tile);
            for (int p = 0; p < w; p++)
            {
                int q0 = p & ~15;
                for (int q = q0; q < w; q++)
                {
                    acc[p * w + q] += tile[p * w + q];
                }
            }
        }
    }

    internal static void Add(double[] src, double[] dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] += src[i];
        }
    }

    /// <summary>Copies the upper triangle to the lower one.</summary>
    internal void Symmetrize()
    {
        int w = Layout.W;
        for (int p = 1; p < w; p++)
        {
            for (int q = 0; q < p; q++)
            {
                Values[p * w + q] = Values[q * w + p];
            }
        }
    }
}

/// <summary>Per-worker buffers of the Gram pass.</summary>
internal sealed class GramScratch
{
    public GramScratch(AlsLayout layout)
    {
        Block = new float[GramMatrix.BlockRows * layout.W];
        Tile = new float[layout.W * layout.W];
    }

    public float[] Block { get; }

    public float[] Tile { get; }
}
