using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;

namespace FastAls.Tests.Model;

/// <summary>
/// The bounded two-pass single query (a bfloat16 pass that brackets every score, then exact scores for the items that
/// can still be in the top n): the brackets hold the row kernel's float scores on every width and stay narrow, and the
/// result is the one-pass result item for item and bit for bit, with ties, every filter, biases, cosine scales,
/// non-finite rows and any thread count; it falls back when it cannot narrow the catalogue, and the model uses it
/// where <see cref="Bf16Catalogue.Pays"/>.
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

    public static TheoryData<string> Widths() => [KernelPath.Vector256.ToString(), KernelPath.Vector512.ToString()];

    [Theory]
    [MemberData(nameof(Widths))]
    public void Bounds_hold_the_row_kernels_float_score_and_stay_narrow(string width)
    {
        // Vector512 runs in software where the machine lacks it: the same per-lane results.
        KernelPath path = Enum.Parse<KernelPath>(width);
        foreach (int k in new[] { 3, 32, 37, 64, 100 })
        {
            using FactorMatrix items = RandomMatrix(1_000, k, 11 + k, wide: true);
            using FactorMatrix queries = RandomMatrix(5, k, 99 + k, wide: true);
            Bf16Catalogue cat = Bf16Catalogue.TryBuild(items)!;
            Assert.Equal(0, cat.Stride % Bf16Catalogue.StrideAlignment);
            var even = new float[cat.QueryHalf];
            var odd = new float[cat.QueryHalf];
            var lower = new float[items.Rows];
            var upper = new float[items.Rows];
            var exact = new float[1];
            for (int q = 0; q < queries.Rows; q++)
            {
                float qn = cat.PrepareQuery(queries.Row(q), even, odd);
                cat.Bounds(path, even, odd, qn, 0, items.Rows, lower, upper);
                for (int i = 0; i < items.Rows; i++)
                {
                    foreach (KernelPath exactPath in KernelIsa.Supported)
                    {
                        KernelSet.For(exactPath).Score(queries.PaddedRow(q), 1, items.PaddedRow(i), 1, items.Stride, exact, 1);
                        Assert.True(lower[i] <= exact[0] && exact[0] <= upper[i], $"k={k} query {q} item {i}: {exactPath} score {exact[0]} outside [{lower[i]}, {upper[i]}]");
                    }

                    double norms = Math.Sqrt(Dot(queries.Row(q), queries.Row(q)) * Dot(items.Row(i), items.Row(i)));
                    Assert.True(upper[i] - lower[i] <= 0.01 * norms + 1e-30, $"k={k} query {q} item {i}: bracket {upper[i] - lower[i]} against |q||y| = {norms}");
                }

                // a block that starts inside the catalogue and ends at multiples of eight (the kernel's tile) gives the same brackets
                var lo2 = new float[296];
                var hi2 = new float[296];
                cat.Bounds(path, even, odd, qn, 520, 296, lo2, hi2);
                Assert.True(lo2.AsSpan().SequenceEqual(lower.AsSpan(520, 296)) && hi2.AsSpan().SequenceEqual(upper.AsSpan(520, 296)), $"k={k}: an offset block differs");
            }
        }
    }

    [Fact]
    public void Non_finite_rows_get_an_unbounded_bracket_and_bad_spans_are_refused()
    {
        using FactorMatrix items = RandomMatrix(40, 32, 5);
        items.Row(7)[3] = float.NaN;
        items.Row(9)[0] = float.PositiveInfinity;
        items.Row(11)[0] = float.MaxValue; // an even value: rounds up to an infinite bfloat16
        Bf16Catalogue cat = Bf16Catalogue.TryBuild(items)!;
        Assert.Equal(float.PositiveInfinity, cat.Slack[7]);
        Assert.Equal(float.PositiveInfinity, cat.Slack[9]);
        Assert.Equal(float.PositiveInfinity, cat.Slack[11]);
        Assert.True(float.IsFinite(cat.Slack[8]));
        var even = new float[cat.QueryHalf];
        var odd = new float[cat.QueryHalf];
        float qn = cat.PrepareQuery(items.Row(0), even, odd);
        var lower = new float[40];
        var upper = new float[40];
        cat.Bounds(KernelPath.Vector256, even, odd, qn, 0, 40, lower, upper);
        foreach (int i in new[] { 7, 9, 11 })
        {
            Assert.False(lower[i] > float.NegativeInfinity, $"item {i}: lower end {lower[i]}");
            Assert.False(upper[i] < float.PositiveInfinity, $"item {i}: upper end {upper[i]}");
        }

        Assert.Throws<ArgumentException>(() => cat.Bounds(KernelPath.Vector256, even, odd, qn, 30, 11, lower, upper));
        Assert.Throws<ArgumentException>(() => cat.Bounds(KernelPath.Vector256, even.AsSpan(1), odd, qn, 0, 4, lower, upper));
        Assert.Throws<ArgumentOutOfRangeException>(() => cat.Bounds(KernelPath.Scalar, even, odd, qn, 0, 4, lower, upper));
    }

    [Fact]
    public void Rounding_to_bfloat16_is_to_nearest_even()
    {
        Assert.Equal(0x3F80, Bf16Catalogue.ToBf16(1f));
        Assert.Equal(0x3F80, Bf16Catalogue.ToBf16(BitConverter.UInt32BitsToSingle(0x3F808000))); // a tie goes to the even 0x3F80
        Assert.Equal(0x3F82, Bf16Catalogue.ToBf16(BitConverter.UInt32BitsToSingle(0x3F818000))); // a tie goes to the even 0x3F82
        Assert.Equal(0x3F81, Bf16Catalogue.ToBf16(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.Equal(0xBF80, Bf16Catalogue.ToBf16(-1f));
        Assert.True(float.IsNaN(Bf16Catalogue.FromBf16(Bf16Catalogue.ToBf16(float.NaN))));
        Assert.Equal(float.PositiveInfinity, Bf16Catalogue.FromBf16(Bf16Catalogue.ToBf16(float.MaxValue)));
    }

    [Fact]
    public void An_odd_value_read_as_its_whole_word_is_within_half_a_bfloat16_step()
    {
        var rng = new Random(3);
        for (int t = 0; t < 100_000; t++)
        {
            float x = (float)((rng.NextDouble() * 2) - 1) * MathF.Pow(2, rng.Next(-100, 120)); // normal floats (a subnormal has fewer bits)
            ushort lo = (ushort)rng.Next(65_536);
            float w = Bf16Catalogue.PairWord(lo, Bf16Catalogue.PairHigh(x, lo));
            Assert.True(Math.Abs((double)w - x) <= Math.ScaleB(Math.Abs((double)x), -8), $"x = {x}, low half {lo:X4}: the word reads {w}");
        }

        Assert.Equal(0f, Bf16Catalogue.PairWord(0, Bf16Catalogue.PairHigh(0f, 0)));
        Assert.True(float.IsFinite(Bf16Catalogue.PairWord(0xFFFF, Bf16Catalogue.PairHigh(float.MaxValue, 0xFFFF)))); // no infinite or NaN word for a finite value
        Assert.True(Math.Abs(Bf16Catalogue.PairWord(0xFFFF, Bf16Catalogue.PairHigh(1e-40f, 0xFFFF))) < 1e-37f); // across zero, never a NaN word
    }

    private sealed class Sink : IRecommendationSink
    {
        public int[] Items { get; private set; } = [];

        public float[] Scores { get; private set; } = [];

        public void Write(in RecommendationBlock block)
        {
            Items = block.Items[..block.Counts[0]].ToArray();
            Scores = block.Scores[..block.Counts[0]].ToArray();
        }
    }

    private static (int[] Items, float[] Scores) RunOne(FactorScorer scorer, int query, int n, RecommendOptions options, bool excludeSelf, int[]? seen, bool bounded)
    {
        var sink = new Sink();
        BatchRecommender.Run(scorer, [query], n, null, options, excludeSelf, sink, oneQuerySeen: seen, bounded: bounded);
        return (sink.Items, sink.Scores);
    }

    [Fact]
    public void Two_passes_give_the_one_pass_items_and_bits_with_ties_filters_biases_and_threads()
    {
        if (!Bf16Catalogue.Supports(KernelSet.Active.Path))
        {
            Assert.False(Bf16Catalogue.Supports(KernelPath.Scalar)); // the scalar path always scores in one pass
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
        Bf16Catalogue cat = Bf16Catalogue.TryBuild(items)!;
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
    public void A_catalogue_of_equal_scores_falls_back_to_one_pass_with_the_same_result()
    {
        if (!Bf16Catalogue.Supports(KernelSet.Active.Path))
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
        var scorer = new FactorScorer(users, items, boundedTargets: Bf16Catalogue.TryBuild(items));
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
        Assert.True(Bf16Catalogue.Pays(m.ItemMatrix));
        Assert.False(Bf16Catalogue.Pays(m.UserMatrix)); // 77 KB: stays in the caches
        using AlsModel small = ModelTestUtil.Random(AlsModelKind.Implicit, 10, 70_000, 16, 17);
        Assert.False(Bf16Catalogue.Pays(small.ItemMatrix)); // k = 16: a bfloat16 row is as long as a float row
        bool two = Bf16Catalogue.Supports(KernelSet.Active.Path);
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
