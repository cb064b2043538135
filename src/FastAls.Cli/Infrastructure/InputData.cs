using System.Diagnostics;
using FastAls.IO;

namespace FastAls.Cli.Infrastructure;

/// <summary>The input options shared by train, evaluate and recommend, and loading with one-line errors.</summary>
internal static class InputData
{
    public static readonly OptionSpec[] Options =
    [
        new("user-col", '\0', "NAME", "User id column (default user)."),
        new("item-col", '\0', "NAME", "Item id column (default item)."),
        new("value-col", '\0', "NAME", "Value column (default value, 1.0 when absent; 'none': every value is 1.0)."),
        new("input-format", '\0', "FMT", "parquet or csv (default: a directory or .parquet is Parquet, else text)."),
        new("sep", '\0', "SEP", "Text separator: ',', 'tab', '::', ... (default: detected)."),
        new("header", '\0', null, "The text input has a header line (default: detected)."),
        new("no-header", '\0', null, "The text input has no header; columns by position: user, item, value."),
        new("ids", '\0', "KIND", "User and item ids: int (64-bit integers), text, or auto (default: integers when the first id is one)."),
        new("duplicates", '\0', "POLICY", "Repeated (user, item) pairs: sum, last or error (default sum; error for the explicit kinds, where a repeated rating is a data fault)."),
        new("cache", '\0', "FILE", "Load through this CSR cache file, building or refreshing it when stale."),
    ];

    public static InteractionLoadOptions LoadOptions(ParsedArgs a)
    {
        var o = new InteractionLoadOptions
        {
            Format = a.GetChoice("input-format", InteractionFormat.Auto, ("auto", InteractionFormat.Auto), ("parquet", InteractionFormat.Parquet), ("csv", InteractionFormat.Csv), ("text", InteractionFormat.Csv), ("tsv", InteractionFormat.Csv)),
            Duplicates = a.GetChoice("duplicates", Hyper.IsExplicit(Hyper.ParseKind(a, AlsModelKind.Implicit)) ? DuplicatePolicy.Error : DuplicatePolicy.Sum, ("sum", DuplicatePolicy.Sum), ("last", DuplicatePolicy.LastWins), ("error", DuplicatePolicy.Error)),
        };
        // Column names reach the reader only when given, so that a text header is matched against what the
        // user named (an error when it lacks them) and not against the defaults (see InteractionLoadOptions.HasHeader).
        if (a.Get("user-col") is string userCol)
        {
            o = o with { UserColumn = userCol };
        }

        if (a.Get("item-col") is string itemCol)
        {
            o = o with { ItemColumn = itemCol };
        }

        IdKind? ids = a.GetChoice<IdKind?>("ids", null, ("auto", null), ("int", IdKind.Int64), ("text", IdKind.String), ("string", IdKind.String));
        o = o with { UserIdKind = ids, ItemIdKind = ids };
        string? value = a.Get("value-col");
        if (value is not null)
        {
            o = string.Equals(value, "none", StringComparison.OrdinalIgnoreCase) ? o with { ValueColumn = null, ValueColumnIndex = -1 } : o with { ValueColumn = value };
        }

        string? sep = a.Get("sep");
        if (sep is not null)
        {
            o = o with { Separator = sep.ToLowerInvariant() switch { "tab" or "\\t" => "\t", "comma" => ",", "space" => " ", "semicolon" => ";", _ => sep } };
        }

        if (a.Has("header") && a.Has("no-header"))
        {
            throw ParsedArgs.Usage(a.Spec, "--header and --no-header contradict each other");
        }

        if (a.Has("header") || a.Has("no-header"))
        {
            o = o with { HasHeader = a.Has("header") };
        }

        return o;
    }

    /// <summary>Loads interactions (optionally through the CSR cache), logging what was read.</summary>
    public static Dataset Load(string path, ParsedArgs a, CliContext ctx)
    {
        ModelIo.RequireFile(path, "input");
        InteractionLoadOptions o = LoadOptions(a);
        string? cache = a.Get("cache");
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
