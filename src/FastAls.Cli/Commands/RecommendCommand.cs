using System.Diagnostics;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals recommend</c>: top-n items for one user, a list, or everyone (streamed to a file).</summary>
internal static class RecommendCommand
{
    public static readonly CommandSpec Spec = new(
        "recommend",
        "Recommend items for one user, a list of users, or all users (streamed to Parquet/CSV).",
        "-m MODEL (--user IDS | --all) [--data DATA | --include-seen] [options]",
        [
            new("model", 'm', "FILE", "Model file written by 'fastals train' (required)."),
            new("user", 'u', "IDS", "User id(s): repeat, comma-separate, or @FILE with one id per line."),
            new("all", '\0', null, "Every user of the model (streamed; use with -o)."),
            new("count", 'n', "N", "Items per user (default 10)."),
            new("data", 'd', "DATA", "The interactions the model was trained on, to leave out items users already have."),
            new("include-seen", '\0', null, "Do not filter already-seen items (no --data needed)."),
            new("candidates", '\0', "IDS", "Only recommend these item ids (allow-list; ids or @FILE)."),
            new("exclude", '\0', "IDS", "Never recommend these item ids (deny-list; ids or @FILE)."),
            new("skip-unknown", '\0', null, "Warn about and skip user ids the model does not know (default: error)."),
            new("output", 'o', "FILE", "Write user,rank,item,score rows to .parquet, .csv or .tsv ('-': CSV on stdout)."),
            new("format", '\0', "FMT", "parquet, csv or tsv (default: from the extension)."),
            .. InputData.Options,
            Common.Threads,
            new("quiet", 'q', null, "No log lines on stderr."),
            Common.Json,
        ],
        [
            "fastals recommend -m model.fals -d plays.parquet --user 42",
            "fastals recommend -m model.fals -d plays.parquet --user 42,43,44 -n 20 --json",
            "fastals recommend -m model.fals -d plays.parquet --user @users.txt --exclude @banned.txt -o recs.csv",
            "fastals recommend -m model.fals -d plays.parquet --all -n 50 -o recs.parquet",
        ],
        "Items a user already interacted with are left out, which needs the training data (--data, read\n"
        + "with the same column options as 'train'); pass --include-seen to skip that. --all streams results\n"
        + "block by block, so memory stays flat however many users there are.");

    public static int Run(ParsedArgs a, CliContext ctx)
    {
        a.ExpectPositionals(0, 0, string.Empty);
        ctx.Quiet |= a.Has("quiet");
        string modelPath = a.Require("model");
        int n = a.GetInt("count", 10, 1, 100_000);
        int threads = a.GetInt("threads", 0, 0, 4096);
        bool all = a.Has("all");
        if (all == a.Has("user"))
        {
            throw ParsedArgs.Usage(Spec, "give exactly one of --user or --all");
        }

        if (a.Has("json") && (all || a.Has("output")))
        {
            throw ParsedArgs.Usage(Spec, "--json prints to stdout; it cannot be combined with --all or --output");
        }

        bool filterSeen = !a.Has("include-seen");
        string? dataPath = a.Get("data");
        if (filterSeen && dataPath is null)
        {
            throw ParsedArgs.Usage(Spec, "leaving out seen items needs the training data: add --data DATA, or --include-seen");
        }

        if (!filterSeen && dataPath is not null)
        {
            throw ParsedArgs.Usage(Spec, "--data and --include-seen contradict each other");
        }

        string? output = a.Get("output");
        Outputs.Check([modelPath, .. dataPath is null ? Array.Empty<string>() : [dataPath]], new("--output", output), new("--cache", a.Get("cache")));
        using AlsModel model = ModelIo.Load(modelPath);
        int[]? users = all ? null : ModelIo.Indices(model.UserIds, ModelIo.ExpandIds(a.GetAll("user")), "user", ctx, a.Has("skip-unknown"));
        if (users is { Length: 0 } && !a.Has("skip-unknown"))
        {
            throw ParsedArgs.Usage(Spec, "no user ids given");
        }

        Dataset? data = null;
        CsrMatrix? seen = null;
        bool copied = false;
        try
        {
            if (dataPath is not null)
            {
                data = InputData.Load(dataPath, a, ctx);
                seen = SeenItems.Align(data, model, out copied);
            }

            RecommendOptions options = ModelIo.Filters(a, model, model.ItemIds, "item", filterSeen, ctx, threads);
            if (output is not null || all)
            {
                var sw = Stopwatch.StartNew();
                using var w = new ResultOutput(output, a.Get("format"), ctx.Out, "user", "item", model.UserIds, model.ItemIds);
                model.RecommendBatch(users, n, w, seen, options);
                w.Complete(ctx.Cancellation);
                ctx.Log($"wrote {w.Rows} recommendations for {users?.Length ?? model.Users} users to {output ?? "stdout"} in {Fmt.Time(sw.Elapsed)}");
            }
            else
            {
                BatchRecommendations b = model.RecommendBatch(users, n, seen, options);
                if (a.Has("json"))
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
