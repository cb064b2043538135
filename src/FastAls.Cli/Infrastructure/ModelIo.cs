using System.Globalization;

namespace FastAls.Cli.Infrastructure;

/// <summary>Loading models and turning command-line ids into model indices, with one-line errors.</summary>
internal static class ModelIo
{
    public static AlsModel Load(string path)
    {
        RequireFile(path, "model");
        try
        {
            return AlsModel.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}", e);
        }
    }

    public static void RequireFile(string path, string what)
    {
        if (Directory.Exists(path) && what == "model")
        {
            throw new CliException($"{path}: is a directory, not a {what} file");
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new CliException($"{path}: no such {what} file");
        }
    }

    /// <summary>
    /// Expands id arguments: each value may be a comma-separated list, or <c>@FILE</c> with one id per line
    /// (blank lines and lines starting with # are skipped).
    /// </summary>
    public static List<string> ExpandIds(IEnumerable<string> values)
    {
        var ids = new List<string>();
        foreach (string v in values)
        {
            if (v.StartsWith('@'))
            {
                string file = v[1..];
                RequireFile(file, "id list");
                foreach (string line in File.ReadLines(file))
                {
                    string t = line.Trim();
                    if (t.Length > 0 && !t.StartsWith('#'))
                    {
                        ids.Add(t);
                    }
                }
            }
            else
            {
                foreach (string part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    ids.Add(part);
                }
            }
        }

        return ids;
    }

    /// <summary>Maps ids to indices; an unknown id is an error naming it (or, with <paramref name="skipUnknown"/>, a warning).</summary>
    public static int[] Indices(IdMap map, IReadOnlyList<string> ids, string what, CliContext ctx, bool skipUnknown = false)
    {
        var result = new List<int>(ids.Count);
        foreach (string id in ids)
        {
            if (TryIndex(map, id, out int index))
            {
                result.Add(index);
            }
            else if (skipUnknown)
            {
                ctx.Log($"warning: {what} '{id}' is not in the model; skipped");
            }
            else
            {
                throw new CliException($"unknown {what} '{id}': not in the model ({map.Count} {what}s" + (map.Kind == IdKind.Int64 ? ", integer ids" : ", string ids") + ")");
            }
        }

        return [.. result];
    }

    public static bool TryIndex(IdMap map, string id, out int index)
    {
        if (map.Kind == IdKind.Int64)
        {
            if (long.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l))
            {
                return map.TryGetIndex(l, out index);
            }

            index = -1;
            return false;
        }

        return map.TryGetIndex(id, out index);
    }

    /// <summary>The allow-list (<c>--candidates</c>) and deny-list (<c>--exclude</c>) as model indices; unknown ids are skipped with a warning.</summary>
    public static RecommendOptions Filters(string[]? candidates, string[]? exclude, IdMap targetIds, string targetWhat, bool filterSeen, CliContext ctx, int threads)
    {
        IReadOnlyList<string> allow = ExpandIds(candidates ?? []);
        IReadOnlyList<string> deny = ExpandIds(exclude ?? []);
        return new RecommendOptions
        {
            FilterSeen = filterSeen,
            Candidates = allow.Count > 0 ? Indices(targetIds, allow, targetWhat, ctx, skipUnknown: true) : null,
            Exclude = deny.Count > 0 ? Indices(targetIds, deny, targetWhat, ctx, skipUnknown: true) : null,
            Threads = threads,
            CancellationToken = ctx.Cancellation,
        };
    }
}
