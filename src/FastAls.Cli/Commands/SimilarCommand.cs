using System.CommandLine;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals similar</c>: items (or users) nearest by cosine of the factors.</summary>
internal sealed class SimilarCommand : CliCommand
{
    private readonly Option<string?> _model = CliOptions.Text("--model", "FILE", "Model file written by 'fastals train'.", "-m");
    private readonly Option<string[]> _item = CliOptions.List("--item", "IDS", "Item id(s): repeat, comma-separate, or @FILE with one id per line.", "-i");
    private readonly Option<string[]> _user = CliOptions.List("--user", "IDS", "User id(s): find similar users instead.", "-u");
    private readonly Option<bool> _allItems = CliOptions.Flag("--all-items", "Similar items for every item (use with -o).");
    private readonly Option<int> _count = CliOptions.Int("--count", "Results per query.", 10, 1, 100_000, "-n");
    private readonly Option<string[]> _candidates = CliOptions.List("--candidates", "IDS", "Only return these ids (allow-list; ids or @FILE).");
    private readonly Option<string[]> _exclude = CliOptions.List("--exclude", "IDS", "Never return these ids (deny-list; ids or @FILE).");
    private readonly Option<string?> _output = CliOptions.Text("--output", "FILE", "Write query,rank,result,score rows to .parquet, .csv or .tsv ('-': CSV on stdout).", "-o");
    private readonly Option<string?> _format = CliOptions.Text("--format", "FMT", "parquet, csv or tsv (default: from the extension).");
    private readonly Option<int> _threads = CliOptions.ServingThreads();
    private readonly Option<bool> _json = CliOptions.Json();

    public SimilarCommand()
        : base(
            "similar",
            "Find the items (or users) most similar to given ones.",
            "Usage: fastals similar -m MODEL (--item IDS | --user IDS | --all-items) [options]\n\n"
            + "Scores are cosine similarities of the factor vectors; the query itself is never returned.",
            "fastals similar -m model.fals --item 42",
            "fastals similar -m model.fals --item 42,43 -n 5 --json",
            "fastals similar -m model.fals --user 7 -n 20",
            "fastals similar -m model.fals --all-items -n 20 -o similar.parquet")
    {
        _model.Required = true;
        AddOptions([_model, _item, _user, _allItems, _count, _candidates, _exclude, _output, _format, _threads, _json]);
    }

    public override int Run(ParseResult a, CliContext ctx)
    {
        string modelPath = a.GetValue(_model)!;
        int n = a.GetValue(_count);
        int threads = a.GetValue(_threads);
        bool users = a.Given(_user);
        bool allItems = a.GetValue(_allItems);
        int modes = (users ? 1 : 0) + (a.Given(_item) ? 1 : 0) + (allItems ? 1 : 0);
        if (modes != 1)
        {
            throw Usage("give exactly one of --item, --user or --all-items");
        }

        string? output = a.GetValue(_output);
        Outputs.Check([modelPath], new Outputs.Output("--output", output));
        using AlsModel model = ModelIo.Load(modelPath);
        IdMap ids = users ? model.UserIds : model.ItemIds;
        string what = users ? "user" : "item";
        int[] queries = allItems
            ? Enumerable.Range(0, model.Items).ToArray()
            : ModelIo.Indices(ids, ModelIo.ExpandIds(a.GetValue(users ? _user : _item) ?? []), what, ctx);
        if (queries.Length == 0)
        {
            throw Usage($"no {what} ids given");
        }

        RecommendOptions options = ModelIo.Filters(a.GetValue(_candidates), a.GetValue(_exclude), ids, what, filterSeen: false, ctx, threads);
        if (output is not null)
        {
            // Streamed block by block: memory stays bounded however many queries (--all-items).
            using var w = new ResultOutput(output, a.GetValue(_format), ctx.Out, what, "similar_" + what, ids, ids);
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
        if (a.GetValue(_json))
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
