using FastAls.Internals;
using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls;

public sealed partial class AlsModel
{
    [ThreadStatic]
    private static RowWorkspace? t_foldInWorkspace;

    private readonly Lock _foldInLock = new();
    private HalfStepContext? _userFoldIn;
    private HalfStepContext? _itemFoldIn;

    /// <summary>
    /// Trains a model on <paramref name="data"/>: random factors (seeded by <see cref="AlsOptions.Seed"/>;
    /// rows without interactions start and stay at zero), then <see cref="AlsOptions.Iterations"/>
    /// iterations of a user half-step followed by an item half-step.
    /// </summary>
    /// <param name="data">The interactions (values are ratings for the explicit models, counts or weights for the implicit ones).</param>
    /// <param name="options">Hyperparameters; validated first.</param>
    /// <param name="progress">
    /// Receives an <see cref="AlsProgress"/> after every half-step, synchronously on the calling thread
    /// (<see cref="IProgress{T}.Report"/> is called directly).
    /// </param>
    /// <param name="cancellationToken">Checked between chunks of rows; cancellation throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="AlsNumericalException">
    /// A row's system is not positive definite (increase regularization), or the factors diverged to NaN or
    /// infinity; the exception names the side and row.
    /// </exception>
    public static AlsModel Fit(Dataset data, AlsOptions options, IProgress<AlsProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Factor memory not cleared first: Initialize writes every float of it (RowInit.Fill, on several threads).
        var model = new AlsModel(options, data.Users, data.Items, data.UserIds, data.ItemIds, zeroFactors: false);
        try
        {
            model.Initialize(data);
            model.Train(data, options.Iterations, progress, cancellationToken, rollback: false);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> more iterations on this model, starting from its current
    /// factors (e.g. after <see cref="Fit"/>, or on a loaded model). On cancellation or an error the
    /// model keeps the factors of the last completed half-step.
    /// </summary>
    /// <param name="data">Interactions with exactly this model's users and items (same indices).</param>
    /// <param name="iterations">Number of iterations (each a user and an item half-step); early stop still applies.</param>
    /// <param name="progress">Receives an <see cref="AlsProgress"/> after every half-step, on the calling thread.</param>
    /// <param name="cancellationToken">Checked between chunks of rows.</param>
    /// <remarks>
    /// Training is exclusive: a second training call on the same model, from any thread, throws
    /// <see cref="InvalidOperationException"/> at once instead of racing. Reads (recommend, predict, similar,
    /// fold-in, explain, save, export) that start on other threads while it runs throw
    /// <see cref="InvalidOperationException"/> too, and training starts only once the reads already running have
    /// finished: a read sees the model before or after training, never in between. The progress callback runs on
    /// the training thread and may read the model (it sees the last completed half-step). The factor matrices
    /// and bias arrays themselves are the live storage: reading them directly during training is not guarded.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model is already being trained, here or on another thread.</exception>
    public void ContinueTraining(Dataset data, int iterations, IProgress<AlsProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        Train(data, iterations, progress, cancellationToken, rollback: true);
    }

    /// <summary>
    /// Solves one user's factors (and bias) exactly as a training half-step would, with the items fixed:
    /// <paramref name="items"/> and <paramref name="values"/> are the user's interactions. For CG models
    /// the solve starts from <paramref name="factors"/> as given (pass the current factors or zeros).
    /// Thread-safe; the item side's Gram matrix is computed once and cached until <see cref="Version"/> changes.
    /// </summary>
    internal void SolveUserRow(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> factors, out float bias) =>
        SolveFoldIn(user: true, items, values, factors, out bias);

    /// <summary>Solves one item's factors (and bias) against the fixed users; see <see cref="SolveUserRow"/>.</summary>
    internal void SolveItemRow(ReadOnlySpan<int> users, ReadOnlySpan<float> values, Span<float> factors, out float bias) =>
        SolveFoldIn(user: false, users, values, factors, out bias);

    /// <summary>Trains this model's factors in place (the body of <see cref="Fit"/> and <see cref="ContinueTraining"/>).</summary>
    /// <param name="data">The interactions, of this model's shape.</param>
    /// <param name="iterations">The most iterations to run.</param>
    /// <param name="progress">Receives a report after every half-step.</param>
    /// <param name="cancellationToken">Checked between chunks of rows.</param>
    /// <param name="rollback">
    /// Keep the model as it was on a failed or cancelled half-step (each chunk of rows is saved to a backup before it
    /// is solved in place, and copied back on failure); false only for a new model that is disposed on any error
    /// (<see cref="Fit"/>), which then needs no backup.
    /// </param>
    private void Train(Dataset data, int iterations, IProgress<AlsProgress>? progress, CancellationToken cancellationToken, bool rollback)
    {
        if (data.Users != Users || data.Items != Items)
        {
            throw new ArgumentException($"The data has {data.Users} users and {data.Items} items; the model has {Users} and {Items}.", nameof(data));
        }

        using ModelGate.WriteScope write = _gate.EnterWrite("training");
        MagnitudeCheck.Check(Options, data);
        try
        {
            new AlsTrainer(this, data, KernelSet.Active, rollback).Run(iterations, progress, cancellationToken);
        }
        finally
        {
            MarkChanged();
        }
    }

    /// <summary>
    /// Seeded factors for rows with interactions, zero elsewhere: counter-based by (seed, side, row), so a
    /// distributed driver initialises any block of rows to the same bits (see <see cref="RowInit"/>). The
    /// biased explicit model's mu sums the values per fixed user chunk (the user side's Gram chunking), then
    /// the chunks in order, as a driver with blocks aligned to those chunks does.
    /// </summary>
    private void Initialize(Dataset data)
    {
        RowInit.Fill(Options, (int)AlsHalfStep.Users, 0, data.UserItems.RowOffsets, _userFactors);
        RowInit.Fill(Options, (int)AlsHalfStep.Items, 0, data.ItemUsers.RowOffsets, _itemFactors);
        if (!Options.IsImplicit && data.Nnz > 0)
        {
            AlsLayout layout = AlsLayout.For(Options);
            (int chunks, _) = HalfStepSolver.GramChunking(data.Users, layout.W);
            var sums = new double[chunks];
            RowInit.ValueSums(layout, data.Users, 0, data.Users, data.UserItems.RowValues, sums);
            double sum = 0;
            foreach (double s in sums)
            {
                sum += s;
            }

            // mu of the biased model; the plain model only records it (the cold-start fallback), its scores have no mu.
            float mean = (float)(sum / data.Nnz);
            if (Kind == AlsModelKind.BiasedExplicit)
            {
                _globalMean = mean;
            }
            else
            {
                _ratingMean = mean;
            }
        }
    }

    private void SolveFoldIn(bool user, ReadOnlySpan<int> cols, ReadOnlySpan<float> values, Span<float> factors, out float bias)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        if (cols.Length != values.Length)
        {
            throw new ArgumentException($"{cols.Length} indices but {values.Length} values.", nameof(values));
        }

        if (factors.Length < Factors)
        {
            throw new ArgumentException($"The factor span holds {factors.Length} floats; {Factors} are needed.", nameof(factors));
        }

        int limit = user ? Items : Users;
        for (int j = 0; j < cols.Length; j++)
        {
            if ((uint)cols[j] >= (uint)limit)
            {
                throw new ArgumentOutOfRangeException(user ? "items" : "users", cols[j], $"Index at position {j} is outside [0, {limit}).");
            }

            if (!float.IsFinite(values[j]))
            {
                throw new ArgumentException($"Value at position {j} is not finite ({values[j]}).", nameof(values));
            }
        }

        HalfStepContext ctx = FoldInContext(user);
        AlsLayout layout = ctx.Layout;
        RowWorkspace? ws = t_foldInWorkspace;
        int want = RowWorkspace.CapacityFor(layout.W, Math.Max(cols.Length, 64));
        if (ws is null || ws.W != layout.W || ws.Capacity < want)
        {
            ws = new RowWorkspace(layout, want);
            t_foldInWorkspace = ws;
        }

        float b = 0f;
        RowSolver.Solve(ctx, ws, -1, cols, values, factors, ref b, out _, out _);
        bias = b;
    }

    private HalfStepContext FoldInContext(bool user)
    {
        lock (_foldInLock)
        {
            HalfStepContext? ctx = user ? _userFoldIn : _itemFoldIn;
            if (ctx is not null)
            {
                return ctx;
            }

            AlsLayout layout = AlsLayout.For(Options);
            FactorMatrix fixedFactors = user ? _itemFactors : _userFactors;
            float[]? fixedBiases = user ? _itemBiases : _userBiases;
            GramMatrix? gram = Options.IsImplicit
                ? GramMatrix.Compute(layout, KernelSet.Active, fixedFactors, fixedBiases, AlsTrainer.ResolveThreads(Options.Threads))
                : null;
            ctx = new HalfStepContext(Options, KernelSet.Active, fixedFactors, fixedBiases, gram, _globalMean, user ? "fold-in user" : "fold-in item");
            if (user)
            {
                _userFoldIn = ctx;
            }
            else
            {
                _itemFoldIn = ctx;
            }

            return ctx;
        }
    }
}
