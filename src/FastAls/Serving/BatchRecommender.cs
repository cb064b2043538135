using System.Collections.Concurrent;
using FastAls.Internals.Serving;

namespace FastAls;

/// <summary>
/// Top-n for many users at once: users are taken in blocks of <see cref="UserBlock"/>, each block is
/// scored against the catalogue <see cref="ItemBlock"/> items at a time (a blocked matrix product for
/// the factor models) and every user keeps a bounded heap of its n best. Blocks run in parallel; results
/// are handed to a sink in user order, a chunk of blocks at a time, so memory stays bounded by the
/// block sizes and n, never users x items.
/// </summary>
public static class BatchRecommender
{
    /// <summary>Users scored together.</summary>
    internal const int UserBlock = 64;

    /// <summary>Items scored together (the score buffer is <c>UserBlock x ItemBlock</c> floats per worker).</summary>
    internal const int ItemBlock = 1024;

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
    internal static bool[]? BuildMask(RecommendOptions options, int items, ReadOnlySpan<int> alsoExclude = default)
    {
        if (options.Candidates is null && options.Exclude is null && alsoExclude.IsEmpty)
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

        for (int k = 0; k < alsoExclude.Length; k++)
        {
            int i = alsoExclude[k];
            if ((uint)i >= (uint)items)
            {
                throw new ArgumentOutOfRangeException(nameof(alsoExclude), $"Seen item [{k}] = {i} is not an index in [0, {items}).");
            }

            mask[i] = false;
        }

        return mask;
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
    internal static void Run(IRecommendationScorer scorer, int[] users, int n, CsrMatrix? seen, RecommendOptions options, bool excludeSelf, IRecommendationSink sink, bool[]? mask = null, bool maskGiven = false, bool seenByQuery = false)
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

        if (!maskGiven)
        {
            mask = BuildMask(options, items);
        }

        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        int blocks = (users.Length + UserBlock - 1) / UserBlock;
        int blocksPerChunk = Math.Max(1, threads * 4);
        int chunkUsers = blocksPerChunk * UserBlock;
        int slots = Math.Min(n, items);
        var outItems = new int[Math.Min(users.Length, chunkUsers) * slots];
        var outScores = new float[outItems.Length];
        var outCounts = new int[Math.Min(users.Length, chunkUsers)];
        var pool = new ConcurrentBag<Worker>();
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
        for (int chunkStart = 0; chunkStart < blocks; chunkStart += blocksPerChunk)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            int chunkEnd = Math.Min(blocks, chunkStart + blocksPerChunk);
            int firstUser = chunkStart * UserBlock;
            int chunkCount = Math.Min(users.Length, chunkEnd * UserBlock) - firstUser;
            void Block(int b)
            {
                if (!pool.TryTake(out Worker? w))
                {
                    w = new Worker(slots, Math.Min(users.Length, UserBlock));
                }

                int start = b * UserBlock;
                int count = Math.Min(UserBlock, users.Length - start);
                int local = start - firstUser;
                ScoreUserBlock(scorer, users.AsSpan(start, count), seenByQuery ? start : -1, slots, filter, mask, excludeSelf, w,
                    outItems.AsSpan(local * slots, count * slots), outScores.AsSpan(local * slots, count * slots), outCounts.AsSpan(local, count));
                pool.Add(w);
            }

            if (chunkEnd - chunkStart == 1 || threads == 1)
            {
                for (int b = chunkStart; b < chunkEnd; b++)
                {
                    Block(b); // no task machinery for a single block (single-user calls)
                }
            }
            else
            {
                Parallel.For(chunkStart, chunkEnd, po, Block);
            }

            sink.Write(new RecommendationBlock(users.AsSpan(firstUser, chunkCount), slots, outCounts.AsSpan(0, chunkCount),
                outItems.AsSpan(0, chunkCount * slots), outScores.AsSpan(0, chunkCount * slots)));
        }
    }

    // seenRowStart: -1, the seen row of a user is its index; else the seen row of users[u] is seenRowStart + u.
    private static void ScoreUserBlock(IRecommendationScorer scorer, ReadOnlySpan<int> users, int seenRowStart, int n, CsrMatrix? seen, bool[]? mask, bool excludeSelf,
        Worker w, Span<int> outItems, Span<float> outScores, Span<int> outCounts)
    {
        int items = scorer.Items;
        int count = users.Length;
        for (int u = 0; u < count; u++)
        {
            w.Heaps[u].Clear();
            w.Cursors[u] = 0;
        }

        if (n > 0)
        {
            for (int i0 = 0; i0 < items; i0 += ItemBlock)
            {
                int ib = Math.Min(ItemBlock, items - i0);
                Span<float> scores = w.Scores.AsSpan(0, count * ib);
                scorer.ScoreBlock(users, i0, ib, scores);
                for (int u = 0; u < count; u++)
                {
                    Span<float> row = scores.Slice(u * ib, ib);
                    if (seen is not null)
                    {
                        ReadOnlySpan<int> s = seen.RowIndices(seenRowStart < 0 ? users[u] : seenRowStart + u);
                        int c = w.Cursors[u];
                        while (c < s.Length && s[c] < i0 + ib)
                        {
                            if (s[c] >= i0)
                            {
                                row[s[c] - i0] = float.NegativeInfinity;
                            }

                            c++;
                        }

                        w.Cursors[u] = c;
                    }

                    if (excludeSelf && users[u] >= i0 && users[u] < i0 + ib)
                    {
                        row[users[u] - i0] = float.NegativeInfinity;
                    }

                    TopN heap = w.Heaps[u];
                    float th = heap.Threshold;
                    if (mask is null)
                    {
                        for (int j = 0; j < row.Length; j++)
                        {
                            if (row[j] > th)
                            {
                                heap.Push(row[j], i0 + j);
                                th = heap.Threshold;
                            }
                        }
                    }
                    else
                    {
                        ReadOnlySpan<bool> m = mask.AsSpan(i0, ib);
                        for (int j = 0; j < row.Length; j++)
                        {
                            if (row[j] > th && m[j])
                            {
                                heap.Push(row[j], i0 + j);
                                th = heap.Threshold;
                            }
                        }
                    }
                }
            }
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

    private sealed class Worker
    {
        public Worker(int n, int users)
        {
            Scores = new float[users * ItemBlock];
            Heaps = new TopN[users];
            for (int k = 0; k < Heaps.Length; k++)
            {
                Heaps[k] = new TopN(n);
            }
        }

        public float[] Scores { get; }

        public TopN[] Heaps { get; }

        public int[] Cursors { get; } = new int[UserBlock];
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
