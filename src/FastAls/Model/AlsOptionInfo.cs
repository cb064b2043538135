using System.ComponentModel;
using System.Globalization;
using System.Reflection;

namespace FastAls;

/// <summary>
/// One training option of <see cref="AlsOptions"/> as every front end names, documents and spells it. The list
/// (<see cref="AlsOptions.Schema"/>) is what the C struct's defaults, the Python keywords and the CLI flags are derived
/// from, and what the tests hold each front end against.
/// </summary>
/// <remarks>
/// One spelling rule for names and enum values: the C# name in snake_case (<c>CgTolerance</c> → <c>cg_tolerance</c>,
/// <c>RegularizationScaling.ByCount</c> → <c>by_count</c>), as the C header and the Python ctypes enums are generated;
/// the CLI writes the same words in kebab-case (<c>--cg-tolerance</c>, <c>by-count</c>).
/// </remarks>
public sealed class AlsOptionInfo
{
    private readonly Func<AlsOptions, object> _get;
    private readonly Func<AlsOptions, string> _format;
    private readonly Func<AlsOptions, string, AlsOptions> _parse;

    private AlsOptionInfo(string propertyName, Type valueType, string description, IReadOnlyList<string> values,
        Func<AlsOptions, object> get, Func<AlsOptions, string> format, Func<AlsOptions, string, AlsOptions> parse)
    {
        PropertyName = propertyName;
        Name = ToSnake(propertyName);
        ValueType = valueType;
        Description = description;
        Values = values;
        _get = get;
        _format = format;
        _parse = parse;
    }

    /// <summary>The snake_case name: the C struct field, the Python keyword and (in kebab-case) the CLI flag.</summary>
    public string Name { get; }

    /// <summary>The <see cref="AlsOptions"/> property.</summary>
    public string PropertyName { get; }

    /// <summary>The camelCase name of the JSON property.</summary>
    public string JsonName => char.ToLowerInvariant(PropertyName[0]) + PropertyName[1..];

    /// <summary><see cref="int"/>, <see cref="float"/>, <see cref="double"/> or an enum type.</summary>
    public Type ValueType { get; }

    /// <summary>What the option does (one sentence, for help texts and docstrings).</summary>
    public string Description { get; }

    /// <summary>The spellings of an enum option's values, in value order; empty for numbers.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>The option's value in <paramref name="options"/> (boxed).</summary>
    public object GetValue(AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _get(options);
    }

    /// <summary>The value of <see cref="AlsOptions.For"/>(<paramref name="kind"/>).</summary>
    public object DefaultFor(AlsModelKind kind) => _get(AlsOptions.For(kind));

    /// <summary>The value as text: invariant round-trip numbers, spelled enum values.</summary>
    public string Format(AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _format(options);
    }

    /// <summary>
    /// <paramref name="options"/> with this option set from <paramref name="text"/> (what <see cref="Format"/> writes).
    /// Throws <see cref="FormatException"/> naming the option and, for enums, the accepted spellings.
    /// </summary>
    public AlsOptions Parse(AlsOptions options, string text)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(text);
        return _parse(options, text);
    }

    /// <summary>The snake_case spelling of an enum value (<c>ByCount</c> → <c>by_count</c>).</summary>
    public static string Spell<T>(T value)
        where T : struct, Enum =>
        ToSnake(Enum.GetName(value) ?? throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {typeof(T).Name} value."));

    /// <summary>The value spelled <paramref name="text"/>: snake_case (<c>by_count</c>), its kebab form (<c>by-count</c>) or the C# name.</summary>
    public static bool TryParse<T>(string text, out T value)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(text);
        string snake = text.Replace('-', '_');
        foreach (T v in Enum.GetValues<T>())
        {
            if (Spell(v) == snake || Enum.GetName(v) == text)
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The spellings of every value of <typeparamref name="T"/>, in value order.</summary>
    public static IReadOnlyList<string> Spellings<T>()
        where T : struct, Enum => Enum.GetValues<T>().Select(Spell).ToArray();

    /// <summary><c>RowOffsets</c> → <c>row_offsets</c>: the generator's rule for C and Python names (one shared file).</summary>
    internal static string ToSnake(string name) => Shared.SnakeCase.Of(name);

    /// <summary>Every option, in <see cref="AlsOptions"/>' declaration order (the C struct's, which is generated from it).</summary>
    internal static readonly AlsOptionInfo[] All =
    [
        Choice(nameof(AlsOptions.Kind), o => o.Kind, (o, v) => o with { Kind = v }),
        Number(nameof(AlsOptions.Factors), o => o.Factors, (o, v) => o with { Factors = v }),
        Number(nameof(AlsOptions.Regularization), o => o.Regularization, (o, v) => o with { Regularization = v }),
        Choice(nameof(AlsOptions.RegularizationScaling), o => o.RegularizationScaling, (o, v) => o with { RegularizationScaling = v }),
        Number(nameof(AlsOptions.Alpha), o => o.Alpha, (o, v) => o with { Alpha = v }),
        Number(nameof(AlsOptions.Epsilon), o => o.Epsilon, (o, v) => o with { Epsilon = v }),
        Choice(nameof(AlsOptions.Confidence), o => o.Confidence, (o, v) => o with { Confidence = v }),
        Number(nameof(AlsOptions.Iterations), o => o.Iterations, (o, v) => o with { Iterations = v }),
        Number(nameof(AlsOptions.Seed), o => o.Seed, (o, v) => o with { Seed = v }),
        Number(nameof(AlsOptions.Threads), o => o.Threads, (o, v) => o with { Threads = v }),
        Choice(nameof(AlsOptions.Solver), o => o.Solver, (o, v) => o with { Solver = v }),
        Number(nameof(AlsOptions.CgSteps), o => o.CgSteps, (o, v) => o with { CgSteps = v }),
        Number(nameof(AlsOptions.CgTolerance), o => o.CgTolerance, (o, v) => o with { CgTolerance = v }),
        Number(nameof(AlsOptions.InitScale), o => o.InitScale, (o, v) => o with { InitScale = v }),
        Number(nameof(AlsOptions.EarlyStopTolerance), o => o.EarlyStopTolerance, (o, v) => o with { EarlyStopTolerance = v }),
    ];

    /// <summary>
    /// The <c>[Description]</c> of the <see cref="AlsOptions"/> property: the one text of the option, which the C struct's
    /// generated field docs (FastAls.Generators reads the attribute from this assembly) also carry.
    /// </summary>
    private static string DescriptionOf(string property) =>
        typeof(AlsOptions).GetProperty(property)?.GetCustomAttribute<DescriptionAttribute>()?.Description
        ?? throw new InvalidOperationException($"AlsOptions.{property} has no [Description].");

    private static AlsOptionInfo Number<T>(string property, Func<AlsOptions, T> get, Func<AlsOptions, T, AlsOptions> with)
        where T : struct, ISpanFormattable, ISpanParsable<T>
    {
        string name = ToSnake(property);
        return new AlsOptionInfo(property, typeof(T), DescriptionOf(property), [], o => get(o),
            o => get(o).ToString(typeof(T) == typeof(int) ? null : "R", CultureInfo.InvariantCulture),
            (o, text) => T.TryParse(text, CultureInfo.InvariantCulture, out T v)
                ? with(o, v)
                : throw new FormatException($"{name}: '{text}' is not {(typeof(T) == typeof(int) ? "an integer" : "a number")}."));
    }

    private static AlsOptionInfo Choice<T>(string property, Func<AlsOptions, T> get, Func<AlsOptions, T, AlsOptions> with)
        where T : struct, Enum
    {
        string name = ToSnake(property);
        IReadOnlyList<string> values = Spellings<T>();
        return new AlsOptionInfo(property, typeof(T), DescriptionOf(property), values, o => get(o), o => Spell(get(o)),
            (o, text) => TryParse(text, out T v)
                ? with(o, v)
                : throw new FormatException($"{name}: '{text}' is not one of {string.Join(", ", values)}."));
    }
}
