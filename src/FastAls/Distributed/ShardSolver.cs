using System.Runtime.InteropServices;
using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls;

/// <summary>The loss terms of one solved block of rows.</summary>
/// <param name="Loss">The block's data term (for the implicit models without the unobserved pairs' share: add <see cref="ShardSolver.GramPairSquareSum"/> of the reduced Gram matrices once per half-step).</param>
/// <param name="Regularization">The block's regularization term.</param>
public readonly record struct ShardResult(double Loss, double Regularization);

/// <summary>
/// The primitives of distributed training: one half-step of ALS split into blocks of rows that any process can solve,
/// with the same bits as <see cref="AlsModel.Fit"/> on the same kernel path.
/// </summary>
/// <remarks>
/// <para>A half-step solves one side (users or items) with the other, the fixed side, held constant. A block is a
/// range of rows of the solved side as CSR (<c>long</c> row offsets from 0, <c>int</c> column indices into the fixed
/// side, strictly increasing per row, finite <c>float</c> values). Factor arrays are row-major, <c>k</c> floats a row;
/// biases (biased models only; pass empty spans otherwise) one float a row.</para>
/// <para>The Gram matrices are the extended <c>W x W</c> matrices (<see cref="GramWidth"/>) as row-major doubles.
/// For bit-identical results, compute a side's Gram matrix as per-chunk partials on its fixed chunking
/// (<see cref="GramChunking"/>, <see cref="ComputeGramPartials"/>) and reduce all chunks in chunk order
/// (<see cref="ReduceGram"/>); a block whose rows start and end on chunk boundaries yields exactly its chunks'
/// partials.</para>
/// <para><c>threads</c> arguments: 0 means all processors.</para>
/// <para>Use <see cref="FixedSide"/> to keep the fixed side across the blocks of a half-step instead of passing it to
/// every <see cref="Solve"/>.</para>
/// </remarks>
public static unsafe class ShardSolver
{
    /// <summary>The width W of the extended Gram matrices for these options: k (+2 for biased models) rounded up to 16.</summary>
    public static int GramWidth(AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return AlsLayout.For(options).W;
    }

    /// <summary>The extended Gram matrix of a whole side's factors (and biases), as training computes it (same chunking, same bits).</summary>
    /// <param name="options">The model options (kind and factors matter).</param>
    /// <param name="factors">rows x k floats.</param>
    /// <param name="biases">rows floats for biased models, else empty.</param>
    /// <param name="gram">Receives W x W doubles.</param>
    /// <param name="threads">Worker threads (0: all processors).</param>
    public static void ComputeGram(AlsOptions options, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, Span<double> gram, int threads = 0)
    {
        AlsLayout layout = Layout(options);
        int rows = RowsOf(factors, options.Factors, nameof(factors));
        CheckLength(biases.Length, options.HasBiases ? rows : 0, nameof(biases));
        CheckLength(gram.Length, (long)layout.W * layout.W, nameof(gram));
        CheckFinite(factors, nameof(factors));
        CheckFinite(biases, nameof(biases));
        using FactorMatrix fm = Copy(rows, options.Factors, factors);
        float[]? b = options.HasBiases ? biases.ToArray() : null;
        GramMatrix g = GramMatrix.Compute(layout, KernelSet.Active, fm, b, Threads(threads));
        g.Values.CopyTo(gram);
    }

    /// <summary>The fixed chunking of a side's Gram pass: blocks whose rows start and end on its boundaries get exact Gram partials.</summary>
    /// <param name="options">The model options.</param>
    /// <param name="rows">Rows of the whole side.</param>
    /// <returns>The number of chunks and the rows per chunk (the last may be shorter).</returns>
    public static (int Count, int Size) GramChunking(AlsOptions options, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return HalfStepSolver.GramChunking(rows, Layout(options).W);
    }

    /// <summary>
    /// The per-chunk Gram partials of the block of rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + rows) of
    /// a side of <paramref name="totalRows"/> rows, which must start and end on the side's chunk boundaries: one W x W
    /// partial (upper triangle) per chunk the block covers, with exactly the bits training computes for that chunk.
    /// </summary>
    /// <param name="options">The model options.</param>
    /// <param name="totalRows">Rows of the whole side.</param>
    /// <param name="firstRow">The block's first row.</param>
    /// <param name="factors">The block's rows x k floats.</param>
    /// <param name="biases">The block's rows floats for biased models, else empty.</param>
    /// <param name="partials">Receives (chunks covered) x W x W doubles.</param>
    /// <param name="threads">Worker threads (0: all processors).</param>
    public static void ComputeGramPartials(AlsOptions options, int totalRows, int firstRow, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, Span<double> partials, int threads = 0)
    {
        AlsLayout layout = Layout(options);
        int rows = RowsOf(factors, options.Factors, nameof(factors));
        HalfStepSolver.ChunkSpan(totalRows, layout.W, firstRow, rows);
        CheckLength(biases.Length, options.HasBiases ? rows : 0, nameof(biases));
        using FactorMatrix fm = Copy(rows, options.Factors, factors);
        float[]? b = options.HasBiases ? biases.ToArray() : null;
        HalfStepSolver.ComputeGramPartials(layout, KernelSet.Active, totalRows, firstRow, fm, b, partials, Threads(threads));
    }

    /// <summary>Reduces a side's per-chunk Gram partials (all chunks, in chunk order) to its Gram matrix, as training does.</summary>
    /// <param name="options">The model options.</param>
    /// <param name="partials">(chunks) x W x W doubles, chunk 0 first.</param>
    /// <param name="gram">Receives W x W doubles.</param>
    public static void ReduceGram(AlsOptions options, ReadOnlySpan<double> partials, Span<double> gram)
    {
        AlsLayout layout = Layout(options);
        int size = layout.W * layout.W;
        if (partials.Length % size != 0)
        {
            throw new ArgumentException($"partials has {partials.Length} entries, not a multiple of W x W = {size}.", nameof(partials));
        }

        CheckLength(gram.Length, size, nameof(gram));
        int count = partials.Length / size;
        var list = new double[count][];
        for (int c = 0; c < count; c++)
        {
            list[c] = partials.Slice(c * size, size).ToArray();
        }

        var g = new GramMatrix(layout);
        HalfStepSolver.ReduceGram(list, count, g);
        g.Values.CopyTo(gram);
    }

    /// <summary>The implicit models' unobserved-pairs share of the loss: the sum over all pairs of pred^2, from the solved side's and the fixed side's Gram matrices.</summary>
    /// <param name="options">The model options.</param>
    /// <param name="solvedGram">The solved side's W x W Gram matrix.</param>
    /// <param name="fixedGram">The fixed side's W x W Gram matrix.</param>
    /// <returns>The sum.</returns>
    public static double GramPairSquareSum(AlsOptions options, ReadOnlySpan<double> solvedGram, ReadOnlySpan<double> fixedGram)
    {
        AlsLayout layout = Layout(options);
        CheckLength(solvedGram.Length, (long)layout.W * layout.W, nameof(solvedGram));
        CheckLength(fixedGram.Length, (long)layout.W * layout.W, nameof(fixedGram));
        var a = new GramMatrix(layout);
        var b = new GramMatrix(layout);
        solvedGram.CopyTo(a.Values);
        fixedGram.CopyTo(b.Values);
        return a.PairSquareSum(b);
    }

    /// <summary>
    /// Solves a block of rows against fixed factors and the fixed side's Gram matrix in one call (the fixed side is
    /// copied for the call; see <see cref="FixedSide"/> to keep it): writes the solved rows (and biases) and the block's
    /// partial Gram matrix. <paramref name="solved"/> holds the CG starting point on input.
    /// </summary>
    /// <param name="options">The model options.</param>
    /// <param name="fixedRows">Rows of the fixed side (the block's column count).</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets of the block, from 0.</param>
    /// <param name="colIndices">Fixed-side row of each entry, strictly increasing per row.</param>
    /// <param name="values">Value of each entry.</param>
    /// <param name="fixedFactors">fixedRows x k floats.</param>
    /// <param name="fixedBiases">fixedRows floats for biased models, else empty.</param>
    /// <param name="fixedGram">The fixed side's W x W Gram matrix (required for the implicit models; may be empty for the explicit ones).</param>
    /// <param name="globalMean">mu (biased explicit model), else 0.</param>
    /// <param name="solved">rows x k floats: start on input, solution on output.</param>
    /// <param name="solvedBiases">rows floats for biased models, else empty.</param>
    /// <param name="solvedGram">Receives the block's partial W x W Gram matrix.</param>
    /// <param name="threads">Worker threads (0: all processors).</param>
    /// <returns>The block's loss terms.</returns>
    /// <exception cref="AlsNumericalException">A row's solution is not finite (its <see cref="AlsNumericalException.Row"/> is block-local).</exception>
    public static ShardResult Solve(
        AlsOptions options,
        int fixedRows,
        ReadOnlySpan<long> rowOffsets,
        ReadOnlySpan<int> colIndices,
        ReadOnlySpan<float> values,
        ReadOnlySpan<float> fixedFactors,
        ReadOnlySpan<float> fixedBiases,
        ReadOnlySpan<double> fixedGram,
        float globalMean,
        Span<float> solved,
        Span<float> solvedBiases,
        Span<double> solvedGram,
        int threads = 0)
    {
        AlsLayout layout = Layout(options);
        ArgumentOutOfRangeException.ThrowIfNegative(fixedRows);
        int rows = BlockRows(rowOffsets);
        long nnz = rowOffsets[rows];
        CheckLength(colIndices.Length, nnz, nameof(colIndices));
        CheckLength(values.Length, nnz, nameof(values));
        CheckLength(fixedFactors.Length, (long)fixedRows * options.Factors, nameof(fixedFactors));
        CheckLength(fixedBiases.Length, options.HasBiases ? fixedRows : 0, nameof(fixedBiases));
        CheckLength(solved.Length, (long)rows * options.Factors, nameof(solved));
        CheckLength(solvedBiases.Length, options.HasBiases ? rows : 0, nameof(solvedBiases));
        CheckLength(solvedGram.Length, (long)layout.W * layout.W, nameof(solvedGram));
        if (fixedGram.Length > 0 || options.IsImplicit)
        {
            CheckLength(fixedGram.Length, (long)layout.W * layout.W, nameof(fixedGram));
        }

        CheckGlobalMean(globalMean);
        CheckFinite(fixedFactors, nameof(fixedFactors));
        CheckFinite(fixedBiases, nameof(fixedBiases));
        CheckFinite(solved, nameof(solved));
        CheckFinite(solvedBiases, nameof(solvedBiases));
        CheckFinite(fixedGram, nameof(fixedGram));

        fixed (long* po = &MemoryMarshal.GetReference(rowOffsets))
        fixed (int* pc = &MemoryMarshal.GetReference(colIndices))
        fixed (float* pv = &MemoryMarshal.GetReference(values))
        {
            using CsrMatrix block = Block(rows, fixedRows, po, pc, pv);
            return SolveBlock(options, block, fixedFactors, fixedBiases, fixedGram, globalMean, solved, solvedBiases, solvedGram, threads);
        }
    }

    private static ShardResult SolveBlock(
        AlsOptions options,
        CsrMatrix block,
        ReadOnlySpan<float> fixedFactors,
        ReadOnlySpan<float> fixedBiases,
        ReadOnlySpan<double> fixedGram,
        float globalMean,
        Span<float> solved,
        Span<float> solvedBiases,
        Span<double> solvedGram,
        int threads)
    {
        int rows = block.Rows, fixedRows = block.Cols;
        using FactorMatrix fixedFm = Copy(fixedRows, options.Factors, fixedFactors);
        float[]? fixedB = options.HasBiases ? fixedBiases.ToArray() : null;
        using FactorMatrix solvedFm = Copy(rows, options.Factors, solved);
        float[]? solvedB = options.HasBiases ? solvedBiases.ToArray() : null;
        HalfStepResult r = HalfStepSolver.SolveShard(options, block, fixedFm, fixedB, fixedGram, globalMean, solvedFm, solvedB, solvedGram, Threads(threads));
        if (r.NonFiniteRow >= 0)
        {
            throw new AlsNumericalException(
                $"Block row {r.NonFiniteRow} has a non-finite solution: the inputs overflowed float32. Increase regularization or rescale the data.",
                "block",
                r.NonFiniteRow);
        }

        solvedFm.CopyTo(solved);
        solvedB?.CopyTo(solvedBiases);
        return new ShardResult(r.Loss, r.Regularization);
    }

    /// <summary>
    /// The starting factors of rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + rows) of one side, exactly as
    /// <see cref="AlsModel.Fit"/> starts them (counter-based by seed, side and row): rows with interactions
    /// (<c>rowOffsets[r + 1] &gt; rowOffsets[r]</c>) get seeded values, the others zero.
    /// </summary>
    /// <param name="options">The model options (seed, factors, init scale).</param>
    /// <param name="side">The side the rows belong to.</param>
    /// <param name="firstRow">Global index of the first row.</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets of the rows (only the row lengths matter).</param>
    /// <param name="factors">Receives rows x k floats.</param>
    public static void InitRows(AlsOptions options, AlsHalfStep side, int firstRow, ReadOnlySpan<long> rowOffsets, Span<float> factors)
    {
        Layout(options);
        if (side is not (AlsHalfStep.Users or AlsHalfStep.Items))
        {
            throw new ArgumentOutOfRangeException(nameof(side), side, "side must be Users or Items.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        if (rowOffsets.Length < 1)
        {
            throw new ArgumentException("rowOffsets needs rows + 1 entries (got none).", nameof(rowOffsets));
        }

        int rows = rowOffsets.Length - 1;
        CheckLength(factors.Length, (long)rows * options.Factors, nameof(factors));
        using var fm = new FactorMatrix(rows, options.Factors);
        RowInit.Fill(options, (int)side, firstRow, rowOffsets, fm);
        fm.CopyTo(factors);
    }

    /// <summary>
    /// Per-chunk sums of the values of a block of user rows on the user side's Gram chunking (the block aligned to it):
    /// a biased explicit fit's global mean is <c>(float)(sum of all chunks' sums, in chunk order, / nnz)</c>.
    /// </summary>
    /// <param name="options">The model options.</param>
    /// <param name="totalRows">Rows of the side.</param>
    /// <param name="firstRow">The block's first row.</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets of the block, from 0 to the number of values.</param>
    /// <param name="values">The block's values.</param>
    /// <param name="sums">Receives one double per chunk the block covers.</param>
    public static void ValueSums(AlsOptions options, int totalRows, int firstRow, ReadOnlySpan<long> rowOffsets, ReadOnlySpan<float> values, Span<double> sums)
    {
        AlsLayout layout = Layout(options);
        if (rowOffsets.Length < 1)
        {
            throw new ArgumentException("rowOffsets needs rows + 1 entries (got none).", nameof(rowOffsets));
        }

        int rows = rowOffsets.Length - 1;
        if (rowOffsets[0] != 0 || rowOffsets[rows] != values.Length)
        {
            throw new ArgumentException($"rowOffsets must run from 0 to the {values.Length} values (got {rowOffsets[0]} to {rowOffsets[rows]}).", nameof(rowOffsets));
        }

        for (int r = 0; r < rows; r++)
        {
            if (rowOffsets[r + 1] < rowOffsets[r])
            {
                throw new ArgumentException($"rowOffsets decreases at row {(long)firstRow + r}.", nameof(rowOffsets));
            }
        }

        long[] off = rowOffsets.ToArray();
        float[] vals = values.ToArray();
        RowInit.ValueSums(layout, totalRows, firstRow, rows, r => vals.AsSpan((int)off[r], (int)(off[r + 1] - off[r])), sums);
    }

    internal static AlsLayout Layout(AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return AlsLayout.For(options);
    }

    /// <summary>
    /// The validated CSR view of a caller's block, without a copy (the caller has pinned the three arrays for the
    /// block's lifetime); errors count rows from the block's first row.
    /// </summary>
    internal static CsrMatrix Block(int rows, int cols, long* rowOffsets, int* colIndices, float* values) =>
        CsrMatrix.FromPointers(rows, cols, rowOffsets, colIndices, values);

    internal static int BlockRows(ReadOnlySpan<long> rowOffsets)
    {
        if (rowOffsets.Length < 1)
        {
            throw new ArgumentException("rowOffsets needs rows + 1 entries (got none).", nameof(rowOffsets));
        }

        return rowOffsets.Length - 1;
    }

    internal static FactorMatrix Copy(int rows, int factors, ReadOnlySpan<float> source)
    {
        var fm = new FactorMatrix(rows, factors);
        fm.CopyFrom(source);
        return fm;
    }

    internal static int RowsOf(ReadOnlySpan<float> factors, int k, string name)
    {
        if (factors.Length % k != 0)
        {
            throw new ArgumentException($"{name} has {factors.Length} entries, not a multiple of k = {k}.", name);
        }

        return factors.Length / k;
    }

    internal static int Threads(int threads) =>
        threads < 0 ? throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be >= 0 (0: all processors).") : threads == 0 ? Environment.ProcessorCount : threads;

    internal static void CheckGlobalMean(float globalMean)
    {
        if (!float.IsFinite(globalMean))
        {
            throw new ArgumentException($"globalMean must be finite (got {globalMean}).", nameof(globalMean));
        }
    }

    internal static void CheckLength(long actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} entries; {expected} are needed.", name);
        }
    }

    internal static void CheckFinite(ReadOnlySpan<float> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is not finite ({values[i]}).", name);
            }
        }
    }

    internal static void CheckFinite(ReadOnlySpan<double> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is not finite ({values[i]}).", name);
            }
        }
    }
}
