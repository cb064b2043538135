using System.Diagnostics;
using System.Globalization;
using FastAls.Cli.Infrastructure;
using FastAls.IO;
using FastAls.Synthetic;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals generate</c>: the synthetic dataset generator, streamed to Parquet or CSV.</summary>
internal static class GenerateCommand
{
    public static readonly CommandSpec Spec = new(
        "generate",
        "Generate a synthetic interaction dataset with power-law popularity and planted tastes.",
        "-o FILE [options]",
        [
            new("output", 'o', "FILE", "Output file: .parquet, .csv or .tsv (required)."),
            new("format", '\0', "FMT", "parquet, csv or tsv (default: from the extension)."),
            new("users", 'u', "N", "Number of users (default 20000). Suffixes k, M, G allowed."),
            new("items", 'i', "N", "Number of items (default 5000)."),
            new("interactions", 'n', "N", "Number of interactions, exact (default 1M)."),
            new("factors", 'k', "N", "Rank of the planted taste structure: taste clusters (default 16)."),
            Common.Seed,
            new("explicit", '\0', null, "Ratings 1..5 instead of implicit counts."),
            new("popularity-exponent", '\0', "S", "Zipf exponent of item popularity (default 0.9)."),
            new("activity-exponent", '\0', "A", "Pareto shape of user activity, > 1; smaller is heavier-tailed (default 1.6)."),
            new("noise", '\0', "F", "Fraction of interactions drawn from global popularity (default 0.15)."),
            new("max-user-fraction", '\0', "F", "Most items one user may have, as a fraction of all items (default 0.25)."),
            new("row-group", '\0', "N", "About this many rows per Parquet row group (default 1M)."),
            new("user-col", '\0', "NAME", "User column name (default user)."),
            new("item-col", '\0', "NAME", "Item column name (default item)."),
            new("value-col", '\0', "NAME", "Value column name (default value: counts, or ratings with --explicit)."),
            Common.Threads,
            new("quiet", 'q', null, "No progress on stderr."),
            Common.Json,
        ],
        [
            "fastals generate -o data.parquet",
            "fastals generate -o ratings.csv --users 6k --items 4k --interactions 1M --explicit",
            "fastals generate -o big.parquet --users 2M --items 500k --interactions 100M --threads 0",
        ],
        "Users' activity follows a Pareto law and item popularity a Zipf law; each item belongs to one of\n"
        + "--factors taste clusters and each user likes up to three, so a low-rank model beats popularity.\n"
        + "The output depends only on the options and the seed (not on --threads). Memory stays small:\n"
        + "rows are generated and written one row group at a time.");

    public static int Run(ParsedArgs a, CliContext ctx)
    {
        a.ExpectPositionals(0, 0, string.Empty);
        string output = a.Require("output");
        TableFormat format = ResultOutput.ResolveFormat(output, a.Get("format"));
        bool isExplicit = a.Has("explicit");
        var defaults = new SyntheticDataOptions();
        var options = new SyntheticDataOptions
        {
            Users = (int)a.GetLong("users", defaults.Users, 1, int.MaxValue),
            Items = (int)a.GetLong("items", defaults.Items, 2, int.MaxValue),
            Interactions = a.GetLong("interactions", defaults.Interactions, 1),
            Factors = a.GetInt("factors", defaults.Factors, 1),
            Seed = a.GetInt("seed", defaults.Seed),
            Explicit = isExplicit,
            PopularityExponent = a.GetDouble("popularity-exponent", defaults.PopularityExponent, 0, 5),
            ActivityExponent = a.GetDouble("activity-exponent", defaults.ActivityExponent, 1.0001, 10),
            Noise = a.GetDouble("noise", defaults.Noise, 0, 1),
            MaxUserFraction = a.GetDouble("max-user-fraction", defaults.MaxUserFraction, 1e-9, 1),
        };
        long rowGroup = a.GetLong("row-group", 1_000_000, 1_000, int.MaxValue);
        int threads = a.GetInt("threads", 0, 0, 4096);
        ctx.Quiet |= a.Has("quiet");
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(OptionMessage(e), ExitCodes.Usage);
        }

        Outputs.Check([], new Outputs.Output("--output", output));
        var sw = Stopwatch.StartNew();
        var data = new SyntheticData(options);
        long rows;
        try
        {
            rows = Write(data, output, format, a.Get("user-col", "user"), a.Get("item-col", "item"),
                a.Get("value-col", "value"), rowGroup, threads, ctx);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Outputs.WriteFailed(output, e);
        }
        sw.Stop();
        long bytes = new FileInfo(output).Length;
        if (a.Has("json"))
        {
            ctx.Out.WriteLine(Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("output", Path.GetFullPath(output));
                w.WriteString("format", format.ToString().ToLowerInvariant());
                w.WriteNumber("users", options.Users);
                w.WriteNumber("items", options.Items);
                w.WriteNumber("interactions", rows);
                w.WriteNumber("factors", options.Factors);
                w.WriteNumber("seed", options.Seed);
                w.WriteBoolean("explicit", isExplicit);
                w.WriteNumber("bytes", bytes);
                w.WriteNumber("seconds", Math.Round(sw.Elapsed.TotalSeconds, 3));
                w.WriteEndObject();
            }));
        }
        else
        {
            ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {rows} {(isExplicit ? "ratings" : "interactions")} ({options.Users} users, {options.Items} items, {options.Factors} planted factors, seed {options.Seed}) to {output} ({Fmt.Count(bytes)}B) in {Fmt.Time(sw.Elapsed)}"));
        }

        return ExitCodes.Ok;
    }

    /// <summary>Streams the generator into a file (the library's Parquet or text interaction writer), one row group per chunk of users.</summary>
    internal static long Write(SyntheticData data, string output, TableFormat format, string userCol, string itemCol, string valueCol,
        long rowGroup, int threads, CliContext ctx)
    {
        SyntheticDataOptions o = data.Options;
        double perUser = (double)data.Interactions / o.Users;
        int usersPerChunk = (int)Math.Clamp(rowGroup / Math.Max(1, perUser), 1, o.Users);
        var progress = new ProgressLine(ctx);
        long rows = 0;
        long[] users = [], items = [];
        void Rows(Action<ReadOnlyMemory<long>, ReadOnlyMemory<long>, ReadOnlyMemory<float>> write)
        {
            foreach (SyntheticChunk c in data.Chunks(usersPerChunk, threads))
            {
                ctx.Cancellation.ThrowIfCancellationRequested();
                if (c.Length == 0)
                {
                    continue;
                }

                if (users.Length < c.Length)
                {
                    users = new long[c.Length];
                    items = new long[c.Length];
                }

                for (int j = 0; j < c.Length; j++)
                {
                    users[j] = c.Users[j];
                    items[j] = c.Items[j];
                }

                write(users.AsMemory(0, c.Length), items.AsMemory(0, c.Length), c.Values.AsMemory(0, c.Length));
                rows += c.Length;
                progress.Fraction("generate", rows, data.Interactions, "rows");
            }

            ctx.Cancellation.ThrowIfCancellationRequested();
        }

        if (format == TableFormat.Parquet)
        {
            using InteractionParquetWriter w = InteractionParquetWriter.CreateAsync(output, userColumn: userCol, itemColumn: itemCol, valueColumn: valueCol, cancellationToken: ctx.Cancellation).GetAwaiter().GetResult();
            Rows((u, i, v) => w.WriteRowGroupAsync(u, i, v, ctx.Cancellation).GetAwaiter().GetResult());
            w.CompleteAsync(ctx.Cancellation).GetAwaiter().GetResult();
        }
        else
        {
            using var w = new InteractionTextWriter(output, format == TableFormat.Tsv ? '\t' : ',', userCol, itemCol, valueCol);
            Rows((u, i, v) => w.Write(u.Span, i.Span, v.Span));
            w.Complete(ctx.Cancellation);
        }

        progress.Done();
        return rows;
    }

    private static string OptionMessage(ArgumentException e)
    {
        string m = e.Message;
        int i = m.IndexOf(" (Parameter", StringComparison.Ordinal);
        return i > 0 ? m[..i] : m;
    }
}
