using FastAls;
using FastAls.Evaluation;

namespace FastAls.Tests.Model;

public class EvaluationTests
{
    private sealed class TableScorer(float[,] scores) : IRecommendationScorer
    {
        public int Users => scores.GetLength(0);

        public int Items => scores.GetLength(1);

        public void ScoreBlock(ReadOnlySpan<int> users, int itemStart, int itemCount, Span<float> s)
        {
            for (int u = 0; u < users.Length; u++)
            {
                for (int j = 0; j < itemCount; j++)
                {
                    s[(u * itemCount) + j] = scores[users[u], itemStart + j];
                }
            }
        }
    }

    [Fact]
    public void Ranking_metrics_match_hand_computed_values()
    {
        var scorer = new TableScorer(new float[,]
        {
            { 9, 8, 7, 6, 5, 4 }, // u0: train {0}, test {1, 4} -> top3 [1, 2, 3]
            { 1, 2, 3, 4, 5, 0 }, // u1: test {5} -> [4, 3, 2], no hit
            { 1, 1, 1, 1, 1, 1 }, // u2: no test items: not evaluated
            { 6, 1, 2, 5, 3, 4 }, // u3: test {3, 5} -> [0, 3, 5]
        });
        using CsrMatrix train = ModelTestUtil.Csr(4, 6, (0, 0, 1f), (2, 2, 1f));
        using CsrMatrix test = ModelTestUtil.Csr(4, 6, (0, 1, 1f), (0, 4, 1f), (1, 5, 1f), (3, 3, 1f), (3, 5, 1f));
        RankingMetrics r = Evaluator.Ranking(scorer, train, test, k: 3, perUser: true);
        Assert.Equal(3, r.Users);
        Assert.Equal(3.0 / 5.0, r.Precision, 12);              // (1 + 0 + 2) / (2 + 1 + 2)
        Assert.Equal((0.5 + 0 + 1) / 3, r.Recall, 12);
        Assert.Equal((0.5 + 0 + ((0.5 + (2.0 / 3)) / 2)) / 3, r.Map, 12);
        double idcg2 = 1 + (1 / Math.Log2(3));
        Assert.Equal(((1 / idcg2) + 0 + (((1 / Math.Log2(3)) + 0.5) / idcg2)) / 3, r.Ndcg, 12);
        // implicit's AUC: u0 = (0 + 1 + 1 + 1.5 * (4 - 2)) / 8, u1 = 0.5 * (5 - 3) / 5, u3 = 2 * (4 - 1) / 8
        Assert.Equal((0.625 + 0.2 + 0.75) / 3, r.Auc, 12);
        Assert.Equal(1.0, r.Coverage, 12);
        Assert.Equal([0, 1, 3], r.PerUser!.Users);
        Assert.Equal([1, 0, 2], r.PerUser.Hits);
        Assert.Equal(0.5, r.PerUser.Precision[0], 12);
        Assert.Equal(1.0, r.PerUser.Precision[2], 12);

        RankingMetrics r1 = Evaluator.Ranking(scorer, train, test, k: 1);
        Assert.Equal(3.0 / 6.0, r1.Coverage, 12); // top1 = {1, 4, 0} of 6 items
    }

    [Fact]
    public void Popularity_baseline_runs_through_the_same_code()
    {
        using CsrMatrix train = ModelTestUtil.Csr(3, 4, (0, 1, 1f), (1, 1, 1f), (1, 2, 1f), (2, 1, 1f), (2, 3, 1f));
        using CsrMatrix test = ModelTestUtil.Csr(3, 4, (0, 2, 1f), (1, 0, 1f));
        var pop = new PopularityScorer(train);
        Assert.Equal([0f, 3f, 1f, 1f], pop.Popularity.ToArray());
        RankingMetrics r = Evaluator.Ranking(pop, train, test, k: 1, perUser: true);
        // u0: train {1}; ranking 2 (1), 3 (1), 0 (0) -> top1 = 2 (tie with 3 broken by index): hit. u1: top1 = 3: miss.
        Assert.Equal(0.5, r.Precision, 12);
        Assert.Equal([1, 0], r.PerUser!.Hits);
    }

    [Fact]
    public void Ranking_rejects_mismatched_shapes()
    {
        using CsrMatrix train = ModelTestUtil.Csr(2, 3, (0, 1, 1f));
        using CsrMatrix test = ModelTestUtil.Csr(2, 4, (0, 1, 1f));
        Assert.Throws<ArgumentException>(() => Evaluator.Ranking(new PopularityScorer(train), train, test));
    }

    [Fact]
    public void Rmse_and_mae_hand_computed()
    {
        using AlsModel m = ModelTestUtil.Make(AlsModelKind.Explicit, new float[,] { { 1, 2 }, { 0, 1 } }, new float[,] { { 1, 1 }, { 2, 0 } });
        // predictions: (0,0) = 3, (0,1) = 2, (1,0) = 1, (1,1) = 0
        using CsrMatrix test = ModelTestUtil.Csr(2, 2, (0, 0, 4f), (0, 1, 2f), (1, 1, 2f));
        ErrorMetrics e = Evaluator.Error(m, test);
        Assert.Equal(3, e.Count);
        Assert.Equal(Math.Sqrt((1 + 0 + 4) / 3.0), e.Rmse, 6);
        Assert.Equal((1 + 0 + 2) / 3.0, e.Mae, 6);
    }

    [Fact]
    public void Random_split_is_deterministic_and_partitions()
    {
        using CsrMatrix m = ModelTestUtil.RandomCsr(200, 50, 10, 1);
        using TrainTestSplit a = Splits.Random(m, 0.2, 5);
        using TrainTestSplit b = Splits.Random(m, 0.2, 5);
        using TrainTestSplit c = Splits.Random(m, 0.2, 6);
        Assert.Equal(a.Test.ColIndices.ToArray(), b.Test.ColIndices.ToArray());
        Assert.Equal(a.Test.RowOffsets.ToArray(), b.Test.RowOffsets.ToArray());
        Assert.NotEqual(a.Test.RowOffsets.ToArray(), c.Test.RowOffsets.ToArray());
        Assert.Equal(m.Nnz, a.Train.Nnz + a.Test.Nnz);
        Assert.InRange(a.Test.Nnz / (double)m.Nnz, 0.15, 0.25);
        for (int u = 0; u < m.Rows; u++)
        {
            var all = a.Train.RowIndices(u).ToArray().Concat(a.Test.RowIndices(u).ToArray()).Order().ToArray();
            Assert.Equal(m.RowIndices(u).ToArray(), all);
        }

        a.Train.Validate();
        a.Test.Validate();
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.Random(m, 1.5, 1));
    }

    [Fact]
    public void Leave_k_out_takes_k_from_users_with_more_than_k()
    {
        using CsrMatrix m = ModelTestUtil.RandomCsr(100, 40, 4, 2);
        using TrainTestSplit s = Splits.LeaveKOut(m, 2, 9);
        using TrainTestSplit s2 = Splits.LeaveKOut(m, 2, 9);
        for (int u = 0; u < m.Rows; u++)
        {
            int len = m.RowLength(u);
            Assert.Equal(len > 2 ? 2 : 0, s.Test.RowLength(u));
            Assert.Equal(len - s.Test.RowLength(u), s.Train.RowLength(u));
        }

        Assert.Equal(s.Test.ColIndices.ToArray(), s2.Test.ColIndices.ToArray());
    }

    [Fact]
    public void Timestamp_splits_hand_computed()
    {
        // u0: items 0,1,2 at t 30,10,20; u1: items 1,3 at t 5,40
        using CsrMatrix m = ModelTestUtil.Csr(2, 4, (0, 0, 1f), (0, 1, 2f), (0, 2, 3f), (1, 1, 4f), (1, 3, 5f));
        long[] ts = [30, 10, 20, 5, 40];
        using TrainTestSplit cut = Splits.ByTimestamp(m, ts, 25);
        Assert.Equal([0], cut.Test.RowIndices(0).ToArray());
        Assert.Equal([3], cut.Test.RowIndices(1).ToArray());
        Assert.Equal([5f], cut.Test.RowValues(1).ToArray());
        using TrainTestSplit frac = Splits.ByTimestampFraction(m, ts, 0.6); // 3 latest: 40, 30, 20
        Assert.Equal([0, 2], frac.Test.RowIndices(0).ToArray());
        Assert.Equal([3], frac.Test.RowIndices(1).ToArray());
        using TrainTestSplit last = Splits.LeaveLastKOut(m, ts, 1);
        Assert.Equal([0], last.Test.RowIndices(0).ToArray());
        Assert.Equal([3], last.Test.RowIndices(1).ToArray());
        Assert.Equal([1, 2], last.Train.RowIndices(0).ToArray());
        ArgumentException e = Assert.Throws<ArgumentException>(() => Splits.ByTimestamp(m, [1, 2], 0));
        Assert.Contains("timestamps", e.Message);
    }
}
