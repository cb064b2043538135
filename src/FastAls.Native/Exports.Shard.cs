using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastAls.Interop;
using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls.Native;

/// <summary>
/// The distributed-engine primitive: solve a block of rows against fixed factors and the fixed side's Gram
/// matrix, returning the solved rows, the block's partial Gram matrix and its loss. Summing the partial Gram
/// matrices of all blocks of a side gives the fixed Gram matrix of the next half-step.
/// </summary>
internal static unsafe partial class Exports
{
    /// <summary>The width W of the (row-major W x W) extended Gram matrices for these options: k (+2 for biased models) rounded up to 16.</summary>
    /// <param name="options">the model options (kind and factors matter)</param>
    /// <returns>W</returns>
    [FastAlsExport("fastals_gram_width", Result = "width")]
    internal static int GramWidth(in FastAlsFitOptions options) => AlsLayout.For(options.ToOptions()).W;

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
        var layout = AlsLayout.For(o);
        CheckLength(factors.Length, (long)rows * o.Factors, nameof(factors));
        CheckLength(biases.Length, o.HasBiases ? rows : 0, nameof(biases));
        CheckLength(gram.Length, (long)layout.W * layout.W, nameof(gram));
        CheckFinite(factors, nameof(factors));
        CheckFinite(biases, nameof(biases));
        using FactorMatrix fm = Factors(rows, o, factors, nameof(factors));
        float[]? b = Biases(rows, o, biases, nameof(biases));
        GramMatrix g = GramMatrix.Compute(layout, KernelSet.Active, fm, b, Threads(threads));
        g.Values.CopyTo(gram);
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
        var layout = AlsLayout.For(o);
        if (rows < 0 || fixedRows < 0)
        {
            throw new ArgumentException($"rows and fixed_rows must be >= 0 (got {rows}, {fixedRows}).", nameof(rows));
        }

        // Every length first (each array against the shapes), then the CSR structure: the structure pass reads
        // col_indices and values as far as row_offsets says, so those must be known to hold nnz entries.
        CheckLength(rowOffsets.Length, (long)rows + 1, "row_offsets");
        long nnz = rowOffsets[rows];
        CheckLength(colIndices.Length, nnz, "col_indices");
        CheckLength(values.Length, nnz, "values");
        CheckLength(fixedFactors.Length, (long)fixedRows * o.Factors, "fixed_factors");
        CheckLength(fixedBiases.Length, o.HasBiases ? fixedRows : 0, "fixed_biases");
        CheckLength(solved.Length, (long)rows * o.Factors, "solved");
        CheckLength(solvedBiases.Length, o.HasBiases ? rows : 0, "solved_biases");
        CheckLength(solvedGram.Length, (long)layout.W * layout.W, "solved_gram");
        if (fixedGram.Length > 0 || o.IsImplicit)
        {
            CheckLength(fixedGram.Length, (long)layout.W * layout.W, "fixed_gram");
        }

        if (!float.IsFinite(globalMean))
        {
            throw new ArgumentException($"global_mean must be finite (got {globalMean}).", nameof(globalMean));
        }

        CheckFinite(fixedFactors, "fixed_factors");
        CheckFinite(fixedBiases, "fixed_biases");
        CheckFinite(solved, "solved");
        CheckFinite(solvedBiases, "solved_biases");
        CheckFinite(fixedGram, "fixed_gram");

        using CsrMatrix block = CsrMatrix.FromPointers(
            rows,
            fixedRows,
            (long*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(rowOffsets)),
            (int*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(colIndices)),
            (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(values)));
        using FactorMatrix fixedFm = Factors(fixedRows, o, fixedFactors, "fixed_factors");
        float[]? fixedB = Biases(fixedRows, o, fixedBiases, "fixed_biases");
        using FactorMatrix solvedFm = Factors(rows, o, solved, "solved");
        float[]? solvedB = Biases(rows, o, solvedBiases, "solved_biases");
        HalfStepResult r = HalfStepSolver.SolveShard(o, block, fixedFm, fixedB, fixedGram, globalMean, solvedFm, solvedB, solvedGram, Threads(threads));
        if (r.NonFiniteRow >= 0)
        {
            throw new AlsNumericalException(
                $"Block row {r.NonFiniteRow} has a non-finite solution: the inputs overflowed float32. Increase regularization or rescale the data.",
                "block",
                r.NonFiniteRow);
        }

        solvedFm.CopyTo(solved);
        solvedB?.CopyTo(solvedBiases);
        loss = r.Loss;
        regularization = r.Regularization;
    }

    private static FactorMatrix Factors(int rows, AlsOptions o, ReadOnlySpan<float> source, string name)
    {
        CheckLength(source.Length, (long)rows * o.Factors, name);
        var fm = new FactorMatrix(rows, o.Factors);
        fm.CopyFrom(source);
        return fm;
    }

    private static float[]? Biases(int rows, AlsOptions o, ReadOnlySpan<float> source, string name)
    {
        CheckLength(source.Length, o.HasBiases ? rows : 0, name);
        return o.HasBiases ? source.ToArray() : null;
    }

    private static void CheckFinite(ReadOnlySpan<float> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is not finite ({values[i]}).", name);
            }
        }
    }

    private static void CheckFinite(ReadOnlySpan<double> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException($"{name}[{i}] is not finite ({values[i]}).", name);
            }
        }
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
