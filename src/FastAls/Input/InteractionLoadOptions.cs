using System.Globalization;
using System.Text;

namespace FastAls.IO;

/// <summary>
/// How <see cref="InteractionLoader"/> reads interactions: which columns hold the user, item and value, how
/// duplicates and values are treated, and (for text) the separator and header.
/// </summary>
public sealed record InteractionLoadOptions
{
    /// <summary>The default name of the value column.</summary>
    public const string DefaultValueColumn = "value";

    private readonly string? _valueColumn = DefaultValueColumn;
    private readonly bool _valueColumnExplicit;

    /// <summary>Input format (default: from the path).</summary>
    public InteractionFormat Format { get; init; }

    private readonly string _userColumn = "user";
    private readonly string _itemColumn = "item";
    private readonly bool _userColumnExplicit;
    private readonly bool _itemColumnExplicit;

    /// <summary>Name of the user id column (default <c>user</c>; see <see cref="HasHeader"/> for how text headers are matched).</summary>
    public string UserColumn
    {
        get => _userColumn;
        init
        {
            _userColumn = value;
            _userColumnExplicit = true;
        }
    }

    /// <summary>Name of the item id column (default <c>item</c>; see <see cref="HasHeader"/>).</summary>
    public string ItemColumn
    {
        get => _itemColumn;
        init
        {
            _itemColumn = value;
            _itemColumnExplicit = true;
        }
    }

    /// <summary>True when any of the user, item or value column names was set explicitly.</summary>
    internal bool AnyColumnNamed => _userColumnExplicit || _itemColumnExplicit || _valueColumnExplicit;

    /// <summary>
    /// Name of the value column, or null for none (every value is 1.0). When left at its default
    /// (<c>value</c>) and the input has no such column, every value is 1.0; a name set explicitly must exist.
    /// </summary>
    public string? ValueColumn
    {
        get => _valueColumn;
        init
        {
            _valueColumn = value;
            _valueColumnExplicit = true;
        }
    }

    /// <summary>True when the value column must exist (it was named explicitly).</summary>
    public bool ValueColumnRequired => _valueColumn is not null && _valueColumnExplicit;

    /// <summary>How duplicate (user, item) pairs are resolved (default <see cref="DuplicatePolicy.Sum"/>).</summary>
    public DuplicatePolicy Duplicates { get; init; } = DuplicatePolicy.Sum;

    /// <summary>Which values are accepted (default <see cref="ValuePolicy.KeepAll"/>; NaN/infinity never).</summary>
    public ValuePolicy Values { get; init; } = ValuePolicy.KeepAll;

    /// <summary>
    /// Kind of user ids, or null to take it from the input: the column type for Parquet and DataFrames;
    /// for text, <see cref="IdKind.Int64"/> when the first record's id is an integer, else <see cref="IdKind.String"/>.
    /// </summary>
    public IdKind? UserIdKind { get; init; }

    /// <summary>Kind of item ids, or null to take it from the input (see <see cref="UserIdKind"/>).</summary>
    public IdKind? ItemIdKind { get; init; }

    /// <summary>
    /// Text field separator (e.g. <c>"\t"</c>, <c>","</c>, <c>"::"</c>), or null to detect it from the first
    /// line: tab, else <c>::</c>, else comma, else semicolon, else a single space.
    /// </summary>
    public string? Separator { get; init; }

    /// <summary>
    /// Whether the text has a header line, or null to detect: the first line is a header when one of its
    /// fields equals <see cref="UserColumn"/> or <see cref="ItemColumn"/>, or when its id fields are not
    /// integers while those of the second line are.
    /// </summary>
    /// <remarks>
    /// With a header, columns are found by name: the header must name both <see cref="UserColumn"/> and
    /// <see cref="ItemColumn"/>, and <see cref="ValueColumn"/> when it was set explicitly; otherwise loading
    /// fails with a message that lists the header's columns. When the default value column (<c>value</c>) is
    /// not in a header that has other columns besides the user and item, loading fails too (name the value
    /// column, or set <see cref="ValueColumn"/> to null for 1.0 everywhere) rather than silently using 1.0.
    /// Only when no column name was set at all and the header names neither <c>user</c> nor <c>item</c> are the
    /// columns taken by position (<see cref="UserColumnIndex"/>, <see cref="ItemColumnIndex"/>,
    /// <see cref="ValueColumnIndex"/>), as they are for text without a header.
    /// </remarks>
    public bool? HasHeader { get; init; }

    /// <summary>
    /// 0-based position of the user field in text without a matching header (default 0). Used when there is no
    /// header or the header does not name <see cref="UserColumn"/>.
    /// </summary>
    public int UserColumnIndex { get; init; }

    /// <summary>0-based position of the item field in text (default 1); see <see cref="UserColumnIndex"/>.</summary>
    public int ItemColumnIndex { get; init; } = 1;

    /// <summary>
    /// 0-based position of the value field in text (default 2; -1 for none). When a line has fewer fields
    /// and <see cref="ValueColumnRequired"/> is false, every value is 1.0.
    /// </summary>
    public int ValueColumnIndex { get; init; } = 2;

    /// <summary>A stable text of every option that changes what is loaded (used to key caches).</summary>
    public string Fingerprint()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"format={Format};user={UserColumn};item={ItemColumn};value={ValueColumn ?? "<none>"};req={ValueColumnRequired};");
        sb.Append(CultureInfo.InvariantCulture, $"dup={Duplicates};values={Values};ukind={UserIdKind?.ToString() ?? "auto"};ikind={ItemIdKind?.ToString() ?? "auto"};");
        sb.Append(CultureInfo.InvariantCulture, $"sep={Separator ?? "<auto>"};header={HasHeader?.ToString() ?? "auto"};pos={UserColumnIndex},{ItemColumnIndex},{ValueColumnIndex}");
        return sb.ToString();
    }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(UserColumn, nameof(UserColumn));
        ArgumentException.ThrowIfNullOrEmpty(ItemColumn, nameof(ItemColumn));
        if (ValueColumn is not null && ValueColumn.Length == 0)
        {
            throw new ArgumentException("ValueColumn must be null (no value column) or a name.", nameof(ValueColumn));
        }

        if (Separator is not null && Separator.Length == 0)
        {
            throw new ArgumentException("Separator must not be empty.", nameof(Separator));
        }

        if (Separator is not null && (Separator.Contains('\n', StringComparison.Ordinal) || Separator.Contains('\r', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Separator must not contain line breaks.", nameof(Separator));
        }

        if (UserColumnIndex < 0 || ItemColumnIndex < 0 || ValueColumnIndex < -1 || UserColumnIndex == ItemColumnIndex
            || (ValueColumnIndex >= 0 && (ValueColumnIndex == UserColumnIndex || ValueColumnIndex == ItemColumnIndex)))
        {
            throw new ArgumentException($"Column positions must be distinct and non-negative (user {UserColumnIndex}, item {ItemColumnIndex}, value {ValueColumnIndex}; value may be -1).", nameof(UserColumnIndex));
        }
    }
}
