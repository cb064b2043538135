using FastAls;
using FastAls.Evaluation;
using FastAls.IO;
using FastAls.Tests.Data;
using Xunit.Abstractions;

namespace FastAls.Tests.Model;

/// <summary>Issue 4 acceptance: implicit ALS on lastfm-2k beats the most-popular baseline by a wide margin.</summary>
public class LastfmAcceptanceTests(ITestOutputHelper output)
{
    /// <summary>The settings the README reports (k = 64, 15 iterations, log confidence).</summary>
    internal static readonly AlsOptions LastfmOptions = new()
    {
        Kind = AlsModelKind.Implicit,
        Factors = 64,
        Iterations = 15,
        Regularization = 0.1f,
        Confidence = ConfidenceKind.Log,
        Alpha = 2f,
        Epsilon = 1f,
        Seed = 42,
    };

    [SkippableFact]
    public void Implicit_als_precision_at_10_is_well_above_most_popular()
    {
        string? path = DataTestHelpers.SharedFile(Path.Combine("lastfm-2k", "user_artists.dat"));
        Skip.If(path is null, "lastfm-2k/user_artists.dat not found (set FASTALS_SHARED_DATA or place shared/data above the repo)");
        using Dataset data = InteractionLoader.Load(path!, new InteractionLoadOptions { HasHeader = true, Separator = "\t" });
        Assert.Equal(1892, data.Users);
        using TrainTestSplit split = Splits.Random(data.UserItems, 0.2, seed: 7);
        using Dataset train = split.TrainDataset(data.UserIds, data.ItemIds);
        using AlsModel model = AlsModel.Fit(train, LastfmOptions);
        RankingMetrics als = Evaluator.Ranking(model, split.Train, split.Test, k: 10);
        RankingMetrics pop = Evaluator.Ranking(new PopularityScorer(split.Train), split.Train, split.Test, k: 10);
        output.WriteLine($"lastfm-2k 80/20 (seed 7), k=64, 15 it, log confidence alpha=2, lambda=0.1: " +
            $"ALS p@10={als.Precision:F4} map={als.Map:F4} ndcg={als.Ndcg:F4} auc={als.Auc:F4} recall={als.Recall:F4} coverage={als.Coverage:F4}; " +
            $"most-popular p@10={pop.Precision:F4} map={pop.Map:F4} ndcg={pop.Ndcg:F4} auc={pop.Auc:F4} coverage={pop.Coverage:F4}; users={als.Users}");
        Assert.Equal(als.Users, pop.Users);
        Assert.True(als.Precision > 1.5 * pop.Precision, $"ALS p@10 {als.Precision:F4} is not well above most-popular {pop.Precision:F4}");
        Assert.True(als.Ndcg > pop.Ndcg);
    }
}
