using FastAls;
using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;

namespace FastAls.Tests.Model;

/// <summary>
/// The model's serving cache (packed panels and inverse norms kept per <see cref="AlsModel.Version"/>): cached
/// results are bit-identical to freshly computed ones, every change of the model invalidates it, and concurrent
/// first readers share one build.
/// </summary>
public class ServingCacheTests
{
    private static readonly RecommendOptions NoFilter = new() { FilterSeen = false, Threads = 2 };

    /// <summary>Batch recommend against freshly packed panels (what every batch call did before the cache).</summary>
    private static BatchRecommendations UncachedBatch(AlsModel m, int[] users, int n)
    {
        var scorer = new FactorScorer(m.UserMatrix, m.ItemMatrix, m.UserBiasArray, m.ItemBiasArray, m.GlobalMean, packedTargets: new PackedPanels(m.ItemMatrix));
        return BatchRecommender.Recommend(scorer, users, n, null, NoFilter);
    }

    /// <summary>Similar items with freshly computed norms (and panels for more than one query), as before the cache.</summary>
    private static (int[] Counts, int[] Items, float[] Scores) UncachedSimilarItems(AlsModel m, int[] items, int n)
    {
        float[] inv = FactorScorer.InverseNorms(m.ItemMatrix);
        var scorer = new FactorScorer(m.ItemMatrix, m.ItemMatrix, queryScale: inv, targetScale: inv, packedTargets: items.Length > 1 ? new PackedPanels(m.ItemMatrix) : null);
        var sink = new RecordingSink();
        BatchRecommender.Run(scorer, items, Math.Min(n, m.Items), null, NoFilter, excludeSelf: true, sink);
        return (sink.Counts.ToArray(), sink.Items.ToArray(), sink.Scores.ToArray());
    }

    private static void AssertSame(BatchRecommendations want, BatchRecommendations got)
    {
        Assert.Equal(want.Counts, got.Counts);
        Assert.Equal(want.Items, got.Items);
        Assert.Equal(want.Scores, got.Scores); // bit-exact: float equality, NaN padding included
    }

    private static void AssertSame((int[] Counts, int[] Items, float[] Scores) want, BatchRecommendations got)
    {
        Assert.Equal(want.Counts, got.Counts);
        Assert.Equal(want.Items, got.Items);
        Assert.Equal(want.Scores, got.Scores);
    }

    [Theory]
    [InlineData(AlsModelKind.Implicit)]
    [InlineData(AlsModelKind.BiasedExplicit)]
    public void Cached_batch_and_similar_results_are_bit_identical_to_uncached_ones(AlsModelKind kind)
    {
        using AlsModel m = ModelTestUtil.Random(kind, 130, 1100, 20, 21);
        int[] users = Enumerable.Range(0, 130).Select(u => (u * 37) % 130).ToArray();
        int[] items = [0, 5, 1099, 64, 700];
        for (int call = 0; call < 3; call++)
        {
            // the first call of each builds the cache, the later ones reuse it
            AssertSame(UncachedBatch(m, users, 9), m.RecommendBatch(users, 9, null, NoFilter));
            AssertSame(UncachedBatch(m, [users[3]], 9), m.RecommendBatch([users[3]], 9, null, NoFilter));
            AssertSame(UncachedSimilarItems(m, items, 7), m.SimilarItemsBatch(items, 7, NoFilter));
            AssertSame(UncachedSimilarItems(m, [items[2]], 7), m.SimilarItemsBatch([items[2]], 7, NoFilter));
            Recommendations single = m.SimilarItems(items[1], 7, NoFilter);
            var want = UncachedSimilarItems(m, [items[1]], 7);
            Assert.Equal(want.Items, single.Indices);
            Assert.Equal(want.Scores, single.Scores);
        }

        Assert.Same(m.CachedPanels(items: true), m.CachedPanels(items: true));
        Assert.Same(m.CachedInverseNorms(items: false), m.CachedInverseNorms(items: false));
    }

    [Fact]
    public void Cached_results_match_a_fresh_copy_of_the_model_on_every_thread_count()
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 200, 1500, 24, 4);
        int[] users = Enumerable.Range(0, 200).ToArray();
        BatchRecommendations warm = m.RecommendBatch(users, 10, null, NoFilter);
        using AlsModel copy = m.CopyWith(m.Options); // no cache yet
        foreach (int threads in new[] { 1, 2, 3, 0 })
        {
            var o = NoFilter with { Threads = threads };
            AssertSame(warm, m.RecommendBatch(users, 10, null, o));
            AssertSame(warm, copy.RecommendBatch(users, 10, null, o));
            AssertSame(copy.SimilarUsersBatch(users[..70], 6, o), m.SimilarUsersBatch(users[..70], 6, o));
        }
    }

    public static TheoryData<string> Changes() => new() { "all item factors", "one item row", "item row range", "user factors", "item biases", "global mean" };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Every_setter_invalidates_the_cache(string change)
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 70, 600, 16, 8);
        int[] users = Enumerable.Range(0, 70).ToArray();
        int[] items = [1, 2, 3, 300];
        BatchRecommendations before = m.RecommendBatch(users, 5, null, NoFilter);
        BatchRecommendations simBefore = m.SimilarItemsBatch(items, 5, NoFilter);
        Recommendations singleBefore = m.SimilarItems(7, 5, NoFilter);
        BatchRecommendations usersBefore = m.SimilarUsersBatch([0, 1], 5, NoFilter);
        IRecommendationScorer held = m.AsScorer();
        long v = m.Version;

        var rng = new Random(change.Length);
        float Next() => (float)(rng.NextDouble() - 0.5);
        switch (change)
        {
            case "all item factors":
                m.SetItemFactors(Enumerable.Range(0, 600 * 16).Select(_ => Next()).ToArray());
                break;
            case "one item row":
                // item 7's direction changes and item 1 becomes a copy of 7's new factors (its best match and score)
                float[] row = Enumerable.Range(0, 16).Select(_ => Next() * 4).ToArray();
                m.SetItemFactorRows(7, row);
                m.SetItemFactorRows(1, row);
                break;
            case "item row range":
                m.SetItemFactorRows(0, Enumerable.Range(0, 50 * 16).Select(_ => Next() * 3).ToArray());
                break;
            case "user factors":
                m.SetUserFactors(Enumerable.Range(0, 70 * 16).Select(_ => Next()).ToArray());
                break;
            case "item biases":
                m.SetItemBiases(Enumerable.Range(0, 600).Select(i => i == 599 ? 100f : 0f).ToArray());
                break;
            default:
                m.SetGlobalMean(-2f);
                break;
        }

        Assert.NotEqual(v, m.Version);
        using AlsModel fresh = m.CopyWith(m.Options);
        BatchRecommendations after = m.RecommendBatch(users, 5, null, NoFilter);
        AssertSame(fresh.RecommendBatch(users, 5, null, NoFilter), after);
        AssertSame(fresh.SimilarItemsBatch(items, 5, NoFilter), m.SimilarItemsBatch(items, 5, NoFilter));
        AssertSame(fresh.SimilarUsersBatch([0, 1], 5, NoFilter), m.SimilarUsersBatch([0, 1], 5, NoFilter));
        Recommendations singleAfter = m.SimilarItems(7, 5, NoFilter);
        Assert.Equal(fresh.SimilarItems(7, 5, NoFilter).Scores, singleAfter.Scores);

        // a scorer taken before the change scores the model as it is now
        var a = new float[3 * 600];
        var b = new float[3 * 600];
        held.ScoreBlock([0, 5, 69], 0, 600, a);
        fresh.AsScorer().ScoreBlock([0, 5, 69], 0, 600, b);
        Assert.Equal(b, a);

        // the change is visible (the checks above could not pass against a stale cache)
        bool itemSide = change is not "user factors" and not "global mean";
        Assert.NotEqual(before.Scores, after.Scores);
        if (itemSide && change != "item biases")
        {
            Assert.NotEqual(simBefore.Scores, m.SimilarItemsBatch(items, 5, NoFilter).Scores);
            Assert.NotEqual(singleBefore.Scores, singleAfter.Scores);
        }
        else if (change == "user factors")
        {
            Assert.NotEqual(usersBefore.Scores, m.SimilarUsersBatch([0, 1], 5, NoFilter).Scores);
        }
    }

    [Fact]
    public void Training_invalidates_the_cache()
    {
        using CsrMatrix ui = ModelTestUtil.RandomCsr(120, 400, 12, 3);
        using var data = new Dataset(ui);
        using AlsModel m = AlsModel.Fit(data, new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 8, Iterations = 2, Seed = 5, Threads = 1 });
        int[] users = Enumerable.Range(0, 120).ToArray();
        BatchRecommendations before = m.RecommendBatch(users, 6, null, NoFilter);
        Recommendations simBefore = m.SimilarItems(3, 6, NoFilter);
        m.ContinueTraining(data, 1);
        using AlsModel fresh = m.CopyWith(m.Options);
        BatchRecommendations after = m.RecommendBatch(users, 6, null, NoFilter);
        AssertSame(fresh.RecommendBatch(users, 6, null, NoFilter), after);
        Recommendations simAfter = m.SimilarItems(3, 6, NoFilter);
        Assert.Equal(fresh.SimilarItems(3, 6, NoFilter).Scores, simAfter.Scores);
        Assert.NotEqual(before.Scores, after.Scores);
        Assert.NotEqual(simBefore.Scores, simAfter.Scores);
    }

    [Fact]
    public void Concurrent_first_readers_share_one_build_and_get_identical_results()
    {
        using AlsModel reference = ModelTestUtil.Random(AlsModelKind.Implicit, 150, 2100, 24, 13);
        int[] users = Enumerable.Range(0, 150).ToArray();
        int[] items = [4, 8, 15, 16, 23, 42];
        BatchRecommendations wantBatch = reference.RecommendBatch(users, 8, null, NoFilter);
        BatchRecommendations wantSim = reference.SimilarItemsBatch(items, 8, NoFilter);
        Recommendations wantSingle = reference.SimilarItems(42, 8, NoFilter);
        for (int round = 0; round < 3; round++)
        {
            using AlsModel m = reference.CopyWith(reference.Options); // cold cache every round
            const int threads = 8;
            var panels = new PackedPanels[threads];
            var norms = new float[threads][];
            var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    panels[t] = m.CachedPanels(items: true);
                    norms[t] = m.CachedInverseNorms(items: true);
                    for (int rep = 0; rep < 3; rep++)
                    {
                        switch ((t + rep) % 3)
                        {
                            case 0:
                                AssertSame(wantBatch, m.RecommendBatch(users, 8, null, NoFilter with { Threads = 1 + (t % 2) }));
                                break;
                            case 1:
                                AssertSame(wantSim, m.SimilarItemsBatch(items, 8, NoFilter));
                                break;
                            default:
                                Assert.Equal(wantSingle.Scores, m.SimilarItems(42, 8, NoFilter).Scores);
                                break;
                        }
                    }
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            Assert.Empty(failures);
            Assert.All(panels, p => Assert.Same(panels[0], p));
            Assert.All(norms, p => Assert.Same(norms[0], p));
        }
    }
}
