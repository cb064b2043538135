using FastAls.IO;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>
/// Options and data whose size float32 training cannot carry are refused before training, naming the option
/// or the value, instead of failing iterations later as "not positive definite ... increase regularization".
/// </summary>
public class MagnitudeTests
{
    public static TheoryData<string, AlsOptions> ExtremeOptions() => new()
    {
        { "Alpha", new AlsOptions { Alpha = 1e30f } },
        { "Alpha", new AlsOptions { Alpha = 2e6f } },
        { "Epsilon", new AlsOptions { Epsilon = 1e-30f } },
        { "Epsilon", new AlsOptions { Epsilon = 1e20f } },
        { "InitScale", new AlsOptions { InitScale = 1e30f } },
        { "InitScale", new AlsOptions { InitScale = float.PositiveInfinity } },
        { "Regularization", new AlsOptions { Regularization = 1e30f } },
        { "Regularization", new AlsOptions { Regularization = float.NaN } },
    };

    [Theory]
    [MemberData(nameof(ExtremeOptions))]
    public void ExtremeOptions_are_rejected_up_front_naming_the_option(string name, AlsOptions options)
    {
        using Dataset data = Random(10, 8, 0.4, seed: 1, implicitValues: true);
        var e = Assert.Throws<ArgumentException>(() => AlsModel.Fit(data, options));
        Assert.Equal(name, e.ParamName);
        Assert.Contains(name + " must be in", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BoundaryOptions_still_train()
    {
        using Dataset data = Random(20, 15, 0.3, seed: 2, implicitValues: true);
        foreach (AlsOptions o in new[]
        {
            new AlsOptions { Factors = 3, Iterations = 2, Alpha = 1e6f, Regularization = 1e4f },
            new AlsOptions { Factors = 3, Iterations = 2, Confidence = ConfidenceKind.Log, Epsilon = 1e-12f, Alpha = 40f },
            new AlsOptions { Factors = 3, Iterations = 2, Regularization = 1e6f, InitScale = 1e3f },
        })
        {
            using AlsModel m = AlsModel.Fit(data, o);
            Assert.All(m.UserFactors.ToArray(), v => Assert.True(float.IsFinite(v)));
        }
    }

    [Theory]
    [InlineData(AlsModelKind.Explicit, 1e30f)]
    [InlineData(AlsModelKind.BiasedExplicit, 3e20f)]
    [InlineData(AlsModelKind.Implicit, 1e30f)]
    [InlineData(AlsModelKind.BiasedImplicit, 1e36f)]
    public void ExtremeValues_are_rejected_before_training_naming_the_user_or_item(AlsModelKind kind, float huge)
    {
        using Dataset data = FromTriples(4, 5, [(0, 0, 1f), (0, 1, 2f), (1, 2, 1f), (2, 3, huge), (3, 4, 1f), (2, 0, 1f)]);
        var o = new AlsOptions { Kind = kind, Factors = 2, Iterations = 3, Alpha = 1e6f };
        var e = Assert.Throws<InvalidDataException>(() => AlsModel.Fit(data, o));
        Assert.Contains("user 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(kind >= AlsModelKind.Implicit ? "alpha" : "rescale", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("positive definite", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(11, true)]
    public void Rows_near_the_limit_are_summed_exactly_not_judged_by_the_quick_bound(int values, bool rejected)
    {
        // Each squared value is 0.3e30: the quick bound (row length x the largest term, against half the limit) clears
        // none of these rows, so the exact sum decides: 3 values (0.9e30) pass, 4 or more exceed 1e30 and are named.
        // Over 8 values the largest |v| comes from the vector pass.
        const float v = 5.477e14f;
        var triples = new List<(int U, int I, float R)> { (0, 0, 1f), (1, 1, 1f) };
        for (int i = 0; i < values; i++)
        {
            triples.Add((2, i, i % 2 == 0 ? v : -v));
        }

        using Dataset data = FromTriples(3, Math.Max(values, 2), triples);
        var o = new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 2 };
        if (rejected)
        {
            var e = Assert.Throws<InvalidDataException>(() => MagnitudeCheck.Check(o, data));
            Assert.Contains("user 2", e.Message, StringComparison.Ordinal);
        }
        else
        {
            MagnitudeCheck.Check(o, data);
        }
    }

    [Theory]
    [InlineData(AlsModelKind.Explicit)]
    [InlineData(AlsModelKind.Implicit)]
    public void A_long_row_of_small_values_and_a_short_row_of_large_ones_pass(AlsModelKind kind)
    {
        // The whole-matrix bound (the longest row times the largest term) fails here, 1,000 x 1e28, so the check goes
        // on row by row, where every row passes: the large value's row and column hold one and two values. A large
        // value alone rejects nothing.
        float huge = kind == AlsModelKind.Explicit ? 1e14f : 1e28f;
        var triples = new List<(int U, int I, float R)> { (1, 0, huge) };
        for (int i = 0; i < 1000; i++)
        {
            triples.Add((0, i, 1f));
        }

        using Dataset data = FromTriples(2, 1000, triples);
        MagnitudeCheck.Check(new AlsOptions { Kind = kind, Factors = 2, Alpha = 1f }, data);

        // And with the same value in 1,000 rows' worth of one row, it is named.
        var many = new List<(int U, int I, float R)>();
        for (int i = 0; i < 1000; i++)
        {
            many.Add((0, i, huge));
        }

        using Dataset over = FromTriples(1, 1000, many);
        var e = Assert.Throws<InvalidDataException>(() => MagnitudeCheck.Check(new AlsOptions { Kind = kind, Factors = 2, Alpha = 1f }, over));
        Assert.Contains("user", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParallelCheck_names_what_a_serial_pass_meets_first()
    {
        // Large enough for several parts: user 2999 (last part) and item 7 overflow; the user is named, as a pass
        // over the users before the items would. Without the user, the item is.
        var triples = new List<(int, int, float)>();
        for (int u = 0; u < 3000; u++)
        {
            for (int i = u % 5; i < 200; i += 5)
            {
                triples.Add((u, i, 1f));
            }
        }

        triples.Add((2999, 198, 2e15f));
        var o = new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 2, Iterations = 1, Threads = 4 };
        using (Dataset data = FromTriples(3000, 200, triples))
        {
            var e = Assert.Throws<InvalidDataException>(() => AlsModel.Fit(data, o));
            Assert.Contains("user 2999 (row 2999)", e.Message, StringComparison.Ordinal);
        }

        triples.RemoveAt(triples.Count - 1);
        for (int u = 0; u < 3000; u += 5)
        {
            triples[triples.FindIndex(t => t.Item1 == u && t.Item2 == 0)] = (u, 0, 1e14f);
        }

        using (Dataset data = FromTriples(3000, 200, triples))
        {
            Assert.True(data.Nnz >= CsrMatrix.ParallelNnz);
            var e = Assert.Throws<InvalidDataException>(() => AlsModel.Fit(data, o));
            Assert.Contains("item 0 (column 0)", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LogConfidence_overflowing_a_value_is_named()
    {
        // 1 + alpha * log(1 + v / eps) is finite for every float v once eps >= 1e-12; the linear form is not.
        using Dataset data = FromTriples(2, 2, [(0, 0, 1f), (1, 1, 3e38f)]);
        var e = Assert.Throws<InvalidDataException>(() => AlsModel.Fit(data, new AlsOptions { Factors = 2, Alpha = 10f }));
        Assert.Contains("3E+38", e.Message, StringComparison.Ordinal);
        Assert.Contains("user 1, item 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("overflows float32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverflowingDuplicateSum_is_named_by_the_builder()
    {
        using var b = new InteractionBuilder(duplicates: DuplicatePolicy.Sum);
        b.Add(7, 70, 1f);
        b.Add(8, 80, 3e38f);
        b.Add(8, 80, 3e38f);
        var e = Assert.Throws<InvalidDataException>(() => b.Build());
        Assert.Contains("user 8 and item 80", e.Message, StringComparison.Ordinal);
        Assert.Contains("float32", e.Message, StringComparison.Ordinal);
    }
}
