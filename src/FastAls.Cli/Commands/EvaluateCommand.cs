using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.Cli.Report;
using FastAls.Evaluation;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals evaluate</c>: split, train on one part, measure on the other, against a most-popular baseline.</summary>
internal sealed class EvaluateCommand : CliCommand
{
    private readonly Argument<string> _data = new("DATA") { Description = "The interactions: a Parquet file, a directory of Parquet part files, or delimited text." };
    private readonly Option<string> _split = CliOptions.Choice("--split", "random (each interaction with probability --test-fraction) or leave-k-out.", "random", [("random", "random"), ("leave-k-out", "leave-k-out")]);
    private readonly Option<double> _testFraction = CliOptions.Double("--test-fraction", "F", "Share of interactions held out by the random split.", 0.2, 1e-6, 0.95);
    private readonly Option<int> _leave = CliOptions.Int("--leave", "Interactions held out per user by leave-k-out.", 1, 1, 1_000_000);
    private readonly Option<int> _at = CliOptions.Int("--at", "Cut-off K of the metrics.", 10, 1, 100_000);
    private readonly Option<bool> _finalOnly = CliOptions.Flag("--final-only", "Measure only after the last iteration (faster; no per-iteration chart).");
    private readonly Option<ColdStartStrategy> _coldStart = CliOptions.Choice("--cold-start",
        "RMSE/MAE of test pairs whose user or item had no training ratings (score: the model's score, 0 for the plain explicit model; drop: not counted; global-mean: the mean training rating).",
        ColdStartStrategy.Score, Enum.GetValues<ColdStartStrategy>().Select(v => (AlsOptionFlags.Kebab(AlsOptionInfo.Spell(v)), v)).ToArray());

    private readonly InputData _input = new();
    private readonly Option<string?> _report = CliOptions.Text("--report", "FILE", "Write a self-contained HTML report.");
    private readonly Option<bool> _quiet = CliOptions.Quiet();
    private readonly Option<bool> _json = CliOptions.Json();

    public EvaluateCommand()
        : base(
            "evaluate",
            "Split the data, train, and print ranking metrics against a most-popular baseline.",
            "Metrics follow implicit's ranking_metrics_at_k (precision, MAP, NDCG, AUC at K) plus recall and\n"
            + "catalogue coverage; explicit models also get RMSE and MAE. Users' training items are never recommended.",
            "fastals evaluate plays.parquet --kind biased-implicit -k 64 --alpha 5",
            "fastals evaluate u.data --no-header --kind biased-explicit --split leave-k-out --leave 5 --json",
            "fastals evaluate data.parquet --test-fraction 0.1 --at 20 --report eval.html")
    {
        Arguments.Add(_data);
        AddOptions([_split, _testFraction, _leave, _at, _finalOnly, _coldStart, .. _input.Options, .. Hyper.Options, _report, _quiet, _json]);
    }

    /// <summary>The training options, from the schema.</summary>
    public AlsOptionFlags Hyper { get; } = new();

    public override int Run(ParseResult a, CliContext ctx)
    {
        ctx.Quiet |= a.GetValue(_quiet);
        string input = a.GetValue(_data)!;
        AlsOptions options = Hyper.Read(a);
        string split = a.GetValue(_split)!;
        double fraction = a.GetValue(_testFraction);
        int leave = a.GetValue(_leave);
        int k = a.GetValue(_at);
        ColdStartStrategy coldStart = a.GetValue(_coldStart);
        string? reportPath = a.GetValue(_report);
        Outputs.Check([input], new("--report", reportPath), new("--cache", a.GetValue(_input.Cache)));
        var total = Stopwatch.StartNew();
        using Dataset data = _input.Load(input, a, options.Kind, ctx);
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
        var validation = a.GetValue(_finalOnly) ? null : new Validation(s.Test, k, Training.DefaultMetric(options), 0);
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
            report.Parameters.AddRange(AlsOptionFlags.Describe(model.Options));
            report.Parameters.Add(("split", $"{splitText}: {s.Train.Nnz} train / {s.Test.Nnz} test"));
            report.Iterations.AddRange(result.Iterations);
            table.AddTo(report);
            report.Timings.AddRange(timings);
            HtmlReport.AddEnvironment(report);
            HtmlReport.Write(report, reportPath);
            ctx.Log($"wrote report {reportPath}");
        }

        if (a.GetValue(_json))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(
                new EvaluateOutput(Path.GetFullPath(input), split, s.Train.Nnz, s.Test.Nnz, k, result.Iterations.Count, table.ToJson(), Math.Round(total.Elapsed.TotalSeconds, 3), CliJsonContext.OptionsElement(model.Options)),
                CliJsonContext.Default.EvaluateOutput));
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
