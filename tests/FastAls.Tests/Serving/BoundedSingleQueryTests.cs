using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Tests.Model;

/// <summary>
/// The bounded two-pass single query (an 8-bit pass that brackets every score, then exact scores for the items that
/// can still be in the top n): the brackets hold the row kernel's float scores of every path and stay narrow, and the
/// result is the one-pass result item for item and bit for bit, with ties, every filter, biases, cosine scales,
/// non-finite rows and any thread count; it falls back when it cannot narrow the catalogue, and the model uses it
/// where <see cref="Int8Catalogue.Pays"/>.
/// </summary>
public class BoundedSingleQueryTests
{
    private static FactorMatrix RandomMatrix(int rows, int k, int seed, bool wide = false)
    {
        var rng = new Random(seed);
        var m = new FactorMatrix(rows, k);
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = m.Row(r);
            float scale = wide ? MathF.Pow(10, rng.Next(-3, 4)) : 1f;
            for (int j = 0; j < k; j++)
            {
                row[j] = (float)((rng.NextDouble() * 2) - 1) * scale;
            }
        }

        return m;
    }

    [Fact]
    public void Bounds_hold_the_row_kernels_float_score_and_stay_narrow()
    {
        if (!Avx2.IsSupported)
        {
            Assert.False(Int8Catalogue.Supports(KernelSet.Active.Path)); // such a machine scores single calls in one pass
            return;
        }

        foreach (int k in new[] { 3, 16, 32, 37, 64, 100 })
        {
            using FactorMatrix items = RandomMatrix(1_000, k, 11 + k, wide: true);
            using FactorMatrix queries = RandomMatrix(5, k, 99 + k, wide: true);
            Int8Catalogue cat = Int8Catalogue.TryBuild(items)!;
            Assert.Equal(0, cat.Stride % Int8Catalogue.StrideAlignment);
            var bytes = new byte[cat.Stride];
            var lower = new float[items.Rows];
            var upper = new float[items.Rows];
            var exact = new float[1];
            for (int q = 0; q < queries.Rows; q++)
            {
                Int8Query prepared = cat.PrepareQuery(queries.Row(q), bytes);
                Assert.All(bytes, b => Assert.InRange(b, 1, 127));
                cat.Bounds(prepared, bytes, 0, items.Rows, lower, upper);
                for (int i = 0; i < items.Rows; i++)
                {
                    foreach (KernelPath exactPath in KernelIsa.Supported)
                    {
                        KernelSet.For(exactPath).Score(queries.PaddedRow(q), 1, items.PaddedRow(i), 1, items.Stride, exact, 1);
                        Assert.True(lower[i] <= exact[0] && exact[0] <= upper[i], $"k={k} query {q} item {i}: {exactPath} score {exact[0]} outside [{lower[i]}, {upper[i]}]");
                    }

                    double norms = Math.Sqrt(Dot(queries.Row(q), queries.Row(q)) * Dot(items.Row(i), items.Row(i)));
                    Assert.True(upper[i] - lower[i] <= 0.05 * norms, $"k={k} query {q} item {i}: bracket {upper[i] - lower[i]} against |q||y| = {norms}");
                }

                // a block that starts inside the catalogue gives the same brackets (integer dots: no order of additions)
                var lo2 = new float[301];
                var hi2 = new float[301];
                cat.Bounds(prepared, bytes, 517, 301, lo2, hi2);
                Assert.True(lo2.AsSpan().SequenceEqual(lower.AsSpan(517, 301)) && hi2.AsSpan().SequenceEqual(upper.AsSpan(517, 301)), $"k={k}: an offset block differs");
            }
        }
    }

    [Fact]
    public void Quantized_rows_are_within_half_a_step_and_odd_rows_are_always_rescored()
    {
        using FactorMatrix items = RandomMatrix(40, 37, 5, wide: true);
        items.Row(7)[3] = float.NaN;
        items.Row(9)[0] = float.PositiveInfinity;
        items.Row(11).Fill(0f);
        items.Row(12).Fill(1e-40f); // subnormal: too small to scale
        items.Row(13)[1] = float.MaxValue;
        Int8Catalogue cat = Int8Catalogue.TryBuild(items)!;
        Assert.Equal(float.PositiveInfinity, cat.Slack[7]);
        Assert.Equal(float.PositiveInfinity, cat.Slack[9]);
        Assert.Equal(0f, cat.Slack[11]);
        Assert.Equal(float.PositiveInfinity, cat.Slack[12]);
        for (int r = 0; r < items.Rows; r++)
        {
            if (!float.IsFinite(cat.Slack[r]) || cat.Scale[r] == 0)
            {
                continue;
            }

            ReadOnlySpan<sbyte> v = cat.Values.Slice(r * cat.Stride, cat.Stride);
            for (int j = 0; j < cat.Stride; j++)
            {
                float y = j < items.Factors ? items.Row(r)[j] : 0f;
                Assert.True(Math.Abs(y - ((double)cat.Scale[r] * v[j])) <= cat.Scale[r] * 0.5000001, $"row {r} factor {j}: {y} against {v[j]} x {cat.Scale[r]}");
            }
        }

        var bytes = new byte[cat.Stride];
        Int8Query q = cat.PrepareQuery(items.Row(0), bytes);
        var lower = new float[40];
        var upper = new float[40];
        if (Avx2.IsSupported)
        {
            cat.Bounds(q, bytes, 0, 40, lower, upper);
            foreach (int i in new[] { 7, 9, 12 })
            {
                Assert.False(lower[i] > float.NegativeInfinity, $"item {i}: lower end {lower[i]}");
                Assert.False(upper[i] < float.PositiveInfinity, $"item {i}: upper end {upper[i]}");
            }

            Assert.True(lower[11] <= 0 && upper[11] >= 0 && upper[11] - lower[11] < 1e-20f, "a zero row brackets 0 tightly");
        }

        Assert.Throws<ArgumentException>(() => cat.Bounds(q, bytes, 30, 11, lower, upper));
        Assert.Throws<ArgumentException>(() => cat.Bounds(q, bytes.AsSpan(1), 0, 4, lower, upper));
        Assert.Throws<ArgumentException>(() => cat.PrepareQuery(items.Row(0)[1..], bytes));
        Int8Query bad = cat.PrepareQuery([.. Enumerable.Repeat(float.NaN, 37)], bytes);
        Assert.Equal(float.PositiveInfinity, bad.Norm);
    }

    private static (int[] Items, float[] Scores) RunOne(FactorScorer scorer, int query, int n, RecommendOptions options, bool excludeSelf, int[]? seen, bool bounded)
    {
        var sink = new RecordingSink();
        BatchRecommender.Run(scorer, [query], n, null, options, excludeSelf, sink, oneQuerySeen: seen, bounded: bounded);
        return ([.. sink.Items.Take(sink.Counts[0])], [.. sink.Scores.Take(sink.Counts[0])]);
    }

    [Fact]
    public void Two_passes_give_the_one_pass_items_and_bits_with_ties_filters_biases_and_threads()
    {
        if (!Int8Catalogue.Supports(KernelSet.Active.Path))
        {
            Assert.False(Int8Catalogue.Supports(KernelPath.Scalar)); // the scalar path always scores in one pass
            return;
        }

        const int Items = 9_001, K = 32;
        using FactorMatrix items = RandomMatrix(Items, K, 3);
        using FactorMatrix users = RandomMatrix(4, K, 4);
        int[] twins = [0, 1023, 1024, 2047, 2048, 4096, 8999, Items - 1];
        foreach (int t in twins)
        {
            users.Row(0).CopyTo(items.Row(t)); // the best possible score for user 0, eight times over
        }

        items.Row(500).Fill(0f); // a zero row (cosine 0)
        var rng = new Random(8);
        float[] itemBias = [.. Enumerable.Range(0, Items).Select(_ => (float)rng.NextDouble())];
        foreach (int t in twins)
        {
            itemBias[t] = 0.5f;
        }

        float[] userBias = [0.25f, -1f, 0f, 3f];
        float[] inv = FactorScorer.InverseNorms(items);
        Int8Catalogue cat = Int8Catalogue.TryBuild(items)!;
        var plain = new FactorScorer(users, items, boundedTargets: cat);
        var biased = new FactorScorer(users, items, userBias, itemBias, 1.5f, boundedTargets: cat);
        var cosine = new FactorScorer(items, items, queryScale: inv, targetScale: inv, boundedTargets: cat);
        int[] seen = [.. new SortedSet<int>(Enumerable.Range(0, 60).Select(_ => rng.Next(Items))) { 1024, 4096 }];
        int[] everyThird = [.. Enumerable.Range(0, Items).Where(i => i % 3 == 0)];
        var filters = new (string Name, RecommendOptions Options, int[]? Seen)[]
        {
            ("none", new RecommendOptions { FilterSeen = false }, null),
            ("seen", new RecommendOptions(), seen),
            ("allow-list", new RecommendOptions { FilterSeen = false, Candidates = everyThird }, null),
            ("deny-list", new RecommendOptions { Exclude = [0, 2047, 17, 8999] }, seen),
        };
        int before = BatchRecommender.BoundedRunsOnThisThread;
        int runs = 0;
        foreach ((string name, RecommendOptions filter, int[]? s) in filters)
        {
            foreach (int n in new[] { 1, 5, 10, 140 })
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    RecommendOptions o = filter with { Threads = threads };
                    foreach ((string what, FactorScorer scorer, int query, bool self) in new[]
                    {
                        ("plain", plain, 0, false), ("plain", plain, 1, false), ("biased", biased, 0, false), ("biased", biased, 3, false),
                        ("cosine", cosine, 0, true), ("cosine", cosine, 1024, true), ("cosine", cosine, 500, true), ("cosine", cosine, 77, true),
                    })
                    {
                        (int[] wi, float[] ws) = RunOne(scorer, query, n, o, self, self ? null : s, bounded: false);
                        (int[] gi, float[] gs) = RunOne(scorer, query, n, o, self, self ? null : s, bounded: true);
                        string at = $"{what} query {query} {name} n={n} threads {threads}";
                        Assert.True(wi.AsSpan().SequenceEqual(gi), $"{at}: items differ");
                        Assert.True(ws.Select(BitConverter.SingleToInt32Bits).SequenceEqual(gs.Select(BitConverter.SingleToInt32Bits)), $"{at}: score bits differ");
                        runs++;
                    }
                }
            }
        }

        // every call but the zero query's (all its cosines tie at 0: the first pass cannot narrow them) took two passes
        int zeroQueryCalls = runs / 8;
        Assert.Equal(runs - zeroQueryCalls, BatchRecommender.BoundedRunsOnThisThread - before);
    }

    [Fact]
    public void A_packed_scorer_rescores_lone_items_with_the_bits_of_its_blocks()
    {
        using FactorMatrix items = RandomMatrix(3_000, 37, 21, wide: true);
        using FactorMatrix users = RandomMatrix(70, 37, 22, wide: true);
        var rng = new Random(5);
        float[] itemBias = [.. Enumerable.Range(0, items.Rows).Select(_ => (float)rng.NextDouble())];
        float[] userBias = [.. Enumerable.Range(0, users.Rows).Select(_ => (float)rng.NextDouble())];
        var scorer = new FactorScorer(users, items, userBias, itemBias, 0.75f, packedTargets: new PackedPanels(items));
        int[] block = [.. Enumerable.Range(0, 64)];
        var scores = new float[64 * 1_024];
        scorer.ScoreBlock(block, 1_024, 1_024, scores);
        int[] some = [1_024, 1_025, 1_500, 2_047, 1_999];
        var one = new float[some.Length];
        foreach (int u in new[] { 0, 1, 37, 63 })
        {
            scorer.ScoreItems(u, some, one);
            for (int j = 0; j < some.Length; j++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(scores[(u * 1_024) + some[j] - 1_024]), BitConverter.SingleToInt32Bits(one[j]));
            }
        }
    }

    [Fact]
    public void A_small_batch_in_two_passes_gives_the_blocked_products_items_and_bits()
    {
        if (!Int8Catalogue.Supports(KernelSet.Active.Path))
        {
            return;
        }

        const int Items = 9_001, K = 32;
        using FactorMatrix items = RandomMatrix(Items, K, 31);
        using FactorMatrix users = RandomMatrix(6, K, 32);
        users.Row(4).Fill(0f); // a zero query: every plain score ties at 0, so that query falls back to one pass
        users.Row(0).CopyTo(items.Row(100));
        users.Row(0).CopyTo(items.Row(5_000));
        var rng = new Random(9);
        float[] itemBias = [.. Enumerable.Range(0, Items).Select(_ => (float)rng.NextDouble())];
        Int8Catalogue cat = Int8Catalogue.TryBuild(items)!;
        var panels = new PackedPanels(items);
        float[] inv = FactorScorer.InverseNorms(items);
        var plain = new FactorScorer(users, items, packedTargets: panels, boundedTargets: cat);
        var biased = new FactorScorer(users, items, [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f], itemBias, 1f, packedTargets: panels, boundedTargets: cat);
        var cosine = new FactorScorer(items, items, queryScale: inv, targetScale: inv, packedTargets: panels, boundedTargets: cat);
        int[] queries = [0, 1, 2, 3, 4, 5];
        int[] itemQueries = [100, 5_000, 7, 8_999];

        // seen rows by position: row r belongs to queries[r]
        var offsets = new long[queries.Length + 1];
        var cols = new List<int>();
        for (int r = 0; r < queries.Length; r++)
        {
            cols.AddRange(new SortedSet<int>(Enumerable.Range(0, 40).Select(_ => rng.Next(Items))) { 100 });
            offsets[r + 1] = cols.Count;
        }

        using CsrMatrix seen = CsrMatrix.FromArrays(queries.Length, Items, offsets, cols.ToArray(), Enumerable.Repeat(1f, cols.Count).ToArray());
        int before = BatchRecommender.BoundedRunsOnThisThread;
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (RecommendOptions filter in new[]
            {
                new RecommendOptions { Threads = threads },
                new RecommendOptions { Threads = threads, FilterSeen = false, Exclude = [5_000, 3] },
                new RecommendOptions { Threads = threads, Candidates = [.. Enumerable.Range(0, Items).Where(i => i % 2 == 1)] },
            })
            {
                foreach ((string what, FactorScorer scorer, int[] q, bool self) in new[] { ("plain", plain, queries, false), ("biased", biased, queries, false), ("cosine", cosine, itemQueries, true) })
                {
                    var want = new RecordingSink();
                    var got = new RecordingSink();
                    CsrMatrix? s = self ? null : seen;
                    BatchRecommender.Run(scorer, q, 12, s, filter, self, want, seenByQuery: true, bounded: false);
                    BatchRecommender.Run(scorer, q, 12, s, filter, self, got, seenByQuery: true, bounded: true);
                    string at = $"{what} threads {threads} filters {filter.FilterSeen}/{filter.Exclude is not null}/{filter.Candidates is not null}";
                    Assert.True(want.Counts.SequenceEqual(got.Counts), at + ": counts differ");
                    Assert.True(want.Items.SequenceEqual(got.Items), at + ": items differ");
                    Assert.True(want.Scores.Select(BitConverter.SingleToInt32Bits).SequenceEqual(got.Scores.Select(BitConverter.SingleToInt32Bits)), at + ": score bits differ");
                }
            }
        }

        // every query but the plain scorer's zero one (its scores all tie at 0; the biased scorer's differ by the item
        // biases): 5 + 6 + 4 queries, in 2 x 3 settings
        Assert.Equal(2 * 3 * (5 + 6 + 4), BatchRecommender.BoundedRunsOnThisThread - before);
    }

    [Fact]
    public void A_models_small_batch_gives_each_user_what_a_large_batch_gives_it()
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 300, 20_000, 64, 23); // 5 MB of item rows
        using CsrMatrix seen = ModelTestUtil.RandomCsr(300, 20_000, 30, 6);
        int[] few = [3, 250, 17];
        int[] many = [.. Enumerable.Range(0, 40).Select(i => i * 7).Concat(few)];
        int before = BatchRecommender.BoundedRunsOnThisThread;
        BatchRecommendations small = m.RecommendBatch(few, 10, seen);
        int runs = BatchRecommender.BoundedRunsOnThisThread - before;
        BatchRecommendations large = m.RecommendBatch(many, 10, seen);
        for (int k = 0; k < few.Length; k++)
        {
            int at = many.Length - few.Length + k;
            Assert.Equal(large.Items.AsSpan(at * 10, 10).ToArray(), small.Items.AsSpan(k * 10, 10).ToArray());
            Assert.Equal(large.Scores.AsSpan(at * 10, 10).ToArray(), small.Scores.AsSpan(k * 10, 10).ToArray());
        }

        BatchRecommendations similarFew = m.SimilarItemsBatch([5, 19_999], 10);
        BatchRecommendations similarMany = m.SimilarItemsBatch([.. Enumerable.Range(0, 40), 5, 19_999], 10);
        Assert.Equal(similarMany.Items.AsSpan(400, 20).ToArray(), similarFew.Items);
        Assert.Equal(similarMany.Scores.AsSpan(400, 20).ToArray(), similarFew.Scores);
        Assert.Equal(Int8Catalogue.Supports(KernelSet.Active.Path) ? few.Length : 0, runs);
    }

    [Fact]
    public void A_catalogue_of_equal_scores_falls_back_to_one_pass_with_the_same_result()
    {
        if (!Int8Catalogue.Supports(KernelSet.Active.Path))
        {
            return;
        }

        using FactorMatrix items = RandomMatrix(5_000, 32, 1);
        for (int i = 1; i < items.Rows; i++)
        {
            items.Row(0).CopyTo(items.Row(i));
        }

        items.Row(4_321)[0] += 0.001f; // one slightly better item among 4,999 ties
        using FactorMatrix users = RandomMatrix(1, 32, 2);
        users.Row(0).Fill(1f);
        var scorer = new FactorScorer(users, items, boundedTargets: Int8Catalogue.TryBuild(items));
        int before = BatchRecommender.BoundedRunsOnThisThread;
        var o = new RecommendOptions { FilterSeen = false };
        (int[] wi, float[] ws) = RunOne(scorer, 0, 10, o, false, null, bounded: false);
        (int[] gi, float[] gs) = RunOne(scorer, 0, 10, o, false, null, bounded: true);
        Assert.Equal(before, BatchRecommender.BoundedRunsOnThisThread);
        Assert.Equal(wi, gi);
        Assert.Equal(ws, gs);
        Assert.Equal(4_321, gi[0]);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8], gi[1..]);
    }

    [Fact]
    public void The_model_uses_two_passes_where_they_pay_with_the_one_pass_result()
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 300, 20_000, 64, 17); // 5 MB of item rows
        Assert.True(Int8Catalogue.Pays(m.ItemMatrix));
        Assert.False(Int8Catalogue.Pays(m.UserMatrix)); // 77 KB: stays in the caches
        using AlsModel small = ModelTestUtil.Random(AlsModelKind.Implicit, 10, 32_500, 32, 17);
        Assert.False(Int8Catalogue.Pays(small.ItemMatrix)); // 3.97 MiB of float rows: under MinBytes
        using AlsModel narrow = ModelTestUtil.Random(AlsModelKind.Implicit, 10, 140_000, 16, 17);
        Assert.False(Int8Catalogue.Pays(narrow.ItemMatrix)); // 8.5 MiB, but k = 16: a quantized row is half a float row
        bool two = Int8Catalogue.Supports(KernelSet.Active.Path);
        int before = BatchRecommender.BoundedRunsOnThisThread;
        float[] inv = m.CachedInverseNorms(items: true);
        var cosine = new FactorScorer(m.ItemMatrix, m.ItemMatrix, queryScale: inv, targetScale: inv);
        foreach (int q in new[] { 0, 19_999, 4_444 })
        {
            Recommendations got = m.SimilarItems(q, 10);
            (int[] wi, float[] ws) = RunOne(cosine, q, 10, RecommendOptions.Default, true, null, bounded: false);
            Assert.Equal(wi, got.Indices);
            Assert.Equal(ws, got.Scores);
        }

        using CsrMatrix seen = ModelTestUtil.RandomCsr(300, 20_000, 30, 5);
        var plain = new FactorScorer(m.UserMatrix, m.ItemMatrix, m.UserBiases.ToArray(), m.ItemBiases.ToArray(), m.GlobalMean);
        foreach (int u in new[] { 0, 299 })
        {
            Recommendations got = m.Recommend(u, 20, seen);
            int[] s = [.. seen.RowIndices(u).ToArray().Order()];
            (int[] wi, float[] ws) = RunOne(plain, u, 20, RecommendOptions.Default, false, s, bounded: false);
            Assert.Equal(wi, got.Indices);
            Assert.Equal(ws, got.Scores);
        }

        Assert.Equal(two ? 5 : 0, BatchRecommender.BoundedRunsOnThisThread - before);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }
}
