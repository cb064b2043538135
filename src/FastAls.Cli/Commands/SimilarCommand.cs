using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals similar</c>: items (or users) nearest by cosine of the factors.</summary>
internal static class SimilarCommand
{
    public static readonly CommandSpec Spec = new(
        "similar",
        "Find the items (or users) most similar to given ones.",
        "-m MODEL (--item IDS | --user IDS | --all-items) [options]",
        [
            new("model", 'm', "FILE", "Model file written by 'fastals train' (required)."),
            new("item", 'i', "IDS", "Item id(s): repeat, comma-separate, or @FILE with one id per line."),
            new("user", 'u', "IDS", "User id(s): find similar users instead."),
            new("all-items", '\0', null, "Similar items for every item (use with -o)."),
            new("count", 'n', "N", "Results per query (default 10)."),
            new("candidates", '\0', "IDS", "Only return these ids (allow-list; ids or @FILE)."),
            new("exclude", '\0', "IDS", "Never return these ids (deny-list; ids or @FILE)."),
            new("output", 'o', "FILE", "Write query,rank,result,score rows to .parquet, .csv or .tsv ('-': CSV on stdout)."),
            new("format", '\0', "FMT", "parquet, csv or tsv (default: from the extension)."),
            Common.Threads,
            Common.Json,
        ],
        [
            "fastals similar -m model.fals --item 42",
            "fastals similar -m model.fals --item 42,43 -n 5 --json",
            "fastals similar -m model.fals --user 7 -n 20",
            "fastals similar -m model.fals --all-items -n 20 -o similar.parquet",
        ],
        "Scores are cosine similarities of the factor vectors; the query itself is never returned.");

    public static int Run(ParsedArgs a, CliContext ctx)
    {
        a.ExpectPositionals(0, 0, string.Empty);
        string modelPath = a.Require("model");
        int n = a.GetInt("count", 10, 1, 100_000);
        int threads = a.GetInt("threads", 0, 0, 4096);
        bool users = a.Has("user");
        int modes = (users ? 1 : 0) + (a.Has("item") ? 1 : 0) + (a.Has("all-items") ? 1 : 0);
        if (modes != 1)
        {
            throw ParsedArgs.Usage(Spec, "give exactly one of --item, --user or --all-items");
        }

        string? output = a.Get("output");
        Outputs.Check([modelPath], new Outputs.Output("--output", output));
        using AlsModel model = ModelIo.Load(modelPath);
        IdMap ids = users ? model.UserIds : model.ItemIds;
        string what = users ? "user" : "item";
        int[] queries = a.Has("all-items")
            ? Enumerable.Range(0, model.Items).ToArray()
            : ModelIo.Indices(ids, ModelIo.ExpandIds(a.GetAll(what)), what, ctx);
        if (queries.Length == 0)
        {
            throw ParsedArgs.Usage(Spec, $"no {what} ids given");
        }

        RecommendOptions options = ModelIo.Filters(a, model, ids, what, filterSeen: false, ctx, threads);
        if (output is not null)
        {
            // Streamed block by block: memory stays bounded however many queries (--all-items).
            using var w = new ResultOutput(output, a.Get("format"), ctx.Out, what, "similar_" + what, ids, ids);
            if (users)
            {
                model.SimilarUsersBatch(queries, n, w, options);
            }
            else
            {
                model.SimilarItemsBatch(queries, n, w, options);
            }

            w.Complete(ctx.Cancellation);
            if (output != "-")
            {
                ctx.Log($"wrote {w.Rows} rows to {output}");
            }

            return ExitCodes.Ok;
        }

        BatchRecommendations b = users ? model.SimilarUsersBatch(queries, n, options) : model.SimilarItemsBatch(queries, n, options);
        if (a.Has("json"))
        {
            ResultPrinter.JsonResults(ctx.Out, what, what, ids, b);
        }
        else
        {
            ResultPrinter.Table(ctx.Out, what, "similar_" + what, ids, b);
        }

        return ExitCodes.Ok;
    }
}
