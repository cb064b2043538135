namespace FastAls.Evaluation;

/// <summary>Per-user ranking metrics (the terms the averages of <see cref="RankingMetrics"/> are made of).</summary>
public sealed class PerUserRankingMetrics
{
    internal PerUserRankingMetrics(int count)
    {
        Users = new int[count];
        TestItems = new int[count];
        Hits = new int[count];
        Precision = new double[count];
        Recall = new double[count];
        AveragePrecision = new double[count];
        Ndcg = new double[count];
        Auc = new double[count];
    }

    /// <summary>User indices.</summary>
    public int[] Users { get; }

    /// <summary>|T_u|.</summary>
    public int[] TestItems { get; }

    /// <summary>Test items among the top K.</summary>
    public int[] Hits { get; }

    /// <summary>hits / min(K, |T_u|).</summary>
    public double[] Precision { get; }

    /// <summary>hits / |T_u|.</summary>
    public double[] Recall { get; }

    /// <summary>Average precision at K.</summary>
    public double[] AveragePrecision { get; }

    /// <summary>NDCG at K.</summary>
    public double[] Ndcg { get; }

    /// <summary>AUC at K.</summary>
    public double[] Auc { get; }
}
