using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.Cli.Report;
using FastAls.Evaluation;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals train</c>: the batch training job.</summary>
internal sealed class TrainCommand : CliCommand
{
    private readonly Argument<string> _data = new("DATA") { Description = "The interactions: a Parquet file, a directory of Parquet part files, or delimited text (CSV, TSV, '::')." };
    private readonly Option<string?> _output = CliOptions.Text("--output", "FILE", "Model file to write.", "-o");
    private readonly InputData _input = new();
    private readonly Option<double> _validation = CliOptions.Double("--validation", "F", "Hold out this fraction of interactions (random, seeded) and report validation metrics each iteration (0: none).", 0, 0, 0.9);
    private readonly Option<string?> _metric = CliOptions.Choice<string?>("--metric", "Validation metric for early stopping: ndcg, map, precision, recall, auc, or rmse (explicit) (default ndcg / rmse).", null,
        Training.Metrics.Select(m => (m, (string?)m)).ToArray());
    private readonly Option<int> _patience = CliOptions.Int("--patience", "Stop when the validation metric has not improved for N iterations and keep the best iteration (0: off).", 0, 0, 100_000);
    private readonly Option<bool> _refit = CliOptions.Flag("--refit", "After validation, retrain on all the data for the chosen number of iterations and save that model (the default).");
    private readonly Option<bool> _noRefit = CliOptions.Flag("--no-refit", "Save the model of the validation run itself, trained on the training share only.");
    private readonly Option<int> _at = CliOptions.Int("--at", "Cut-off K of the ranking metrics.", 10, 1, 100_000);
    private readonly Option<string?> _spark = CliOptions.Text("--spark", "DIR", "Also write the factors in Spark ML's ALSModel layout (Parquet) to DIR (replaced if present).");
    private readonly Option<string?> _report = CliOptions.Text("--report", "FILE", "Write a self-contained HTML report (charts, hyperparameters, data statistics, timings).");
    private readonly Option<bool> _quiet = CliOptions.Quiet();
    private readonly Option<string?> _scheduler = CliOptions.Text("--scheduler", "ADDR", "Train on a Dask cluster (e.g. tcp://host:8786): runs the Python driver (python3 -m fastals.distributed) as a subprocess; DATA must be Parquet part files the workers can read.");
    private readonly Option<bool> _json = CliOptions.Json();

    public TrainCommand()
        : base(
            "train",
            "Train an ALS model from Parquet or CSV/TSV interactions and save it.",
            "Progress goes to stderr: one line per iteration with the cost, its change, elapsed time and ETA\n"
            + "(rewritten in place on a terminal). With --validation, a random share of the interactions is held out\n"
            + "and ranking metrics (RMSE for explicit models) are computed after every iteration; --patience stops\n"
            + "early and keeps the best iteration. The saved model is then retrained on all the interactions for the\n"
            + "chosen number of iterations (as Spark's TrainValidationSplit refits on the whole data); --no-refit saves\n"
            + "the validation run's model instead, trained on the training share only. The summary says which.\n"
            + "Every output path (-o, --report, --spark, --cache) is checked before loading starts.",
            "fastals train plays.parquet -o model.fals",
            "fastals train events/ --user-col user_id --item-col track_id --value-col plays -k 128 --alpha 20 -o model.fals",
            "fastals train u.data --no-header --kind biased-explicit -k 32 -l 0.1 --reg-scaling by-count --iterations 20 -o ml.fals",
            "fastals train data.parquet --kind biased-implicit --validation 0.1 --patience 3 --report train.html -o model.fals",
            "fastals train data.parquet -o model.fals --spark spark-model/",
            "fastals train /shared/plays/ --scheduler tcp://scheduler:8786 -k 128 -o model.fals")
    {
        _output.Required = true;
        Arguments.Add(_data);
        AddOptions([_output, .. _input.Options, .. Hyper.Options, _validation, _metric, _patience, _refit, _noRefit, _at, _spark, _report, _quiet, _scheduler, _json]);
    }

    /// <summary>The training options, from the schema.</summary>
    public AlsOptionFlags Hyper { get; } = new();

    /// <summary>The input options.</summary>
    public InputData Input => _input;

    public override int Run(ParseResult a, CliContext ctx)
    {
        string input = a.GetValue(_data)!;
        string output = a.GetValue(_output)!;
        ctx.Quiet |= a.GetValue(_quiet);
        AlsOptions options = Hyper.Read(a);
        double validationFraction = a.GetValue(_validation);
        int k = a.GetValue(_at);
        string metric = a.GetValue(_metric) ?? Training.DefaultMetric(options);
        int patience = a.GetValue(_patience);
        string? reportPath = a.GetValue(_report);
        if ((a.Given(_patience) || a.Given(_refit) || a.Given(_noRefit) || a.Given(_metric)) && validationFraction == 0)
        {
            throw Usage("--patience, --metric, --refit and --no-refit need --validation F");
        }

        if (a.GetValue(_refit) && a.GetValue(_noRefit))
        {
            throw Usage("--refit and --no-refit contradict each other");
        }

        bool refit = validationFraction > 0 && !a.GetValue(_noRefit);
        string? spark = a.GetValue(_spark);
        Outputs.Check([input], new("--output", output), new("--report", reportPath), new("--spark", spark, IsDirectory: true), new("--cache", a.GetValue(_input.Cache)));
        if (a.GetValue(_scheduler) is { } scheduler)
        {
            Option[] localOnly = [_json, _validation, _patience, _metric, _refit, _noRefit, _at, _report, _input.Cache, _input.Format, _input.Separator, _input.Header, _input.NoHeader, _input.Ids];
            if (localOnly.FirstOrDefault(a.Given) is { } given)
            {
                throw Usage($"{given.Name} is not available with --scheduler (the cluster reads Parquet part files and trains without validation)");
            }

            return DistributedTrain.Run(ctx, input, output, options, scheduler,
                [.. new Option[] { _input.UserColumn, _input.ItemColumn, _input.ValueColumn, _input.Duplicates, _spark }.Select(o => (o.Name, DistributedTrain.Given(a, o)))]);
        }

        var total = Stopwatch.StartNew();
        using Dataset data = _input.Load(input, a, options.Kind, ctx);
        TimeSpan loadTime = total.Elapsed;
        var timings = new List<(string, string)> { ("load", Fmt.Time(loadTime)) };

        TrainTestSplit? split = null;
        Dataset? trainData = null;
        MetricsTable? final = null;
        TrainingResult result;
        List<IterationRecord>? refitIterations = null;
        long savedModelSaw = data.Nnz;
        try
        {
            Validation? validation = null;
            if (validationFraction > 0)
            {
                split = Splits.Random(data.UserItems, validationFraction, options.Seed);
                if (split.Test.Nnz == 0 || split.Train.Nnz == 0)
                {
                    throw new CliException(string.Create(CultureInfo.InvariantCulture,
                        $"--validation {validationFraction}: the split of {data.Nnz} interactions leaves {split.Train.Nnz} to train on and {split.Test.Nnz} to validate on; both must be non-empty (use another fraction, or more data)"));
                }

                trainData = split.TrainDataset(data.UserIds, data.ItemIds);
                validation = new Validation(split.Test, k, metric, patience);
                ctx.Log($"validation: {split.Test.Nnz} of {data.Nnz} interactions held out ({validationFraction:P0}); {Training.MetricKey(metric, k)} drives early stopping");
            }

            ctx.Log($"training {options.Kind} model: {options.Factors} factors, {options.Iterations} iterations, {(options.Threads == 0 ? Environment.ProcessorCount : options.Threads)} threads");
            result = Training.Run(trainData ?? data, options, validation, ctx);
            timings.Add(("train", Fmt.Time(result.TrainTime)));
            if (result.StopReason is not null)
            {
                ctx.Log($"stopped after {result.Iterations.Count} iterations: {result.StopReason}");
            }

            if (split is not null)
            {
                timings.Add(("validation", Fmt.Time(result.ValidationTime)));
                final = new MetricsTable();
                final.Add("als", Training.Measure(result.Model, split.Train, split.Test, k, options.Threads));
                final.Add("most-popular", Training.RankingRow(Evaluator.Ranking(new PopularityScorer(split.Train), split.Train, split.Test, k, threads: options.Threads)));
                if (refit)
                {
                    ctx.Log($"refitting on all {data.Nnz} interactions for {result.ModelIteration} iterations (--no-refit saves the validation run's model instead)");
                    TrainingResult again = Training.Run(data, options with { Iterations = result.ModelIteration }, null, ctx);
                    result.Model.Dispose();
                    result = new TrainingResult { Model = again.Model, Iterations = result.Iterations, TrainTime = result.TrainTime, ValidationTime = result.ValidationTime, ModelIteration = result.ModelIteration, StopReason = result.StopReason };
                    refitIterations = again.Iterations;
                    timings.Add(("refit", Fmt.Time(again.TrainTime)));
                }
                else
                {
                    savedModelSaw = split.Train.Nnz;
                }
            }
        }
        finally
        {
            trainData?.ItemUsers.Dispose();
            split?.Dispose();
        }

        using AlsModel model = result.Model;
        ctx.Cancellation.ThrowIfCancellationRequested();
        var saveClock = Stopwatch.StartNew();
        Save(model, output);
        timings.Add(("save", Fmt.Time(saveClock.Elapsed)));
        if (spark is not null)
        {
            saveClock.Restart();
            try
            {
                FastAls.IO.SparkAlsFormat.ExportAsync(model, spark, new FastAls.IO.SparkExportOptions { Overwrite = true }, ctx.Cancellation).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                throw new CliException($"{spark}: Spark export failed: {e.Message}", e);
            }

            timings.Add(("Spark export", Fmt.Time(saveClock.Elapsed)));
            ctx.Log($"wrote Spark layout {spark}");
        }

        timings.Add(("total", Fmt.Time(total.Elapsed)));
        ctx.Log($"saved {output}");

        if (reportPath is not null)
        {
            var report = new ReportModel
            {
                Title = "FastAls training report",
                Subtitle = $"{input} -> {output}: {options.Kind}, {options.Factors} factors, {result.Iterations.Count} iterations",
            };
            report.Data = DataStats.From(data);
            report.Parameters.AddRange(AlsOptionFlags.Describe(model.Options));
            report.Parameters.Add(("validation", validationFraction > 0 ? $"{validationFraction:P0} held out, metric {Training.MetricKey(metric, k)}, patience {patience}" : "none"));
            report.Iterations.AddRange(result.Iterations);
            final?.AddTo(report);
            report.Timings.AddRange(timings);
            HtmlReport.AddEnvironment(report);
            HtmlReport.Write(report, reportPath);
            ctx.Log($"wrote report {reportPath}");
        }

        // The cost of the run that produced the saved model (the refit when there was one); none when no iteration ran.
        List<IterationRecord> savedRun = refitIterations ?? result.Iterations;
        double? lastCost = savedRun.Count > 0 ? savedRun[^1].Cost : null;
        string sawText = savedModelSaw == data.Nnz
            ? string.Create(CultureInfo.InvariantCulture, $"all {data.Nnz} interactions")
            : string.Create(CultureInfo.InvariantCulture, $"{savedModelSaw} of {data.Nnz} interactions (the training share; {split!.Test.Nnz} held out for validation, --no-refit)");
        if (a.GetValue(_json))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(
                new TrainOutput(Path.GetFullPath(output), data.Users, data.Items, data.Nnz, result.Iterations.Count, result.ModelIteration, savedModelSaw, refitIterations is not null,
                    lastCost is { } c ? CliJsonContext.Finite(c) : null, result.StopReason, [.. result.Iterations.Select(r => r.Cost)], refitIterations?.Select(r => r.Cost).ToArray(),
                    final?.ToJson(), Math.Round(total.Elapsed.TotalSeconds, 3), CliJsonContext.OptionsElement(model.Options)),
                CliJsonContext.Default.TrainOutput));
        }
        else
        {
            string cost = lastCost is { } c ? "final cost " + Fmt.Num(c) : "no cost (no iteration ran)";
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {model.Kind} model ({model.Factors} factors, {result.ModelIteration} iterations{(refitIterations is null ? string.Empty : ", refit after validation")}) on {data.Users} users x {data.Items} items, {sawText}; {cost}; saved {output} in {Fmt.Time(total.Elapsed)}"));
            if (final is not null)
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine(refitIterations is null
                    ? $"validation ({validationFraction:P0} held out, K = {k}):"
                    : $"validation ({validationFraction:P0} held out, K = {k}; measured on the validation run, before the refit):");
                final.Print(ctx.Out);
            }
        }

        return ExitCodes.Ok;
    }

    internal static void Save(AlsModel model, string output)
    {
        try
        {
            model.Save(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{output}: cannot write the model: {Outputs.Reason(e)}", e);
        }
    }
}
