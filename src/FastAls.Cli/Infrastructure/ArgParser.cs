using System.Globalization;

namespace FastAls.Cli.Infrastructure;

/// <summary>One option a command accepts.</summary>
/// <param name="Long">Long name without dashes (<c>factors</c> for <c>--factors</c>).</param>
/// <param name="Short">Optional one-letter alias (<c>'k'</c> for <c>-k</c>), or '\0'.</param>
/// <param name="Value">Placeholder of the value (<c>N</c>, <c>FILE</c>), or null for a flag.</param>
/// <param name="Help">One line of help; mention the default here.</param>
internal sealed record OptionSpec(string Long, char Short, string? Value, string Help)
{
    public bool IsFlag => Value is null;
}

/// <summary>What a command accepts and how its help reads. Parsing is hand-written (no reflection; NativeAOT-safe).</summary>
internal sealed class CommandSpec
{
    public CommandSpec(string name, string summary, string usage, IReadOnlyList<OptionSpec> options, IReadOnlyList<string> examples, string? details = null)
    {
        Name = name;
        Summary = summary;
        Usage = usage;
        Options = [.. options, Common.Verbose, Common.Help];
        Examples = examples;
        Details = details;
    }

    public string Name { get; }

    public string Summary { get; }

    public string Usage { get; }

    public IReadOnlyList<OptionSpec> Options { get; }

    public IReadOnlyList<string> Examples { get; }

    public string? Details { get; }

    public string HelpText()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("fastals ").Append(Name).Append(" - ").AppendLine(Summary).AppendLine();
        sb.Append("Usage: fastals ").Append(Name).Append(' ').AppendLine(Usage);
        if (Details is not null)
        {
            sb.AppendLine().AppendLine(Details);
        }

        sb.AppendLine().AppendLine("Options:");
        var heads = Options.Select(o =>
            (o.Short != '\0' ? $"-{o.Short}, " : "    ") + "--" + o.Long + (o.Value is null ? string.Empty : " " + o.Value)).ToArray();
        int width = heads.Max(h => h.Length) + 2;
        for (int i = 0; i < Options.Count; i++)
        {
            sb.Append("  ").Append(heads[i].PadRight(width)).AppendLine(Options[i].Help);
        }

        if (Examples.Count > 0)
        {
            sb.AppendLine().AppendLine("Examples:");
            foreach (string e in Examples)
            {
                sb.Append("  ").AppendLine(e);
            }
        }

        return sb.ToString();
    }
}

/// <summary>Options every command takes.</summary>
internal static class Common
{
    public static readonly OptionSpec Verbose = new("verbose", 'v', null, "On an error, print the stack trace after the one-line message.");
    public static readonly OptionSpec Help = new("help", 'h', null, "Show this help.");
    public static readonly OptionSpec Json = new("json", '\0', null, "Write machine-readable JSON to stdout.");
    public static readonly OptionSpec Threads = new("threads", 't', "N", "Worker threads (default 0: all processors).");
    public static readonly OptionSpec Seed = new("seed", '\0', "N", "Random seed (default 42).");
}

/// <summary>
/// Parsed command line: POSIX-style <c>--name value</c>, <c>--name=value</c>, <c>-x value</c>, <c>-xVALUE</c>,
/// bundled short flags (<c>-vq</c>), <c>--</c> ends options. Later occurrences of an option win; list-valued
/// options collect every occurrence.
/// </summary>
internal sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private ParsedArgs(CommandSpec spec) => Spec = spec;

    public CommandSpec Spec { get; }

    public List<string> Positionals { get; } = [];

    public bool Verbose => Has("verbose");

    public bool HelpRequested => Has("help");

    public static ParsedArgs Parse(CommandSpec spec, IReadOnlyList<string> args)
    {
        var p = new ParsedArgs(spec);
        bool endOfOptions = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (endOfOptions || a == "-" || !a.StartsWith('-'))
            {
                p.Positionals.Add(a);
                continue;
            }

            if (a == "--")
            {
                endOfOptions = true;
                continue;
            }

            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a[2..];
                string? inline = null;
                int eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    inline = name[(eq + 1)..];
                    name = name[..eq];
                }

                OptionSpec o = p.Find(name);
                if (o.IsFlag)
                {
                    if (inline is not null)
                    {
                        throw Usage(spec, $"option --{o.Long} takes no value");
                    }

                    p._flags.Add(o.Long);
                }
                else
                {
                    p.Add(o, inline ?? p.Next(args, ref i, o));
                }

                continue;
            }

            // Short options: -k 64, -k64, -vh
            for (int j = 1; j < a.Length; j++)
            {
                OptionSpec o = p.FindShort(a[j]);
                if (o.IsFlag)
                {
                    p._flags.Add(o.Long);
                    continue;
                }

                p.Add(o, j + 1 < a.Length ? a[(j + 1)..] : p.Next(args, ref i, o));
                break;
            }
        }

        return p;
    }

    public bool Has(string name) => _flags.Contains(name) || _values.ContainsKey(name);

    public string? Get(string name) => _values.TryGetValue(name, out List<string>? v) ? v[^1] : null;

    public string Get(string name, string fallback) => Get(name) ?? fallback;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out List<string>? v) ? v : [];

    public string Require(string name) =>
        Get(name) ?? throw Usage(Spec, $"missing required option --{name}");

    public int GetInt(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? s = Get(name);
        if (s is null)
        {
            return fallback;
        }

        if (!long.TryParse(RemoveUnderscores(s), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
        {
            throw Usage(Spec, $"--{name} expects an integer{Range(min, max, int.MinValue, int.MaxValue)}, got '{s}'");
        }

        return (int)v;
    }

    public long GetLong(string name, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        string? s = Get(name);
        if (s is null)
        {
            return fallback;
        }

        if (!TryParseCount(s, out long v) || v < min || v > max)
        {
            throw Usage(Spec, $"--{name} expects an integer{Range(min, max, long.MinValue, long.MaxValue)} (suffixes k, M, G allowed), got '{s}'");
        }

        return v;
    }

    public double GetDouble(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        string? s = Get(name);
        if (s is null)
        {
            return fallback;
        }

        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v < min || v > max)
        {
            throw Usage(Spec, $"--{name} expects a number{Range(min, max, double.MinValue, double.MaxValue)}, got '{s}'");
        }

        return v;
    }

    /// <summary>" in [min, max]", " >= min", " <= max" or nothing, leaving out the type's own limits.</summary>
    private static string Range<T>(T min, T max, T lowest, T highest)
        where T : IComparable<T>, IFormattable
    {
        string lo = min.ToString(null, CultureInfo.InvariantCulture);
        string hi = max.ToString(null, CultureInfo.InvariantCulture);
        bool open = max.CompareTo(highest) == 0;
        return (min.CompareTo(lowest) == 0, open) switch
        {
            (true, true) => string.Empty,
            (false, true) => $" >= {lo}",
            (true, false) => $" <= {hi}",
            _ => $" in [{lo}, {hi}]",
        };
    }

    /// <summary>Maps the value of <paramref name="name"/> through <paramref name="choices"/> (case-insensitive).</summary>
    public T GetChoice<T>(string name, T fallback, params (string Name, T Value)[] choices)
    {
        string? s = Get(name);
        if (s is null)
        {
            return fallback;
        }

        foreach ((string n, T v) in choices)
        {
            if (string.Equals(n, s, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        throw Usage(Spec, $"--{name} expects one of {string.Join(", ", choices.Select(c => c.Name))}, got '{s}'");
    }

    public void ExpectPositionals(int min, int max, string what)
    {
        if (Positionals.Count < min)
        {
            throw Usage(Spec, $"missing {what}");
        }

        if (Positionals.Count > max)
        {
            throw Usage(Spec, $"unexpected argument '{Positionals[max]}'");
        }
    }

    /// <summary>Parses 100000, 100_000, 100k, 2.5M, 1G.</summary>
    public static bool TryParseCount(string s, out long value)
    {
        s = RemoveUnderscores(s.Trim());
        double mult = 1;
        if (s.Length > 1)
        {
            char last = char.ToUpperInvariant(s[^1]);
            mult = last switch { 'K' => 1e3, 'M' => 1e6, 'G' => 1e9, _ => 1 };
            if (mult != 1)
            {
                s = s[..^1];
            }
        }

        if (mult == 1 && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d * mult is >= long.MinValue and <= long.MaxValue
            && Math.Abs(d * mult - Math.Round(d * mult)) < 1e-9)
        {
            value = (long)Math.Round(d * mult);
            return true;
        }

        value = 0;
        return false;
    }

    public static CliException Usage(CommandSpec spec, string message) =>
        new($"{message} (see 'fastals {spec.Name} --help')", ExitCodes.Usage);

    private static string RemoveUnderscores(string s) => s.Contains('_', StringComparison.Ordinal) ? s.Replace("_", string.Empty, StringComparison.Ordinal) : s;

    private void Add(OptionSpec o, string value)
    {
        if (!_values.TryGetValue(o.Long, out List<string>? list))
        {
            _values[o.Long] = list = [];
        }

        list.Add(value);
    }

    private string Next(IReadOnlyList<string> args, ref int i, OptionSpec o)
    {
        if (i + 1 >= args.Count)
        {
            throw Usage(Spec, $"option --{o.Long} needs a value ({o.Value})");
        }

        return args[++i];
    }

    private OptionSpec Find(string name)
    {
        foreach (OptionSpec o in Spec.Options)
        {
            if (o.Long == name)
            {
                return o;
            }
        }

        string? near = Spec.Options.Select(o => o.Long).OrderBy(n => Distance(n, name)).FirstOrDefault(n => Distance(n, name) <= 2);
        throw Usage(Spec, $"unknown option --{name}" + (near is null ? string.Empty : $"; did you mean --{near}?"));
    }

    private OptionSpec FindShort(char c)
    {
        foreach (OptionSpec o in Spec.Options)
        {
            if (o.Short == c)
            {
                return o;
            }
        }

        throw Usage(Spec, $"unknown option -{c}");
    }

    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }
}
