using System.CommandLine;
using System.Diagnostics;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals recommend</c>: top-n items for one user, a list, or everyone (streamed to a file).</summary>
internal sealed class RecommendCommand : CliCommand
{
    private readonly Option<string?> _model = CliOptions.Text("--model", "FILE", "Model file written by 'fastals train'.", "-m");
    private readonly Option<string[]> _user = CliOptions.List("--user", "IDS", "User id(s): repeat, comma-separate, or @FILE with one id per line.", "-u");
    private readonly Option<bool> _all = CliOptions.Flag("--all", "Every user of the model (streamed; use with -o).");
    private readonly Option<int> _count = CliOptions.Int("--count", "Items per user.", 10, 1, 100_000, "-n");
    private readonly Option<string?> _data = CliOptions.Text("--data", "DATA", "The interactions the model was trained on, to leave out items users already have.", "-d");
    private readonly Option<bool> _includeSeen = CliOptions.Flag("--include-seen", "Do not filter already-seen items (no --data needed).");
    private readonly Option<string[]> _candidates = CliOptions.List("--candidates", "IDS", "Only recommend these item ids (allow-list; ids or @FILE).");
    private readonly Option<string[]> _exclude = CliOptions.List("--exclude", "IDS", "Never recommend these item ids (deny-list; ids or @FILE).");
    private readonly Option<bool> _skipUnknown = CliOptions.Flag("--skip-unknown", "Warn about and skip user ids the model does not know (default: error).");
    private readonly Option<string?> _output = CliOptions.Text("--output", "FILE", "Write user,rank,item,score rows to .parquet, .csv or .tsv ('-': CSV on stdout).", "-o");
    private readonly Option<string?> _format = CliOptions.Text("--format", "FMT", "parquet, csv or tsv (default: from the extension).");
    private readonly InputData _input = new();
    private readonly Option<int> _threads = CliOptions.ServingThreads();
    private readonly Option<bool> _quiet = CliOptions.Quiet("No log lines on stderr.");
    private readonly Option<bool> _json = CliOptions.Json();

    public RecommendCommand()
        : base(
            "recommend",
            "Recommend items for one user, a list of users, or all users (streamed to Parquet/CSV).",
            "Usage: fastals recommend -m MODEL (--user IDS | --all) [--data DATA | --include-seen] [options]\n\n"
            + "Items a user already interacted with are left out, which needs the training data (--data, read\n"
            + "with the same column options as 'train'); pass --include-seen to skip that. --all streams results\n"
            + "block by block, so memory stays flat however many users there are.",
            "fastals recommend -m model.fals -d plays.parquet --user 42",
            "fastals recommend -m model.fals -d plays.parquet --user 42,43,44 -n 20 --json",
            "fastals recommend -m model.fals -d plays.parquet --user @users.txt --exclude @banned.txt -o recs.csv",
            "fastals recommend -m model.fals -d plays.parquet --all -n 50 -o recs.parquet")
    {
        _model.Required = true;
        AddOptions([_model, _user, _all, _count, _data, _includeSeen, _candidates, _exclude, _skipUnknown, _output, _format, .. _input.Options, _threads, _quiet, _json]);
    }

    public override int Run(ParseResult a, CliContext ctx)
    {
        ctx.Quiet |= a.GetValue(_quiet);
        string modelPath = a.GetValue(_model)!;
        int n = a.GetValue(_count);
        int threads = a.GetValue(_threads);
        bool all = a.GetValue(_all);
        if (all == a.Given(_user))
        {
            throw Usage("give exactly one of --user or --all");
        }

        bool json = a.GetValue(_json);
        if (json && (all || a.Given(_output)))
        {
            throw Usage("--json prints to stdout; it cannot be combined with --all or --output");
        }

        bool filterSeen = !a.GetValue(_includeSeen);
        string? dataPath = a.GetValue(_data);
        if (filterSeen && dataPath is null)
        {
            throw Usage("leaving out seen items needs the training data: add --data DATA, or --include-seen");
        }

        if (!filterSeen && dataPath is not null)
        {
            throw Usage("--data and --include-seen contradict each other");
        }

        string? output = a.GetValue(_output);
        Outputs.Check([modelPath, .. dataPath is null ? Array.Empty<string>() : [dataPath]], new("--output", output), new("--cache", a.GetValue(_input.Cache)));
        using AlsModel model = ModelIo.Load(modelPath);
        int[]? users = all ? null : ModelIo.Indices(model.UserIds, ModelIo.ExpandIds(a.GetValue(_user) ?? []), "user", ctx, a.GetValue(_skipUnknown));
        if (users is { Length: 0 } && !a.GetValue(_skipUnknown))
        {
            throw Usage("no user ids given");
        }

        Dataset? data = null;
        CsrMatrix? seen = null;
        bool copied = false;
        try
        {
            if (dataPath is not null)
            {
                data = _input.Load(dataPath, a, AlsModelKind.Implicit, ctx);
                seen = SeenItems.Align(data, model, out copied);
            }

            RecommendOptions options = ModelIo.Filters(a.GetValue(_candidates), a.GetValue(_exclude), model.ItemIds, "item", filterSeen, ctx, threads);
            if (output is not null || all)
            {
                var sw = Stopwatch.StartNew();
                using var w = new ResultOutput(output, a.GetValue(_format), ctx.Out, "user", "item", model.UserIds, model.ItemIds);
                model.RecommendBatch(users, n, w, seen, options);
                w.Complete(ctx.Cancellation);
                ctx.Log($"wrote {w.Rows} recommendations for {users?.Length ?? model.Users} users to {output ?? "stdout"} in {Fmt.Time(sw.Elapsed)}");
            }
            else
            {
                BatchRecommendations b = model.RecommendBatch(users, n, seen, options);
                if (json)
                {
                    ResultPrinter.JsonResults(ctx.Out, "user", "item", model.UserIds, b);
                }
                else
                {
                    ResultPrinter.Table(ctx.Out, "user", "item", model.UserIds, b);
                }
            }
        }
        finally
        {
            if (copied)
            {
                seen?.Dispose();
            }

            data?.Dispose();
        }

        return ExitCodes.Ok;
    }
}
