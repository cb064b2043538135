using FastAls.Evaluation;
using Microsoft.Data.Analysis;
using MdaDataFrame = Microsoft.Data.Analysis.DataFrame;

namespace FastAls.DataFrame;

/// <summary>
/// Model results as <see cref="MdaDataFrame"/>s: recommendations (<c>user, rank, item, score</c>) and
/// evaluation metrics (summary and per user). Id columns are <see cref="Int64DataFrameColumn"/> or
/// <see cref="StringDataFrameColumn"/> after the model's id maps.
/// </summary>
public static class ModelFrames
{
    /// <summary>Batch results as rows <c>user, rank (1 = best), item, score</c>; unused slots are left out.</summary>
    public static MdaDataFrame ToDataFrame(this BatchRecommendations recommendations)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        int rows = 0;
        foreach (int c in recommendations.Counts)
        {
            rows += c;
        }

        var q = new int[rows];
        var rank = new int[rows];
        var item = new int[rows];
        var score = new float[rows];
        int t = 0;
        for (int p = 0; p < recommendations.Queries.Length; p++)
        {
            for (int r = 0; r < recommendations.Counts[p]; r++)
            {
                q[t] = recommendations.Queries[p];
                rank[t] = r + 1;
                item[t] = recommendations.Items[(p * recommendations.N) + r];
                score[t] = recommendations.Scores[(p * recommendations.N) + r];
                t++;
            }
        }

        return new MdaDataFrame(
            IdColumn("user", recommendations.QueryIds, q),
            new Int32DataFrameColumn("rank", rank),
            IdColumn("item", recommendations.ItemIds, item),
            new SingleDataFrameColumn("score", score));
    }

    /// <summary>One query's results as rows <c>rank, item, score</c>.</summary>
    public static MdaDataFrame ToDataFrame(this Recommendations recommendations)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        var rank = new int[recommendations.Count];
        for (int r = 0; r < rank.Length; r++)
        {
            rank[r] = r + 1;
        }

        return new MdaDataFrame(
            new Int32DataFrameColumn("rank", rank),
            IdColumn("item", recommendations.Ids, recommendations.Indices),
            new SingleDataFrameColumn("score", recommendations.Scores));
    }

    /// <summary>Per-user metrics as rows <c>user, test_items, hits, precision, recall, average_precision, ndcg, auc</c>.</summary>
    /// <param name="perUser">From <see cref="Evaluator.Ranking(IRecommendationScorer, CsrMatrix, CsrMatrix, int, bool, int)"/> with <c>perUser: true</c>.</param>
    /// <param name="userIds">The users' id map (null: user indices).</param>
    public static MdaDataFrame ToDataFrame(this PerUserRankingMetrics perUser, IdMap? userIds = null)
    {
        ArgumentNullException.ThrowIfNull(perUser);
        return new MdaDataFrame(
            userIds is null ? new Int32DataFrameColumn("user", perUser.Users) : IdColumn("user", userIds, perUser.Users),
            new Int32DataFrameColumn("test_items", perUser.TestItems),
            new Int32DataFrameColumn("hits", perUser.Hits),
            new DoubleDataFrameColumn("precision", perUser.Precision),
            new DoubleDataFrameColumn("recall", perUser.Recall),
            new DoubleDataFrameColumn("average_precision", perUser.AveragePrecision),
            new DoubleDataFrameColumn("ndcg", perUser.Ndcg),
            new DoubleDataFrameColumn("auc", perUser.Auc));
    }

    /// <summary>The summary as one row <c>k, precision, recall, map, ndcg, auc, coverage, users</c>.</summary>
    public static MdaDataFrame ToDataFrame(this RankingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return new MdaDataFrame(
            new Int32DataFrameColumn("k", [metrics.K]),
            new DoubleDataFrameColumn("precision", [metrics.Precision]),
            new DoubleDataFrameColumn("recall", [metrics.Recall]),
            new DoubleDataFrameColumn("map", [metrics.Map]),
            new DoubleDataFrameColumn("ndcg", [metrics.Ndcg]),
            new DoubleDataFrameColumn("auc", [metrics.Auc]),
            new DoubleDataFrameColumn("coverage", [metrics.Coverage]),
            new Int32DataFrameColumn("users", [metrics.Users]));
    }

    private static DataFrameColumn IdColumn(string name, IdMap ids, int[] indices)
    {
        if (ids.Kind == IdKind.String)
        {
            var s = new string[indices.Length];
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = ids.GetString(indices[i]);
            }

            return new StringDataFrameColumn(name, s);
        }

        ReadOnlySpan<long> all = ids.Int64Ids;
        var l = new long[indices.Length];
        for (int i = 0; i < l.Length; i++)
        {
            l[i] = all[indices[i]];
        }

        return new Int64DataFrameColumn(name, l);
    }
}
