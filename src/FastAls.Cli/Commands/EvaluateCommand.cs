using System.Diagnostics;
using FastAls.Cli.Infrastructure;
using FastAls.Cli.Report;
using FastAls.Evaluation;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals evaluate</c>: split, train on one part, measure on the other, against a most-popular baseline.</summary>
internal static class EvaluateCommand
{
    public static readonly CommandSpec Spec = new(
        "evaluate",
        "Split the data, train, and print ranking metrics against a most-popular baseline.",
        "DATA [options]",
        [
            new("split", '\0', "HOW", "random (each interaction with probability --test-fraction) or leave-k-out (default random)."),
            new("test-fraction", '\0', "F", "Share of interactions held out by the random split (default 0.2)."),
            new("leave", '\0', "K", "Interactions held out per user by leave-k-out (default 1)."),
            new("at", '\0', "K", "Cut-off K of the metrics (default 10)."),
            new("final-only", '\0', null, "Measure only after the last iteration (faster; no per-iteration chart)."),
            new("cold-start", '\0', "HOW", "RMSE/MAE of test pairs whose user or item had no training ratings: "
                + string.Join(", ", AlsOptionInfo.Spellings<ColdStartStrategy>().Select(Hyper.Kebab))
                + " (score: the model's score, 0 for the plain explicit model; drop: not counted; global-mean: the mean training rating) (default score)."),
            .. InputData.Options,
            .. Hyper.Options,
            new("report", '\0', "FILE", "Write a self-contained HTML report."),
            new("quiet", 'q', null, "No progress or log lines on stderr."),
            Common.Json,
        ],
        [
            "fastals evaluate plays.parquet --kind biased-implicit -k 64 --alpha 5",
            "fastals evaluate u.data --no-header --kind biased-explicit --split leave-k-out --leave 5 --json",
            "fastals evaluate data.parquet --test-fraction 0.1 --at 20 --report eval.html",
        ],
        "Metrics follow implicit's ranking_metrics_at_k (precision, MAP, NDCG, AUC at K) plus recall and\n"
        + "catalogue coverage; explicit models also get RMSE and MAE. Users' training items are never recommended.");

    public static int Run(ParsedArgs a, CliContext ctx)
    {
        a.ExpectPositionals(1, 1, "DATA (the interactions file or directory)");
        ctx.Quiet |= a.Has("quiet");
        string input = a.Positionals[0];
        AlsOptions options = Hyper.Parse(a);
        string split = a.GetChoice("split", "random", ("random", "random"), ("leave-k-out", "leave-k-out"));
        double fraction = a.GetDouble("test-fraction", 0.2, 1e-6, 0.95);
        int leave = a.GetInt("leave", 1, 1, 1_000_000);
        int k = a.GetInt("at", 10, 1, 100_000);
        string coldText = a.Get("cold-start", "score");
        if (!AlsOptionInfo.TryParse(coldText, out ColdStartStrategy coldStart))
        {
            throw ParsedArgs.Usage(a.Spec, $"--cold-start expects one of {string.Join(", ", AlsOptionInfo.Spellings<ColdStartStrategy>().Select(Hyper.Kebab))}, got '{coldText}'");
        }

        string? reportPath = a.Get("report");
        Outputs.Check([input], new("--report", reportPath), new("--cache", a.Get("cache")));
        var total = Stopwatch.StartNew();
        using Dataset data = InputData.Load(input, a, ctx);
        var timings = new List<(string, string)> { ("load", Fmt.Time(total.Elapsed)) };
        using TrainTestSplit s = split == "random"
            ? Splits.Random(data.UserItems, fraction, options.Seed)
            : Splits.LeaveKOut(data.UserItems, leave, options.Seed);
        string splitText = split == "random" ? $"random {fraction:P0}" : $"leave-{leave}-out";
        if (s.Test.Nnz == 0)
        {
            throw new CliException(split == "random"
                ? $"the {splitText} split of {data.Nnz} interactions holds out none: nothing to evaluate on (use a larger --test-fraction, or more data)"
                : $"the {splitText} split holds out nothing: no user has more than {leave} interactions (the most any user has is {MaxRow(data.UserItems)}); use a smaller --leave");
        }

        if (s.Train.Nnz == 0)
        {
            throw new CliException($"the {splitText} split of {data.Nnz} interactions leaves none to train on (use a smaller --test-fraction)");
        }

        using Dataset train = s.TrainDataset(data.UserIds, data.ItemIds);
        ctx.Log($"split ({splitText}, seed {options.Seed}): {s.Train.Nnz} train, {s.Test.Nnz} test interactions");
        var validation = a.Has("final-only") ? null : new Validation(s.Test, k, Training.DefaultMetric(options), 0);
        TrainingResult result = Training.Run(train, options, validation, ctx);
        using AlsModel model = result.Model;
        timings.Add(("train", Fmt.Time(result.TrainTime)));
        var evalClock = Stopwatch.StartNew();
        var table = new MetricsTable();
        table.Add("als", Training.Measure(model, s.Train, s.Test, k, options.Threads, coldStart));
        table.Add("most-popular", Training.RankingRow(Evaluator.Ranking(new PopularityScorer(s.Train), s.Train, s.Test, k, threads: options.Threads)));
        timings.Add(("evaluate", Fmt.Time(evalClock.Elapsed + result.ValidationTime)));
        timings.Add(("total", Fmt.Time(total.Elapsed)));

        if (reportPath is not null)
        {
            var report = new ReportModel
            {
                Title = "FastAls evaluation report",
                Subtitle = $"{input}: {options.Kind}, {options.Factors} factors, {result.Iterations.Count} iterations, {splitText} split, K = {k}",
            };
            report.Data = DataStats.From(data);
            report.Parameters.AddRange(Hyper.Describe(model.Options));
            report.Parameters.Add(("split", $"{splitText}: {s.Train.Nnz} train / {s.Test.Nnz} test"));
            report.Iterations.AddRange(result.Iterations);
            table.AddTo(report);
            report.Timings.AddRange(timings);
            HtmlReport.AddEnvironment(report);
            HtmlReport.Write(report, reportPath);
            ctx.Log($"wrote report {reportPath}");
        }

        if (a.Has("json"))
        {
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("data", Path.GetFullPath(input));
                w.WriteString("split", split);
                w.WriteNumber("trainInteractions", s.Train.Nnz);
                w.WriteNumber("testInteractions", s.Test.Nnz);
                w.WriteNumber("k", k);
                w.WriteNumber("iterations", result.Iterations.Count);
                table.WriteJson(w, "metrics");
                w.WriteNumber("seconds", Math.Round(total.Elapsed.TotalSeconds, 3));
                InfoCommand.WriteOptions(w, model.Options);
                w.WriteEndObject();
            }));
        }
        else
        {
            ctx.Out.WriteLine($"{input}: {data.Users} users, {data.Items} items; {splitText} split, {s.Train.Nnz} train / {s.Test.Nnz} test; {options.Kind}, {options.Factors} factors, {result.Iterations.Count} iterations; K = {k}");
            table.Print(ctx.Out);
        }

        return ExitCodes.Ok;
    }

    private static int MaxRow(CsrMatrix m)
    {
        int max = 0;
        for (int r = 0; r < m.Rows; r++)
        {
            max = Math.Max(max, m.RowLength(r));
        }

        return max;
    }
}
