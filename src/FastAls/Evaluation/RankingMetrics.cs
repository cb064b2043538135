namespace FastAls.Evaluation;

/// <summary>
/// Ranking quality at K, computed exactly as <c>implicit</c>'s <c>ranking_metrics_at_k</c> (plus recall
/// and catalogue coverage). Only users with at least one test item count; their top K are recommended
/// with their training items excluded.
/// </summary>
/// <param name="K">The cut-off.</param>
/// <param name="Precision">Σ_u hits_u / Σ_u min(K, |T_u|) (micro-averaged, as implicit).</param>
/// <param name="Recall">mean_u hits_u / |T_u|.</param>
/// <param name="Map">mean_u (Σ_{rank r hit} hits_so_far / r) / min(K, |T_u|).</param>
/// <param name="Ndcg">mean_u (Σ_{rank r hit} 1/log2(r+1)) / Σ_{r ≤ min(K,|T_u|)} 1/log2(r+1).</param>
/// <param name="Auc">mean_u of implicit's AUC at K (unranked positives assumed half-way among the unranked negatives).</param>
/// <param name="Coverage">Distinct recommended items / all items.</param>
/// <param name="Users">Users evaluated (those with test items).</param>
public sealed record RankingMetrics(int K, double Precision, double Recall, double Map, double Ndcg, double Auc, double Coverage, int Users)
{
    /// <summary>Per-user values (when asked for), in user order.</summary>
    public PerUserRankingMetrics? PerUser { get; init; }
}
