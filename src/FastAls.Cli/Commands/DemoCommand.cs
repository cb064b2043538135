using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.Cli.Report;
using FastAls.Evaluation;
using FastAls.IO;
using FastAls.Synthetic;

namespace FastAls.Cli.Commands;

/// <summary>
/// <c>fastals demo</c>: the whole pipeline on a fresh machine, nothing downloaded: generate the built-in dataset,
/// write and read it as Parquet, train a biased implicit model, compare it with a most-popular baseline, show a
/// few users' histories beside their recommendations, save the model and an HTML report.
/// </summary>
internal sealed class DemoCommand : CliCommand
{
    /// <summary>The built-in dataset: about a minute end to end on 2 cores.</summary>
    internal static readonly SyntheticDataOptions DefaultData = new() { Users = 100_000, Items = 20_000, Interactions = 10_000_000, Factors = 16, Seed = 42 };

    /// <summary>The demo's model: implicit with biases, rank 2x the planted one.</summary>
    internal static readonly AlsOptions DefaultModel = new()
    {
        Kind = AlsModelKind.BiasedImplicit,
        Factors = 32,
        Regularization = 0.05f,
        Alpha = 2f,
        Iterations = 10,
        Seed = 42,
    };

    private readonly Option<string> _dir = CliOptions.Create("--dir", [], "Where the dataset, model and report go.", "DIR", (string s, out string v) => (v = s).Length > 0, "a folder", () => "fastals-demo");
    private readonly Option<long?> _users = CliOptions.OptionalCount("--users", $"Users of the generated dataset (default {DefaultData.Users}).", 1, int.MaxValue, "-u");
    private readonly Option<long?> _items = CliOptions.OptionalCount("--items", $"Items (default {DefaultData.Items}).", 2, int.MaxValue, "-i");
    private readonly Option<long?> _interactions = CliOptions.OptionalCount("--interactions", $"Interactions (default {Fmt.Count(DefaultData.Interactions)}).", 1, long.MaxValue, "-n");
    private readonly Option<int?> _factors = CliOptions.OptionalInt("--factors", $"Model factors (default {DefaultModel.Factors}).", 1, 4096, "-k");
    private readonly Option<int?> _iterations = CliOptions.OptionalInt("--iterations", $"Training iterations (default {DefaultModel.Iterations}).", 1, 10_000);
    private readonly Option<bool> _quick = CliOptions.Flag("--quick", "A tiny run (2k users, 50k interactions) that takes seconds.");
    private readonly Option<int> _show = CliOptions.Int("--show", "Users whose history and recommendations are shown.", 3, 0, 100);
    private readonly Option<int> _seed = CliOptions.Int("--seed", "Random seed.", DefaultData.Seed);
    private readonly Option<int> _threads = CliOptions.Threads();
    private readonly Option<bool> _json = CliOptions.Json();

    public DemoCommand()
        : base(
            "demo",
            "Generate a dataset, train, evaluate against a baseline, show recommendations (start here).",
            "Items belong to planted taste groups (shown as [g3]); a good model recommends from the groups in a\n"
            + "user's history, while the baseline recommends the same popular items to everyone.",
            "fastals demo",
            "fastals demo --quick",
            "fastals demo --dir /tmp/demo --users 200k --items 50k --interactions 20M --threads 8")
    {
        AddOptions([_dir, _users, _items, _interactions, _factors, _iterations, _quick, _show, _seed, _threads, _json]);
    }

    public override int Run(ParseResult a, CliContext ctx)
    {
        bool quick = a.GetValue(_quick);
        SyntheticDataOptions d0 = quick ? new SyntheticDataOptions { Users = 2_000, Items = 1_000, Interactions = 50_000, Factors = 8, Seed = 42 } : DefaultData;
        int seed = a.GetValue(_seed);
        var dataOptions = d0 with
        {
            Users = (int)(a.GetValue(_users) ?? d0.Users),
            Items = (int)(a.GetValue(_items) ?? d0.Items),
            Interactions = a.GetValue(_interactions) ?? d0.Interactions,
            Seed = seed,
        };
        try
        {
            dataOptions.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message.Split(" (Parameter", 2)[0], ExitCodes.Usage);
        }

        AlsOptions options = DefaultModel with
        {
            Factors = a.GetValue(_factors) ?? (quick ? 16 : DefaultModel.Factors),
            Iterations = a.GetValue(_iterations) ?? (quick ? 5 : DefaultModel.Iterations),
            Seed = seed,
            Threads = a.GetValue(_threads),
        };
        int show = a.GetValue(_show);
        const int K = 10;
        string dir = a.GetValue(_dir)!;
        Directory.CreateDirectory(dir);
        string dataPath = Path.Combine(dir, "interactions.parquet");
        string modelPath = Path.Combine(dir, "model.fals");
        string reportPath = Path.Combine(dir, "report.html");
        Outputs.Check([], new("data", dataPath), new("model", modelPath), new("report", reportPath));
        var total = Stopwatch.StartNew();
        var timings = new List<(string, string)>();

        // 1. Generate and write Parquet.
        ctx.Log($"[1/6] generating {dataOptions.Users} users x {dataOptions.Items} items, {dataOptions.Interactions} interactions ({dataOptions.Factors} planted taste groups, Zipf popularity) -> {dataPath}");
        var clock = Stopwatch.StartNew();
        var generator = new SyntheticData(dataOptions);
        GenerateCommand.Write(generator, dataPath, TableFormat.Parquet, "user", "item", "value", 500_000, options.Threads, ctx);
        timings.Add(("generate + write Parquet", Fmt.Time(clock.Elapsed)));

        // 2. Read it back like any input.
        clock.Restart();
        ctx.Log($"[2/6] loading {dataPath}");
        using Dataset data = InteractionLoader.Load(dataPath, new InteractionLoadOptions(), ctx.Cancellation);
        timings.Add(("load Parquet", Fmt.Time(clock.Elapsed)));

        // 3. Split.
        using TrainTestSplit split = Splits.Random(data.UserItems, 0.2, seed);
        using Dataset train = split.TrainDataset(data.UserIds, data.ItemIds);
        using CsrMatrix sample = SampleRows(split.Test, quick ? int.MaxValue : 5_000, seed);
        ctx.Log($"[3/6] held out 20 % of the interactions for testing: {split.Train.Nnz} train, {split.Test.Nnz} test");

        // 4. Train, with validation metrics on a sample of test users after every iteration.
        ctx.Log($"[4/6] training {options.Kind}: {options.Factors} factors, alpha {Fmt.Inv(options.Alpha)}, lambda {Fmt.Inv(options.Regularization)}, {options.Iterations} iterations, {(options.Threads == 0 ? Environment.ProcessorCount : options.Threads)} threads");
        TrainingResult result = Training.Run(train, options, new Validation(sample, K, "ndcg", 0), ctx);
        using AlsModel model = result.Model;
        timings.Add(("train", Fmt.Time(result.TrainTime)));
        timings.Add(("per-iteration validation", Fmt.Time(result.ValidationTime)));

        // 5. Evaluate on all test users against the baseline.
        clock.Restart();
        ctx.Log($"[5/6] evaluating on {split.Test.Nnz} held-out interactions");
        var table = new MetricsTable();
        table.Add("als (biased implicit)", Training.Measure(model, split.Train, split.Test, K, options.Threads));
        table.Add("most-popular baseline", Training.RankingRow(Evaluator.Ranking(new PopularityScorer(split.Train), split.Train, split.Test, K, threads: options.Threads)));
        timings.Add(("evaluate", Fmt.Time(clock.Elapsed)));

        // 6. Save the model and the report.
        ctx.Cancellation.ThrowIfCancellationRequested();
        clock.Restart();
        TrainCommand.Save(model, modelPath);
        timings.Add(("save model", Fmt.Time(clock.Elapsed)));
        ctx.Log($"[6/6] saved {modelPath}");

        var shown = ShowUsers(model, data, split.Train, generator, show);
        timings.Add(("total", Fmt.Time(total.Elapsed)));
        WriteReport(reportPath, dataOptions, data, model, result, table, timings);

        if (a.GetValue(_json))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(
                new DemoOutput(Path.GetFullPath(dir), Path.GetFullPath(dataPath), Path.GetFullPath(modelPath), Path.GetFullPath(reportPath), data.Users, data.Items, data.Nnz, K, table.ToJson(), Math.Round(total.Elapsed.TotalSeconds, 3)),
                CliJsonContext.Default.DemoOutput));
            return ExitCodes.Ok;
        }

        TextWriter o = ctx.Out;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FastAls demo: {data.Users} users, {data.Items} items, {data.Nnz} interactions; {options.Kind} model, {options.Factors} factors, {result.Iterations.Count} iterations"));
        o.WriteLine();
        o.WriteLine($"Ranking quality on the 20 % held-out interactions (K = {K}; higher is better):");
        table.Print(o);
        double ndcgModel = table.Get(0, "ndcg@10"), ndcgPop = table.Get(1, "ndcg@10");
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"NDCG@{K}: the model is {ndcgModel / ndcgPop:0.0}x the most-popular baseline."));
        foreach (string block in shown)
        {
            o.WriteLine();
            o.Write(block);
        }

        o.WriteLine();
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Done in {Fmt.Time(total.Elapsed)}. Files in {dir}/: interactions.parquet, model.fals, report.html"));
        o.WriteLine("Next:"); // commands that work as printed: `fastals` only when PATH finds this program (Invocation)
        string fastals = Invocation.Command, m = Invocation.Quote(modelPath);
        o.WriteLine($"  {fastals} recommend -m {m} -d {Invocation.Quote(dataPath)} --user {Invocation.Quote(model.UserIds.Format(0))}");
        o.WriteLine($"  {fastals} similar -m {m} --item {Invocation.Quote(model.ItemIds.Format(0))}");
        o.WriteLine($"  {fastals} info {m}");
        return ExitCodes.Ok;
    }

    /// <summary>A copy of <paramref name="m"/> keeping the rows of at most <paramref name="maxRows"/> random non-empty rows.</summary>
    internal static CsrMatrix SampleRows(CsrMatrix m, int maxRows, int seed)
    {
        var nonEmpty = Enumerable.Range(0, m.Rows).Where(r => m.RowLength(r) > 0).ToArray();
        var keep = new bool[m.Rows];
        if (nonEmpty.Length <= maxRows)
        {
            foreach (int r in nonEmpty)
            {
                keep[r] = true;
            }
        }
        else
        {
            var rng = new Random(seed);
            rng.Shuffle(nonEmpty);
            foreach (int r in nonEmpty.AsSpan(0, maxRows))
            {
                keep[r] = true;
            }
        }

        var offsets = new long[m.Rows + 1];
        for (int r = 0; r < m.Rows; r++)
        {
            offsets[r + 1] = offsets[r] + (keep[r] ? m.RowLength(r) : 0);
        }

        var cols = new int[offsets[^1]];
        var vals = new float[offsets[^1]];
        for (int r = 0; r < m.Rows; r++)
        {
            if (keep[r])
            {
                m.RowIndices(r).CopyTo(cols.AsSpan((int)offsets[r]));
                m.RowValues(r).CopyTo(vals.AsSpan((int)offsets[r]));
            }
        }

        return CsrMatrix.FromArrays(m.Rows, m.Cols, offsets, cols, vals);
    }

    /// <summary>Side-by-side history and recommendations of a few users, items labelled with their planted group.</summary>
    private static List<string> ShowUsers(AlsModel model, Dataset data, CsrMatrix train, SyntheticData generator, int show)
    {
        var blocks = new List<string>();
        const int Rows = 8;
        int picked = 0;
        for (int u = 0; u < data.Users && picked < show; u += 97)
        {
            int n = train.RowLength(u);
            if (n < 12 || n > 60)
            {
                continue;
            }

            picked++;
            ReadOnlySpan<int> items = train.RowIndices(u);
            ReadOnlySpan<float> values = train.RowValues(u);
            var history = new List<(int Item, float Value)>();
            for (int j = 0; j < items.Length; j++)
            {
                history.Add((items[j], values[j]));
            }

            history.Sort((x, y) => y.Value != x.Value ? y.Value.CompareTo(x.Value) : x.Item.CompareTo(y.Item));
            Recommendations recs = model.Recommend(u, Rows, train);
            int Group(int itemIndex) => generator.ItemCluster((int)data.ItemIds.GetInt64(itemIndex));
            var userGroups = history.Select(h => Group(h.Item)).ToHashSet();
            int inTaste = 0;
            for (int k = 0; k < recs.Count; k++)
            {
                inTaste += userGroups.Contains(Group(recs.Indices[k])) ? 1 : 0;
            }

            var groupCounts = history.GroupBy(h => Group(h.Item)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
                .Select(g => $"g{g.Key} x{g.Count()}");
            var sb = new System.Text.StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"User {data.UserIds.Format(u)}: {n} items in training, taste groups {string.Join(", ", groupCounts.Take(4))}\n");
            var rows = new List<string[]>();
            for (int r = 0; r < Rows; r++)
            {
                string h = r == Rows - 1 && history.Count > Rows ? $"... and {history.Count - (Rows - 1)} more"
                    : r < history.Count ? $"item {data.ItemIds.Format(history[r].Item),-6} [g{Group(history[r].Item)}] x{history[r].Value.ToString("0", CultureInfo.InvariantCulture)}"
                    : string.Empty;
                string rec = r < recs.Count ? $"{r + 1,2}. item {recs.FormatId(r),-6} [g{Group(recs.Indices[r])}] {recs.Scores[r].ToString("0.000", CultureInfo.InvariantCulture)}" : string.Empty;
                rows.Add(["  " + h, rec]);
            }

            var w = new StringWriter();
            ResultPrinter.Aligned(w, ["  history (most played first)", "recommended (not yet seen)"], rows);
            sb.Append(w);
            sb.Append(CultureInfo.InvariantCulture, $"  {inTaste} of {recs.Count} recommendations are from this user's taste groups.\n");
            blocks.Add(sb.ToString());
        }

        return blocks;
    }

    private static void WriteReport(string path, SyntheticDataOptions d, Dataset data, AlsModel model, TrainingResult result, MetricsTable table, List<(string, string)> timings)
    {
        var report = new ReportModel
        {
            Title = "FastAls demo report",
            Subtitle = $"synthetic data: {d.Users} users, {d.Items} items, {d.Interactions} interactions, {d.Factors} planted taste groups, seed {d.Seed}; validation curve on a sample of test users",
        };
        report.Data = DataStats.From(data);
        report.Parameters.AddRange(AlsOptionFlags.Describe(model.Options));
        report.Iterations.AddRange(result.Iterations);
        table.AddTo(report);
        report.Timings.AddRange(timings);
        HtmlReport.AddEnvironment(report);
        HtmlReport.Write(report, path);
    }
}
