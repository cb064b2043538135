using FastAls;

namespace FastAls.Tests.Model;

public class FoldInTests
{
    private static (AlsModel Model, CsrMatrix Data) Trained(AlsModelKind kind)
    {
        CsrMatrix m = ModelTestUtil.RandomCsr(60, 40, 6, 21);
        using var ds = new Dataset(m.Clone());
        AlsModel model = AlsModel.Fit(ds, new AlsOptions { Kind = kind, Factors = 6, Iterations = 4, Regularization = 0.1f, Alpha = 2f, Seed = 3 });
        return (model, m);
    }

    [Fact]
    public void RecalculateUser_solves_the_implicit_normal_equations_and_agrees_with_explain()
    {
        (AlsModel model, CsrMatrix data) = Trained(AlsModelKind.Implicit);
        using (model)
        using (data)
        {
            int[] items = [1, 7, 30];
            float[] values = [2f, 1f, 4f];
            FoldInResult r = model.RecalculateUser(items, values);
            Assert.Equal(0f, r.Bias);
            int k = model.Factors;
            var a = new double[k, k];
            var b = new double[k];
            for (int i = 0; i < model.Items; i++)
            {
                ReadOnlySpan<float> y = model.ItemFactors.Row(i);
                int t = Array.IndexOf(items, i);
                double c = t >= 0 ? 1 + (model.Options.Alpha * values[t]) : 1;
                for (int p = 0; p < k; p++)
                {
                    for (int q = 0; q < k; q++)
                    {
                        a[p, q] += c * y[p] * y[q];
                    }

                    b[p] += t >= 0 ? c * y[p] : 0;
                }
            }

            for (int p = 0; p < k; p++)
            {
                a[p, p] += model.Options.Regularization;
            }

            double[] x = ServingTests.Gauss(a, b);
            for (int p = 0; p < k; p++)
            {
                Assert.Equal(x[p], r.Factors[p], 3);
            }

            ItemExplanation ex = model.Explain(12, items, values);
            double score = 0;
            for (int p = 0; p < k; p++)
            {
                score += r.Factors[p] * model.ItemFactors.Row(12)[p];
            }

            Assert.Equal(score, ex.Score, 3);

            Recommendations viaRow = model.RecommendForInteractions(items, values, 5);
            Recommendations viaFactors = model.RecommendForFactors(r.Factors, 0f, 5, items);
            Assert.Equal(viaFactors.Indices, viaRow.Indices);
            Assert.DoesNotContain(7, viaRow.Indices);
        }
    }

    [Fact]
    public void Biased_implicit_explain_adds_up_to_the_folded_in_score()
    {
        (AlsModel model, CsrMatrix data) = Trained(AlsModelKind.BiasedImplicit);
        using (model)
        using (data)
        {
            int[] items = [3, 8, 21, 33];
            float[] values = [1f, 5f, 2f, 3f];
            FoldInResult r = model.RecalculateUser(items, values);
            for (int item = 0; item < model.Items; item += 7)
            {
                double want = r.Bias + model.ItemBiases![item];
                for (int p = 0; p < model.Factors; p++)
                {
                    want += r.Factors[p] * model.ItemFactors.Row(item)[p];
                }

                ItemExplanation ex = model.Explain(item, items, values, n: 4);
                Assert.Equal(want, ex.Score, 3);
                Assert.Equal(ex.Score, ex.Baseline + ex.Contributions.Scores.Sum(), 4);
            }
        }
    }

    [Fact]
    public void Biased_fold_in_gives_a_bias_is_deterministic_and_validates_input()
    {
        (AlsModel model, CsrMatrix data) = Trained(AlsModelKind.BiasedExplicit);
        using (model)
        using (data)
        {
            int u = 5;
            FoldInResult r = model.RecalculateUser(data.RowIndices(u), data.RowValues(u));
            Assert.NotEqual(0f, r.Bias);
            FoldInResult again = model.RecalculateUser(data.RowIndices(u), data.RowValues(u));
            Assert.Equal(r.Factors, again.Factors);
            FoldInResult item = model.RecalculateItem([0, 3, 5], [4f, 5f, 1f]);
            Assert.Equal(model.Factors, item.Factors.Length);
            Recommendations sim = model.SimilarItemsForInteractions([0, 3, 5], [4f, 5f, 1f], 3);
            Assert.Equal(3, sim.Count);
            Assert.Throws<ArgumentOutOfRangeException>(() => model.RecalculateUser([99], [1f]));
            Assert.Throws<ArgumentException>(() => model.RecalculateUser([1], [1f, 2f]));
            Assert.Throws<ArgumentException>(() => model.RecalculateUser([1], [1f], new float[2], out _));
        }
    }
}
