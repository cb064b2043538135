using System.Runtime.InteropServices;

namespace FastAls;

/// <summary>
/// Maps external ids (<see cref="long"/> or <see cref="string"/>) to dense <see cref="int"/> indices in
/// first-seen order, and back. Not thread-safe for writes; reads are safe once building is done.
/// </summary>
public sealed class IdMap
{
    // Null for an identity map until an id is added: id i is index i, so lookups need no dictionary (a dataset
    // over a CSR matrix gets two, one entry per user and item, and the dictionaries were most of their memory).
    private Dictionary<long, int>? _longIndex;
    private readonly List<long>? _longIds;
    private readonly Dictionary<string, int>? _stringIndex;
    private readonly List<string>? _stringIds;

    private IdMap(IdKind kind, int capacity)
    {
        Kind = kind;
        if (kind == IdKind.Int64)
        {
            _longIndex = new Dictionary<long, int>(capacity);
            _longIds = new List<long>(capacity);
        }
        else
        {
            _stringIndex = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
            _stringIds = new List<string>(capacity);
        }
    }

    /// <summary>An empty map of <see cref="long"/> ids.</summary>
    public static IdMap CreateInt64(int capacity = 0) => new(IdKind.Int64, capacity);

    /// <summary>An empty map of <see cref="string"/> ids.</summary>
    public static IdMap CreateString(int capacity = 0) => new(IdKind.String, capacity);

    /// <summary>The map where id <c>i</c> is index <c>i</c>, for <c>i</c> in [0, count).</summary>
    public static IdMap Identity(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var m = new IdMap(IdKind.Int64, 0);
        m._longIndex = null;
        m._longIds!.Capacity = count;
        for (int i = 0; i < count; i++)
        {
            m._longIds.Add(i);
        }

        return m;
    }

    /// <summary>The kind of ids held.</summary>
    public IdKind Kind { get; }

    /// <summary>Number of distinct ids (dense indices are [0, Count)).</summary>
    public int Count => Kind == IdKind.Int64 ? _longIds!.Count : _stringIds!.Count;

    /// <summary>The index of <paramref name="id"/>, adding it at the end when new.</summary>
    public int GetOrAdd(long id)
    {
        RequireKind(IdKind.Int64);
        if (_longIndex is null)
        {
            // An identity map that grows: from here on it needs the dictionary.
            var index = new Dictionary<long, int>(_longIds!.Count + 1);
            for (int i = 0; i < _longIds.Count; i++)
            {
                index.Add(i, i);
            }

            _longIndex = index;
        }

        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_longIndex, id, out bool exists);
        if (!exists)
        {
            slot = _longIds!.Count;
            _longIds.Add(id);
        }

        return slot;
    }

    /// <summary>The index of <paramref name="id"/>, adding it at the end when new.</summary>
    public int GetOrAdd(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        RequireKind(IdKind.String);
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_stringIndex!, id, out bool exists);
        if (!exists)
        {
            slot = _stringIds!.Count;
            _stringIds.Add(id);
        }

        return slot;
    }

    /// <summary>
    /// The index of the string id spelled by <paramref name="id"/>, adding it at the end when new. A string is
    /// allocated only for an id not seen before.
    /// </summary>
    public int GetOrAdd(ReadOnlySpan<char> id)
    {
        RequireKind(IdKind.String);
        Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup = _stringIndex!.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(id, out int index))
        {
            return index;
        }

        var s = id.ToString();
        index = _stringIds!.Count;
        _stringIndex.Add(s, index);
        _stringIds.Add(s);
        return index;
    }

    /// <summary>
    /// A map of <see cref="long"/> ids where index <c>i</c> holds <c>ids[i]</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">An id occurs twice.</exception>
    public static IdMap FromInt64(ReadOnlySpan<long> ids)
    {
        var m = CreateInt64(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if (m.GetOrAdd(ids[i]) != i)
            {
                throw new InvalidDataException($"Id {ids[i]} occurs twice (indices {m._longIndex![ids[i]]} and {i}).");
            }
        }

        return m;
    }

    /// <summary>
    /// A map of <see cref="string"/> ids where index <c>i</c> holds <c>ids[i]</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">An id occurs twice.</exception>
    public static IdMap FromStrings(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var m = CreateString(ids is ICollection<string> c ? c.Count : 0);
        int i = 0;
        foreach (string id in ids)
        {
            if (m.GetOrAdd(id) != i)
            {
                throw new InvalidDataException($"Id '{id}' occurs twice (indices {m._stringIndex![id]} and {i}).");
            }

            i++;
        }

        return m;
    }

    /// <summary>Looks up the index of <paramref name="id"/>.</summary>
    public bool TryGetIndex(long id, out int index)
    {
        if (Kind != IdKind.Int64)
        {
            index = -1;
            return false;
        }

        if (_longIndex is null)
        {
            index = (ulong)id < (ulong)_longIds!.Count ? (int)id : -1;
            return index >= 0;
        }

        return _longIndex.TryGetValue(id, out index) || Fail(out index);
    }

    /// <summary>Looks up the index of <paramref name="id"/>.</summary>
    public bool TryGetIndex(string id, out int index)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (Kind != IdKind.String)
        {
            index = -1;
            return false;
        }

        return _stringIndex!.TryGetValue(id, out index) || Fail(out index);
    }

    /// <summary>
    /// The dense index of <paramref name="id"/>: how external ids reach the index-based calls, for example
    /// <c>model.Recommend(model.UserIds.IndexOf(42L), 10, seen)</c>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The id is not in the map (the message names it).</exception>
    public int IndexOf(long id) => TryGetIndex(id, out int index) ? index : throw NotFound(id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The dense index of <paramref name="id"/> (see <see cref="IndexOf(long)"/>).</summary>
    /// <exception cref="KeyNotFoundException">The id is not in the map (the message names it).</exception>
    public int IndexOf(string id) => TryGetIndex(id, out int index) ? index : throw NotFound(id);

    /// <summary>The <see cref="long"/> id at <paramref name="index"/>.</summary>
    public long GetInt64(int index)
    {
        RequireKind(IdKind.Int64);
        CheckIndex(index);
        return _longIds![index];
    }

    private KeyNotFoundException NotFound(string id) => new($"The id '{id}' is not in the map ({Count} {Kind} ids).");

    /// <summary>The <see cref="string"/> id at <paramref name="index"/>.</summary>
    public string GetString(int index)
    {
        RequireKind(IdKind.String);
        CheckIndex(index);
        return _stringIds![index];
    }

    /// <summary>The id at <paramref name="index"/> as text, whatever its kind.</summary>
    public string Format(int index)
    {
        CheckIndex(index);
        return Kind == IdKind.Int64
            ? _longIds![index].ToString(System.Globalization.CultureInfo.InvariantCulture)
            : _stringIds![index];
    }

    /// <summary>All <see cref="long"/> ids, by index.</summary>
    public ReadOnlySpan<long> Int64Ids
    {
        get
        {
            RequireKind(IdKind.Int64);
            return CollectionsMarshal.AsSpan(_longIds);
        }
    }

    /// <summary>All <see cref="string"/> ids, by index.</summary>
    public IReadOnlyList<string> StringIds
    {
        get
        {
            RequireKind(IdKind.String);
            return _stringIds!;
        }
    }

    /// <summary>True when every id equals its index (the map adds nothing).</summary>
    public bool IsIdentity
    {
        get
        {
            if (Kind != IdKind.Int64)
            {
                return false;
            }

            ReadOnlySpan<long> ids = CollectionsMarshal.AsSpan(_longIds);
            for (int i = 0; i < ids.Length; i++)
            {
                if (ids[i] != i)
                {
                    return false;
                }
            }

            return true;
        }
    }

    private static bool Fail(out int index)
    {
        index = -1;
        return false;
    }

    private void RequireKind(IdKind kind)
    {
        if (Kind != kind)
        {
            throw new InvalidOperationException($"This id map holds {Kind} ids, not {kind}.");
        }
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index must be in [0, {Count}).");
        }
    }
}
