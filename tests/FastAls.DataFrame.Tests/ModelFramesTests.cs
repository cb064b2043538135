using FastAls.Evaluation;
using Microsoft.Data.Analysis;
using MdaDataFrame = Microsoft.Data.Analysis.DataFrame;

namespace FastAls.DataFrame.Tests;

public class ModelFramesTests
{
    private static AlsModel Tiny()
    {
        var users = IdMap.CreateString();
        users.GetOrAdd("ann");
        users.GetOrAdd("bob");
        var items = IdMap.CreateInt64();
        foreach (long id in new long[] { 100, 200, 300 })
        {
            items.GetOrAdd(id);
        }

        var m = new AlsModel(new AlsOptions { Factors = 2 }, 2, 3, users, items);
        m.SetUserFactors([1f, 0f, 0f, 1f]);
        m.SetItemFactors([1f, 0f, 2f, 0f, 0f, 3f]);
        return m;
    }

    [Fact]
    public void Batch_recommendations_become_user_rank_item_score_rows()
    {
        using AlsModel m = Tiny();
        BatchRecommendations b = m.RecommendBatch(null, 2, null, new RecommendOptions { FilterSeen = false });
        MdaDataFrame df = b.ToDataFrame();
        Assert.Equal(["user", "rank", "item", "score"], df.Columns.Select(c => c.Name).ToArray());
        Assert.Equal(4, df.Rows.Count);
        Assert.IsType<StringDataFrameColumn>(df.Columns["user"]);
        Assert.Equal("ann", df.Columns["user"][0]);
        Assert.Equal(200L, df.Columns["item"][0]); // ann: 200 (2), 100 (1)
        Assert.Equal(2f, df.Columns["score"][0]);
        Assert.Equal(2, df.Columns["rank"][1]);
        Assert.Equal("bob", df.Columns["user"][2]);
        Assert.Equal(300L, df.Columns["item"][2]);

        MdaDataFrame one = m.Recommend(1, 1, null, new RecommendOptions { FilterSeen = false }).ToDataFrame();
        Assert.Equal(1, one.Rows.Count);
        Assert.Equal(300L, one.Columns["item"][0]);
    }

    [Fact]
    public void Metrics_become_frames()
    {
        using AlsModel m = Tiny();
        using CsrMatrix train = CsrMatrix.FromArrays(2, 3, [0, 1, 1], [1], [1f]);
        using CsrMatrix test = CsrMatrix.FromArrays(2, 3, [0, 1, 2], [0, 2], [1f, 1f]);
        RankingMetrics r = Evaluator.Ranking(m, train, test, k: 1, perUser: true);
        MdaDataFrame per = r.PerUser!.ToDataFrame(m.UserIds);
        Assert.Equal(2, per.Rows.Count);
        Assert.Equal("ann", per.Columns["user"][0]);
        Assert.Equal(1, per.Columns["hits"][0]); // ann: 200 is train, so 100 -> hit
        Assert.Equal(1.0, per.Columns["precision"][1]); // bob: 300 -> hit
        MdaDataFrame sum = r.ToDataFrame();
        Assert.Equal(1, sum.Rows.Count);
        Assert.Equal(1.0, sum.Columns["precision"][0]);
        Assert.Equal(2.0 / 3, (double)sum.Columns["coverage"][0], 12);
    }
}
