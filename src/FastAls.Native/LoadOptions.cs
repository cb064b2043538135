using System.Runtime.InteropServices;
using FastAls.IO;

namespace FastAls.Native;

/// <summary>How fastals_dataset_load reads a file (fastals_load_options_t); fill with fastals_load_options_init first. NULL strings mean the default.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FastAlsLoadOptions
{
    /// <summary>File format (auto from the path, Parquet or delimited text).</summary>
    public InteractionFormat Format;

    /// <summary>User id column name (UTF-8; NULL: "user").</summary>
    public byte* UserColumn;

    /// <summary>Item id column name (UTF-8; NULL: "item").</summary>
    public byte* ItemColumn;

    /// <summary>Value column name (UTF-8; NULL: "value" when present, else every value is 1).</summary>
    public byte* ValueColumn;

    /// <summary>Text separator (UTF-8; NULL: detected).</summary>
    public byte* Separator;

    /// <summary>Text header: -1 detect, 0 none, 1 present.</summary>
    public int HasHeader;

    /// <summary>What to do with duplicate (user, item) pairs.</summary>
    public DuplicatePolicy Duplicates;

    /// <summary>0-based user field of headerless text.</summary>
    public int UserColumnIndex;

    /// <summary>0-based item field of headerless text.</summary>
    public int ItemColumnIndex;

    /// <summary>0-based value field of headerless text (-1: none).</summary>
    public int ValueColumnIndex;

    /// <summary>Kind of user ids: -1 taken from the input, 0 int64, 1 string.</summary>
    public int UserIdKind;

    /// <summary>Kind of item ids: -1 taken from the input, 0 int64, 1 string.</summary>
    public int ItemIdKind;

    public static FastAlsLoadOptions Defaults()
    {
        var o = new InteractionLoadOptions();
        return new FastAlsLoadOptions
        {
            Format = o.Format,
            HasHeader = -1,
            Duplicates = o.Duplicates,
            UserColumnIndex = o.UserColumnIndex,
            ItemColumnIndex = o.ItemColumnIndex,
            ValueColumnIndex = o.ValueColumnIndex,
            UserIdKind = -1,
            ItemIdKind = -1,
        };
    }

    public readonly InteractionLoadOptions ToOptions()
    {
        if (!Enum.IsDefined(Format))
        {
            throw new ArgumentException($"format {(int)Format} is not a fastals_interaction_format_t value.", "options");
        }

        if (!Enum.IsDefined(Duplicates))
        {
            throw new ArgumentException($"duplicates {(int)Duplicates} is not a fastals_duplicate_policy_t value.", "options");
        }

        if (HasHeader is < -1 or > 1)
        {
            throw new ArgumentException($"has_header must be -1, 0 or 1 (got {HasHeader}).", "options");
        }

        var o = new InteractionLoadOptions
        {
            UserIdKind = Kind(UserIdKind, "user_id_kind"),
            ItemIdKind = Kind(ItemIdKind, "item_id_kind"),
            Format = Format,
            Duplicates = Duplicates,
            HasHeader = HasHeader < 0 ? null : HasHeader == 1,
            UserColumnIndex = UserColumnIndex,
            ItemColumnIndex = ItemColumnIndex,
            ValueColumnIndex = ValueColumnIndex,
            Separator = Str(Separator),
        };
        if (Str(UserColumn) is { } u)
        {
            o = o with { UserColumn = u };
        }

        if (Str(ItemColumn) is { } i)
        {
            o = o with { ItemColumn = i };
        }

        if (Str(ValueColumn) is { } v)
        {
            o = o with { ValueColumn = v };
        }

        return o;
    }

    private static IdKind? Kind(int value, string name) => value switch
    {
        -1 => null,
        0 => IdKind.Int64,
        1 => IdKind.String,
        _ => throw new ArgumentException($"{name} must be -1 (from the input), 0 (int64) or 1 (string) (got {value}).", "options"),
    };

        private static string? Str(byte* p) => p == null ? null : Marshal.PtrToStringUTF8((nint)p);
}

/// <summary>Ranking metrics at K (fastals_ranking_metrics_t), as implicit's ranking_metrics_at_k computes them.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FastAlsRankingMetrics
{
    /// <summary>The cut-off K.</summary>
    public int K;

    /// <summary>Users evaluated (those with test items).</summary>
    public int Users;

    /// <summary>Precision at K (micro-averaged as implicit).</summary>
    public double Precision;

    /// <summary>Recall at K.</summary>
    public double Recall;

    /// <summary>Mean average precision at K.</summary>
    public double Map;

    /// <summary>Normalized discounted cumulative gain at K.</summary>
    public double Ndcg;

    /// <summary>implicit's AUC at K.</summary>
    public double Auc;

    /// <summary>Distinct recommended items / all items.</summary>
    public double Coverage;
}
