using System.Diagnostics;
using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The training loop: alternating half-steps, exact cost after each (where progress or early stopping reads it; else
/// the rows skip their loss pass), progress, early stop, cancellation and the divergence guard. Every half-step checks
/// that its solved rows are finite and names the first row that is not. Rows are solved in place: each row's solve reads
/// only its own starting values and the fixed side. With <c>rollback</c> (continued training of a model that callers can
/// see) each chunk of rows is copied to a backup just before it is solved (<see cref="RowBackup"/>), and a failed,
/// cancelled or throwing half-step copies the saved chunks back, so it leaves the model as it was; the two sides share
/// one backup (sized for the larger side): only one half-step runs at a time. A completed half-step copies nothing
/// back (the side used to be solved into a scratch copy, copied in before and out after: two passes over the side's
/// memory). Without it (a new model in <see cref="AlsModel.Fit"/>, which nobody sees until it returns and which is
/// disposed on any error) no backup is held. The bits are the same either way.
/// </summary>
internal sealed class AlsTrainer
{
    private readonly AlsModel _model;
    private readonly Dataset _data;
    private readonly AlsOptions _options;
    private readonly AlsLayout _layout;
    private readonly KernelSet _kernels;
    private readonly int _threads;
    private readonly HalfStepSolver _userSolver;
    private readonly HalfStepSolver _itemSolver;
    private readonly FactorMatrix? _backupStorage;
    private readonly RowBackup? _backup;
    private GramMatrix _userGram;
    private GramMatrix _itemGram;
    private GramMatrix _spareGram;

    /// <summary>What each half-step's context derives from the fixed side, kept between half-steps (one context at a time).</summary>
    private readonly HalfStepScratch _scratch = new();

    public AlsTrainer(AlsModel model, Dataset data, KernelSet kernels, bool rollback)
    {
        _model = model;
        _data = data;
        _options = model.Options;
        _layout = AlsLayout.For(_options);
        _kernels = kernels;
        _threads = ResolveThreads(_options.Threads);
        // The two half-steps never overlap: they share the per-worker scratch and the Gram partials.
        _userSolver = new HalfStepSolver(_options, _threads, data.UserItems, alsoFor: data.ItemUsers);
        _itemSolver = new HalfStepSolver(_options, _threads, data.ItemUsers, shareWith: _userSolver);
        if (rollback)
        {
            // Not cleared: only the rows a half-step has saved are ever read back.
            int backupRows = Math.Max(model.Users, model.Items);
            _backupStorage = FactorMatrix.Uninitialized(backupRows, _options.Factors);
            _backup = new RowBackup(_backupStorage, _options.HasBiases ? new float[backupRows] : null);
        }

        _userGram = new GramMatrix(_layout);
        _itemGram = new GramMatrix(_layout);
        _spareGram = new GramMatrix(_layout);
    }

    internal static int ResolveThreads(int threads) => threads > 0 ? threads : Environment.ProcessorCount;

    /// <summary>Runs up to <paramref name="iterations"/> iterations.</summary>
    public void Run(int iterations, IProgress<AlsProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            RunCore(iterations, progress, cancellationToken);
        }
        finally
        {
            _backupStorage?.Dispose();
        }
    }

    private void RunCore(int iterations, IProgress<AlsProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        if (_options.IsImplicit)
        {
            HalfStepSolver.ComputeGram(_layout, _kernels, _model.ItemMatrix, _model.ItemBiasArray, _itemGram, _itemSolver.GramPartials, _itemSolver.GramScratches, _threads);
        }

        // The cost is computed only where something reads it: progress reports, or early stopping.
        bool observed = progress is not null || _options.EarlyStopTolerance > 0;
        double regUsers = observed ? Regularization(_data.UserItems, _model.UserMatrix, _model.UserBiasArray) : 0;
        double regItems = observed ? Regularization(_data.ItemUsers, _model.ItemMatrix, _model.ItemBiasArray) : 0;
        double previousCost = double.NaN;
        double previousIterationCost = double.NaN;
        for (int it = 1; it <= iterations; it++)
        {
            foreach (AlsHalfStep half in (ReadOnlySpan<AlsHalfStep>)[AlsHalfStep.Users, AlsHalfStep.Items])
            {
                bool users = half == AlsHalfStep.Users;
                double loss = HalfStep(it, users, observed, cancellationToken, out double regSolved);
                if (users)
                {
                    regUsers = regSolved;
                }
                else
                {
                    regItems = regSolved;
                }

                double reg = regUsers + regItems;
                double cost = loss + reg;
                double rel = double.IsNaN(previousCost) ? double.NaN : (previousCost - cost) / Math.Abs(previousCost);
                previousCost = cost;
                progress?.Report(new AlsProgress(it, half, clock.Elapsed, cost, loss, reg, rel));
            }

            if (_options.EarlyStopTolerance > 0 && !double.IsNaN(previousIterationCost)
                && (previousIterationCost - previousCost) / Math.Abs(previousIterationCost) < _options.EarlyStopTolerance)
            {
                break;
            }

            previousIterationCost = previousCost;
        }
    }

    /// <summary>One half-step; returns the data term of the cost (0 unless <paramref name="lossObserved"/>) and the solved side's regularization.</summary>
    private double HalfStep(int iteration, bool users, bool lossObserved, CancellationToken cancellationToken, out double regSolved)
    {
        AlsModel m = _model;
        FactorMatrix solved = users ? m.UserMatrix : m.ItemMatrix;
        float[]? solvedBias = users ? m.UserBiasArray : m.ItemBiasArray;
        string side = users ? "users" : "items";
        var ctx = new HalfStepContext(
            _options,
            _kernels,
            users ? m.ItemMatrix : m.UserMatrix,
            users ? m.ItemBiasArray : m.UserBiasArray,
            users ? _itemGram : _userGram,
            m.GlobalMean,
            users ? "user" : "item",
            _scratch)
        {
            Where = $"{_options.Kind} ALS, iteration {iteration}, {side} half-step: ",
            ComputeLoss = lossObserved,
        };

        GramMatrix? gramOut = _options.IsImplicit ? _spareGram : null;
        HalfStepResult r = (users ? _userSolver : _itemSolver).Solve(ctx, users ? _data.UserItems : _data.ItemUsers, solved, solvedBias, gramOut, cancellationToken, backup: _backup);
        if (r.Cancelled)
        {
            throw new OperationCanceledException(
                $"Training was cancelled during the {side} half-step of iteration {iteration}; the model keeps the factors of the last completed half-step.",
                cancellationToken);
        }

        if (r.NonFiniteRow >= 0)
        {
            IdMap ids = users ? m.UserIds : m.ItemIds;
            throw new AlsNumericalException(
                $"{_options.Kind} ALS diverged in iteration {iteration} ({side} half-step): {(users ? "user" : "item")} row {r.NonFiniteRow} " +
                $"(id {ids.Format((int)r.NonFiniteRow)}) got non-finite factors. {(_backup is null ? "Increase" : "The previous factors are kept; increase")} regularization, lower alpha or rescale the data.",
                users ? "user" : "item",
                r.NonFiniteRow);
        }

        if (gramOut is not null)
        {
            if (users)
            {
                (_userGram, _spareGram) = (gramOut, _userGram);
            }
            else
            {
                (_itemGram, _spareGram) = (gramOut, _itemGram);
            }
        }

        m.MarkChanged();
        regSolved = r.Regularization;
        return r.Loss;
    }

    /// <summary><c>sum_r lambda_r (|f_r|^2 + b_r^2)</c> over the rows of one side.</summary>
    internal static double Regularization(CsrMatrix rows, FactorMatrix factors, float[]? biases, AlsOptions options)
    {
        double total = 0;
        for (int r = 0; r < factors.Rows; r++)
        {
            int n = rows.RowLength(r);
            double lambda = options.RegularizationScaling == RegularizationScaling.ByCount ? (double)options.Regularization * n : options.Regularization;
            double s = 0;
            foreach (float v in factors.Row(r))
            {
                s += (double)v * v;
            }

            if (biases is not null)
            {
                s += (double)biases[r] * biases[r];
            }

            total += (double)(float)lambda * s;
        }

        return total;
    }

    private double Regularization(CsrMatrix rows, FactorMatrix factors, float[]? biases) => Regularization(rows, factors, biases, _options);
}
