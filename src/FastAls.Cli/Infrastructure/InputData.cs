using System.CommandLine;
using System.Diagnostics;
using FastAls.IO;

namespace FastAls.Cli.Infrastructure;

/// <summary>The input options shared by train, evaluate and recommend (one instance per command), and loading with one-line errors.</summary>
internal sealed class InputData
{
    public Option<string?> UserColumn { get; } = CliOptions.Text("--user-col", "NAME", "User id column (default user).");

    public Option<string?> ItemColumn { get; } = CliOptions.Text("--item-col", "NAME", "Item id column (default item).");

    public Option<string?> ValueColumn { get; } = CliOptions.Text("--value-col", "NAME", "Value column (default value, 1.0 when absent; 'none': every value is 1.0).");

    public Option<InteractionFormat?> Format { get; } = CliOptions.OptionalChoice("--input-format", "parquet or csv (default: a directory or .parquet is Parquet, else text).",
        [("auto", InteractionFormat.Auto), ("parquet", InteractionFormat.Parquet), ("csv", InteractionFormat.Csv), ("text", InteractionFormat.Csv), ("tsv", InteractionFormat.Csv)]);

    public Option<string?> Separator { get; } = CliOptions.Text("--sep", "SEP", "Text separator: ',', 'tab', '::', ... (default: detected).");

    public Option<bool> Header { get; } = CliOptions.Flag("--header", "The text input has a header line (default: detected).");

    public Option<bool> NoHeader { get; } = CliOptions.Flag("--no-header", "The text input has no header; columns by position: user, item, value.");

    public Option<IdKind?> Ids { get; } = CliOptions.Choice<IdKind?>("--ids", "User and item ids: int (64-bit integers), text, or auto (integers when the first id is one).", null,
        [("auto", null), ("int", IdKind.Int64), ("text", IdKind.String), ("string", IdKind.String)]);

    public Option<DuplicatePolicy?> Duplicates { get; } = CliOptions.OptionalChoice("--duplicates", "Repeated (user, item) pairs: sum, last or error (default sum; error for the explicit kinds, where a repeated rating is a data fault).",
        [("sum", DuplicatePolicy.Sum), ("last", DuplicatePolicy.LastWins), ("error", DuplicatePolicy.Error)]);

    public Option<string?> Cache { get; } = CliOptions.Text("--cache", "FILE", "Load through this CSR cache file, building or refreshing it when stale.");

    public IEnumerable<Option> Options => [UserColumn, ItemColumn, ValueColumn, Format, Separator, Header, NoHeader, Ids, Duplicates, Cache];

    public void AddTo(Command command)
    {
        foreach (Option o in Options)
        {
            command.Options.Add(o);
        }
    }

    /// <summary>The reader's options the flags give; repeated pairs default by <paramref name="kind"/> (an error for rating models).</summary>
    public InteractionLoadOptions LoadOptions(ParseResult a, AlsModelKind kind)
    {
        var o = new InteractionLoadOptions
        {
            Format = a.GetValue(Format) ?? InteractionFormat.Auto,
            Duplicates = a.GetValue(Duplicates) ?? (AlsOptions.For(kind).IsImplicit ? DuplicatePolicy.Sum : DuplicatePolicy.Error),
        };
        // Column names reach the reader only when given, so that a text header is matched against what the
        // user named (an error when it lacks them) and not against the defaults (see InteractionLoadOptions.HasHeader).
        if (a.GetValue(UserColumn) is string userCol)
        {
            o = o with { UserColumn = userCol };
        }

        if (a.GetValue(ItemColumn) is string itemCol)
        {
            o = o with { ItemColumn = itemCol };
        }

        IdKind? ids = a.GetValue(Ids);
        o = o with { UserIdKind = ids, ItemIdKind = ids };
        string? value = a.GetValue(ValueColumn);
        if (value is not null)
        {
            o = string.Equals(value, "none", StringComparison.OrdinalIgnoreCase) ? o with { ValueColumn = null, ValueColumnIndex = -1 } : o with { ValueColumn = value };
        }

        string? sep = a.GetValue(Separator);
        if (sep is not null)
        {
            o = o with { Separator = sep.ToLowerInvariant() switch { "tab" or "\\t" => "\t", "comma" => ",", "space" => " ", "semicolon" => ";", _ => sep } };
        }

        bool header = a.GetValue(Header), noHeader = a.GetValue(NoHeader);
        if (header && noHeader)
        {
            throw new CliException("--header and --no-header contradict each other", ExitCodes.Usage);
        }

        if (header || noHeader)
        {
            o = o with { HasHeader = header };
        }

        return o;
    }

    /// <summary>Loads interactions (optionally through the CSR cache), logging what was read.</summary>
    public Dataset Load(string path, ParseResult a, AlsModelKind kind, CliContext ctx)
    {
        ModelIo.RequireFile(path, "input");
        InteractionLoadOptions o = LoadOptions(a, kind);
        string? cache = a.GetValue(Cache);
        var sw = Stopwatch.StartNew();
        Dataset d;
        try
        {
            d = cache is null
                ? InteractionLoader.Load(path, o, ctx.Cancellation)
                : InteractionLoader.LoadOrBuildCache(path, cache, o, cancellationToken: ctx.Cancellation);
        }
        catch (InvalidDataException e)
        {
            // The reader's hint names the library option; on the command line it is --ids.
            string m = e.Message.Replace("(set UserIdKind = IdKind.String for text ids)", "(use --ids text for text ids)", StringComparison.Ordinal)
                .Replace("(set ItemIdKind = IdKind.String for text ids)", "(use --ids text for text ids)", StringComparison.Ordinal);
            throw new CliException(m, e);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(e.Message, e);
        }
        catch (ArgumentException e) when (e.ParamName is not null)
        {
            throw new CliException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (cache is not null && e is IOException or UnauthorizedAccessException && e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            // Building the cache writes a file (a full disk, a read-only folder): say which step failed.
            throw new CliException($"{path}: loading through the cache {cache} failed: {Outputs.Reason(e)}", e);
        }

        ctx.Log($"loaded {path}: {d.Users} users, {d.Items} items, {d.Nnz} interactions in {Fmt.Time(sw.Elapsed)}");
        return d;
    }
}
