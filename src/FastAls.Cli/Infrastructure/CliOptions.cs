using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// The CLI's options, built on System.CommandLine with its conventions: values parse invariantly, and a bad one is
/// a usage error that names the option, what it expects and what it got (<c>--count expects an integer in [1, 100000],
/// got 'many'</c>); a value option given twice takes the last value, so a script can override an earlier flag;
/// counts accept <c>100k</c>, <c>2.5M</c> and <c>1_000</c>.
/// </summary>
internal static class CliOptions
{
    /// <summary>Parses one option value (invariant culture); false for text that is not a value.</summary>
    internal delegate bool TryParse<T>(string text, out T value);

    /// <summary>Every command: on an error, print the stack trace too.</summary>
    public static Option<bool> Verbose() => Flag("--verbose", "On an error, print the stack trace after the one-line message.", "-v");

    public static Option<bool> Json() => Flag("--json", "Write machine-readable JSON to stdout.");

    public static Option<bool> Quiet(string what = "No progress or log lines on stderr.") => Flag("--quiet", what, "-q");

    /// <summary><c>--threads</c> (<c>-t</c>): worker threads, 0 for all processors; <paramref name="note"/> adds what it means for one command.</summary>
    public static Option<int> Threads(string? note = null) =>
        Int("--threads", note is null ? "Worker threads (0: all processors)." : $"Worker threads (0: all processors; {note}).", 0, 0, 4096, "-t");

    /// <summary>
    /// <c>--threads</c> of the serving commands, passed as <see cref="RecommendOptions.Threads"/>: a single query runs on one
    /// thread unless given more than 1.
    /// </summary>
    public static Option<int> ServingThreads() => Threads("a single query runs on one thread unless given more than 1");

    /// <summary>True when the command line gave <paramref name="option"/> (not just its default).</summary>
    public static bool Given(this ParseResult r, Option option) => r.GetResult(option) is { Implicit: false };

    public static Option<bool> Flag(string name, string help, params string[] aliases) =>
        new(name, aliases) { Description = help, Arity = ArgumentArity.Zero };

    /// <summary>A text value (a path, a column name); null when not given.</summary>
    public static Option<string?> Text(string name, string helpName, string help, params string[] aliases) =>
        Create<string?>(name, aliases, help, helpName, (string s, out string? v) => (v = s) is not null, "text", null);

    /// <summary>A value that may be given several times, each a comma-separated list or @FILE (see <see cref="ModelIo.ExpandIds"/>).</summary>
    public static Option<string[]> List(string name, string helpName, string help, params string[] aliases) =>
        new(name, aliases) { Description = help, HelpName = helpName, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };

    public static Option<int> Int(string name, string help, int defaultValue, int min = int.MinValue, int max = int.MaxValue, params string[] aliases) =>
        Create(name, aliases, help, "N", IntParser(min, max), "an integer" + Range(min, max, int.MinValue, int.MaxValue), () => defaultValue);

    /// <summary>An integer whose default depends on other options: null when not given.</summary>
    public static Option<int?> OptionalInt(string name, string help, int min = int.MinValue, int max = int.MaxValue, params string[] aliases)
    {
        TryParse<int> parse = IntParser(min, max);
        return Create(name, aliases, help, "N", (string s, out int? v) => Nullable(parse, s, out v), "an integer" + Range(min, max, int.MinValue, int.MaxValue), null);
    }

    public static Option<long> Count(string name, string help, long defaultValue, long min = long.MinValue, long max = long.MaxValue, params string[] aliases) =>
        Create(name, aliases, help, "N", CountParser(min, max), CountExpects(min, max), () => defaultValue);

    /// <summary>A count whose default depends on other options: null when not given.</summary>
    public static Option<long?> OptionalCount(string name, string help, long min = long.MinValue, long max = long.MaxValue, params string[] aliases)
    {
        TryParse<long> parse = CountParser(min, max);
        return Create(name, aliases, help, "N", (string s, out long? v) => Nullable(parse, s, out v), CountExpects(min, max), null);
    }

    public static Option<double> Double(string name, string helpName, string help, double defaultValue, double min = double.MinValue, double max = double.MaxValue, params string[] aliases) =>
        Create(name, aliases, help, helpName, DoubleParser(min, max), "a number" + Range(min, max, double.MinValue, double.MaxValue), () => defaultValue);

    /// <summary>One of <paramref name="choices"/> (case-insensitive; the first spelling of each value is the one shown).</summary>
    public static Option<T> Choice<T>(string name, string help, T defaultValue, (string Name, T Value)[] choices, params string[] aliases) =>
        ChoiceOf(name, help, choices, () => defaultValue, aliases);

    /// <summary>One of <paramref name="choices"/>, with no default: null when not given.</summary>
    public static Option<T?> OptionalChoice<T>(string name, string help, (string Name, T Value)[] choices, params string[] aliases)
        where T : struct =>
        ChoiceOf(name, help, choices.Select(c => (c.Name, (T?)c.Value)).ToArray(), null, aliases);

    /// <summary>
    /// The option with the CLI's value rule: the last occurrence wins (arity one or more, one value per occurrence),
    /// parsed by <paramref name="parse"/>; a value it rejects is the error "NAME expects EXPECTS, got 'VALUE'".
    /// </summary>
    internal static Option<T> Create<T>(string name, string[] aliases, string help, string? helpName, TryParse<T> parse, string expects, Func<T>? defaultValue)
    {
        var o = new Option<T>(name, aliases)
        {
            Description = help,
            HelpName = helpName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            CustomParser = r =>
            {
                string s = r.Tokens[^1].Value;
                if (parse(s, out T v))
                {
                    return v;
                }

                r.AddError($"{name} expects {expects}, got '{s}'");
                return default!;
            },
        };
        if (defaultValue is not null)
        {
            o.DefaultValueFactory = _ => defaultValue();
        }

        return o;
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

    /// <summary>" in [min, max]", " >= min", " <= max" or nothing, leaving out the type's own limits.</summary>
    internal static string Range<T>(T min, T max, T lowest, T highest)
        where T : IComparable<T>, IFormattable
    {
        string lo = min.ToString(null, CultureInfo.InvariantCulture);
        string hi = max.ToString(null, CultureInfo.InvariantCulture);
        return (min.CompareTo(lowest) == 0, max.CompareTo(highest) == 0) switch
        {
            (true, true) => string.Empty,
            (false, true) => $" >= {lo}",
            (true, false) => $" <= {hi}",
            _ => $" in [{lo}, {hi}]",
        };
    }

    private static Option<T> ChoiceOf<T>(string name, string help, (string Name, T Value)[] choices, Func<T>? defaultValue, string[] aliases)
    {
        string[] shown = choices.Select(c => c.Name).Distinct(StringComparer.Ordinal).ToArray();
        Option<T> o = Create(name, aliases, help, null, (string s, out T v) =>
        {
            foreach ((string n, T value) in choices)
            {
                if (string.Equals(n, s, StringComparison.OrdinalIgnoreCase))
                {
                    v = value;
                    return true;
                }
            }

            v = default!;
            return false;
        }, "one of " + string.Join(", ", shown), defaultValue);
        o.HelpName = string.Join("|", shown); // help shows <a|b|c>
        o.CompletionSources.Clear(); // shells complete these spellings, not an enum's C# names
        o.CompletionSources.Add(shown);
        return o;
    }

    private static TryParse<int> IntParser(int min, int max) => (string s, out int v) =>
    {
        bool ok = long.TryParse(RemoveUnderscores(s), NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) && l >= min && l <= max;
        v = ok ? (int)l : 0;
        return ok;
    };

    private static TryParse<long> CountParser(long min, long max) => (string s, out long v) => TryParseCount(s, out v) && v >= min && v <= max;

    private static TryParse<double> DoubleParser(double min, double max) => (string s, out double v) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v) && v >= min && v <= max;

    private static string CountExpects(long min, long max) => "an integer" + Range(min, max, long.MinValue, long.MaxValue) + " (suffixes k, M, G allowed)";

    private static bool Nullable<T>(TryParse<T> parse, string s, out T? value)
        where T : struct
    {
        bool ok = parse(s, out T v);
        value = ok ? v : null;
        return ok;
    }

    private static string RemoveUnderscores(string s) => s.Contains('_', StringComparison.Ordinal) ? s.Replace("_", string.Empty, StringComparison.Ordinal) : s;
}
