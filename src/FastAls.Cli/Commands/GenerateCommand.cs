using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.IO;
using FastAls.Synthetic;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals generate</c>: the synthetic dataset generator, streamed to Parquet or CSV.</summary>
internal sealed class GenerateCommand : CliCommand
{
    private static readonly SyntheticDataOptions Defaults = new();

    private readonly Option<string?> _output = CliOptions.Text("--output", "FILE", "Output file: .parquet, .csv or .tsv.", "-o");
    private readonly Option<string?> _format = CliOptions.Text("--format", "FMT", "parquet, csv or tsv (default: from the extension).");
    private readonly Option<long> _users = CliOptions.Count("--users", "Number of users. Suffixes k, M, G allowed.", Defaults.Users, 1, int.MaxValue, "-u");
    private readonly Option<long> _items = CliOptions.Count("--items", "Number of items.", Defaults.Items, 2, int.MaxValue, "-i");
    private readonly Option<long> _interactions = CliOptions.Count("--interactions", "Number of interactions, exact.", Defaults.Interactions, 1, long.MaxValue, "-n");
    private readonly Option<int> _factors = CliOptions.Int("--factors", "Rank of the planted taste structure: taste clusters.", Defaults.Factors, 1, int.MaxValue, "-k");
    private readonly Option<int> _seed = CliOptions.Int("--seed", "Random seed.", Defaults.Seed);
    private readonly Option<bool> _explicit = CliOptions.Flag("--explicit", "Ratings 1..5 instead of implicit counts.");
    private readonly Option<double> _popularity = CliOptions.Double("--popularity-exponent", "S", "Zipf exponent of item popularity.", Defaults.PopularityExponent, 0, 5);
    private readonly Option<double> _activity = CliOptions.Double("--activity-exponent", "A", "Pareto shape of user activity, > 1; smaller is heavier-tailed.", Defaults.ActivityExponent, 1.0001, 10);
    private readonly Option<double> _noise = CliOptions.Double("--noise", "F", "Fraction of interactions drawn from global popularity.", Defaults.Noise, 0, 1);
    private readonly Option<double> _maxUserFraction = CliOptions.Double("--max-user-fraction", "F", "Most items one user may have, as a fraction of all items.", Defaults.MaxUserFraction, 1e-9, 1);
    private readonly Option<long> _rowGroup = CliOptions.Count("--row-group", "About this many rows per Parquet row group.", 1_000_000, 1_000, int.MaxValue);
    private readonly Option<string?> _userCol = CliOptions.Text("--user-col", "NAME", "User column name (default user).");
    private readonly Option<string?> _itemCol = CliOptions.Text("--item-col", "NAME", "Item column name (default item).");
    private readonly Option<string?> _valueCol = CliOptions.Text("--value-col", "NAME", "Value column name (default value: counts, or ratings with --explicit).");
    private readonly Option<int> _threads = CliOptions.Threads();
    private readonly Option<bool> _quiet = CliOptions.Quiet("No progress on stderr.");
    private readonly Option<bool> _json = CliOptions.Json();

    public GenerateCommand()
        : base(
            "generate",
            "Generate a synthetic interaction dataset with power-law popularity and planted tastes.",
            "Users' activity follows a Pareto law and item popularity a Zipf law; each item belongs to one of\n"
            + "--factors taste clusters and each user likes up to three, so a low-rank model beats popularity.\n"
            + "The output depends only on the options and the seed (not on --threads). Memory stays small:\n"
            + "rows are generated and written one row group at a time.",
            "fastals generate -o data.parquet",
            "fastals generate -o ratings.csv --users 6k --items 4k --interactions 1M --explicit",
            "fastals generate -o big.parquet --users 2M --items 500k --interactions 100M --threads 0")
    {
        _output.Required = true;
        AddOptions([_output, _format, _users, _items, _interactions, _factors, _seed, _explicit, _popularity, _activity, _noise, _maxUserFraction, _rowGroup, _userCol, _itemCol, _valueCol, _threads, _quiet, _json]);
    }

    public override int Run(ParseResult a, CliContext ctx)
    {
        string output = a.GetValue(_output)!;
        TableFormat format = ResultOutput.ResolveFormat(output, a.GetValue(_format));
        bool isExplicit = a.GetValue(_explicit);
        var options = new SyntheticDataOptions
        {
            Users = (int)a.GetValue(_users),
            Items = (int)a.GetValue(_items),
            Interactions = a.GetValue(_interactions),
            Factors = a.GetValue(_factors),
            Seed = a.GetValue(_seed),
            Explicit = isExplicit,
            PopularityExponent = a.GetValue(_popularity),
            ActivityExponent = a.GetValue(_activity),
            Noise = a.GetValue(_noise),
            MaxUserFraction = a.GetValue(_maxUserFraction),
        };
        long rowGroup = a.GetValue(_rowGroup);
        int threads = a.GetValue(_threads);
        ctx.Quiet |= a.GetValue(_quiet);
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
            rows = Write(data, output, format, a.GetValue(_userCol) ?? "user", a.GetValue(_itemCol) ?? "item",
                a.GetValue(_valueCol) ?? "value", rowGroup, threads, ctx);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Outputs.WriteFailed(output, e);
        }
        sw.Stop();
        long bytes = new FileInfo(output).Length;
        if (a.GetValue(_json))
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(
                new GenerateOutput(Path.GetFullPath(output), format.ToString().ToLowerInvariant(), options.Users, options.Items, rows, options.Factors, options.Seed, isExplicit, bytes, Math.Round(sw.Elapsed.TotalSeconds, 3)),
                CliJsonContext.Default.GenerateOutput));
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
