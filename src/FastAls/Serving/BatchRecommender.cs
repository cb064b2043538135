using FastAls.Internals;
using FastAls.Internals.Serving;

namespace FastAls;

/// <summary>
/// Top-n for many users at once: users are taken in blocks of <see cref="UserBlock"/>, each block is
/// scored against the catalogue <see cref="ItemBlock"/> items at a time (a blocked matrix product for
/// the factor models) and every user keeps a bounded heap of its n best. Groups of blocks run in parallel
/// (<see cref="GroupBlocks"/>: a group takes each item block for all its blocks before the next); results
/// are handed to a sink in user order, a chunk of blocks at a time, so memory stays bounded by the
/// block sizes and n, never users x items.
/// </summary>
public static partial class BatchRecommender
{
    /// <summary>Users scored together.</summary>
    internal const int UserBlock = 64;

    /// <summary>Items scored together (the score buffer is <c>UserBlock x ItemBlock</c> floats per worker).</summary>
    internal const int ItemBlock = 1024;

    /// <summary>
    /// User blocks that one task scores together, item block by item block (<see cref="ScoreRange"/>): each item block
    /// (256 KiB of factor-major panels at k = 64) is read once for up to 256 users from the core's L2, where one block of
    /// 64 users at a time streamed the whole catalogue's panels (12.8 MB for 50,000 items at k = 64) from L3 or memory for
    /// every block. Fewer where the batch would leave a thread without a task.
    /// </summary>
    internal const int GroupBlocks = 4;

    /// <summary>Top-n for <paramref name="users"/> (null: all users), collected into arrays.</summary>
    /// <param name="scorer">The model or baseline.</param>
    /// <param name="users">User indices (null: 0 .. Users-1).</param>
    /// <param name="n">Results per user (at most the number of items; <see cref="BatchRecommendations.N"/> is clamped to it).</param>
    /// <param name="seen">User-by-item matrix of items to leave out when <see cref="RecommendOptions.FilterSeen"/>.</param>
    /// <param name="options">Filters; null for the defaults.</param>
    /// <param name="userIds">Id map of the users (null: identity).</param>
    /// <param name="itemIds">Id map of the items (null: identity).</param>
    public static BatchRecommendations Recommend(IRecommendationScorer scorer, int[]? users, int n, CsrMatrix? seen = null, RecommendOptions? options = null, IdMap? userIds = null, IdMap? itemIds = null)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        n = Math.Min(n, scorer.Items); // never more results than items
        users ??= AllRows(scorer.Users);
        var sink = new ArraySink(users.Length, n);
        Run(scorer, users, n, seen, options ?? RecommendOptions.Default, excludeSelf: false, sink);
        return new BatchRecommendations(users, n, sink.Counts, sink.Items, sink.Scores, userIds ?? IdMap.Identity(scorer.Users), itemIds ?? IdMap.Identity(scorer.Items));
    }

    /// <summary>Top-n for <paramref name="users"/> (null: all users), streamed to <paramref name="sink"/>.</summary>
    public static void Recommend(IRecommendationScorer scorer, int[]? users, int n, IRecommendationSink sink, CsrMatrix? seen = null, RecommendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(sink);
        Run(scorer, users ?? AllRows(scorer.Users), n, seen, options ?? RecommendOptions.Default, excludeSelf: false, sink);
    }

    internal static int[] AllRows(int count)
    {
        var a = new int[count];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = i;
        }

        return a;
    }

    /// <summary>The allow/deny mask over items (null when neither list is given).</summary>
    internal static bool[]? BuildMask(RecommendOptions options, int items)
    {
        if (options.Candidates is null && options.Exclude is null)
        {
            return null;
        }

        var mask = new bool[items];
        if (options.Candidates is { } cand)
        {
            for (int k = 0; k < cand.Count; k++)
            {
                int i = cand[k];
                if ((uint)i >= (uint)items)
                {
                    throw new ArgumentOutOfRangeException(nameof(options), $"Candidates[{k}] = {i} is not an index in [0, {items}).");
                }

                mask[i] = true;
            }
        }
        else
        {
            Array.Fill(mask, true);
        }

        if (options.Exclude is { } ex)
        {
            for (int k = 0; k < ex.Count; k++)
            {
                int i = ex[k];
                if ((uint)i >= (uint)items)
                {
                    throw new ArgumentOutOfRangeException(nameof(options), $"Exclude[{k}] = {i} is not an index in [0, {items}).");
                }

                mask[i] = false;
            }
        }

        return mask;
    }

    /// <summary>
    /// The seen items of one query, checked and sorted (a copy), for <see cref="Run"/>'s <c>oneQuerySeen</c>: a few
    /// hundred bytes instead of a mask over the whole catalogue per call.
    /// </summary>
    internal static int[] SortedSeen(ReadOnlySpan<int> seenItems, int items, string paramName)
    {
        int[] s = seenItems.ToArray();
        for (int k = 0; k < s.Length; k++)
        {
            if ((uint)s[k] >= (uint)items)
            {
                throw new ArgumentOutOfRangeException(paramName, $"Seen item [{k}] = {s[k]} is not an index in [0, {items}).");
            }
        }

        Array.Sort(s);
        return s;
    }

    /// <summary>
    /// <see cref="Recommend(IRecommendationScorer, int[], int, CsrMatrix?, RecommendOptions?, IdMap?, IdMap?)"/> with the
    /// seen items given per query: row r of <paramref name="seenRows"/> belongs to <c>users[r]</c> (so a caller with a few
    /// users' rows need not build a matrix with a row for every user).
    /// </summary>
    internal static BatchRecommendations RecommendRows(IRecommendationScorer scorer, int[] users, int n, CsrMatrix? seenRows, RecommendOptions options, IdMap userIds, IdMap itemIds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        n = Math.Min(n, scorer.Items);
        var sink = new ArraySink(users.Length, n);
        Run(scorer, users, n, seenRows, options, excludeSelf: false, sink, seenByQuery: true);
        return new BatchRecommendations(users, n, sink.Counts, sink.Items, sink.Scores, userIds, itemIds);
    }

    // seenByQuery: row r of seen holds the seen items of users[r] (else of user index users[r]).
    // oneQuerySeen: the seen items of the lone query users[0], sorted (SortedSeen), instead of a matrix.
    // Blocks of a chunk run in parallel when the chunk has more than one; a batch of at most UserBlock queries (and
    // every call with one thread) runs on the calling thread. Each thread reuses its own scratch (Worker) across calls.
    // One query with options.Threads > 1 and at least splitMinItems items is split across threads (RunSplit); the
    // parameter is there for the bench that measured the default (SplitMinItems). A lone query (or a few: BoundedMaxBatch) of a scorer
    // with a quantized copy takes the bounded two-pass path (RunBounded, RunBoundedBatch: the same result; bounded: false, for
    // the bench and tests, turns it off), which falls back to this one-pass path when it cannot narrow the catalogue.
    internal static void Run(IRecommendationScorer scorer, int[] users, int n, CsrMatrix? seen, RecommendOptions options, bool excludeSelf, IRecommendationSink sink, bool seenByQuery = false, int[]? oneQuerySeen = null,
        int splitMinItems = SplitMinItems, bool bounded = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        int items = scorer.Items;
        for (int k = 0; k < users.Length; k++)
        {
            if ((uint)users[k] >= (uint)scorer.Users)
            {
                throw new ArgumentOutOfRangeException(nameof(users), $"users[{k}] = {users[k]} is not an index in [0, {scorer.Users}).");
            }
        }

        if (oneQuerySeen is not null && (users.Length != 1 || seen is not null))
        {
            throw new ArgumentException("The seen items of one query go with exactly one query and no seen-items matrix.", nameof(oneQuerySeen));
        }

        CsrMatrix? filter = null;
        if (options.FilterSeen && !excludeSelf && seen is not null)
        {
            if (seen.Cols != items)
            {
                throw new ArgumentException($"The seen-items matrix has {seen.Cols} columns; the model has {items} items.", nameof(seen));
            }

            if (seenByQuery)
            {
                if (seen.Rows != users.Length)
                {
                    throw new ArgumentException($"The seen-items matrix has {seen.Rows} rows; one per query ({users.Length}) is needed.", nameof(seen));
                }
            }
            else
            {
                for (int k = 0; k < users.Length; k++)
                {
                    if (users[k] >= seen.Rows)
                    {
                        throw new ArgumentException($"users[{k}] = {users[k]} has no row in the seen-items matrix ({seen.Rows} rows).", nameof(seen));
                    }
                }
            }

            filter = seen;
        }

        var seenRows = new SeenRows(filter, seenByQuery, options.FilterSeen && !excludeSelf ? oneQuerySeen : null);
        bool[]? mask = BuildMask(options, items);
        int slots = Math.Min(n, items);
        int split = users.Length == 1 && slots > 0 ? SplitThreads(options.Threads, items, splitMinItems) : 1;
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        if (bounded && BoundedScorer(scorer, users.Length, slots) is { } boundedScorer)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            if (users.Length > 1)
            {
                RunBoundedBatch(boundedScorer, users, slots, seenRows, mask, excludeSelf, threads, sink);
                return;
            }

            if (RunBounded(boundedScorer, users, slots, seenRows, mask, excludeSelf, split, sink))
            {
                return;
            }
        }

        if (split > 1)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            RunSplit(scorer, users, slots, seenRows, mask, excludeSelf, split, sink);
            return;
        }

        int blocks = (users.Length + UserBlock - 1) / UserBlock;
        int blocksPerChunk = Math.Max(1, threads * 4);
        int chunkUsers = blocksPerChunk * UserBlock;

        // A task scores a group of user blocks, item block by item block (ScoreRange): up to GroupBlocks of them, as
        // many as leave every thread a task of the chunk.
        int group = Math.Clamp(Math.Min(blocks, blocksPerChunk) / Math.Max(1, threads), 1, GroupBlocks);
        int groupUsers = Math.Min(users.Length, group * UserBlock);
        var outItems = new int[Math.Min(users.Length, chunkUsers) * slots];
        var outScores = new float[outItems.Length];
        var outCounts = new int[Math.Min(users.Length, chunkUsers)];
        ParallelOptions? po = null;
        for (int chunkStart = 0; chunkStart < blocks; chunkStart += blocksPerChunk)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            int chunkEnd = Math.Min(blocks, chunkStart + blocksPerChunk);
            int firstUser = chunkStart * UserBlock;
            int chunkCount = Math.Min(users.Length, chunkEnd * UserBlock) - firstUser;
            int tasks = (chunkEnd - chunkStart + group - 1) / group;
            void Block(int t)
            {
                Worker w = Worker.Rent(slots, groupUsers);
                try
                {
                    int start = (chunkStart + (t * group)) * UserBlock;
                    int count = Math.Min(group * UserBlock, Math.Min(users.Length, chunkEnd * UserBlock) - start);
                    int local = start - firstUser;
                    ScoreUserBlock(scorer, users.AsSpan(start, count), start, slots, seenRows, mask, excludeSelf, w,
                        outItems.AsSpan(local * slots, count * slots), outScores.AsSpan(local * slots, count * slots), outCounts.AsSpan(local, count));
                }
                finally
                {
                    Worker.Return(w);
                }
            }

            if (tasks == 1 || threads == 1)
            {
                for (int t = 0; t < tasks; t++)
                {
                    Block(t); // on the calling thread: no task machinery for one task (single-user and small batches)
                }
            }
            else
            {
                Parallel.For(0, tasks, po ??= new ParallelOptions { MaxDegreeOfParallelism = threads }, Block);
            }

            sink.Write(new RecommendationBlock(users.AsSpan(firstUser, chunkCount), slots, outCounts.AsSpan(0, chunkCount),
                outItems.AsSpan(0, chunkCount * slots), outScores.AsSpan(0, chunkCount * slots)));
        }
    }

    // start: the position of users[0] in the whole query list (the seen row of a query by position).
    private static void ScoreUserBlock(IRecommendationScorer scorer, ReadOnlySpan<int> users, int start, int n, SeenRows seen, bool[]? mask, bool excludeSelf,
        Worker w, Span<int> outItems, Span<float> outScores, Span<int> outCounts)
    {
        int count = users.Length;
        for (int u = 0; u < count; u++)
        {
            w.Heaps[u].Clear();
        }

        if (n > 0)
        {
            ScoreRange(scorer, users, start, 0, scorer.Items, seen, mask, excludeSelf, w.Scores, w.Heaps, w.Cursors);
        }

        for (int u = 0; u < count; u++)
        {
            Span<int> oi = outItems.Slice(u * n, n);
            Span<float> os = outScores.Slice(u * n, n);
            int got = w.Heaps[u].Drain(oi, os);
            oi[got..].Fill(-1);
            os[got..].Fill(float.NaN);
            outCounts[u] = got;
        }
    }

    /// <summary>
    /// Offers the scores of items [<paramref name="from"/>, <paramref name="to"/>) of every query of a group to its heap,
    /// <see cref="ItemBlock"/> items at a time from <paramref name="from"/>, each item block for the group's queries in
    /// blocks of <see cref="UserBlock"/> (<see cref="OfferBlock"/>) before the next item block (seen items, the query itself when
    /// <paramref name="excludeSelf"/>, and items the mask forbids left out). With <paramref name="from"/> a multiple of
    /// <see cref="ItemBlock"/>, every block scored is one the whole-catalogue pass scores, so each score has the same bits.
    /// </summary>
    private static void ScoreRange(IRecommendationScorer scorer, ReadOnlySpan<int> users, int start, int from, int to, SeenRows seen, bool[]? mask, bool excludeSelf,
        Span<float> buffer, TopN[] heaps, int[] cursors)
    {
        int count = users.Length;
        if (!seen.IsEmpty)
        {
            for (int u = 0; u < count; u++)
            {
                cursors[u] = from == 0 ? 0 : LowerBound(seen.Of(start + u, users[u]), from);
            }
        }

        for (int i0 = from; i0 < to; i0 += ItemBlock)
        {
            int ib = Math.Min(ItemBlock, to - i0);
            for (int b = 0; b < count; b += UserBlock)
            {
                OfferBlock(scorer, users.Slice(b, Math.Min(UserBlock, count - b)), b, start, i0, ib, seen, mask, excludeSelf, buffer, heaps, cursors);
            }
        }
    }

    /// <summary>
    /// <see cref="ScoreRange"/>'s item block [<paramref name="i0"/>, i0 + <paramref name="ib"/>) for the user block
    /// <paramref name="users"/>, the queries from <paramref name="first"/> on of its call: scored at once, then offered to
    /// each query's heap.
    /// </summary>
    private static void OfferBlock(IRecommendationScorer scorer, ReadOnlySpan<int> users, int first, int start, int i0, int ib, SeenRows seen, bool[]? mask, bool excludeSelf,
        Span<float> buffer, TopN[] heaps, int[] cursors)
    {
        int count = users.Length;
        Span<float> scores = buffer[..(count * ib)];
        scorer.ScoreBlock(users, i0, ib, scores);
        for (int u = 0; u < count; u++)
        {
            Span<float> row = scores.Slice(u * ib, ib);
            int q = first + u;
            if (!seen.IsEmpty)
            {
                ReadOnlySpan<int> s = seen.Of(start + q, users[u]);
                int c = cursors[q];
                while (c < s.Length && s[c] < i0 + ib)
                {
                    if (s[c] >= i0)
                    {
                        row[s[c] - i0] = float.NegativeInfinity;
                    }

                    c++;
                }

                cursors[q] = c;
            }

            if (excludeSelf && users[u] >= i0 && users[u] < i0 + ib)
            {
                row[users[u] - i0] = float.NegativeInfinity;
            }

            heaps[q].Offer(row, i0, mask is null ? default : mask.AsSpan(i0, ib));
        }
    }

    /// <summary>The first position of a sorted list whose value is at least <paramref name="value"/>.</summary>
    private static int LowerBound(ReadOnlySpan<int> sorted, int value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Where the seen items of a query come from: a matrix row (by user index or by position) or one sorted list.</summary>
    private readonly struct SeenRows(CsrMatrix? matrix, bool byPosition, int[]? one)
    {
        public bool IsEmpty => matrix is null && one is null;

        public ReadOnlySpan<int> Of(int position, int user) => one ?? matrix!.RowIndices(byPosition ? position : user);
    }

    /// <summary>
    /// A thread's scratch for one user block: the score buffer and one top-n heap per user. Each thread keeps one and
    /// reuses it across blocks and calls (grown when a call needs more), so a call allocates no per-block scratch.
    /// </summary>
    private sealed class Worker
    {
        [ThreadStatic]
        private static Worker? t_free;

        private AlignedFloats _scores = AlignedFloats.Allocate(0);

        /// <summary>The score buffer, from a cache line (the kernels store whole vectors to it; each user's 1,024 scores is 4 KiB).</summary>
        public Span<float> Scores => _scores.Span;

        public TopN[] Heaps { get; private set; } = [];

        public int[] Cursors { get; private set; } = [];

        /// <summary>This thread's worker, ready for <paramref name="users"/> heaps of capacity <paramref name="n"/>.</summary>
        public static Worker Rent(int n, int users)
        {
            Worker w = t_free ?? new Worker();
            t_free = null; // a nested call on this thread (a scorer or sink that recommends) gets its own
            // One user block's scores at a time (ScoreRange offers them before it scores the next block).
            int blockUsers = Math.Min(users, UserBlock);
            if (w.Scores.Length < blockUsers * ItemBlock)
            {
                w._scores = AlignedFloats.Allocate(blockUsers * ItemBlock);
            }

            if (w.Cursors.Length < users)
            {
                w.Cursors = new int[users];
            }

            if (w.Heaps.Length < users)
            {
                TopN[] h = w.Heaps;
                Array.Resize(ref h, users);
                w.Heaps = h;
            }

            for (int k = 0; k < users; k++)
            {
                if (w.Heaps[k] is { } heap)
                {
                    heap.Reset(n);
                }
                else
                {
                    w.Heaps[k] = new TopN(n);
                }
            }

            return w;
        }

        public static void Return(Worker w) => t_free = w;
    }

    private sealed class ArraySink : IRecommendationSink
    {
        private int _written;

        public ArraySink(int queries, int n)
        {
            Counts = new int[queries];
            Items = new int[(long)queries * n];
            Scores = new float[Items.Length];
        }

        public int[] Counts { get; }

        public int[] Items { get; }

        public float[] Scores { get; }

        public void Write(in RecommendationBlock block)
        {
            block.Counts.CopyTo(Counts.AsSpan(_written));
            block.Items.CopyTo(Items.AsSpan(_written * block.N));
            block.Scores.CopyTo(Scores.AsSpan(_written * block.N));
            _written += block.Queries.Length;
        }
    }
}
