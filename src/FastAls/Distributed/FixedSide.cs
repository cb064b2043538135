using System.Runtime.InteropServices;
using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls;

/// <summary>
/// The fixed side of a distributed half-step, kept across the blocks it solves: the fixed factors (a copy, or the
/// caller's memory used in place, see <see cref="Borrow"/>), biases and the Gram matrix, rows replaceable by range.
/// <see cref="Solve"/> gives the bits <see cref="AlsModel.Fit"/> gives for the same rows on the same kernel path.
/// </summary>
/// <remarks>See <see cref="ShardSolver"/> for the layouts. Not thread-safe: one solve or update at a time.</remarks>
public sealed unsafe class FixedSide : IDisposable
{
    private readonly AlsLayout _layout;
    private readonly FactorMatrix _factors;
    private readonly float[]? _biases;
    private GramMatrix? _gram;

    /// <summary>A fixed side holding a copy of <paramref name="factors"/> (rows x k floats) and <paramref name="biases"/>.</summary>
    /// <param name="options">The model options.</param>
    /// <param name="factors">rows x k floats, row-major.</param>
    /// <param name="biases">rows floats for biased models, else empty.</param>
    public FixedSide(AlsOptions options, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases)
        : this(options, ShardSolver.RowsOf(factors, CheckedFactors(options), nameof(factors)), null, factors, biases)
    {
    }

    private FixedSide(AlsOptions options, int rows, float* borrowed, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases)
    {
        _layout = ShardSolver.Layout(options);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ShardSolver.CheckLength(factors.Length, (long)rows * options.Factors, nameof(factors));
        ShardSolver.CheckLength(biases.Length, options.HasBiases ? rows : 0, nameof(biases));
        Options = options;
        if (borrowed is not null && options.Factors % FactorMatrix.StrideAlignment == 0)
        {
            _factors = new FactorMatrix(borrowed, rows, options.Factors);
            IsBorrowed = true;
        }
        else
        {
            _factors = ShardSolver.Copy(rows, options.Factors, factors);
        }

        _biases = options.HasBiases ? biases.ToArray() : null;
    }

    /// <summary>
    /// A fixed side over the caller's memory: when k is a multiple of 16 the factors are used in place, without a
    /// copy (<see cref="IsBorrowed"/>); the caller keeps the memory alive, pinned and unchanged (except through
    /// <see cref="SetRows"/>) until <see cref="Dispose"/>. Otherwise they are copied once.
    /// </summary>
    /// <param name="options">The model options.</param>
    /// <param name="rows">Rows of the fixed side.</param>
    /// <param name="factors">rows x k floats, row-major.</param>
    /// <param name="biases">rows floats for biased models, else empty (always copied).</param>
    /// <returns>The fixed side.</returns>
    public static FixedSide Borrow(AlsOptions options, int rows, float* factors, ReadOnlySpan<float> biases)
    {
        int k = CheckedFactors(options);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (factors is null && rows > 0)
        {
            throw new ArgumentNullException(nameof(factors));
        }

        return new FixedSide(options, rows, factors, new ReadOnlySpan<float>(factors, checked(rows * k)), biases);
    }

    /// <summary>The model options.</summary>
    public AlsOptions Options { get; }

    /// <summary>Rows of the fixed side.</summary>
    public int Rows => _factors.Rows;

    /// <summary>True when the factors are the caller's memory (see <see cref="Borrow"/>).</summary>
    public bool IsBorrowed { get; }

    /// <summary>True once <see cref="SetGram"/> has been called (the implicit models need it before <see cref="Solve"/>).</summary>
    public bool HasGram => _gram is not null;

    /// <summary>Replaces rows [<paramref name="start"/>, <paramref name="start"/> + count) of the factors (and biases).</summary>
    /// <param name="start">First row.</param>
    /// <param name="factors">count x k floats.</param>
    /// <param name="biases">count floats for biased models, else empty.</param>
    public void SetRows(int start, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases)
    {
        int k = _factors.Factors;
        int count = ShardSolver.RowsOf(factors, k, nameof(factors));
        if (start < 0 || (long)start + count > Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start}, {(long)start + count}) do not lie within [0, {Rows}).");
        }

        ShardSolver.CheckLength(biases.Length, _biases is null ? 0 : count, nameof(biases));
        for (int r = 0; r < count; r++)
        {
            factors.Slice(r * k, k).CopyTo(_factors.Row(start + r));
        }

        biases.CopyTo(_biases.AsSpan(start));
    }

    /// <summary>Sets the fixed side's W x W extended Gram matrix (<see cref="ShardSolver.ReduceGram"/>); the implicit models need it.</summary>
    /// <param name="gram">W x W doubles.</param>
    public void SetGram(ReadOnlySpan<double> gram)
    {
        ShardSolver.CheckLength(gram.Length, (long)_layout.W * _layout.W, nameof(gram));
        var g = new GramMatrix(_layout);
        gram.CopyTo(g.Values);
        _gram = g;
    }

    /// <summary>
    /// Solves rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + rows) of the solved side, whose CSR columns
    /// index this side's rows. <paramref name="solved"/> holds the CG start on input and the solution on output.
    /// Errors name global rows.
    /// </summary>
    /// <param name="firstRow">Global index of the block's row 0.</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets, from 0.</param>
    /// <param name="colIndices">Fixed-side row of each entry, strictly increasing per row.</param>
    /// <param name="values">Value of each entry.</param>
    /// <param name="globalMean">mu (biased explicit model), else 0.</param>
    /// <param name="solved">rows x k floats.</param>
    /// <param name="solvedBiases">rows floats for biased models, else empty.</param>
    /// <param name="threads">Worker threads (0: all processors).</param>
    /// <returns>The block's loss terms (for the implicit models without the unobserved pairs' share).</returns>
    public ShardResult Solve(int firstRow, ReadOnlySpan<long> rowOffsets, ReadOnlySpan<int> colIndices, ReadOnlySpan<float> values, float globalMean, Span<float> solved, Span<float> solvedBiases, int threads = 0)
    {
        AlsOptions o = Options;
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        int rows = ShardSolver.BlockRows(rowOffsets);
        if (o.IsImplicit && _gram is null)
        {
            throw new InvalidOperationException("Implicit models need the fixed side's Gram matrix: call SetGram first.");
        }

        ShardSolver.CheckGlobalMean(globalMean);
        long nnz = rowOffsets[rows];
        ShardSolver.CheckLength(colIndices.Length, nnz, nameof(colIndices));
        ShardSolver.CheckLength(values.Length, nnz, nameof(values));
        ShardSolver.CheckLength(solved.Length, (long)rows * o.Factors, nameof(solved));
        ShardSolver.CheckLength(solvedBiases.Length, o.HasBiases ? rows : 0, nameof(solvedBiases));
        fixed (long* po = &MemoryMarshal.GetReference(rowOffsets))
        fixed (int* pc = &MemoryMarshal.GetReference(colIndices))
        fixed (float* pv = &MemoryMarshal.GetReference(values))
        fixed (float* ps = &MemoryMarshal.GetReference(solved))
        {
            CsrMatrix block;
            try
            {
                block = ShardSolver.Block(rows, Rows, po, pc, pv);
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException)
            {
                throw new ArgumentException($"The block of rows [{firstRow}, {(long)firstRow + rows}): {e.Message} (rows counted from the block's first row)", nameof(rowOffsets), e);
            }

            using (block)
            {
                // k a multiple of 16: the solved rows are solved in place; otherwise through one padded copy.
                bool wrap = o.Factors % FactorMatrix.StrideAlignment == 0;
                using FactorMatrix solvedFm = wrap ? new FactorMatrix(ps, rows, o.Factors) : ShardSolver.Copy(rows, o.Factors, solved);
                float[]? solvedB = o.HasBiases ? solvedBiases.ToArray() : null;
                var ctx = new HalfStepContext(o, KernelSet.Active, _factors, _biases, _gram, globalMean, "row");
                var solver = new HalfStepSolver(o, ShardSolver.Threads(threads), block);
                HalfStepResult r = solver.Solve(ctx, block, solvedFm, solvedB, null, CancellationToken.None, gramTerm: false);
                if (r.NonFiniteRow >= 0)
                {
                    throw new AlsNumericalException(
                        $"Row {(long)firstRow + r.NonFiniteRow} (block row {r.NonFiniteRow}) has a non-finite solution; increase regularization, lower alpha or rescale the data.",
                        "row",
                        (long)firstRow + r.NonFiniteRow);
                }

                if (!wrap)
                {
                    solvedFm.CopyTo(solved);
                }

                solvedB?.CopyTo(solvedBiases);
                return new ShardResult(r.Loss, r.Regularization);
            }
        }
    }

    /// <summary>Releases the library's copy of the factors (caller memory that was borrowed is left alone).</summary>
    public void Dispose() => _factors.Dispose();

    private static int CheckedFactors(AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Factors;
    }
}
