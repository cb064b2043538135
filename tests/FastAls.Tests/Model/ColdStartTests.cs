using FastAls.Evaluation;

namespace FastAls.Tests.Model;

public class ColdStartTests
{
    // Users 0-2 rate; user 3 and item 3 have no ratings (cold).
    private static CsrMatrix Ratings() => CsrMatrix.FromArrays(4, 4, [0, 3, 5, 7, 7], [0, 1, 2, 0, 2, 1, 2], [5f, 3f, 4f, 4f, 2f, 1f, 5f]);

    [Theory]
    [InlineData(AlsModelKind.Explicit)]
    [InlineData(AlsModelKind.BiasedExplicit)]
    public void Cold_rows_get_the_chosen_prediction(AlsModelKind kind)
    {
        using var data = new Dataset(Ratings());
        using AlsModel m = AlsModel.Fit(data, AlsOptions.For(kind) with { Factors = 2, Iterations = 3, Threads = 1 });
        float mean = 24f / 7f;
        Assert.Equal(mean, m.RatingMean, 5);
        Assert.True(m.IsColdUser(3));
        Assert.True(m.IsColdItem(3));
        Assert.False(m.IsColdUser(0));
        Assert.False(m.IsColdItem(0));

        // Score: the model's own value (0 for the plain model; mu + g_i for the biased one).
        float score = m.Predict(3, 0);
        Assert.Equal(kind == AlsModelKind.Explicit ? 0f : m.GlobalMean + m.ItemBiases[0], score);
        Assert.Equal(score, m.Predict(3, 0, ColdStartStrategy.Score));
        Assert.True(float.IsNaN(m.Predict(3, 0, ColdStartStrategy.Nan)));
        Assert.True(float.IsNaN(m.Predict(0, 3, ColdStartStrategy.Drop)));
        Assert.Equal(m.RatingMean, m.Predict(0, 3, ColdStartStrategy.GlobalMean));
        Assert.Equal(m.Predict(1, 1), m.Predict(1, 1, ColdStartStrategy.Nan));

        int[] us = [0, 3, 1, 2];
        int[] its = [1, 0, 3, 2];
        var dest = new float[4];
        var kept = new int[4];
        Assert.Equal(2, m.Predict(us, its, dest, ColdStartStrategy.Drop, kept));
        Assert.Equal([0, 3], kept[..2]);
        Assert.Equal([m.Predict(0, 1), m.Predict(2, 2)], dest[..2]);
        Assert.Equal(4, m.Predict(us, its, dest, ColdStartStrategy.GlobalMean, default));
        Assert.Equal([m.Predict(0, 1), m.RatingMean, m.RatingMean, m.Predict(2, 2)], dest);

        // Error metrics: drop leaves the cold pairs out, nan poisons, global_mean counts them at the mean.
        CsrMatrix test = CsrMatrix.FromArrays(4, 4, [0, 1, 1, 1, 2], [1, 0], [3f, 4f]);
        ErrorMetrics drop = Evaluator.Error(m, test, ColdStartStrategy.Drop);
        Assert.Equal(1, drop.Count);
        Assert.Equal(Math.Abs(3 - m.Predict(0, 1)), drop.Mae, 6);
        Assert.True(double.IsNaN(Evaluator.Error(m, test, ColdStartStrategy.Nan).Rmse));
        ErrorMetrics gm = Evaluator.Error(m, test, ColdStartStrategy.GlobalMean);
        Assert.Equal(2, gm.Count);
        Assert.Equal((Math.Abs(3 - m.Predict(0, 1)) + Math.Abs(4 - m.RatingMean)) / 2, gm.Mae, 5);
        Assert.Equal(Evaluator.Error(m, test).Rmse, Evaluator.Error(m, test, ColdStartStrategy.Score).Rmse);
    }

    [Fact]
    public void Unknown_mean_and_bad_strategy()
    {
        using AlsModel m = ModelTestUtil.Make(AlsModelKind.Explicit, new float[,] { { 1, 0 }, { 0, 0 } }, new float[,] { { 2, 1 } });
        Assert.True(float.IsNaN(m.RatingMean)); // not trained here, so the mean is unknown
        Assert.True(float.IsNaN(m.Predict(1, 0, ColdStartStrategy.GlobalMean)));
        Assert.Equal(2f, m.Predict(0, 0, ColdStartStrategy.GlobalMean));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Predict(0, 0, (ColdStartStrategy)9));
    }
}
