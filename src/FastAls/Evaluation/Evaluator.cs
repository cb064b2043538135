namespace FastAls.Evaluation;

/// <summary>Evaluation of a model (or any <see cref="IRecommendationScorer"/>, such as the popularity baseline).</summary>
public static class Evaluator
{
    /// <summary>Ranking metrics at <paramref name="k"/> of an ALS model.</summary>
    public static RankingMetrics Ranking(AlsModel model, CsrMatrix train, CsrMatrix test, int k = 10, bool perUser = false, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Ranking(model.AsScorer(), train, test, k, perUser, threads);
    }

    /// <summary>
    /// Ranking metrics at <paramref name="k"/> of any scorer, through the batch recommend path (blocked
    /// scoring in parallel, training items excluded).
    /// </summary>
    public static RankingMetrics Ranking(IRecommendationScorer scorer, CsrMatrix train, CsrMatrix test, int k = 10, bool perUser = false, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (train.Cols != scorer.Items || test.Cols != scorer.Items)
        {
            throw new ArgumentException($"train ({train.Cols}) and test ({test.Cols}) must have the scorer's {scorer.Items} item columns.");
        }

        if (train.Rows > scorer.Users || test.Rows > scorer.Users)
        {
            throw new ArgumentException($"train ({train.Rows}) and test ({test.Rows}) have more rows than the scorer has users ({scorer.Users}).");
        }

        var users = new List<int>();
        for (int u = 0; u < test.Rows; u++)
        {
            if (test.RowLength(u) > 0)
            {
                if (u >= train.Rows)
                {
                    throw new ArgumentException($"Test user {u} has no row in train ({train.Rows} rows).", nameof(train));
                }

                users.Add(u);
            }
        }

        var sink = new MetricSink(test, k, scorer.Items, perUser ? new PerUserRankingMetrics(users.Count) : null);
        BatchRecommender.Recommend(scorer, users.ToArray(), k, sink, train, new RecommendOptions { FilterSeen = true, Threads = threads });
        int n = users.Count;
        int covered = 0;
        foreach (bool b in sink.Recommended)
        {
            covered += b ? 1 : 0;
        }

        return new RankingMetrics(
            k,
            sink.PrecisionDivisor == 0 ? 0 : sink.Relevant / (double)sink.PrecisionDivisor,
            n == 0 ? 0 : sink.Recall / n,
            n == 0 ? 0 : sink.Map / n,
            n == 0 ? 0 : sink.Ndcg / n,
            n == 0 ? 0 : sink.Auc / n,
            scorer.Items == 0 ? 0 : covered / (double)scorer.Items,
            n) { PerUser = sink.PerUser };
    }

    /// <summary>RMSE and MAE of <see cref="AlsModel.Predict(int, int, ColdStartStrategy)"/> over every test interaction.</summary>
    public static ErrorMetrics Error(AlsModel model, CsrMatrix test) => Error(model, test, ColdStartStrategy.Score);

    /// <summary>
    /// RMSE and MAE of <see cref="AlsModel.Predict(int, int, ColdStartStrategy)"/> over every test interaction: with
    /// <see cref="ColdStartStrategy.Drop"/> pairs with a cold user or item are not counted (<see cref="ErrorMetrics.Count"/>
    /// says how many were), with <see cref="ColdStartStrategy.Nan"/> any such pair makes the metrics NaN.
    /// </summary>
    public static ErrorMetrics Error(AlsModel model, CsrMatrix test, ColdStartStrategy coldStart)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        if (!Enum.IsDefined(coldStart))
        {
            throw new ArgumentOutOfRangeException(nameof(coldStart), coldStart, "Not a cold-start strategy.");
        }

        if (test.Rows > model.Users || test.Cols != model.Items)
        {
            throw new ArgumentException($"The test matrix ({test.Rows} x {test.Cols}) does not fit the model ({model.Users} users x {model.Items} items).", nameof(test));
        }

        var se = new double[test.Rows];
        var ae = new double[test.Rows];
        var counted = new long[test.Rows];
        Parallel.For(0, test.Rows, u =>
        {
            ReadOnlySpan<int> items = test.RowIndices(u);
            ReadOnlySpan<float> r = test.RowValues(u);
            double s = 0, a = 0;
            long c = 0;
            for (int t = 0; t < items.Length; t++)
            {
                if (coldStart == ColdStartStrategy.Drop && (model.IsColdUser(u) || model.IsColdItem(items[t])))
                {
                    continue;
                }

                double e = r[t] - model.Predict(u, items[t], coldStart);
                s += e * e;
                a += Math.Abs(e);
                c++;
            }

            se[u] = s;
            ae[u] = a;
            counted[u] = c;
        });
        double sse = 0, sae = 0;
        long n = 0;
        for (int u = 0; u < se.Length; u++)
        {
            sse += se[u];
            sae += ae[u];
            n += counted[u];
        }

        return n == 0 ? new ErrorMetrics(0, 0, 0) : new ErrorMetrics(Math.Sqrt(sse / n), sae / n, n);
    }

    private sealed class MetricSink : IRecommendationSink
    {
        private readonly CsrMatrix _test;
        private readonly int _k;
        private readonly int _items;
        private readonly double[] _cg;
        private readonly double[] _cgSum;
        private int _position;

        public MetricSink(CsrMatrix test, int k, int items, PerUserRankingMetrics? perUser)
        {
            _test = test;
            _k = k;
            _items = items;
            PerUser = perUser;
            Recommended = new bool[items];
            _cg = new double[k];
            _cgSum = new double[k];
            for (int i = 0; i < k; i++)
            {
                _cg[i] = 1.0 / Math.Log2(i + 2);
                _cgSum[i] = _cg[i] + (i > 0 ? _cgSum[i - 1] : 0);
            }
        }

        public PerUserRankingMetrics? PerUser { get; }

        public bool[] Recommended { get; }

        public long Relevant { get; private set; }

        public long PrecisionDivisor { get; private set; }

        public double Recall { get; private set; }

        public double Map { get; private set; }

        public double Ndcg { get; private set; }

        public double Auc { get; private set; }

        public void Write(in RecommendationBlock block)
        {
            for (int q = 0; q < block.Queries.Length; q++)
            {
                int u = block.Queries[q];
                ReadOnlySpan<int> likes = _test.RowIndices(u);
                ReadOnlySpan<int> ids = block.Items.Slice(q * block.N, block.N);
                int npos = likes.Length;
                int div = Math.Min(_k, npos);
                long nneg = _items - npos;
                int hit = 0, miss = 0;
                double ap = 0, ndcg = 0, auc = 0;
                double idcg = _cgSum[div - 1];
                for (int i = 0; i < _k; i++)
                {
                    int id = ids[i];
                    if (id >= 0)
                    {
                        Recommended[id] = true;
                    }

                    if (id >= 0 && likes.BinarySearch(id) >= 0)
                    {
                        hit++;
                        ap += hit / (double)(i + 1);
                        ndcg += _cg[i] / idcg;
                    }
                    else
                    {
                        miss++;
                        auc += hit;
                    }
                }

                auc += ((hit + npos) / 2.0) * (nneg - miss);
                double aucU = npos * (double)nneg == 0 ? 0 : auc / (npos * (double)nneg);
                Relevant += hit;
                PrecisionDivisor += div;
                Recall += hit / (double)npos;
                Map += ap / div;
                Ndcg += ndcg;
                Auc += aucU;
                if (PerUser is { } p)
                {
                    p.Users[_position] = u;
                    p.TestItems[_position] = npos;
                    p.Hits[_position] = hit;
                    p.Precision[_position] = hit / (double)div;
                    p.Recall[_position] = hit / (double)npos;
                    p.AveragePrecision[_position] = ap / div;
                    p.Ndcg[_position] = ndcg;
                    p.Auc[_position] = aucU;
                }

                _position++;
            }
        }
    }
}
