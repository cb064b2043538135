using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// The training options of <see cref="AlsOptions.Schema"/> as System.CommandLine options, generated from the schema in
/// this one place: one option per schema entry, named <c>--</c> and the schema's name in kebab-case, described by the
/// schema, defaulting to <see cref="AlsOptions.For"/> of the <c>--kind</c> given (so <c>--kind explicit</c> defaults
/// <c>--regularization</c> to 0.1), with enum values in the schema's spelling (kebab-case) and ranges checked by
/// <see cref="AlsOptions.Validate"/> as the value is parsed (errors name the flag).
/// </summary>
internal sealed class AlsOptionFlags
{
    /// <summary>Flags of earlier versions, still accepted as aliases.</summary>
    private static readonly Dictionary<string, string[]> s_aliases = new(StringComparer.Ordinal)
    {
        ["kind"] = [],
        ["factors"] = ["-k"],
        ["regularization"] = ["-l"],
        ["regularization_scaling"] = ["--reg-scaling"],
        ["alpha"] = ["-a"],
        ["threads"] = ["-t"],
        ["early_stop_tolerance"] = ["--early-stop"],
    };

    /// <summary>Value spellings of earlier versions, still accepted: option name → (old spelling, schema spelling).</summary>
    private static readonly (string Option, string Old, string Spelling)[] s_oldValues =
    [
        ("regularization_scaling", "count", "by_count"),
        ("solver", "cg", "conjugate_gradient"),
    ];

    private readonly List<(AlsOptionInfo Info, Option Option, Func<ParseResult, string> Text)> _options = [];
    private readonly Option<string> _kind = null!;

    public AlsOptionFlags()
    {
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            if (info.ValueType == typeof(int))
            {
                Add(info, "N", (string s, out int v) => int.TryParse(s.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out v),
                    "an integer", v => v.ToString(CultureInfo.InvariantCulture), o => (int)info.GetValue(o));
            }
            else if (info.ValueType == typeof(float))
            {
                // parsed as a double and narrowed, as the CLI always has (so a given flag value keeps its float bits)
                Add(info, "X", (string s, out float v) =>
                {
                    bool ok = double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d);
                    v = (float)d;
                    return ok;
                }, "a number", v => v.ToString("R", CultureInfo.InvariantCulture), o => (float)info.GetValue(o));
            }
            else if (info.ValueType == typeof(double))
            {
                Add(info, "X", (string s, out double v) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v),
                    "a number", v => v.ToString("R", CultureInfo.InvariantCulture), o => (double)info.GetValue(o));
            }
            else if (info.Values.Count > 0)
            {
                Option<string> o = Add(info, null, (string s, out string v) => TryEnum(info, s, out v),
                    "one of " + string.Join(", ", info.Values.Select(Kebab)), v => v, o => Kebab(info.Format(o)));
                o.CompletionSources.Add(info.Values.Select(Kebab).ToArray()); // help shows <a|b>; shells complete them
                if (info.ValueType == typeof(AlsModelKind))
                {
                    _kind = o;
                }
            }
            else
            {
                throw new NotSupportedException($"AlsOptions.Schema option {info.Name} has type {info.ValueType.Name}, which the CLI does not handle");
            }
        }
    }

    /// <summary>One option per <see cref="AlsOptions.Schema"/> entry, in its order.</summary>
    public IEnumerable<Option> Options => _options.Select(e => e.Option);

    /// <summary>The option of the schema entry named <paramref name="name"/> (snake_case).</summary>
    public Option this[string name] => _options.Single(e => e.Info.Name == name).Option;

    /// <summary>The command-line flag of a schema option: <c>--</c> and its name in kebab-case.</summary>
    public static string Flag(AlsOptionInfo o) => "--" + Kebab(o.Name);

    /// <summary>The schema's snake_case spelling in kebab-case (<c>by_count</c> → <c>by-count</c>).</summary>
    public static string Kebab(string snake) => snake.Replace('_', '-');

    public void AddTo(Command command)
    {
        foreach (Option o in Options)
        {
            command.Options.Add(o);
        }
    }

    /// <summary>The model kind given (default implicit).</summary>
    public AlsModelKind Kind(ParseResult r) => ParseKind(r.GetValue(_kind));

    /// <summary>The options the flags give: for each option not given, <see cref="AlsOptions.For"/> of the kind given.</summary>
    public AlsOptions Read(ParseResult r)
    {
        AlsOptions o = AlsOptions.For(Kind(r));
        foreach ((AlsOptionInfo info, Option _, Func<ParseResult, string> text) in _options)
        {
            o = info.Parse(o, text(r));
        }

        o.Validate(); // each value was checked as it was parsed; this only guards combinations
        return o;
    }

    /// <summary>Rows for the report's hyperparameter table.</summary>
    public static List<(string, string)> Describe(AlsOptions o)
    {
        var rows = new List<(string, string)>
        {
            ("model kind", Kebab(AlsOptionInfo.Spell(o.Kind))),
            ("factors", o.Factors.ToString(CultureInfo.InvariantCulture)),
        };
        rows.AddRange(Hyperparameters(o));
        return rows;
    }

    /// <summary>Every option of the schema but kind and factors (shown on their own), as "name: value" rows, values spelled as the flags take them.</summary>
    public static IEnumerable<(string, string)> Hyperparameters(AlsOptions o) =>
        AlsOptions.Schema.Where(i => i.Name is not ("kind" or "factors")).Select(i => (i.Name.Replace('_', ' '), Show(i, o)));

    /// <summary>A value as the flag takes it: kebab-case enum spellings, invariant numbers.</summary>
    public static string Show(AlsOptionInfo info, AlsOptions o) =>
        info.Values.Count > 0 ? Kebab(info.Format(o)) : Convert.ToString(info.GetValue(o), CultureInfo.InvariantCulture)!;

    private static AlsModelKind ParseKind(string? s) =>
        s is not null && AlsOptionInfo.TryParse(s, out AlsModelKind k) ? k : new AlsOptions().Kind;

    private static bool TryEnum(AlsOptionInfo info, string s, out string value)
    {
        string snake = s.ToLowerInvariant().Replace('-', '_');
        foreach ((string option, string old, string spelling) in s_oldValues)
        {
            if (option == info.Name && snake == old)
            {
                snake = spelling;
            }
        }

        value = info.Values.FirstOrDefault(v => v == snake) is { } v ? Kebab(v) : string.Empty;
        return value.Length > 0;
    }

    /// <summary>
    /// The option of <paramref name="info"/>: the last occurrence wins; a value that does not parse, or that
    /// <see cref="AlsOptions.Validate"/> rejects, is an error naming the flag; the default is the kind's.
    /// </summary>
    private Option<T> Add<T>(AlsOptionInfo info, string? helpName, CliOptions.TryParse<T> parse, string expects, Func<T, string> text, Func<AlsOptions, T> get)
    {
        string flag = Flag(info);
        bool isKind = info.ValueType == typeof(AlsModelKind);
        var option = new Option<T>(flag, s_aliases.TryGetValue(info.Name, out string[]? aliases) ? aliases : [])
        {
            Description = info.Description + KindDefaults(info),
            HelpName = helpName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,

            // The kind's own default is the library's; every other option's depends on the kind given.
            DefaultValueFactory = r => get(isKind ? new AlsOptions() : AlsOptions.For(KindOf(r))),
            CustomParser = r =>
            {
                string s = r.Tokens[^1].Value;
                if (!parse(s, out T v))
                {
                    r.AddError($"{flag} expects {expects}, got '{s}'");
                    return default!;
                }

                try
                {
                    info.Parse(new AlsOptions(), text(v)).Validate();
                }
                catch (ArgumentException e) when (e.ParamName == info.PropertyName)
                {
                    r.AddError($"{flag}: {e.Message.Split(" (Parameter", 2)[0]}");
                }

                return v;
            },
        };
        _options.Add((info, option, r => text(r.GetValue(option)!)));
        return option;
    }

    /// <summary>The kind given on the command line being parsed (the library's default kind when none, or while help is written).</summary>
    private AlsModelKind KindOf(ArgumentResult r)
    {
        try
        {
            return ParseKind(r.GetResult(_kind)?.GetValueOrDefault<string>());
        }
        catch (InvalidOperationException)
        {
            return new AlsOptions().Kind; // --kind itself is malformed: that error is reported
        }
    }

    /// <summary>" Explicit and biased-explicit: 0.1." for the kinds whose default differs from the implicit one's (help shows that as [default: ...]).</summary>
    private static string KindDefaults(AlsOptionInfo info)
    {
        if (info.ValueType == typeof(AlsModelKind))
        {
            return string.Empty;
        }

        string common = Show(info, AlsOptions.For(AlsModelKind.Implicit));
        var other = Enum.GetValues<AlsModelKind>()
            .Select(k => (Kind: Kebab(AlsOptionInfo.Spell(k)), Value: Show(info, AlsOptions.For(k))))
            .Where(d => d.Value != common)
            .GroupBy(d => d.Value, StringComparer.Ordinal)
            .Select(g => $"{string.Join(" and ", g.Select(d => d.Kind))}: {g.Key}")
            .ToArray();
        return other.Length == 0 ? string.Empty : $" Default for {string.Join("; ", other)}.";
    }
}
