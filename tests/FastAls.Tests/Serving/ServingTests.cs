using FastAls;
using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;

namespace FastAls.Tests.Model;

public class ServingTests
{
    public static TheoryData<string> Paths() => FastAls.Tests.Engine.EngineTestData.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void ScoreKernel_matches_double_dot_on_every_path(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(3);
        foreach ((int users, int items, int k) in new[] { (5, 7, 20), (1, 1, 1), (2, 4, 16), (9, 13, 64), (3, 0, 8) })
        {
            int stride = (k + 15) / 16 * 16;
            var u = new float[users * stride];
            var it = new float[items * stride];
            for (int r = 0; r < users; r++)
            {
                for (int d = 0; d < k; d++)
                {
                    u[(r * stride) + d] = (float)(rng.NextDouble() - 0.5);
                }
            }

            for (int r = 0; r < items; r++)
            {
                for (int d = 0; d < k; d++)
                {
                    it[(r * stride) + d] = (float)(rng.NextDouble() - 0.5);
                }
            }

            int ld = items + 3;
            var s = new float[Math.Max(1, users * ld)];
            KernelSet.For(path).Score(u, users, it, items, stride, s, ld);
            for (int a = 0; a < users; a++)
            {
                for (int b = 0; b < items; b++)
                {
                    double want = 0;
                    for (int d = 0; d < k; d++)
                    {
                        want += (double)u[(a * stride) + d] * it[(b * stride) + d];
                    }

                    Assert.Equal(want, s[(a * ld) + b], 4);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ScoreKernel_gives_a_pair_the_same_bits_whatever_the_block_shape(string pathName)
    {
        // A lone user (single calls: the 1 x 4 item tile), a user pair (the 2 x 4 tile) and a single item (the 1 x 1 edge)
        // must all run one accumulator over the factors in the same order: every score equals, bit for bit, the score of
        // that (user, item) pair computed alone.
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(11);
        foreach ((int users, int items, int k) in new[] { (1, 21, 64), (3, 19, 20), (2, 8, 48), (1, 7, 16), (1, 64, 128) })
        {
            int stride = (k + 15) / 16 * 16;
            var u = new float[users * stride];
            var it = new float[items * stride];
            for (int r = 0; r < users; r++)
            {
                for (int d = 0; d < k; d++)
                {
                    u[(r * stride) + d] = (float)(rng.NextDouble() - 0.5);
                }
            }

            for (int r = 0; r < items; r++)
            {
                for (int d = 0; d < k; d++)
                {
                    it[(r * stride) + d] = (float)(rng.NextDouble() - 0.5);
                }
            }

            var block = new float[users * items];
            KernelSet.For(path).Score(u, users, it, items, stride, block, items);
            var lone = new float[items];
            var one = new float[1];
            for (int a = 0; a < users; a++)
            {
                KernelSet.For(path).Score(u.AsSpan(a * stride, stride), 1, it, items, stride, lone, items);
                Assert.Equal(block.AsSpan(a * items, items).ToArray(), lone);
                for (int b = 0; b < items; b++)
                {
                    KernelSet.For(path).Score(u.AsSpan(a * stride, stride), 1, it.AsSpan(b * stride, stride), 1, stride, one, 1);
                    Assert.Equal(BitConverter.SingleToInt32Bits(one[0]), BitConverter.SingleToInt32Bits(lone[b]));
                }
            }
        }
    }

    [Fact]
    public void Packed_kernel_is_exact_and_bit_identical_on_every_path()
    {
        var rng = new Random(9);
        foreach ((int users, int items, int k) in new[] { (9, 70, 20), (4, 32, 64), (1, 5, 3), (7, 33, 16), (1, 100, 64), (3, 64, 48) })
        {
            using var um = new FactorMatrix(users, k);
            using var im = new FactorMatrix(items, k);
            for (int r = 0; r < users; r++)
            {
                for (int d = 0; d < k; d++)
                {
                    um.Row(r)[d] = (float)(rng.NextDouble() - 0.5);
                }
            }

            for (int r = 0; r < items; r++)
            {
                for (int d = 0; d < k; d++)
                {
                    im.Row(r)[d] = (float)(rng.NextDouble() - 0.5);
                }
            }

            var packed = new PackedPanels(im);
            int stride = um.Stride;
            var u = new float[users * stride];
            for (int r = 0; r < users; r++)
            {
                um.PaddedRow(r).CopyTo(u.AsSpan(r * stride));
            }

            float[]? reference = null;
            foreach (KernelPath path in KernelIsa.Supported)
            {
                int ld = items + 1;
                // As tight as the kernel may assume, and NaN where it must not write: the column between two rows.
                var s = new float[((users - 1) * ld) + items];
                s.AsSpan().Fill(float.NaN);
                KernelSet.For(path).ScorePacked(u, users, packed.Panels(0, items), items, stride, s, ld);
                for (int a = 0; a < users; a++)
                {
                    if (a < users - 1)
                    {
                        Assert.True(float.IsNaN(s[(a * ld) + items]), $"{path}: the gap after row {a} was written");
                    }

                    for (int b = 0; b < items; b++)
                    {
                        double want = 0;
                        for (int d = 0; d < k; d++)
                        {
                            want += (double)um.Row(a)[d] * im.Row(b)[d];
                        }

                        Assert.Equal(want, s[(a * ld) + b], 1e-4); // a tolerance, not rounding to 4 places (which splits values at a rounding boundary)
                    }
                }

                reference ??= s;
                Assert.Equal(reference, s); // same FMA chain on every path
            }
        }
    }

    [Fact]
    public void ScoreKernel_rejects_unpadded_stride()
    {
        Assert.Throws<ArgumentException>(() => ScoreKernel.Score<ScalarIsa>(new float[10], 1, new float[10], 1, 10, new float[1], 1));
    }

    [Fact]
    public void TopN_keeps_best_breaks_ties_by_index_and_skips_nan()
    {
        var t = new TopN(3);
        float[] scores = [1f, 5f, float.NaN, 5f, 2f, float.NegativeInfinity, 5f, 0f];
        for (int i = 0; i < scores.Length; i++)
        {
            t.Push(scores[i], i);
        }

        var idx = new int[3];
        var sc = new float[3];
        Assert.Equal(3, t.Drain(idx, sc));
        Assert.Equal([1, 3, 6], idx);
        Assert.Equal([5f, 5f, 5f], sc);
    }

    [Fact]
    public void TopN_Offer_selects_what_pushing_every_score_in_order_selects()
    {
        // Ties, NaN, -inf, a mask, lengths that are not a vector multiple, and one TopN reused (Reset) across capacities.
        var rng = new Random(11);
        var reused = new TopN(1);
        foreach (int len in new[] { 0, 1, 7, 8, 9, 33, 1024, 1031 })
        {
            foreach (int cap in new[] { 1, 3, 10, 64 })
            {
                var scores = new float[len];
                var allowed = new bool[len];
                for (int j = 0; j < len; j++)
                {
                    int r = rng.Next(20);
                    scores[j] = r switch { 0 => float.NaN, 1 => float.NegativeInfinity, < 8 => rng.Next(4), _ => (float)rng.NextDouble() };
                    if (cap == 3)
                    {
                        // Falling scores with rare spikes: once the heap is full, long runs below its threshold (the
                        // skip over 32 scores at a time), and spikes at every offset within them.
                        scores[j] = rng.Next(40) == 0 ? 1f + (float)rng.NextDouble() : -0.001f * j;
                    }
                    allowed[j] = rng.Next(5) != 0;
                }

                foreach (bool masked in new[] { false, true })
                {
                    var want = new TopN(cap);
                    for (int j = 0; j < len; j++)
                    {
                        if (!masked || allowed[j])
                        {
                            want.Push(scores[j], 100 + j);
                        }
                    }

                    reused.Reset(cap);
                    reused.Offer(scores, 100, masked ? allowed : default);
                    var wi = new int[cap];
                    var ws = new float[cap];
                    var gi = new int[cap];
                    var gs = new float[cap];
                    Assert.Equal(want.Drain(wi, ws), reused.Drain(gi, gs));
                    Assert.Equal(wi, gi);
                    Assert.Equal(ws, gs);
                }
            }
        }
    }

    private static AlsModel Tiny()
    {
        // users: u0 = (1, 0), u1 = (0, 1), u2 = (1, 1); items: i0 = (1, 0), i1 = (2, 0), i2 = (0, 3), i3 = (1, 1)
        // u0 scores: 1, 2, 0, 1   u1: 0, 0, 3, 1   u2: 1, 2, 3, 2
        var ids = IdMap.CreateInt64();
        foreach (long id in new long[] { 100, 200, 300, 400 })
        {
            ids.GetOrAdd(id);
        }

        var users = IdMap.CreateString();
        foreach (string id in new[] { "ann", "bob", "cy" })
        {
            users.GetOrAdd(id);
        }

        return ModelTestUtil.Make(AlsModelKind.Implicit, new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } }, new float[,] { { 1, 0 }, { 2, 0 }, { 0, 3 }, { 1, 1 } }, users, ids);
    }

    [Fact]
    public void Recommend_hand_computed_with_seen_filter_ties_and_external_ids()
    {
        using AlsModel m = Tiny();
        using CsrMatrix seen = ModelTestUtil.Csr(3, 4, (0, 1, 1f), (2, 2, 1f));
        Recommendations r = m.Recommend(0, 3, seen);
        Assert.Equal([0, 3, 2], r.Indices); // i1 seen; i0 and i3 tie at 1 -> lower index first
        Assert.Equal([1f, 1f, 0f], r.Scores);
        Assert.Equal(100, r.GetInt64Id(0));
        Assert.Equal("400", r.FormatId(1));

        Recommendations r2 = m.Recommend(m.UserIds.IndexOf("cy"), 10, seen);
        Assert.Equal([1, 3, 0], r2.Indices); // i2 seen; i1 and i3 tie at 2
        Assert.Equal([2f, 2f, 1f], r2.Scores);
    }

    [Fact]
    public void Recommend_allow_and_deny_lists()
    {
        using AlsModel m = Tiny();
        var opts = new RecommendOptions { FilterSeen = false, Candidates = [0, 2, 3], Exclude = [2] };
        Recommendations r = m.Recommend(2, 5, null, opts);
        Assert.Equal([3, 0], r.Indices);
        Assert.Equal([2f, 1f], r.Scores);
    }

    [Fact]
    public void Recommend_errors_are_clear()
    {
        using AlsModel m = Tiny();
        ArgumentException e = Assert.Throws<ArgumentException>(() => m.Recommend(0, 3));
        Assert.Contains("FilterSeen", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Recommend(3, 3, null, new RecommendOptions { FilterSeen = false }));
        KeyNotFoundException k = Assert.Throws<KeyNotFoundException>(() => m.UserIds.IndexOf("zed"));
        Assert.Contains("'zed'", k.Message);
        Assert.Contains("String ids", k.Message);
        Assert.False(m.UserIds.TryGetIndex("zed", out _));
        Assert.Throws<KeyNotFoundException>(() => m.UserIds.IndexOf(7L)); // a long id against string ids
        ArgumentOutOfRangeException c = Assert.Throws<ArgumentOutOfRangeException>(() => m.Recommend(0, 3, null, new RecommendOptions { FilterSeen = false, Candidates = [1, 9] }));
        Assert.Contains("Candidates[1] = 9", c.Message);
        using CsrMatrix wrong = ModelTestUtil.Csr(3, 5, (0, 1, 1f));
        Assert.Throws<ArgumentException>(() => m.Recommend(0, 3, wrong));
        Assert.Throws<KeyNotFoundException>(() => m.ItemIds.IndexOf(999L));
        Assert.Equal(0, m.Recommend(0, 0, null, new RecommendOptions { FilterSeen = false }).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Recommend(0, -1, null, new RecommendOptions { FilterSeen = false }));
        Assert.Equal(4, m.Recommend(0, 99, null, new RecommendOptions { FilterSeen = false }).Count);
        Assert.Equal(2, m.ItemIds.IndexOf(300L));
    }

    [Fact]
    public void Batch_matches_brute_force_across_blocks_and_the_single_user_call()
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 150, 2100, 24, 7);
        using CsrMatrix seen = ModelTestUtil.RandomCsr(150, 2100, 30, 8);
        var opts = new RecommendOptions { Exclude = [5, 17, 2000], Threads = 2 };
        BatchRecommendations all = m.RecommendBatch(null, 12, seen, opts);
        Assert.Equal(150, all.Queries.Length);
        for (int u = 0; u < 150; u += 7)
        {
            var seenSet = new HashSet<int>(seen.RowIndices(u).ToArray());
            var want = ModelTestUtil.BruteTopN(i => m.Predict(u, i), 2100, 12, i => !seenSet.Contains(i) && i is not 5 and not 17 and not 2000);
            Recommendations got = all.ForQuery(u);
            Assert.Equal(12, got.Count);
            for (int r = 0; r < 12; r++)
            {
                Assert.Equal(want[r].Score, got.Scores[r], 4);
            }

            Assert.Equal(m.Recommend(u, 12, seen, opts).Indices, got.Indices);
        }
    }

    [Fact]
    public void Batch_with_seen_rows_per_query_matches_the_full_seen_matrix_bit_for_bit()
    {
        // The C ABI's batch call passes only the requested users' rows (row r for users[r]); results must be the
        // same bits as filtering with the full users x items matrix, across blocks, repeats and any order.
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 150, 1100, 16, 17);
        using CsrMatrix seen = ModelTestUtil.RandomCsr(150, 1100, 40, 18);
        int[] users = Enumerable.Range(0, 150).Select(u => (u * 53) % 150).Concat([7, 7, 149]).ToArray();
        var offsets = new long[users.Length + 1];
        var cols = new List<int>();
        for (int r = 0; r < users.Length; r++)
        {
            cols.AddRange(seen.RowIndices(users[r]).ToArray());
            offsets[r + 1] = cols.Count;
        }

        using CsrMatrix rows = CsrMatrix.FromArrays(users.Length, 1100, offsets, cols.ToArray(), Enumerable.Repeat(1f, cols.Count).ToArray());
        foreach (int threads in new[] { 1, 2 })
        {
            var opts = new RecommendOptions { Exclude = [3, 900], Threads = threads };
            BatchRecommendations want = m.RecommendBatch(users, 11, seen, opts);
            BatchRecommendations got = m.RecommendBatchRows(users, 11, rows, opts);
            Assert.Equal(want.Counts, got.Counts);
            Assert.Equal(want.Items, got.Items);
            Assert.Equal(want.Scores, got.Scores);
        }

        using CsrMatrix short1 = ModelTestUtil.Csr(2, 1100, (0, 1, 1f));
        ArgumentException e = Assert.Throws<ArgumentException>(() => m.RecommendBatchRows([0, 1, 2], 5, short1, RecommendOptions.Default));
        Assert.Contains("one per query (3)", e.Message);
    }

    [Fact]
    public void Batch_groups_of_user_blocks_give_each_block_its_own_results_bit_for_bit()
    {
        // A task scores several blocks of 64 users item block by item block (BatchRecommender.GroupBlocks). Each user's
        // results must be those of its block scored alone (a batch of one block), across three item blocks, groups that
        // end short, both thread counts, seen items, exclusions and the self-exclusion of similar items.
        const int users = 700, items = 2500;
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, users, items, 24, 31);
        using CsrMatrix seen = ModelTestUtil.RandomCsr(users, items, 60, 32);
        int[] batch = Enumerable.Range(0, 610).Select(u => (u * 389) % users).ToArray();
        int[] itemBatch = Enumerable.Range(0, 300).Select(i => (i * 7) % items).ToArray();
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var opts = new RecommendOptions { Exclude = [5, 1200, 2048], Threads = threads };
            BatchRecommendations got = m.RecommendBatch(batch, 9, seen, opts);
            BatchRecommendations similar = m.SimilarItemsBatch(itemBatch, 7, opts);
            for (int b = 0; b < batch.Length; b += BatchRecommender.UserBlock)
            {
                int count = Math.Min(BatchRecommender.UserBlock, batch.Length - b);
                BatchRecommendations alone = m.RecommendBatch(batch[b..(b + count)], 9, seen, opts with { Threads = 1 });
                Assert.Equal(alone.Counts, got.Counts.AsSpan(b, count).ToArray());
                Assert.Equal(alone.Items, got.Items.AsSpan(b * 9, count * 9).ToArray());
                Assert.Equal(alone.Scores, got.Scores.AsSpan(b * 9, count * 9).ToArray());
            }

            for (int b = 0; b < itemBatch.Length; b += BatchRecommender.UserBlock)
            {
                int count = Math.Min(BatchRecommender.UserBlock, itemBatch.Length - b);
                BatchRecommendations alone = m.SimilarItemsBatch(itemBatch[b..(b + count)], 7, opts with { Threads = 1 });
                Assert.Equal(alone.Items, similar.Items.AsSpan(b * 7, count * 7).ToArray());
                Assert.Equal(alone.Scores, similar.Scores.AsSpan(b * 7, count * 7).ToArray());
            }
        }
    }

    [Fact]
    public void Batch_subset_and_fewer_candidates_than_n_pad_with_minus_one()
    {
        using AlsModel m = Tiny();
        BatchRecommendations b = m.RecommendBatch([2, 0], 6, null, new RecommendOptions { FilterSeen = false, Exclude = [0] });
        Assert.Equal(4, b.N); // clamped to the number of items
        Assert.Equal([3, 3], b.Counts);
        Assert.Equal([2, 1, 3, -1], b.Items.AsSpan(0, 4).ToArray());
        Assert.Equal([1, 3, 2, -1], b.Items.AsSpan(4, 4).ToArray()); // u0: i1=2, i3=1 (tie with i0 excluded), i2=0
        Assert.True(float.IsNaN(b.Scores[3]));
    }

    [Fact]
    public void RecommendForFactors_filters_given_seen_row()
    {
        using AlsModel m = Tiny();
        Recommendations r = m.RecommendForFactors([1f, 1f], 0f, 2, [2]);
        Assert.Equal([1, 3], r.Indices);
        Assert.Throws<ArgumentException>(() => m.RecommendForFactors([1f], 0f, 2));
    }

    [Fact]
    public void SimilarItems_cosine_excludes_self()
    {
        using AlsModel m = Tiny();
        Recommendations r = m.SimilarItems(0, 3);
        // i0 = (1,0): cos with i1 = 1, i3 = 1/sqrt2, i2 = 0
        Assert.Equal([1, 3, 2], r.Indices);
        Assert.Equal(1f, r.Scores[0], 5);
        Assert.Equal(1 / Math.Sqrt(2), r.Scores[1], 5);
        Assert.Equal(0f, r.Scores[2], 5);
        BatchRecommendations b = m.SimilarItemsBatch([0, 2], 2);
        Assert.Equal([3, 0], b.ForQuery(1).Indices); // i2 = (0,3): i3 = 1/sqrt2, then i0 and i1 tie at 0
        Recommendations su = m.SimilarUsers(2, 2);
        Assert.Equal([0, 1], su.Indices);
        Assert.Equal("ann", su.FormatId(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.SimilarItems(4, 2));
    }

    [Fact]
    public void Similar_batches_across_blocks_match_brute_force_cosine_and_the_single_calls()
    {
        // 150 users and 2100 items: several query blocks (64) and item blocks (1024), and the packed-panel path.
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.Implicit, 150, 2100, 24, 5);
        static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            double ab = 0, aa = 0, bb = 0;
            for (int p = 0; p < a.Length; p++)
            {
                ab += (double)a[p] * b[p];
                aa += (double)a[p] * a[p];
                bb += (double)b[p] * b[p];
            }

            return ab / Math.Sqrt(aa * bb);
        }

        int[] items = Enumerable.Range(0, 70).Select(q => (q * 29) + 3).ToArray();
        var deny = new RecommendOptions { Exclude = [items[1], 2099] };
        BatchRecommendations bi = m.SimilarItemsBatch(items, 8, deny);
        for (int q = 0; q < items.Length; q += 9)
        {
            int it = items[q];
            var want = ModelTestUtil.BruteTopN(j => Cosine(m.ItemFactors.Row(it), m.ItemFactors.Row(j)), 2100, 8, j => j != it && j != items[1] && j != 2099);
            Recommendations got = bi.ForQuery(q);
            Assert.Equal(8, got.Count);
            Assert.DoesNotContain(it, got.Indices);
            for (int r = 0; r < 8; r++)
            {
                Assert.Equal(want[r].Score, got.Scores[r], 4);
            }

            Assert.Equal(m.SimilarItems(it, 8, deny).Indices, got.Indices);
        }

        int[] users = Enumerable.Range(0, 150).Reverse().ToArray();
        BatchRecommendations bu = m.SimilarUsersBatch(users, 5);
        Assert.Equal(users, bu.Queries);
        for (int q = 0; q < users.Length; q += 13)
        {
            int u = users[q];
            var want = ModelTestUtil.BruteTopN(v => Cosine(m.UserFactors.Row(u), m.UserFactors.Row(v)), 150, 5, v => v != u);
            Recommendations got = bu.ForQuery(q);
            Assert.DoesNotContain(u, got.Indices);
            for (int r = 0; r < 5; r++)
            {
                Assert.Equal(want[r].Score, got.Scores[r], 4);
            }

            Assert.Equal(m.SimilarUsers(u, 5).Indices, got.Indices);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => m.SimilarUsersBatch([0, 150], 5));
    }

    [Fact]
    public void Predict_biased_explicit_hand_computed_and_batched()
    {
        using AlsModel m = ModelTestUtil.Make(AlsModelKind.BiasedExplicit, new float[,] { { 1, 2 }, { 0.5f, -1 } }, new float[,] { { 3, 1 }, { -2, 0.25f } });
        m.SetGlobalMean(3.5f);
        m.SetUserBiases([0.25f, -0.5f]);
        m.SetItemBiases([0.125f, -1f]);
        Assert.Equal(3.5f + 0.25f + 0.125f + 5f, m.Predict(0, 0), 5);
        Assert.Equal(3.5f - 0.5f - 1f + (-1f - 0.25f), m.Predict(1, 1), 5);
        var dest = new float[3];
        m.Predict([0, 1, 1], [1, 0, 1], dest);
        Assert.Equal(m.Predict(0, 1), dest[0]);
        Assert.Equal(m.Predict(1, 0), dest[1]);
        Assert.Equal(m.Predict(1, 1), dest[2]);
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => m.Predict([0, 2], [0, 0], new float[2]));
        Assert.Contains("users[1] = 2", e.Message);
        Assert.Equal(m.Predict(1, 0), m.Predict(m.UserIds.IndexOf(1L), m.ItemIds.IndexOf(0L)));
        Assert.Throws<KeyNotFoundException>(() => m.ItemIds.IndexOf(5L));
    }

    [Fact]
    public void Explain_contributions_sum_to_the_folded_in_score()
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.Implicit, 1, 30, 4, 11);
        int[] items = [2, 5, 9, 20];
        float[] values = [1f, 3f, 2f, 5f];
        ItemExplanation ex = m.Explain(7, items, values, n: 10);

        // independent: x = (YtY + sum (c-1) y y' + lambda I)^-1 sum c y, score = x . y7
        int k = 4;
        var a = new double[k, k];
        var b = new double[k];
        for (int i = 0; i < 30; i++)
        {
            ReadOnlySpan<float> y = m.ItemFactors.Row(i);
            int t = Array.IndexOf(items, i);
            double c = t >= 0 ? 1 + (m.Options.Alpha * values[t]) : 1;
            for (int p = 0; p < k; p++)
            {
                for (int q = 0; q < k; q++)
                {
                    a[p, q] += c * y[p] * y[q];
                }

                if (t >= 0)
                {
                    b[p] += c * y[p];
                }
            }
        }

        for (int p = 0; p < k; p++)
        {
            a[p, p] += m.Options.Regularization;
        }

        double[] x = Gauss(a, b);
        double want = 0;
        for (int p = 0; p < k; p++)
        {
            want += x[p] * m.ItemFactors.Row(7)[p];
        }

        Assert.Equal(want, ex.Score, 4);
        Assert.Equal(4, ex.Contributions.Count);
        Assert.Equal(0f, ex.Baseline);
        Assert.Equal(ex.Score, ex.Contributions.Scores.Sum(), 4);
        Assert.True(ex.Contributions.Scores[0] >= ex.Contributions.Scores[1]);
        Assert.Throws<NotSupportedException>(() => ModelTestUtil.Random(AlsModelKind.Explicit, 1, 3, 2, 1).Explain(0, [1], [1f]));
    }

    internal static double[] Gauss(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++)
            {
                if (Math.Abs(m[r, c]) > Math.Abs(m[p, c]))
                {
                    p = r;
                }
            }

            for (int j = 0; j < n; j++)
            {
                (m[c, j], m[p, j]) = (m[p, j], m[c, j]);
            }

            (x[c], x[p]) = (x[p], x[c]);
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / m[c, c];
                for (int j = c; j < n; j++)
                {
                    m[r, j] -= f * m[c, j];
                }

                x[r] -= f * x[c];
            }
        }

        for (int r = n - 1; r >= 0; r--)
        {
            for (int j = r + 1; j < n; j++)
            {
                x[r] -= m[r, j] * x[j];
            }

            x[r] /= m[r, r];
        }

        return x;
    }
}
