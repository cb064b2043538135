using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastAls.Internals;

namespace FastAls.IO;

/// <summary>
/// Streams (user, item, value) interactions into chunks of unmanaged memory (12 bytes per interaction,
/// no per-row objects) and builds the CSR matrices of a <see cref="Dataset"/> in both orientations in
/// O(nnz) with counting passes.
/// </summary>
/// <remarks>
/// <para>
/// External ids map to dense indices in first-seen order through <see cref="UserIds"/> and
/// <see cref="ItemIds"/>. Values are checked as they arrive: NaN and infinite values are always rejected,
/// zeros and negatives per <see cref="ValuePolicy"/>. Duplicate (user, item) pairs are resolved at
/// <see cref="Build"/> per <see cref="DuplicatePolicy"/>.
/// </para>
/// <para>
/// Memory: while building, the peak is about 20 bytes per interaction (28 under
/// <see cref="DuplicatePolicy.Error"/>, which keeps the input until duplicates are ruled out so that it can
/// say where they are) plus the id maps; the finished dataset takes 16 bytes per interaction plus
/// 16 bytes per user and per item. Not thread-safe.
/// </para>
/// </remarks>
public sealed unsafe class InteractionBuilder : IDisposable
{
    private const int ChunkShift = 20;
    private const int ChunkSize = 1 << ChunkShift; // interactions per chunk (12 MiB)
    private const int ChunkMask = ChunkSize - 1;

    private readonly List<nint> _chunks = [];
    private readonly List<(long Start, SourceBlock Block)> _blocks = [];
    private readonly bool _rejectZero;
    private readonly bool _rejectNegative;
    private readonly IdMap? _userIds;
    private readonly IdMap? _itemIds;
    private readonly int _denseUsers;
    private readonly int _denseItems;
    private int* _users;
    private int* _items;
    private float* _values;
    private int _fill = ChunkSize;
    private long _count;
    private bool _built;

    /// <summary>Creates a builder with new, empty id maps of the given kinds.</summary>
    public InteractionBuilder(
        IdKind userIdKind = IdKind.Int64,
        IdKind itemIdKind = IdKind.Int64,
        DuplicatePolicy duplicates = DuplicatePolicy.Sum,
        ValuePolicy values = ValuePolicy.KeepAll)
        : this(NewMap(userIdKind), NewMap(itemIdKind), duplicates, values)
    {
    }

    /// <summary>
    /// Creates a builder that adds to the given id maps (ids already in them keep their indices; this is how
    /// a second data set is mapped onto the ids of a first).
    /// </summary>
    public InteractionBuilder(IdMap userIds, IdMap itemIds, DuplicatePolicy duplicates = DuplicatePolicy.Sum, ValuePolicy values = ValuePolicy.KeepAll)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (!Enum.IsDefined(duplicates))
        {
            throw new ArgumentOutOfRangeException(nameof(duplicates), duplicates, "Unknown duplicate policy.");
        }

        if ((values & ~ValuePolicy.RejectNonPositive) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(values), values, "Unknown value policy.");
        }

        _userIds = userIds;
        _itemIds = itemIds;
        Duplicates = duplicates;
        Values = values;
        _rejectZero = (values & ValuePolicy.RejectZero) != 0;
        _rejectNegative = (values & ValuePolicy.RejectNegative) != 0;
        _blocks.Add((0, SourceBlock.InMemory));
    }

    /// <summary>
    /// A builder of a <paramref name="users"/> x <paramref name="items"/> matrix from dense indices only
    /// (<see cref="AddIndices"/>, then <see cref="BuildUserItems"/>), for callers whose rows and columns are
    /// already indices of a model: no id maps are built, and messages name the indices.
    /// </summary>
    internal InteractionBuilder(int users, int items, DuplicatePolicy duplicates)
        : this(IdMap.CreateInt64(), IdMap.CreateInt64(), duplicates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(users);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        _userIds = null;
        _itemIds = null;
        _denseUsers = users;
        _denseItems = items;
    }

    /// <summary>User ids seen so far (dense index = row).</summary>
    public IdMap UserIds => _userIds ?? throw new InvalidOperationException("This builder takes dense indices; it has no id maps.");

    /// <summary>Item ids seen so far (dense index = column).</summary>
    public IdMap ItemIds => _itemIds ?? throw new InvalidOperationException("This builder takes dense indices; it has no id maps.");

    private int UserCount => _userIds?.Count ?? _denseUsers;

    private int ItemCount => _itemIds?.Count ?? _denseItems;

    /// <summary>How duplicate pairs are resolved.</summary>
    public DuplicatePolicy Duplicates { get; }

    /// <summary>Which values are accepted.</summary>
    public ValuePolicy Values { get; }

    /// <summary>Number of interactions added (before duplicates are merged).</summary>
    public long Count => _count;

    /// <summary>Adds one interaction with <see cref="long"/> ids.</summary>
    public void Add(long user, long item, float value = 1f)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        AddIndices(UserIds.GetOrAdd(user), ItemIds.GetOrAdd(item), value);
    }

    /// <summary>Adds one interaction with <see cref="string"/> ids.</summary>
    public void Add(string user, string item, float value = 1f)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        AddIndices(UserIds.GetOrAdd(user), ItemIds.GetOrAdd(item), value);
    }

    /// <summary>
    /// Adds interactions with <see cref="long"/> ids; <paramref name="values"/> may be empty, meaning 1.0 for each.
    /// </summary>
    public void AddRange(ReadOnlySpan<long> users, ReadOnlySpan<long> items, ReadOnlySpan<float> values)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        if (users.Length != items.Length || (values.Length != 0 && values.Length != users.Length))
        {
            throw new ArgumentException($"users ({users.Length}), items ({items.Length}) and values ({values.Length}) must have the same length (values may be empty).", nameof(values));
        }

        for (int k = 0; k < users.Length; k++)
        {
            AddIndices(UserIds.GetOrAdd(users[k]), ItemIds.GetOrAdd(items[k]), values.Length == 0 ? 1f : values[k]);
        }
    }

    /// <summary>
    /// Adds one interaction by dense indices that are already in <see cref="UserIds"/> and <see cref="ItemIds"/>
    /// (for callers that map ids themselves).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddIndices(int userIndex, int itemIndex, float value)
    {
        if ((uint)userIndex >= (uint)UserCount || (uint)itemIndex >= (uint)ItemCount)
        {
            ThrowIndex(userIndex, itemIndex);
        }

        if (!float.IsFinite(value) || (_rejectZero && value == 0f) || (_rejectNegative && value < 0f))
        {
            ThrowValue(value);
        }

        if (_fill == ChunkSize)
        {
            NewChunk();
        }

        _users[_fill] = userIndex;
        _items[_fill] = itemIndex;
        _values[_fill] = value;
        _fill++;
        _count++;
    }

    /// <summary>
    /// Starts a new run of records that came from <paramref name="block"/>; errors about records added from
    /// now on name that source.
    /// </summary>
    internal void BeginBlock(SourceBlock block) => BeginBlock(block, _count);

    /// <summary>
    /// Like <see cref="BeginBlock(SourceBlock)"/> for a reader that batches records: the run starts at
    /// <paramref name="start"/> (at least <see cref="Count"/> and the start of the previous run).
    /// </summary>
    internal void BeginBlock(SourceBlock block, long start)
    {
        if (_blocks[^1].Start == start)
        {
            _blocks[^1] = (start, block);
        }
        else
        {
            _blocks.Add((start, block));
        }
    }

    /// <summary>True when <see cref="AddIndices"/> would accept <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Accepts(float value) =>
        float.IsFinite(value) && !(_rejectZero && value == 0f) && !(_rejectNegative && value < 0f);

    /// <summary>Where the record with the given 0-based ordinal came from.</summary>
    internal string Describe(long ordinal, InteractionColumn column)
    {
        int lo = 0, hi = _blocks.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (_blocks[mid].Start <= ordinal)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        (long start, SourceBlock block) = _blocks[lo];
        return block.Describe(ordinal - start, column);
    }

    /// <summary>
    /// Copies the interactions added so far, in input order and before duplicates are merged, as dense
    /// indices into <see cref="UserIds"/> and <see cref="ItemIds"/> (each span holds <see cref="Count"/> entries).
    /// </summary>
    internal void CopyRaw(Span<int> users, Span<int> items, Span<float> values)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        if (users.Length != _count || items.Length != _count || values.Length != _count)
        {
            throw new ArgumentException($"The spans hold {users.Length}, {items.Length} and {values.Length} entries; {_count} are needed.", nameof(users));
        }

        long at = 0;
        for (int c = 0; c < _chunks.Count; c++)
        {
            int len = ChunkLength(c);
            new ReadOnlySpan<int>(ChunkUsers(c), len).CopyTo(users.Slice((int)at, len));
            new ReadOnlySpan<int>(ChunkItems(c), len).CopyTo(items.Slice((int)at, len));
            new ReadOnlySpan<float>(ChunkValues(c), len).CopyTo(values.Slice((int)at, len));
            at += len;
        }
    }

    /// <summary>Where the next record will be said to come from (for readers' own messages).</summary>
    internal string DescribeNext(InteractionColumn column) => Describe(_count, column);

    /// <summary>
    /// Builds the dataset (user-by-item and item-by-user CSR with sorted columns, plus the id maps) and
    /// releases the builder's memory. Can be called once.
    /// </summary>
    /// <exception cref="InvalidDataException">A duplicate pair under <see cref="DuplicatePolicy.Error"/>.</exception>
    public Dataset Build()
    {
        CsrMatrix userItems = BuildUserItems();
        try
        {
            CsrMatrix itemUsers = userItems.Transpose();
            return new Dataset(userItems, UserIds, ItemIds, itemUsers, trustedTranspose: true);
        }
        catch
        {
            userItems.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the user-by-item CSR only (sorted columns, duplicates resolved per <see cref="Duplicates"/>) and
    /// releases the builder's memory. Can be called once, instead of <see cref="Build"/>.
    /// </summary>
    internal CsrMatrix BuildUserItems()
    {
        ObjectDisposedException.ThrowIf(_built, this);
        _built = true;
        int users = UserCount;
        int items = ItemCount;
        long n = _count;
        long* userCount = null;
        long* itemNext = null;
        int* tmpUser = null;
        float* tmpValue = null;

        // The item-major temporaries take the scatter of pass 2, whose writes land all over them: NativeOwner's blocks
        // (huge pages where they are large), freed together after pass 3.
        NativeOwner? temps = new NativeOwner();
        NativeOwner? owner = new NativeOwner();
        try
        {
            // Pass 1: count per user and per item.
            userCount = (long*)NativeMemory.AllocZeroed((nuint)(users + 1), sizeof(long));
            itemNext = (long*)NativeMemory.AllocZeroed((nuint)(items + 1), sizeof(long));
            for (int c = 0; c < _chunks.Count; c++)
            {
                int len = ChunkLength(c);
                int* u = ChunkUsers(c);
                int* it = ChunkItems(c);
                for (int k = 0; k < len; k++)
                {
                    userCount[u[k]]++;
                    itemNext[it[k]]++;
                }
            }

            // Pass 2: bucket by item (stable: input order within an item) into item-major temporaries.
            ExclusivePrefixSum(itemNext, items);
            tmpUser = temps.Alloc<int>(Math.Max(n, 1));
            tmpValue = temps.Alloc<float>(Math.Max(n, 1));
            for (int c = 0; c < _chunks.Count; c++)
            {
                int len = ChunkLength(c);
                int* u = ChunkUsers(c);
                int* it = ChunkItems(c);
                float* v = ChunkValues(c);
                for (int k = 0; k < len; k++)
                {
                    long q = itemNext[it[k]]++;
                    tmpUser[q] = u[k];
                    tmpValue[q] = v[k];
                }

                if (Duplicates != DuplicatePolicy.Error)
                {
                    FreeChunk(c);
                }
            }

            // itemNext[i] is now the end of item i's bucket: start of item i is itemNext[i-1] (0 for i = 0).
            // Pass 3: scatter item by item into user rows, so each row's columns come out ascending and
            // entries of one (user, item) pair stay in input order.
            long* off = owner.Alloc<long>((long)users + 1);
            int* idx = owner.Alloc<int>(n);
            float* val = owner.Alloc<float>(n);
            off[0] = 0;
            for (int r = 0; r < users; r++)
            {
                off[r + 1] = off[r] + userCount[r];
            }

            long* next = userCount; // reuse: next free slot per user
            for (int r = 0; r < users; r++)
            {
                next[r] = off[r];
            }

            long start = 0;
            for (int i = 0; i < items; i++)
            {
                long end = itemNext[i];
                for (long q = start; q < end; q++)
                {
                    long p = next[tmpUser[q]]++;
                    idx[p] = i;
                    val[p] = tmpValue[q];
                }

                start = end;
            }

            temps.Dispose();
            temps = null;
            tmpUser = null;
            tmpValue = null;
            NativeMemory.Free(itemNext);
            itemNext = null;
            NativeMemory.Free(userCount);
            userCount = null;

            long dups = CountDuplicates(off, idx, users, out int dupRow, out int dupCol);
            if (dups > 0)
            {
                if (Duplicates == DuplicatePolicy.Error)
                {
                    ThrowDuplicate(dupRow, dupCol, dups);
                }

                NativeOwner merged = new();
                try
                {
                    if (!Merge(off, idx, val, users, n - dups, merged, Duplicates == DuplicatePolicy.Sum, out off, out idx, out val, out int badRow, out int badCol, out double badSum))
                    {
                        throw new InvalidDataException(string.Create(
                            CultureInfo.InvariantCulture,
                            $"The duplicate interactions of user {FormatUser(badRow)} and item {FormatItem(badCol)} sum to {badSum:R}, beyond float32's range (±{float.MaxValue:R}); rescale the values or use another duplicate policy."));
                    }
                }
                catch
                {
                    merged.Dispose();
                    throw;
                }

                owner.Dispose();
                owner = merged;
            }

            var userItems = new CsrMatrix(users, items, off, idx, val, owner);
            owner = null;
            return userItems;
        }
        catch
        {
            owner?.Dispose();
            throw;
        }
        finally
        {
            NativeMemory.Free(userCount);
            NativeMemory.Free(itemNext);
            temps?.Dispose();
            FreeChunks();
        }
    }

    /// <summary>Releases the memory held for interactions not yet built.</summary>
    public void Dispose()
    {
        _built = true;
        FreeChunks();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees unmanaged chunks if the builder was never disposed.</summary>
    ~InteractionBuilder()
    {
        FreeChunks();
    }

    private string FormatUser(int index) => _userIds?.Format(index) ?? index.ToString(CultureInfo.InvariantCulture);

    private string FormatItem(int index) => _itemIds?.Format(index) ?? index.ToString(CultureInfo.InvariantCulture);

    private static IdMap NewMap(IdKind kind) => kind switch
    {
        IdKind.Int64 => IdMap.CreateInt64(),
        IdKind.String => IdMap.CreateString(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown id kind."),
    };

    private void NewChunk()
    {
        ObjectDisposedException.ThrowIf(_built, this);
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)ChunkSize * 12, 64);
        _chunks.Add((nint)p);
        _users = (int*)p;
        _items = (int*)(p + ((nuint)ChunkSize * 4));
        _values = (float*)(p + ((nuint)ChunkSize * 8));
        _fill = 0;
    }

    private int ChunkLength(int c) => c < _chunks.Count - 1 ? ChunkSize : (int)(_count - ((long)c << ChunkShift));

    private int* ChunkUsers(int c) => (int*)_chunks[c];

    private int* ChunkItems(int c) => (int*)((byte*)_chunks[c] + ((nuint)ChunkSize * 4));

    private float* ChunkValues(int c) => (float*)((byte*)_chunks[c] + ((nuint)ChunkSize * 8));

    private void FreeChunk(int c)
    {
        NativeMemory.AlignedFree((void*)_chunks[c]);
        _chunks[c] = 0;
    }

    private void FreeChunks()
    {
        for (int c = 0; c < _chunks.Count; c++)
        {
            if (_chunks[c] != 0)
            {
                NativeMemory.AlignedFree((void*)_chunks[c]);
                _chunks[c] = 0;
            }
        }

        _users = null;
        _items = null;
        _values = null;
        _fill = ChunkSize; // the next add asks for a chunk, which throws once built or disposed
    }

    private static void ExclusivePrefixSum(long* a, int n)
    {
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            long c = a[i];
            a[i] = sum;
            sum += c;
        }
    }

    private static long CountDuplicates(long* off, int* idx, int rows, out int firstRow, out int firstCol)
    {
        long dups = 0;
        firstRow = -1;
        firstCol = -1;
        for (int r = 0; r < rows; r++)
        {
            long e = off[r + 1];
            for (long p = off[r] + 1; p < e; p++)
            {
                if (idx[p] == idx[p - 1])
                {
                    if (dups == 0)
                    {
                        firstRow = r;
                        firstCol = idx[p];
                    }

                    dups++;
                }
            }
        }

        return dups;
    }

    /// <summary>Merges repeated (row, column) pairs; false (naming the pair and its sum) when a sum overflows float32.</summary>
    private static bool Merge(long* off, int* idx, float* val, int rows, long nnz, NativeOwner owner, bool sum, out long* newOff, out int* newIdx, out float* newVal, out int badRow, out int badCol, out double badSum)
    {
        badRow = badCol = -1;
        badSum = 0;
        newOff = owner.Alloc<long>((long)rows + 1);
        newIdx = owner.Alloc<int>(nnz);
        newVal = owner.Alloc<float>(nnz);
        long w = 0;
        newOff[0] = 0;
        for (int r = 0; r < rows; r++)
        {
            long e = off[r + 1];
            long p = off[r];
            while (p < e)
            {
                int c = idx[p];
                double acc = val[p];
                p++;
                while (p < e && idx[p] == c)
                {
                    acc = sum ? acc + val[p] : val[p];
                    p++;
                }

                if (!float.IsFinite((float)acc))
                {
                    (badRow, badCol, badSum) = (r, c, acc);
                    return false;
                }

                newIdx[w] = c;
                newVal[w] = (float)acc;
                w++;
            }

            newOff[r + 1] = w;
        }

        return true;
    }

    [DoesNotReturn]
    private void ThrowIndex(int userIndex, int itemIndex)
    {
        throw new ArgumentOutOfRangeException(
            (uint)userIndex >= (uint)UserCount ? nameof(userIndex) : nameof(itemIndex),
            string.Create(CultureInfo.InvariantCulture, $"Index ({userIndex}, {itemIndex}) is outside the id maps ({UserCount} users, {ItemCount} items); add the ids to UserIds/ItemIds first."));
    }

    [DoesNotReturn]
    private void ThrowValue(float value)
    {
        string where = Describe(_count, InteractionColumn.Value);
        string why = !float.IsFinite(value)
            ? "is not finite (NaN and infinite values are never accepted; a double too large for float also ends here)"
            : value == 0f
                ? "is zero, which ValuePolicy.RejectZero forbids"
                : "is negative, which ValuePolicy.RejectNegative forbids";
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{where}: value {value} {why}."));
    }

    [DoesNotReturn]
    private void ThrowDuplicate(int userIndex, int itemIndex, long dups)
    {
        // Find where the pair occurs: the input is still held under DuplicatePolicy.Error.
        long first = -1, second = -1;
        for (int c = 0; c < _chunks.Count && second < 0; c++)
        {
            int len = ChunkLength(c);
            int* u = ChunkUsers(c);
            int* it = ChunkItems(c);
            for (int k = 0; k < len; k++)
            {
                if (u[k] == userIndex && it[k] == itemIndex)
                {
                    long ordinal = ((long)c << ChunkShift) + k;
                    if (first < 0)
                    {
                        first = ordinal;
                    }
                    else
                    {
                        second = ordinal;
                        break;
                    }
                }
            }
        }

        string a = first >= 0 ? Describe(first, InteractionColumn.Item) : "?";
        string b = second >= 0 ? Describe(second, InteractionColumn.Item) : "?";
        throw new InvalidDataException(string.Create(
            CultureInfo.InvariantCulture,
            $"Duplicate interaction (user {FormatUser(userIndex)}, item {FormatItem(itemIndex)}) at {b}; first seen at {a} ({dups} duplicate(s) in all). DuplicatePolicy.Error forbids duplicates; choose Sum or LastWins to merge them."));
    }
}
