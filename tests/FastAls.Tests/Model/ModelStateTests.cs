namespace FastAls.Tests.Model;

/// <summary>
/// Factors, biases and mu change only through the model's setters, and every serving cache (the fold-in Gram
/// matrices, the scorer's packed panels) follows: after any setter the model answers as a freshly built model with the
/// same state (regression: RecalculateUser after fastals_model_set_item_factors used the old Gram matrix).
/// </summary>
public class ModelStateTests
{
    public static TheoryData<string, AlsModelKind> Setters => new()
    {
        { "user_factors", AlsModelKind.BiasedImplicit },
        { "item_factors", AlsModelKind.BiasedImplicit },
        { "item_factors", AlsModelKind.Implicit },
        { "item_factors", AlsModelKind.Explicit },
        { "item_factors_matrix", AlsModelKind.Implicit },
        { "user_factors_matrix", AlsModelKind.Implicit },
        { "item_factor_row", AlsModelKind.BiasedImplicit },
        { "user_factor_row", AlsModelKind.BiasedImplicit },
        { "user_biases", AlsModelKind.BiasedImplicit },
        { "item_biases", AlsModelKind.BiasedImplicit },
        { "item_biases", AlsModelKind.BiasedExplicit },
        { "global_mean", AlsModelKind.BiasedExplicit },
    };

    [Theory]
    [MemberData(nameof(Setters))]
    public void Serving_after_a_setter_equals_a_fresh_model_with_the_same_state(string setter, AlsModelKind kind)
    {
        CsrMatrix ui = ModelTestUtil.RandomCsr(40, 30, 6, seed: 5);
        using var data = new Dataset(ui);
        using AlsModel m = AlsModel.Fit(data, AlsOptions.For(kind) with { Factors = 6, Iterations = 2, Threads = 1 });
        int[] items = [1, 4, 7, 20];
        float[] values = [1f, 3f, 2f, 5f];
        int[] users = [0, 3, 9];
        float[] uvalues = [4f, 1f, 2f];

        // Fill every cache first.
        _ = m.RecalculateUser(items, values);
        _ = m.RecalculateItem(users, uvalues);
        IRecommendationScorer scorer = m.AsScorer();
        _ = Score(scorer, m.Items);
        long before = m.Version;

        var rng = new Random(17);
        float[] Noise(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        switch (setter)
        {
            case "user_factors": m.SetUserFactors(Noise(m.Users * m.Factors)); break;
            case "item_factors": m.SetItemFactors(Noise(m.Items * m.Factors)); break;
            case "user_factors_matrix":
            {
                using var f = new FactorMatrix(m.Users, m.Factors);
                f.CopyFrom(Noise(m.Users * m.Factors));
                m.SetUserFactors(f.AsReadOnly());
                break;
            }

            case "item_factors_matrix":
            {
                using var f = new FactorMatrix(m.Items, m.Factors);
                f.CopyFrom(Noise(m.Items * m.Factors));
                m.SetItemFactors(f.AsReadOnly());
                break;
            }

            case "user_factor_row": m.SetUserFactorRows(3, Noise(m.Factors)); break;
            case "item_factor_row": m.SetItemFactorRows(4, Noise(m.Factors)); break;
            case "user_biases": m.SetUserBiases(Noise(m.Users)); break;
            case "item_biases": m.SetItemBiases(Noise(m.Items)); break;
            case "global_mean": m.SetGlobalMean(m.GlobalMean + 0.75f); break;
            default: throw new ArgumentException(setter);
        }

        Assert.True(m.Version > before, "the setter did not bump the version");
        using AlsModel fresh = Rebuild(m);
        FoldInResult a = m.RecalculateUser(items, values), b = fresh.RecalculateUser(items, values);
        Assert.Equal(b.Factors, a.Factors);
        Assert.Equal(b.Bias, a.Bias);
        a = m.RecalculateItem(users, uvalues);
        b = fresh.RecalculateItem(users, uvalues);
        Assert.Equal(b.Factors, a.Factors);
        Assert.Equal(b.Bias, a.Bias);
        Assert.Equal(Score(fresh.AsScorer(), fresh.Items), Score(scorer, m.Items));
        Assert.Equal(fresh.Recommend(2, 5, ui).Indices, m.Recommend(2, 5, ui).Indices);
        Assert.Equal(fresh.Predict(5, 6), m.Predict(5, 6));
    }

    [Fact]
    public void Rejected_setter_changes_nothing()
    {
        using AlsModel m = ModelTestUtil.Random(AlsModelKind.BiasedImplicit, 5, 4, 3, 2);
        float[] users = m.UserFactors.ToArray();
        float[] ub = m.UserBiases.ToArray();
        long version = m.Version;
        float[] bad = new float[users.Length];
        bad[^1] = float.NaN;
        Assert.Contains("factors[14]", Assert.Throws<ArgumentException>(() => m.SetUserFactors(bad)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => m.SetUserFactors(new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.SetUserFactorRows(5, new float[3]));
        Assert.Throws<ArgumentException>(() => m.SetUserBiases([1f, 2f, float.PositiveInfinity, 0f, 0f]));
        Assert.Throws<ArgumentException>(() => m.SetGlobalMean(float.NaN));
        Assert.Equal(users, m.UserFactors.ToArray());
        Assert.Equal(ub, m.UserBiases.ToArray());
        Assert.Equal(version, m.Version);

        using AlsModel plain = ModelTestUtil.Random(AlsModelKind.Implicit, 2, 2, 2, 1);
        Assert.Throws<InvalidOperationException>(() => plain.SetUserBiases([0f, 0f]));
        Assert.False(plain.HasBiases);
        Assert.True(plain.UserBiases.IsEmpty);
    }

    private static AlsModel Rebuild(AlsModel m)
    {
        var r = new AlsModel(m.Options, m.Users, m.Items, m.UserIds, m.ItemIds);
        r.SetUserFactors(m.UserFactors.ToArray());
        r.SetItemFactors(m.ItemFactors.ToArray());
        if (m.HasBiases)
        {
            r.SetUserBiases(m.UserBiases);
            r.SetItemBiases(m.ItemBiases);
        }

        r.SetGlobalMean(m.GlobalMean);
        return r;
    }

    private static float[] Score(IRecommendationScorer s, int items)
    {
        int[] users = [0, 1, 2, 3, 7];
        var scores = new float[users.Length * items];
        s.ScoreBlock(users, 0, items, scores);
        return scores;
    }
}
