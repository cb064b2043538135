using System.Diagnostics;
using System.Globalization;
using FastAls.Cli.Infrastructure;
using FastAls.Cli.Report;
using FastAls.Evaluation;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals train</c>: the batch training job.</summary>
internal static class TrainCommand
{
    public static readonly CommandSpec Spec = new(
        "train",
        "Train an ALS model from Parquet or CSV/TSV interactions and save it.",
        "DATA -o MODEL [options]",
        [
            new("output", 'o', "FILE", "Model file to write (required)."),
            .. InputData.Options,
            .. Hyper.Options,
            .. Training.ValidationOptions,
            new("spark", '\0', "DIR", "Also write the factors in Spark ML's ALSModel layout (Parquet) to DIR (replaced if present)."),
            new("report", '\0', "FILE", "Write a self-contained HTML report (charts, hyperparameters, data statistics, timings)."),
            new("quiet", 'q', null, "No progress or log lines on stderr."),
            new("scheduler", '\0', "ADDR", "Train on a Dask cluster (e.g. tcp://host:8786): runs the Python driver (python3 -m fastals.distributed) as a subprocess; DATA must be Parquet part files the workers can read."),
            Common.Json,
        ],
        [
            "fastals train plays.parquet -o model.fals",
            "fastals train events/ --user-col user_id --item-col track_id --value-col plays -k 128 --alpha 20 -o model.fals",
            "fastals train u.data --no-header --kind biased-explicit -k 32 -l 0.1 --reg-scaling count --iterations 20 -o ml.fals",
            "fastals train data.parquet --kind biased-implicit --validation 0.1 --patience 3 --report train.html -o model.fals",
            "fastals train data.parquet -o model.fals --spark spark-model/",
            "fastals train /shared/plays/ --scheduler tcp://scheduler:8786 -k 128 -o model.fals",
        ],
        "DATA is a Parquet file, a directory of Parquet part files, or delimited text (CSV, TSV, '::').\n"
        + "Progress goes to stderr: one line per iteration with the cost, its change, elapsed time and ETA\n"
        + "(rewritten in place on a terminal). With --validation, a random share of the interactions is held out\n"
        + "and ranking metrics (RMSE for explicit models) are computed after every iteration; --patience stops\n"
        + "early and keeps the best iteration. The saved model is then retrained on all the interactions for the\n"
        + "chosen number of iterations (as Spark's TrainValidationSplit refits on the whole data); --no-refit saves\n"
        + "the validation run's model instead, trained on the training share only. The summary says which.\n"
        + "Every output path (-o, --report, --spark, --cache) is checked before loading starts.");

    public static int Run(ParsedArgs a, CliContext ctx)
    {
        a.ExpectPositionals(1, 1, "DATA (the interactions file or directory)");
        string input = a.Positionals[0];
        string output = a.Require("output");
        ctx.Quiet |= a.Has("quiet");
        AlsOptions options = Hyper.Parse(a);
        double validationFraction = a.GetDouble("validation", 0, 0, 0.9);
        int k = a.GetInt("at", 10, 1, 100_000);
        string metric = Training.ParseMetric(a, options);
        int patience = a.GetInt("patience", 0, 0, 100_000);
        string? reportPath = a.Get("report");
        if ((a.Has("patience") || a.Has("refit") || a.Has("no-refit") || a.Has("metric")) && validationFraction == 0)
        {
            throw ParsedArgs.Usage(Spec, "--patience, --metric, --refit and --no-refit need --validation F");
        }

        if (a.Has("refit") && a.Has("no-refit"))
        {
            throw ParsedArgs.Usage(Spec, "--refit and --no-refit contradict each other");
        }

        bool refit = validationFraction > 0 && !a.Has("no-refit");
        string? spark = a.Get("spark");
        Outputs.Check([input], new("--output", output), new("--report", reportPath), new("--spark", spark, IsDirectory: true), new("--cache", a.Get("cache")));
        if (a.Get("scheduler") is { } scheduler)
        {
            return DistributedTrain.Run(a, ctx, input, output, options, scheduler);
        }

        var total = Stopwatch.StartNew();
        using Dataset data = InputData.Load(input, a, ctx);
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
            report.Parameters.AddRange(Hyper.Describe(model.Options));
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
        if (a.Has("json"))
        {
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("model", Path.GetFullPath(output));
                w.WriteNumber("users", data.Users);
                w.WriteNumber("items", data.Items);
                w.WriteNumber("interactions", data.Nnz);
                w.WriteNumber("iterations", result.Iterations.Count);
                w.WriteNumber("modelIteration", result.ModelIteration);
                w.WriteNumber("modelInteractions", savedModelSaw);
                w.WriteBoolean("refit", refitIterations is not null);
                if (lastCost is { } c)
                {
                    w.Number("finalCost", c);
                }
                else
                {
                    w.WriteNull("finalCost");
                }
                if (result.StopReason is not null)
                {
                    w.WriteString("stopReason", result.StopReason);
                }

                w.WriteStartArray("costs");
                foreach (IterationRecord r in result.Iterations)
                {
                    w.WriteNumberValue(r.Cost);
                }

                w.WriteEndArray();
                if (refitIterations is not null)
                {
                    w.WriteStartArray("refitCosts");
                    foreach (IterationRecord r in refitIterations)
                    {
                        w.WriteNumberValue(r.Cost);
                    }

                    w.WriteEndArray();
                }

                final?.WriteJson(w, "validation");
                w.WriteNumber("seconds", Math.Round(total.Elapsed.TotalSeconds, 3));
                InfoCommand.WriteOptions(w, model.Options);
                w.WriteEndObject();
            }));
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
