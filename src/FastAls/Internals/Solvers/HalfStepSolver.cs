using System.Runtime.ExceptionServices;
using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>What a half-step (or a shard of one) returns besides the solved rows.</summary>
/// <param name="Loss">
/// The solved rows' share of the data term of the cost: explicit models, the squared residuals of their
/// stored entries; implicit models, <c>sum over the rows' pairs with every fixed row of c (p - pred)^2</c>,
/// the unobserved pairs counted through the Gram matrices.
/// </param>
/// <param name="Regularization"><c>sum_r lambda_r |z_r|^2</c> over the solved rows (z includes the bias); 0 where the context does not compute the loss (<see cref="HalfStepContext.ComputeLoss"/>).</param>
/// <param name="NonFiniteRow">The first solved row (block-local index) whose solution is not finite, or -1.</param>
/// <param name="Cancelled">True when the token stopped the sweep before every row was solved.</param>
internal readonly record struct HalfStepResult(double Loss, double Regularization, long NonFiniteRow, bool Cancelled);

/// <summary>
/// Where a half-step that must leave its rows as they were when it fails keeps their old values
/// (<see cref="HalfStepSolver.Solve"/>): each chunk's rows and biases are copied here just before the chunk is solved,
/// and copied back if the half-step fails, is cancelled or throws. Its row count may exceed the solved side's (one
/// backup serves both sides: only one half-step runs at a time).
/// </summary>
/// <param name="Rows">The old rows, at the solved matrix's k and stride (need not be cleared: only saved rows are read).</param>
/// <param name="Biases">The old biases (the biased models), else null.</param>
internal sealed record RowBackup(FactorMatrix Rows, float[]? Biases);

/// <summary>
/// Solves all rows of one side against the fixed other side: a parallel sweep over small dynamic
/// chunks of rows, then the Gram matrix of the solved rows. Scratch (per-worker workspaces, per-chunk
/// partial sums) is allocated once in the constructor and reused by every sweep, so a sweep allocates
/// nothing per row. Results do not depend on the thread count: rows are solved independently and
/// every reduction is summed over fixed chunks in a fixed order.
/// </summary>
internal sealed class HalfStepSolver
{
    /// <summary>Rows per dynamic chunk of the sweep.</summary>
    internal const int ChunkRows = 16;

    /// <summary>Most partial Gram matrices one Gram pass keeps (the chunking depends on the row count only).</summary>
    internal const int MaxGramChunks = 32;

    private readonly AlsLayout _layout;
    private readonly int _rows;
    private readonly int _workers;
    private readonly RowWorkspace[] _workspaces;
    private readonly GramScratch[] _gramScratches;
    private readonly double[] _chunkLoss;
    private readonly double[] _chunkReg;
    private readonly long[] _chunkBad;
    private readonly bool[] _chunkSaved;
    private readonly double[][] _gramPartials;
    private readonly GramMatrix _ownGram;
    private int _next;

    /// <param name="options">The model's options.</param>
    /// <param name="threads">Workers (at least 1).</param>
    /// <param name="rows">The rows to be solved (sizes the scratch).</param>
    /// <param name="segmentCapacity">Most neighbours gathered at once (longer rows go in segments); tests lower it.</param>
    /// <param name="alsoFor">Another side's rows that a second solver will solve with this one's scratch (see <paramref name="shareWith"/>): the scratch is sized for both.</param>
    /// <param name="shareWith">A solver whose per-worker scratch and Gram partials this one reuses where they are large enough (the two must never run at the same time).</param>
    public HalfStepSolver(AlsOptions options, int threads, CsrMatrix rows, int segmentCapacity = RowWorkspace.MaxCapacity, CsrMatrix? alsoFor = null, HalfStepSolver? shareWith = null)
    {
        _layout = AlsLayout.For(options);
        _rows = rows.Rows;
        int chunks = (_rows + ChunkRows - 1) / ChunkRows;
        _workers = Math.Max(1, Math.Min(threads, Math.Max(chunks, 1)));
        int maxLen = MaxRowLength(rows);
        (int gramChunks, _) = GramChunking(_rows, _layout.W);
        int scratchWorkers = _workers;
        if (alsoFor is not null)
        {
            maxLen = Math.Max(maxLen, MaxRowLength(alsoFor));
            gramChunks = Math.Max(gramChunks, GramChunking(alsoFor.Rows, _layout.W).Count);
            scratchWorkers = Math.Max(scratchWorkers, Math.Max(1, Math.Min(threads, (alsoFor.Rows + ChunkRows - 1) / ChunkRows)));
        }

        if (shareWith is not null && shareWith._layout.W == _layout.W && shareWith._workspaces.Length >= _workers
            && shareWith._workspaces[0].Capacity >= RowWorkspace.CapacityFor(_layout.W, maxLen, segmentCapacity))
        {
            _workspaces = shareWith._workspaces;
            _gramScratches = shareWith._gramScratches;
        }
        else
        {
            _workspaces = new RowWorkspace[scratchWorkers];
            _gramScratches = new GramScratch[scratchWorkers];
            for (int i = 0; i < scratchWorkers; i++)
            {
                _workspaces[i] = new RowWorkspace(_layout, maxLen, segmentCapacity);
                _gramScratches[i] = _workspaces[i].Gram;
            }
        }

        _chunkLoss = new double[chunks];
        _chunkReg = new double[chunks];
        _chunkBad = new long[chunks];
        _chunkSaved = new bool[chunks];
        if (shareWith is not null && shareWith._layout.W == _layout.W && shareWith._gramPartials.Length >= gramChunks)
        {
            _gramPartials = shareWith._gramPartials;
        }
        else
        {
            _gramPartials = new double[gramChunks][];
            for (int i = 0; i < gramChunks; i++)
            {
                _gramPartials[i] = new double[_layout.W * _layout.W];
            }
        }

        _ownGram = new GramMatrix(_layout);
    }

    /// <summary>The Gram partial sums (at least <see cref="GramChunking"/>'s count for the rows it was sized for).</summary>
    internal double[][] GramPartials => _gramPartials;

    /// <summary>The per-worker Gram scratch.</summary>
    internal GramScratch[] GramScratches => _gramScratches;

    /// <summary>Number of rows this solver was sized for.</summary>
    public int Rows => _rows;

    /// <summary>
    /// Solves every row of <paramref name="rows"/> in place in <paramref name="solved"/> (and
    /// <paramref name="solvedBiases"/>); CG starts from the values found there. When
    /// <paramref name="solvedGram"/> is given (always needed for implicit models, where an internal one is
    /// used otherwise) it receives the extended Gram matrix of the solved rows.
    /// </summary>
    /// <param name="ctx">The fixed side.</param>
    /// <param name="rows">The rows to solve (columns index the fixed side).</param>
    /// <param name="solved">CG start on input, solution on output.</param>
    /// <param name="solvedBiases">The rows' biases (biased models).</param>
    /// <param name="solvedGram">Receives the solved rows' Gram matrix, or null.</param>
    /// <param name="cancellationToken">Checked between chunks.</param>
    /// <param name="gramTerm">
    /// False skips the Gram pass (and, for implicit models, the unobserved pairs' share of the loss): a distributed
    /// driver reduces the Gram matrix from per-chunk partials and adds that share itself.
    /// </param>
    /// <param name="backup">
    /// Null, or where each chunk's old rows are kept while it is solved: then a half-step that is cancelled, finds a
    /// non-finite row or throws leaves <paramref name="solved"/> and <paramref name="solvedBiases"/> as they were, bit
    /// for bit. Rows are solved in place either way (each row's solve reads only its own start and the fixed side), so
    /// the results are the same with or without it.
    /// </param>
    public HalfStepResult Solve(HalfStepContext ctx, CsrMatrix rows, FactorMatrix solved, float[]? solvedBiases, GramMatrix? solvedGram, CancellationToken cancellationToken, bool gramTerm = true, RowBackup? backup = null)
    {
        if (rows.Rows != _rows || solved.Rows != _rows || solved.Factors != _layout.K)
        {
            throw new ArgumentException($"The solver is sized for {_rows} rows and k = {_layout.K}; got {rows.Rows} CSR rows and a {solved.Rows} x {solved.Factors} factor matrix.");
        }

        if (_layout.Biased && (solvedBiases is null || solvedBiases.Length != _rows))
        {
            throw new ArgumentException($"The biased models need {_rows} row biases.", nameof(solvedBiases));
        }

        if (rows.Cols != ctx.FixedFactors.Rows)
        {
            throw new ArgumentException($"The CSR block has {rows.Cols} columns but the fixed side has {ctx.FixedFactors.Rows} rows.", nameof(rows));
        }

        if (backup is not null
            && (backup.Rows.Rows < _rows || backup.Rows.Factors != solved.Factors || backup.Rows.Stride != solved.Stride
                || (solvedBiases is not null && (backup.Biases is null || backup.Biases.Length < _rows))))
        {
            throw new ArgumentException($"The backup does not fit {_rows} rows of k = {solved.Factors}{(solvedBiases is null ? "" : " with biases")}.", nameof(backup));
        }

        int chunks = _chunkLoss.Length;
        _next = -1;
        if (backup is not null)
        {
            Array.Clear(_chunkSaved);
        }

        try
        {
            RunWorkers(_workers, worker =>
            {
                RowWorkspace ws = _workspaces[worker];
                RowKernels solver = ctx.RowKernels;
                while (!cancellationToken.IsCancellationRequested)
                {
                    int chunk = Interlocked.Increment(ref _next);
                    if (chunk >= chunks)
                    {
                        break;
                    }

                    int start = chunk * ChunkRows, end = Math.Min(_rows, start + ChunkRows);
                    if (backup is not null)
                    {
                        // The chunk's old rows, read just before its solve reads them as the CG start (in cache for it).
                        CopyChunk(solved, solvedBiases, backup.Rows, backup.Biases, start, end);
                        _chunkSaved[chunk] = true;
                    }

                    (double loss, double reg, long bad) = solver.SolveRows(ctx, ws, rows, start, end, solved, solvedBiases);
                    _chunkLoss[chunk] = loss;
                    _chunkReg[chunk] = reg;
                    _chunkBad[chunk] = bad;
                }
            });

            if (cancellationToken.IsCancellationRequested)
            {
                Restore(backup, solved, solvedBiases);
                return new HalfStepResult(double.NaN, double.NaN, -1, Cancelled: true);
            }

            double totalLoss = 0, totalReg = 0;
            for (int c = 0; c < chunks; c++)
            {
                if (_chunkBad[c] >= 0)
                {
                    Restore(backup, solved, solvedBiases);
                    return new HalfStepResult(double.NaN, double.NaN, _chunkBad[c], Cancelled: false);
                }

                totalLoss += _chunkLoss[c];
                totalReg += _chunkReg[c];
            }

            if (gramTerm && (solvedGram is not null || ctx.Options.IsImplicit))
            {
                GramMatrix gram = solvedGram ?? _ownGram;
                ComputeGram(_layout, ctx.Kernels, solved, solvedBiases, gram, _gramPartials, _gramScratches, _workers);
                if (ctx.Options.IsImplicit && ctx.ComputeLoss)
                {
                    totalLoss += gram.PairSquareSum(ctx.FixedGram!);
                }
            }

            return new HalfStepResult(totalLoss, totalReg, -1, Cancelled: false);
        }
        catch
        {
            Restore(backup, solved, solvedBiases);
            throw;
        }
    }

    /// <summary>Copies the saved chunks' old rows and biases back from <paramref name="backup"/> (nothing without one).</summary>
    private void Restore(RowBackup? backup, FactorMatrix solved, float[]? solvedBiases)
    {
        if (backup is null)
        {
            return;
        }

        for (int c = 0; c < _chunkSaved.Length; c++)
        {
            if (!_chunkSaved[c])
            {
                continue;
            }

            int start = c * ChunkRows;
            CopyChunk(backup.Rows, backup.Biases, solved, solvedBiases, start, Math.Min(_rows, start + ChunkRows));
            _chunkSaved[c] = false;
        }
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, <paramref name="end"/>) and, where both sides have them, their biases, from one
    /// matrix to the other: a chunk saved to a <see cref="RowBackup"/>, or restored from it.
    /// </summary>
    private static void CopyChunk(FactorMatrix from, float[]? fromBiases, FactorMatrix to, float[]? toBiases, int start, int end)
    {
        from.CopyRowsTo(to, start, end);
        if (fromBiases is not null && toBiases is not null)
        {
            fromBiases.AsSpan(start, end - start).CopyTo(toBiases.AsSpan(start, end - start));
        }
    }

    /// <summary>
    /// The shard solve: solves the rows of a CSR block (its columns index the fixed side) against fixed
    /// factors and the fixed side's precomputed extended Gram matrix, writing the solved rows into
    /// <paramref name="solved"/> (and <paramref name="solvedBiases"/>), and returns the block's loss and
    /// regularization; <paramref name="solvedGram"/> receives the block's partial extended Gram matrix
    /// (sum the shards' partial Gram matrices to get the next half-step's fixed Gram matrix).
    /// </summary>
    public static HalfStepResult SolveShard(
        AlsOptions options,
        CsrMatrix block,
        FactorMatrix fixedFactors,
        float[]? fixedBiases,
        GramMatrix? fixedGram,
        float globalMean,
        FactorMatrix solved,
        float[]? solvedBiases,
        GramMatrix solvedGram,
        int threads = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var ctx = new HalfStepContext(options, KernelSet.Active, fixedFactors, fixedBiases, fixedGram, globalMean, "block");
        var solver = new HalfStepSolver(options, Math.Max(1, threads), block);
        return solver.Solve(ctx, block, solved, solvedBiases, solvedGram, cancellationToken);
    }

    /// <summary>
    /// The shard solve over plain buffers (what a C ABI or a distributed driver hands in): the Gram
    /// matrices are row-major <c>W x W</c> doubles with <c>W = </c><see cref="GramStride"/>; the fixed one
    /// may be empty for the explicit models. The block's partial Gram matrix is written to
    /// <paramref name="solvedGram"/>.
    /// </summary>
    public static HalfStepResult SolveShard(
        AlsOptions options,
        CsrMatrix block,
        FactorMatrix fixedFactors,
        float[]? fixedBiases,
        ReadOnlySpan<double> fixedGram,
        float globalMean,
        FactorMatrix solved,
        float[]? solvedBiases,
        Span<double> solvedGram,
        int threads = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var layout = AlsLayout.For(options);
        int size = layout.W * layout.W;
        if (solvedGram.Length != size)
        {
            throw new ArgumentException($"The solved Gram buffer holds {solvedGram.Length} doubles; {layout.W} x {layout.W} are needed.", nameof(solvedGram));
        }

        GramMatrix? fixedG = null;
        if (options.IsImplicit)
        {
            if (fixedGram.Length != size)
            {
                throw new ArgumentException($"The fixed Gram buffer holds {fixedGram.Length} doubles; {layout.W} x {layout.W} are needed.", nameof(fixedGram));
            }

            fixedG = new GramMatrix(layout);
            fixedGram.CopyTo(fixedG.Values);
        }

        var outG = new GramMatrix(layout);
        HalfStepResult r = SolveShard(options, block, fixedFactors, fixedBiases, fixedG, globalMean, solved, solvedBiases, outG, threads, cancellationToken);
        outG.Values.AsSpan().CopyTo(solvedGram);
        return r;
    }

    /// <summary>The row stride W of the Gram matrices of a model: its extended dimension (k, or k + 2 with biases) rounded up to 16.</summary>
    public static int GramStride(AlsOptions options) => AlsLayout.For(options).W;

    /// <summary>
    /// The extended Gram matrix of all rows of a side, over a fixed chunking (see <see cref="GramChunking"/>)
    /// summed in a fixed order, in parallel when <paramref name="workers"/> &gt; 1.
    /// </summary>
    internal static void ComputeGram(AlsLayout layout, KernelSet kernels, FactorMatrix factors, float[]? biases, GramMatrix target, double[][] partials, GramScratch[] scratches, int workers)
    {
        int rows = factors.Rows;
        (int count, int size) = GramChunking(rows, layout.W);
        Array.Clear(target.Values);
        if (count == 0)
        {
            return;
        }

        int next = -1;
        RunWorkers(Math.Min(Math.Min(workers, scratches.Length), count), worker =>
        {
            GramScratch scratch = scratches[worker];
            while (true)
            {
                int c = Interlocked.Increment(ref next);
                if (c >= count)
                {
                    break;
                }

                Array.Clear(partials[c]);
                GramMatrix.AccumulateRows(layout, kernels, factors, biases, c * size, Math.Min(rows, (c + 1) * size), scratch, partials[c]);
            }
        });

        ReduceGram(partials, count, target);
    }

    /// <summary>
    /// The fixed-order reduction of the Gram pass: <paramref name="target"/> = the sum of the first
    /// <paramref name="count"/> per-chunk partials (upper triangles) in chunk order, then symmetrized. A
    /// distributed driver that has the same per-chunk partials gets the training Gram matrix's exact bits.
    /// </summary>
    internal static void ReduceGram(IReadOnlyList<double[]> partials, int count, GramMatrix target)
    {
        Array.Clear(target.Values);
        for (int c = 0; c < count; c++)
        {
            GramMatrix.Add(partials[c], target.Values);
        }

        target.Symmetrize();
    }

    /// <summary>
    /// The per-chunk Gram partials of a block of a side's rows, on the fixed chunking of the whole side
    /// (<see cref="GramChunking"/> of <paramref name="totalRows"/>): the block's rows are the side's rows
    /// [<paramref name="firstRow"/>, <paramref name="firstRow"/> + factors.Rows), and the block must start and end
    /// on chunk boundaries (the side's end counts as one). Writes one W x W partial per chunk the block covers,
    /// each with exactly the bits the training Gram pass computes for that chunk.
    /// </summary>
    internal static void ComputeGramPartials(AlsLayout layout, KernelSet kernels, int totalRows, int firstRow, FactorMatrix factors, float[]? biases, Span<double> partials, int workers)
    {
        int rows = factors.Rows;
        (int first, int count) = ChunkSpan(totalRows, layout.W, firstRow, rows);
        int size = layout.W * layout.W;
        if (partials.Length != (long)count * size)
        {
            throw new ArgumentException($"partials has {partials.Length} entries; the block's {count} chunks need {(long)count * size}.", nameof(partials));
        }

        (_, int chunkRows) = GramChunking(totalRows, layout.W);
        var buffers = new double[count][];
        var scratches = new GramScratch[Math.Max(1, Math.Min(workers, count))];
        for (int i = 0; i < scratches.Length; i++)
        {
            scratches[i] = new GramScratch(layout);
        }

        int next = -1;
        RunWorkers(scratches.Length, worker =>
        {
            while (true)
            {
                int c = Interlocked.Increment(ref next);
                if (c >= count)
                {
                    break;
                }

                int start = (first + c) * chunkRows - firstRow;
                int end = Math.Min(rows, start + chunkRows);
                buffers[c] = new double[size];
                GramMatrix.AccumulateRows(layout, kernels, factors, biases, start, end, scratches[worker], buffers[c]);
            }
        });

        for (int c = 0; c < count; c++)
        {
            buffers[c].CopyTo(partials.Slice(c * size, size));
        }
    }

    /// <summary>
    /// The chunks of the side's fixed Gram chunking that a block of rows [firstRow, firstRow + rows) covers:
    /// (first chunk, number of chunks). Throws unless the block starts and ends on chunk boundaries.
    /// </summary>
    internal static (int First, int Count) ChunkSpan(int totalRows, int w, int firstRow, int rows)
    {
        if (totalRows < 0 || firstRow < 0 || rows < 0 || (long)firstRow + rows > totalRows)
        {
            throw new ArgumentException($"The block [{firstRow}, {(long)firstRow + rows}) does not lie within the side's {totalRows} rows.", nameof(firstRow));
        }

        (int count, int size) = GramChunking(totalRows, w);
        if (rows == 0)
        {
            return (0, 0);
        }

        int end = firstRow + rows;
        if (firstRow % size != 0 || (end != totalRows && end % size != 0))
        {
            throw new ArgumentException(
                $"The block [{firstRow}, {end}) of a {totalRows}-row side does not start and end on the Gram chunk boundaries (multiples of {size} rows, {count} chunks); align the blocks to them.",
                nameof(firstRow));
        }

        return (firstRow / size, ((end - firstRow) + size - 1) / size);
    }

    /// <summary>
    /// Fixed chunking of the Gram pass: chunks of at least 512 rows, at most <see cref="MaxGramChunks"/>
    /// of them and at most 64 MiB of double partial sums in all (large k gets fewer chunks). It depends on
    /// the row count and W only, never on the thread count.
    /// </summary>
    internal static (int Count, int Size) GramChunking(int rows, int w)
    {
        if (rows == 0)
        {
            return (0, 0);
        }

        long bytesPerChunk = (long)w * w * sizeof(double);
        int byMemory = (int)Math.Max(1, (64L << 20) / bytesPerChunk);
        int count = Math.Min(Math.Min(MaxGramChunks, byMemory), (rows + GramMatrix.ChunkRows - 1) / GramMatrix.ChunkRows);
        int size = (rows + count - 1) / count;
        return ((rows + size - 1) / size, size);
    }

    internal static int MaxRowLength(CsrMatrix m)
    {
        ReadOnlySpan<long> off = m.RowOffsets;
        long max = 0;
        for (int r = 0; r < m.Rows; r++)
        {
            max = Math.Max(max, off[r + 1] - off[r]);
        }

        return (int)Math.Min(max, int.MaxValue);
    }

    internal static void RunWorkers(int workers, Action<int> body)
    {
        if (workers <= 1)
        {
            body(0);
            return;
        }

        try
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }
}
