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
            Common.Json,
        ],
        [
            "fastals train plays.parquet -o model.fals",
            "fastals train events/ --user-col user_id --item-col track_id --value-col plays -k 128 --alpha 20 -o model.fals",
            "fastals train u.data --no-header --kind biased-explicit -k 32 -l 0.1 --reg-scaling count --iterations 20 -o ml.fals",
            "fastals train data.parquet --kind biased-implicit --validation 0.1 --patience 3 --report train.html -o model.fals",
            "fastals train data.parquet -o model.fals --spark spark-model/",
        ],
        "DATA is a Parquet file, a directory of Parquet part files, or delimited text (CSV, TSV, '::').\n"
        + "Progress goes to stderr: one line per iteration with the cost, its change, elapsed time and ETA\n"
        + "(rewritten in place on a terminal). With --validation, a random share of the interactions is held out\n"
        + "and ranking metrics (RMSE for explicit models) are computed after every iteration; --patience stops\n"
        + "early and keeps the best iteration.");

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
        if ((a.Has("patience") || a.Has("refit") || a.Has("metric")) && validationFraction == 0)
        {
            throw ParsedArgs.Usage(Spec, "--patience, --metric and --refit need --validation F");
        }

        CheckWritable(output);
        if (a.Get("spark") is { } sparkDir)
        {
            CheckWritable(sparkDir.TrimEnd('/'), allowDirectory: true);
        }

        var total = Stopwatch.StartNew();
        using Dataset data = InputData.Load(input, a, ctx);
        TimeSpan loadTime = total.Elapsed;
        var timings = new List<(string, string)> { ("load", Fmt.Time(loadTime)) };

        TrainTestSplit? split = null;
        Dataset? trainData = null;
        MetricsTable? final = null;
        TrainingResult result;
        try
        {
            Validation? validation = null;
            if (validationFraction > 0)
            {
                split = Splits.Random(data.UserItems, validationFraction, options.Seed);
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
                if (a.Has("refit"))
                {
                    ctx.Log($"refitting on all {data.Nnz} interactions for {result.ModelIteration} iterations");
                    TrainingResult refit = Training.Run(data, options with { Iterations = result.ModelIteration }, null, ctx);
                    result.Model.Dispose();
                    result = new TrainingResult { Model = refit.Model, Iterations = result.Iterations, TrainTime = result.TrainTime, ValidationTime = result.ValidationTime, ModelIteration = result.ModelIteration, StopReason = result.StopReason };
                    timings.Add(("refit", Fmt.Time(refit.TrainTime)));
                }
            }
        }
        finally
        {
            trainData?.ItemUsers.Dispose();
            split?.Dispose();
        }

        using AlsModel model = result.Model;
        var saveClock = Stopwatch.StartNew();
        Save(model, output);
        timings.Add(("save", Fmt.Time(saveClock.Elapsed)));
        string? spark = a.Get("spark");
        if (spark is not null)
        {
            saveClock.Restart();
            try
            {
                FastAls.IO.SparkAlsFormat.Export(model, spark, new FastAls.IO.SparkExportOptions { Overwrite = true });
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

        double lastCost = result.Iterations.Count > 0 ? result.Iterations[^1].Cost : double.NaN;
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
                w.Number("finalCost", lastCost);
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
                final?.WriteJson(w, "validation");
                w.WriteNumber("seconds", Math.Round(total.Elapsed.TotalSeconds, 3));
                InfoCommand.WriteOptions(w, model.Options);
                w.WriteEndObject();
            }));
        }
        else
        {
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {model.Kind} model ({model.Factors} factors, {result.ModelIteration} iterations) on {data.Users} users x {data.Items} items, {data.Nnz} interactions; final cost {Fmt.Num(lastCost)}; saved {output} in {Fmt.Time(total.Elapsed)}"));
            if (final is not null)
            {
                ctx.Out.WriteLine();
                ctx.Out.WriteLine($"validation ({validationFraction:P0} held out, K = {k}):");
                final.Print(ctx.Out);
            }
        }

        return ExitCodes.Ok;
    }

    internal static void CheckWritable(string output, bool allowDirectory = false)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new CliException($"{output}: the directory {dir} does not exist");
        }

        if (!allowDirectory && Directory.Exists(output))
        {
            throw new CliException($"{output}: is a directory; give a file name");
        }
    }

    internal static void Save(AlsModel model, string output)
    {
        try
        {
            model.Save(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{output}: cannot write the model: {e.Message}", e);
        }
    }
}
