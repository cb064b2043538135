using FastAls.Interop;

namespace FastAls.Native;

/// <summary>
/// The C face of <see cref="ShardSolver"/>, the distributed-engine primitive: solve a block of rows against fixed factors and the fixed side's Gram
/// matrix, returning the solved rows, the block's partial Gram matrix and its loss. Summing the partial Gram
/// matrices of all blocks of a side gives the fixed Gram matrix of the next half-step.
/// </summary>
internal static unsafe partial class Exports
{
    /// <summary>The width W of the (row-major W x W) extended Gram matrices for these options: k (+2 for biased models) rounded up to 16.</summary>
    /// <param name="options">the model options (kind and factors matter)</param>
    /// <returns>W</returns>
    [FastAlsExport("fastals_gram_width", Result = "width")]
    internal static int GramWidth(in FastAlsFitOptions options) => ShardSolver.GramWidth(options.ToOptions());

    /// <summary>The extended Gram matrix of a side's factors (and biases), as training computes it (same chunking, same bits).</summary>
    /// <param name="options">the model options</param>
    /// <param name="rows">number of rows of the side</param>
    /// <param name="factors">rows * factors floats, row-major</param>
    /// <param name="biases">rows floats for biased models, else empty</param>
    /// <param name="threads">worker threads (0: all processors)</param>
    /// <param name="gram">receives W * W doubles</param>
    [FastAlsExport("fastals_gram_compute")]
    internal static void GramCompute(in FastAlsFitOptions options, int rows, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, int threads, Span<double> gram)
    {
        AlsOptions o = options.ToOptions();
        CheckLength(factors.Length, (long)rows * o.Factors, nameof(factors));
        ShardSolver.ComputeGram(o, factors, biases, gram, Threads(threads));
    }

    /// <summary>
    /// Solves the rows of a CSR block (rows x fixed_rows; its columns index the fixed side) against the fixed factors:
    /// writes the solved factors (and biases), the block's partial extended Gram matrix and the block's share of
    /// the loss and regularization. solved holds the CG starting point on input.
    /// </summary>
    /// <param name="options">the model options</param>
    /// <param name="rows">rows in the block</param>
    /// <param name="fixedRows">rows of the fixed side (the block's column count)</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets</param>
    /// <param name="colIndices">fixed-side index of each entry, strictly increasing per row</param>
    /// <param name="values">value of each entry</param>
    /// <param name="fixedFactors">fixed_rows * factors floats</param>
    /// <param name="fixedBiases">fixed_rows floats for biased models, else empty</param>
    /// <param name="fixedGram">W * W doubles: the fixed side's extended Gram matrix (required for implicit models; may be empty for explicit ones)</param>
    /// <param name="globalMean">mu (biased explicit model), else 0</param>
    /// <param name="threads">worker threads (0: all processors)</param>
    /// <param name="solved">rows * factors floats: start on input, solution on output</param>
    /// <param name="solvedBiases">rows floats for biased models, else empty</param>
    /// <param name="solvedGram">receives the block's partial W * W Gram matrix</param>
    /// <param name="loss">receives the block's data term</param>
    /// <param name="regularization">receives the block's regularization term</param>
    [FastAlsExport("fastals_shard_solve")]
    internal static void ShardSolve(
        in FastAlsFitOptions options,
        int rows,
        int fixedRows,
        ReadOnlySpan<long> rowOffsets,
        ReadOnlySpan<int> colIndices,
        ReadOnlySpan<float> values,
        ReadOnlySpan<float> fixedFactors,
        ReadOnlySpan<float> fixedBiases,
        ReadOnlySpan<double> fixedGram,
        float globalMean,
        int threads,
        Span<float> solved,
        Span<float> solvedBiases,
        Span<double> solvedGram,
        out double loss,
        out double regularization)
    {
        AlsOptions o = options.ToOptions();
        if (rows < 0 || fixedRows < 0)
        {
            throw new ArgumentException($"rows and fixed_rows must be >= 0 (got {rows}, {fixedRows}).", nameof(rows));
        }

        // The C call states rows and fixed_rows; the .NET API checks every array against them (and the structure).
        CheckLength(rowOffsets.Length, (long)rows + 1, "row_offsets");
        CheckLength(fixedFactors.Length, (long)fixedRows * o.Factors, "fixed_factors");
        ShardResult r = ShardSolver.Solve(o, fixedRows, rowOffsets, colIndices, values, fixedFactors, fixedBiases, fixedGram, globalMean, solved, solvedBiases, solvedGram, Threads(threads));
        loss = r.Loss;
        regularization = r.Regularization;
    }

    private static int Threads(int threads) =>
        threads < 0 ? throw new ArgumentException($"threads must be >= 0 (got {threads}).", nameof(threads)) : threads == 0 ? Environment.ProcessorCount : threads;

    private static void CheckLength(long actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} entries; {expected} are needed.", name);
        }
    }
}
