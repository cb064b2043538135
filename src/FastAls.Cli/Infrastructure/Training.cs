using System.Diagnostics;
using System.Globalization;
using FastAls.Cli.Report;
using FastAls.Evaluation;

namespace FastAls.Cli.Infrastructure;

/// <summary>Validation settings of a training run.</summary>
/// <param name="Test">Held-out interactions (same indices as the training data), or null for none.</param>
/// <param name="K">Cut-off of the ranking metrics.</param>
/// <param name="Metric">Metric that drives early stopping and best-iteration choice (precision, map, ndcg, auc, recall, rmse).</param>
/// <param name="Patience">Stop after this many iterations without improvement of <paramref name="Metric"/> (0: never).</param>
internal sealed record Validation(CsrMatrix? Test, int K, string Metric, int Patience);

/// <summary>The outcome of <see cref="Training.Run"/>.</summary>
internal sealed class TrainingResult
{
    public required AlsModel Model { get; init; }

    public required List<IterationRecord> Iterations { get; init; }

    public required TimeSpan TrainTime { get; init; }

    public TimeSpan ValidationTime { get; init; }

    /// <summary>The iteration whose factors the model holds (the best by validation, else the last).</summary>
    public int ModelIteration { get; init; }

    public string? StopReason { get; init; }
}

/// <summary>Runs training with per-iteration progress and, optionally, validation metrics and early stopping.</summary>
internal static class Training
{
    /// <summary>The metrics that can drive early stopping.</summary>
    public static readonly string[] Metrics = ["ndcg", "map", "precision", "recall", "auc", "rmse"];

    public static string DefaultMetric(AlsOptions o) => o.IsImplicit ? "ndcg" : "rmse";

    public static bool LowerIsBetter(string metric) => metric == "rmse";

    /// <summary>Ranking metrics (and RMSE/MAE for explicit models) of <paramref name="model"/> on <paramref name="test"/>.</summary>
    public static Dictionary<string, double> Measure(AlsModel model, CsrMatrix train, CsrMatrix test, int k, int threads, ColdStartStrategy coldStart = ColdStartStrategy.Score)
    {
        var d = RankingRow(Evaluator.Ranking(model, train, test, k, threads: threads));
        if (!model.Options.IsImplicit)
        {
            ErrorMetrics e = Evaluator.Error(model, test, coldStart);
            d["rmse"] = e.Rmse;
            d["mae"] = e.Mae;
        }

        return d;
    }

    public static Dictionary<string, double> RankingRow(RankingMetrics r)
    {
        string at = "@" + r.K.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, double>
        {
            ["precision" + at] = r.Precision,
            ["recall" + at] = r.Recall,
            ["map" + at] = r.Map,
            ["ndcg" + at] = r.Ndcg,
            ["auc" + at] = r.Auc,
            ["coverage" + at] = r.Coverage,
        };
    }

    public static string MetricKey(string metric, int k) => metric is "rmse" or "mae" ? metric : metric + "@" + k.ToString(CultureInfo.InvariantCulture);

    public static TrainingResult Run(Dataset train, AlsOptions options, Validation? validation, CliContext ctx)
    {
        var sw = Stopwatch.StartNew();
        if (validation?.Test is null)
        {
            var progress = new TrainingProgress(ctx, options.Iterations);
            AlsModel m = Fit(train, options, progress, ctx);
            progress.Done();
            sw.Stop();
            string? reason = progress.Completed < options.Iterations ? $"cost improved by less than {Fmt.Inv(options.EarlyStopTolerance)}" : null;
            if (progress.Completed != options.Iterations)
            {
                AlsModel tagged = Retag(m, options with { Iterations = progress.Completed });
                m.Dispose();
                m = tagged;
            }

            return new TrainingResult
            {
                Model = m,
                Iterations = progress.History.Select(h => new IterationRecord(h.Iteration, h.Cost, h.Seconds)).ToList(),
                TrainTime = sw.Elapsed,
                ModelIteration = progress.Completed,
                StopReason = reason,
            };
        }

        if (options.Iterations == 0)
        {
            return new TrainingResult { Model = Fit(train, options, null, ctx), Iterations = [], TrainTime = sw.Elapsed };
        }

        // One iteration at a time, measuring the held-out data in between.
        CsrMatrix test = validation.Test;
        string key = MetricKey(validation.Metric, validation.K);
        bool lower = LowerIsBetter(validation.Metric);
        var prog = new TrainingProgress(ctx, options.Iterations, deferred: true);
        var records = new List<IterationRecord>();
        var validationClock = new Stopwatch();
        AlsModel? model = null;
        Snapshot? best = null;
        int bestIteration = 0, sinceBest = 0;
        string? stop = null;
        try
        {
            for (int it = 1; it <= options.Iterations; it++)
            {
                if (model is null)
                {
                    model = Fit(train, options with { Iterations = 1, EarlyStopTolerance = 0 }, prog, ctx);
                }
                else
                {
                    Continue(model, train, prog, ctx);
                }

                prog.EndSegment();
                validationClock.Start();
                Dictionary<string, double> metrics = Measure(model, train.UserItems, test, validation.K, options.Threads);
                validationClock.Stop();
                (int _, double cost, double secs) = prog.History[^1];
                records.Add(new IterationRecord(it, cost, secs, metrics));
                double v = metrics[key];
                bool improved = best is null || (lower ? v < best.Value : v > best.Value);
                prog.PrintLast($"{key} {Fmt.F4(v)}{(improved ? " *" : string.Empty)}");
                if (improved)
                {
                    best?.Dispose();
                    best = Snapshot.Take(model, v);
                    bestIteration = it;
                    sinceBest = 0;
                }
                else if (validation.Patience > 0 && ++sinceBest >= validation.Patience)
                {
                    stop = $"{key} did not improve for {validation.Patience} iterations";
                    break;
                }

                if (options.EarlyStopTolerance > 0 && records.Count > 1)
                {
                    double prev = records[^2].Cost;
                    if (Math.Abs(prev - cost) / Math.Abs(prev) < options.EarlyStopTolerance)
                    {
                        stop = $"cost improved by less than {Fmt.Inv(options.EarlyStopTolerance)}";
                        break;
                    }
                }
            }

            prog.Done();
            sw.Stop();
            int keep = validation.Patience > 0 && best is not null ? bestIteration : records.Count;
            AlsModel result = Retag(model!, options with { Iterations = keep });
            if (keep != records.Count)
            {
                best!.Restore(result);
                ctx.Log($"kept iteration {keep} (best {key} {Fmt.F4(best.Value)})");
            }

            return new TrainingResult
            {
                Model = result,
                Iterations = records,
                TrainTime = sw.Elapsed - validationClock.Elapsed,
                ValidationTime = validationClock.Elapsed,
                ModelIteration = keep,
                StopReason = stop,
            };
        }
        finally
        {
            model?.Dispose();
            best?.Dispose();
        }
    }

    private static AlsModel Fit(Dataset train, AlsOptions options, IProgress<AlsProgress>? progress, CliContext ctx)
    {
        try
        {
            return AlsModel.Fit(train, options, progress, ctx.Cancellation);
        }
        catch (ArithmeticException e)
        {
            throw new CliException("training failed: " + e.Message, e);
        }
    }

    private static void Continue(AlsModel model, Dataset train, IProgress<AlsProgress> progress, CliContext ctx)
    {
        try
        {
            model.ContinueTraining(train, 1, progress, ctx.Cancellation);
        }
        catch (ArithmeticException e)
        {
            throw new CliException("training failed: " + e.Message, e);
        }
    }

    /// <summary>A copy of <paramref name="m"/> carrying <paramref name="options"/> (so the saved file states the iterations really run).</summary>
    private static AlsModel Retag(AlsModel m, AlsOptions options)
    {
        return m.CopyWith(options);
    }

    /// <summary>The factors and biases at the best validation iteration.</summary>
    private sealed class Snapshot : IDisposable
    {
        private FactorMatrix _users = null!;
        private FactorMatrix _items = null!;
        private float[]? _userBiases;
        private float[]? _itemBiases;
        private float _mean;

        public double Value { get; private set; }

        public static Snapshot Take(AlsModel m, double value) => new()
        {
            _users = m.UserFactors.Clone(),
            _items = m.ItemFactors.Clone(),
            _userBiases = m.HasBiases ? m.UserBiases.ToArray() : null,
            _itemBiases = m.HasBiases ? m.ItemBiases.ToArray() : null,
            _mean = m.GlobalMean,
            Value = value,
        };

        public void Restore(AlsModel m)
        {
            m.SetUserFactors(_users.AsReadOnly());
            m.SetItemFactors(_items.AsReadOnly());
            if (_userBiases is not null && _itemBiases is not null)
            {
                m.SetUserBiases(_userBiases);
                m.SetItemBiases(_itemBiases);
            }

            m.SetGlobalMean(_mean);
        }

        public void Dispose()
        {
            _users?.Dispose();
            _items?.Dispose();
        }
    }
}
