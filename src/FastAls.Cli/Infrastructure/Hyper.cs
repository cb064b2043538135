using System.Globalization;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// The training options of <see cref="AlsOptions.Schema"/> as command-line options: one flag per option, named,
/// documented and defaulted by the library's schema (<see cref="AlsOptions.For"/> for each kind); enum values are the
/// schema's spellings in kebab-case.
/// </summary>
internal static class Hyper
{
    /// <summary>Flags whose names predate the schema and stay for compatibility (else the option's name in kebab-case).</summary>
    private static readonly Dictionary<string, string> s_flagNames = new(StringComparer.Ordinal)
    {
        ["regularization_scaling"] = "reg-scaling",
        ["early_stop_tolerance"] = "early-stop",
    };

    private static readonly Dictionary<string, char> s_shortNames = new(StringComparer.Ordinal)
    {
        ["factors"] = 'k',
        ["regularization"] = 'l',
        ["alpha"] = 'a',
        ["threads"] = 't',
    };

    /// <summary>Value spellings of earlier versions, still accepted: option name → (old spelling, schema spelling).</summary>
    private static readonly (string Option, string Old, string Spelling)[] s_oldValues =
    [
        ("regularization_scaling", "count", "by_count"),
        ("solver", "cg", "conjugate_gradient"),
    ];

    public static readonly OptionSpec[] Options = AlsOptions.Schema.Select(Spec).ToArray();

    /// <summary>The command-line flag of a schema option (without the dashes).</summary>
    public static string Flag(AlsOptionInfo o) => s_flagNames.TryGetValue(o.Name, out string? f) ? f : Kebab(o.Name);

    /// <summary>The schema's snake_case spelling in kebab-case (<c>by_count</c> → <c>by-count</c>).</summary>
    public static string Kebab(string snake) => snake.Replace('_', '-');

    public static AlsModelKind ParseKind(ParsedArgs a, AlsModelKind fallback)
    {
        string? s = a.Get("kind");
        if (s is null)
        {
            return fallback;
        }

        return AlsOptionInfo.TryParse(s, out AlsModelKind k)
            ? k
            : throw ParsedArgs.Usage(a.Spec, $"--kind expects one of {string.Join(", ", AlsOptionInfo.Spellings<AlsModelKind>().Select(Kebab))}, got '{s}'");
    }

    public static bool IsExplicit(AlsModelKind kind) => !AlsOptions.For(kind).IsImplicit;

    /// <summary>The options the flags give, starting from the library's defaults for the kind given (default implicit).</summary>
    public static AlsOptions Parse(ParsedArgs a)
    {
        AlsOptions o = AlsOptions.For(ParseKind(a, AlsModelKind.Implicit));
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            string flag = Flag(info);
            string? s = a.Get(flag);
            if (s is null || info.Name == "kind")
            {
                continue;
            }

            if (info.ValueType == typeof(int))
            {
                s = a.GetInt(flag, 0).ToString(CultureInfo.InvariantCulture);
            }
            else if (info.ValueType == typeof(float))
            {
                // parsed as a double and narrowed, as the CLI always has (so a given flag value keeps its float bits)
                s = ((float)a.GetDouble(flag, 0)).ToString("R", CultureInfo.InvariantCulture);
            }
            else if (info.ValueType == typeof(double))
            {
                s = a.GetDouble(flag, 0).ToString("R", CultureInfo.InvariantCulture);
            }
            else
            {
                foreach ((string option, string old, string spelling) in s_oldValues)
                {
                    if (option == info.Name && string.Equals(s, old, StringComparison.OrdinalIgnoreCase))
                    {
                        s = spelling;
                    }
                }
            }

            try
            {
                o = info.Parse(o, info.Values.Count > 0 ? s.ToLowerInvariant() : s);
            }
            catch (FormatException)
            {
                throw ParsedArgs.Usage(a.Spec, info.Values.Count > 0
                    ? $"--{flag} expects one of {string.Join(", ", info.Values.Select(Kebab))}, got '{a.Get(flag)}'"
                    : $"--{flag} expects a number, got '{a.Get(flag)}'");
            }
        }

        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            string? flag = AlsOptions.Schema.FirstOrDefault(i => i.PropertyName == e.ParamName) is { } bad ? Flag(bad) : null;
            string message = e.Message.Split(" (Parameter", 2)[0];
            throw new CliException(flag is null ? message : $"--{flag}: {message}", ExitCodes.Usage);
        }

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
        rows.AddRange(Commands.InfoCommand.Hyperparameters(o));
        return rows;
    }

    private static OptionSpec Spec(AlsOptionInfo o)
    {
        string value = o.Values.Count > 0 ? o.Name.ToUpperInvariant() : o.ValueType == typeof(int) ? "N" : "X";
        string help = o.Description;
        if (o.Values.Count > 0)
        {
            help += $" One of {string.Join(", ", o.Values.Select(Kebab))}.";
        }

        if (o.Name != "kind")
        {
            // the default of each kind, as the library gives it (AlsOptions.For)
            AlsModelKind[] kinds = Enum.GetValues<AlsModelKind>();
            string Default(AlsModelKind k) => Show(o, AlsOptions.For(k));
            string common = Default(AlsModelKind.Implicit);
            string[] other = kinds.Where(k => Default(k) != common).Select(k => $"{Kebab(AlsOptionInfo.Spell(k))} {Default(k)}").ToArray();
            help += other.Length == 0 ? $" (default {common})." : $" (default {common}; {string.Join(", ", other)}).";
        }
        else
        {
            help += $" (default {Kebab(AlsOptionInfo.Spell(new AlsOptions().Kind))}).";
        }

        return new OptionSpec(Flag(o), s_shortNames.TryGetValue(o.Name, out char c) ? c : '\0', value, help);
    }

    private static string Show(AlsOptionInfo o, AlsOptions options) =>
        o.Values.Count > 0 ? Kebab(o.Format(options)) : Convert.ToString(o.GetValue(options), CultureInfo.InvariantCulture)!;
}
