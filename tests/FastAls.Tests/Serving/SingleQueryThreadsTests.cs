using System.Collections.Concurrent;
using FastAls;

namespace FastAls.Tests.Model;

/// <summary>
/// A single query split across threads (<see cref="RecommendOptions.Threads"/> &gt; 1): the same items and score bits
/// as on one thread for any thread count, with ties across the chunk borders and every filter; small catalogues stay on
/// the calling thread; negative thread counts are argument errors.
/// </summary>
public class SingleQueryThreadsTests
{
    // More than SplitMinItems on both sides, not a multiple of the chunk (the last chunk is short).
    private const int Size = 20_037;

    // Rows set to one vector (and one bias), so their scores tie exactly; they sit on both sides of chunk
    // (2,048) and item-block (1,024) borders, and at both ends.
    private static readonly int[] Twins = [0, 5, 1023, 1024, 2047, 2048, 4095, 4096, 10240, 16383, 16384, Size - 1];

    private static readonly int[] ThreadCounts = [0, 2, 3, 7];

    private static AlsModel TwinModel(AlsModelKind kind)
    {
        AlsModel m = ModelTestUtil.Random(kind, Size, Size, 8, 41);
        float[] v = [0.9f, 0.8f, -0.7f, 0.6f, 0.75f, -0.8f, 0.7f, 0.9f];
        foreach (int t in Twins)
        {
            m.SetItemFactorRows(t, v);
            m.SetUserFactorRows(t, v);
        }

        if (m.HasBiases)
        {
            float[] ub = m.UserBiases.ToArray(), ib = m.ItemBiases.ToArray();
            foreach (int t in Twins)
            {
                ub[t] = 0.5f;
                ib[t] = 0.25f;
            }

            m.SetUserBiases(ub);
            m.SetItemBiases(ib);
        }

        return m;
    }

    /// <summary>Filter sets over indices valid on both sides (the model is square).</summary>
    private static IEnumerable<(string Name, RecommendOptions Options)> Filters()
    {
        int[] everyThird = Enumerable.Range(0, Size).Where(i => i % 3 == 0).Concat([1024, 2048, 4096, 16384]).ToArray();
        int[] deny = [4095, 10240, 1, 2049, 16385, 19_999];
        yield return ("none", new RecommendOptions { FilterSeen = false });
        yield return ("seen", new RecommendOptions());
        yield return ("allow-list", new RecommendOptions { FilterSeen = false, Candidates = everyThird });
        yield return ("deny-list", new RecommendOptions { FilterSeen = false, Exclude = deny });
        yield return ("all filters", new RecommendOptions { Candidates = everyThird, Exclude = deny });
        yield return ("allow-list smaller than n", new RecommendOptions { FilterSeen = false, Candidates = [3, 2047, 2048, 17_000, 20_036] });
    }

    /// <summary>Seen rows: random items, plus twins 2047, 2048 and 16384 (so some of a tie are filtered) for every user.</summary>
    private static CsrMatrix Seen()
    {
        using CsrMatrix random = ModelTestUtil.RandomCsr(Size, Size, 40, 43);
        var offsets = new long[Size + 1];
        var cols = new List<int>();
        for (int u = 0; u < Size; u++)
        {
            cols.AddRange(new SortedSet<int>(random.RowIndices(u).ToArray()) { 2047, 2048, 16384 });
            offsets[u + 1] = cols.Count;
        }

        return CsrMatrix.FromArrays(Size, Size, offsets, cols.ToArray(), Enumerable.Repeat(1f, cols.Count).ToArray());
    }

    private static void AssertSame(Recommendations want, Recommendations got, string what)
    {
        Assert.True(want.Indices.SequenceEqual(got.Indices), $"{what}: items differ");
        Assert.True(want.Scores.Select(BitConverter.SingleToInt32Bits).SequenceEqual(got.Scores.Select(BitConverter.SingleToInt32Bits)), $"{what}: score bits differ");
    }

    private static void AssertSame(BatchRecommendations want, BatchRecommendations got, string what)
    {
        Assert.True(want.Counts.SequenceEqual(got.Counts), $"{what}: counts differ");
        Assert.True(want.Items.SequenceEqual(got.Items), $"{what}: items differ");
        Assert.True(want.Scores.Select(BitConverter.SingleToInt32Bits).SequenceEqual(got.Scores.Select(BitConverter.SingleToInt32Bits)), $"{what}: score bits differ");
    }

    [Theory]
    [InlineData(AlsModelKind.Implicit)]
    [InlineData(AlsModelKind.BiasedExplicit)]
    public void Single_calls_give_the_same_items_and_bits_on_any_thread_count_with_every_filter(AlsModelKind kind)
    {
        Assert.True(BatchRecommender.SplitThreads(2, Size) == 2 && BatchRecommender.SplitThreads(7, Size) == 7, "the catalogue must be split");
        using AlsModel m = TwinModel(kind);
        using CsrMatrix seen = Seen();
        int[] users = [Twins[3], 777, Size - 1];
        int[] queries = [Twins[5], 9_000];
        foreach ((string name, RecommendOptions filter) in Filters())
        {
            RecommendOptions one = filter with { Threads = 1 };
            foreach (int n in new[] { 12, 3_000 })
            {
                foreach (int u in users)
                {
                    Recommendations want = m.Recommend(u, n, seen, one);
                    Recommendations wantFactors = m.RecommendForFactors(m.UserFactors.Row(u), m.HasBiases ? m.UserBiases[u] : 0f, n, seen.RowIndices(u), one);
                    BatchRecommendations wantBatch = m.RecommendBatch([u], n, seen, one);
                    foreach (int threads in ThreadCounts)
                    {
                        RecommendOptions o = filter with { Threads = threads };
                        string what = $"{kind} {name} n={n} user {u} threads {threads}";
                        AssertSame(want, m.Recommend(u, n, seen, o), "Recommend " + what);
                        AssertSame(wantFactors, m.RecommendForFactors(m.UserFactors.Row(u), m.HasBiases ? m.UserBiases[u] : 0f, n, seen.RowIndices(u), o), "RecommendForFactors " + what);
                        AssertSame(wantBatch, m.RecommendBatch([u], n, seen, o), "RecommendBatch of one " + what);
                    }
                }

                foreach (int q in queries)
                {
                    Recommendations wantItems = m.SimilarItems(q, n, one);
                    Recommendations wantUsers = m.SimilarUsers(q, n, one);
                    BatchRecommendations wantBatch = m.SimilarItemsBatch([q], n, one);
                    foreach (int threads in ThreadCounts)
                    {
                        RecommendOptions o = filter with { Threads = threads };
                        string what = $"{kind} {name} n={n} query {q} threads {threads}";
                        AssertSame(wantItems, m.SimilarItems(q, n, o), "SimilarItems " + what);
                        AssertSame(wantUsers, m.SimilarUsers(q, n, o), "SimilarUsers " + what);
                        AssertSame(wantBatch, m.SimilarItemsBatch([q], n, o), "SimilarItemsBatch of one " + what);
                    }
                }
            }
        }
    }

    [Fact]
    public void Ties_across_chunk_borders_come_in_index_order_and_filters_hold_on_several_threads()
    {
        using AlsModel m = TwinModel(AlsModelKind.Implicit);
        using CsrMatrix seen = Seen();
        int u = Twins[3];
        var o = new RecommendOptions { FilterSeen = false, Threads = 3 };

        // The twins score |v|^2, far above any random row: they come first, lower index first.
        Assert.Equal(Twins, m.Recommend(u, Twins.Length, null, o).Indices);

        // Seen twins (2047, 2048 and 16384 are in every row) are left out.
        int[] unseen = Twins.Where(t => !seen.RowIndices(u).Contains(t)).ToArray();
        Assert.True(unseen.Length <= Twins.Length - 3);
        Recommendations r = m.Recommend(u, unseen.Length, seen, o with { FilterSeen = true });
        Assert.Equal(unseen, r.Indices);

        // The query twin is left out of its similar items; the others tie at the top, in index order.
        Recommendations s = m.SimilarItems(Twins[5], Twins.Length - 1, o);
        Assert.Equal(Twins.Where(t => t != Twins[5]).ToArray(), s.Indices);

        // Allow- and deny-lists across chunks.
        Recommendations a = m.SimilarItems(Twins[5], 20, o with { Candidates = [3, 2047, 2048, 17_000, 20_036], Exclude = [2048] });
        Assert.Equal(4, a.Count);
        Assert.Equal([2047, 20_036], a.Indices[..2]);
        Assert.Equal(m.SimilarItems(Twins[5], 2, o with { Threads = 1, Candidates = [3, 17_000] }).Indices, a.Indices[2..]);
    }

    [Fact]
    public void A_split_query_scores_every_block_once_and_merges_the_parts_of_several_threads()
    {
        // The calling thread holds its first block until a pool thread has scored one, so two parts are merged.
        var scorer = new RecordingScorer(Size, holdFirstCallerBlock: true);
        BatchRecommendations got = BatchRecommender.Recommend(scorer, [0], 50, null, new RecommendOptions { FilterSeen = false, Threads = 2 });
        Assert.True(scorer.HelperArrived, "no pool thread took part");
        Assert.True(scorer.Threads.Distinct().Count() >= 2);
        var blocks = scorer.Blocks.OrderBy(b => b.Start).ToArray();
        Assert.Equal(Enumerable.Range(0, (Size + 1023) / 1024).Select(b => (b * 1024, Math.Min(1024, Size - (b * 1024)))).ToArray(), blocks);

        var want = ModelTestUtil.BruteTopN(i => RecordingScorer.Score(i), Size, 50, _ => true);
        Assert.Equal(want.Select(w => w.Index).ToArray(), got.Items);
        Assert.Equal(want.Select(w => (float)w.Score).ToArray(), got.Scores);
        var plain = new RecordingScorer(Size, holdFirstCallerBlock: false);
        AssertSame(BatchRecommender.Recommend(plain, [0], 50, null, new RecommendOptions { FilterSeen = false, Threads = 1 }), got, "recording scorer");
    }

    [Fact]
    public void An_error_on_any_thread_of_a_split_query_reaches_the_caller_and_the_next_call_works()
    {
        var scorer = new RecordingScorer(Size, holdFirstCallerBlock: false) { FailAt = 10 * 1024 };
        var o = new RecommendOptions { FilterSeen = false, Threads = 3 };
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => BatchRecommender.Recommend(scorer, [0], 10, null, o));
        Assert.Contains("block 10240", e.Message);
        scorer.FailAt = -1;
        var want = ModelTestUtil.BruteTopN(i => RecordingScorer.Score(i), Size, 10, _ => true);
        Assert.Equal(want.Select(w => w.Index).ToArray(), BatchRecommender.Recommend(scorer, [0], 10, null, o).Items);
    }

    [Fact]
    public void Small_catalogues_and_thread_counts_of_0_or_1_stay_on_the_calling_thread()
    {
        Assert.Equal(1, BatchRecommender.SplitThreads(0, 1_000_000));
        Assert.Equal(1, BatchRecommender.SplitThreads(1, 1_000_000));
        Assert.Equal(1, BatchRecommender.SplitThreads(8, BatchRecommender.SplitMinItems - 1));
        Assert.Equal(4, BatchRecommender.SplitThreads(8, BatchRecommender.SplitMinItems)); // 8,192 items: four 2,048-item chunks
        Assert.Equal(8, BatchRecommender.SplitThreads(8, Size));
        Assert.Equal(10, BatchRecommender.SplitThreads(64, 20_000)); // one thread per 2,048-item chunk at most

        int caller = Environment.CurrentManagedThreadId;
        foreach ((int items, int threads) in new[] { (BatchRecommender.SplitMinItems - 1, 8), (Size, 0), (Size, 1) })
        {
            var scorer = new RecordingScorer(items, holdFirstCallerBlock: false);
            BatchRecommender.Recommend(scorer, [0], 10, null, new RecommendOptions { FilterSeen = false, Threads = threads });
            Assert.Equal([caller], scorer.Threads.Distinct().ToArray());
        }
    }

    [Fact]
    public void Negative_thread_counts_are_argument_errors_naming_Threads()
    {
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => new RecommendOptions { Threads = -1 });
        Assert.Equal("Threads", e.ParamName);
        Assert.Contains("got -1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RecommendOptions.Default with { Threads = -4 });
        Assert.Equal(0, RecommendOptions.Default.Threads);
    }

    /// <summary>
    /// Scores item i as <see cref="Score"/> (many exact ties across blocks) and records every block and thread.
    /// </summary>
    private sealed class RecordingScorer(int items, bool holdFirstCallerBlock) : IRecommendationScorer
    {
        private readonly int _caller = Environment.CurrentManagedThreadId;
        private readonly ManualResetEventSlim _helper = new(false);
        private int _held;

        public int Users => 1;

        public int Items => items;

        public ConcurrentBag<(int Start, int Count)> Blocks { get; } = [];

        public ConcurrentBag<int> Threads { get; } = [];

        public bool HelperArrived => _helper.IsSet;

        public int FailAt { get; set; } = -1;

        public static float Score(int i) => (i * 7919) % 1000;

        public void ScoreBlock(ReadOnlySpan<int> users, int itemStart, int itemCount, Span<float> scores)
        {
            int me = Environment.CurrentManagedThreadId;
            Threads.Add(me);
            Blocks.Add((itemStart, itemCount));
            if (itemStart == FailAt)
            {
                throw new InvalidOperationException($"block {itemStart} failed on purpose");
            }

            if (me != _caller)
            {
                _helper.Set();
            }
            else if (holdFirstCallerBlock && Interlocked.Exchange(ref _held, 1) == 0)
            {
                _helper.Wait(TimeSpan.FromMinutes(2)); // a safety bound, not a timing: the helper normally arrives at once
            }

            for (int j = 0; j < itemCount; j++)
            {
                scores[j] = Score(itemStart + j);
            }
        }
    }
}
