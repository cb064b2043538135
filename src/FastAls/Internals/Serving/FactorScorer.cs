using FastAls.Internals.Kernels;

namespace FastAls.Internals.Serving;

/// <summary>
/// Scores query rows against target rows of two factor matrices with the block kernel:
/// <c>dot * qScale[q] * tScale[t] + (constant + qBias[q]) + tBias[t]</c> (scales and biases optional).
/// Query rows are gathered into a contiguous per-thread buffer so any subset of users (or a fold-in
/// vector) runs through the same kernel.
/// </summary>
internal sealed unsafe class FactorScorer : IRecommendationScorer
{
    [ThreadStatic]
    private static float[]? t_gather;

    private readonly FactorMatrix _queries;
    private readonly FactorMatrix _targets;
    private readonly float[]? _queryBias;
    private readonly float[]? _targetBias;
    private readonly float _constant;
    private readonly float[]? _queryScale;
    private readonly float[]? _targetScale;
    private readonly PackedPanels? _packed;

    public FactorScorer(FactorMatrix queries, FactorMatrix targets, float[]? queryBias = null, float[]? targetBias = null, float constant = 0,
        float[]? queryScale = null, float[]? targetScale = null, PackedPanels? packedTargets = null)
    {
        if (queries.Factors != targets.Factors)
        {
            throw new ArgumentException($"Query rows have {queries.Factors} factors, target rows {targets.Factors}.");
        }

        _queries = queries;
        _targets = targets;
        _queryBias = queryBias;
        _targetBias = targetBias;
        _constant = constant;
        _queryScale = queryScale;
        _targetScale = targetScale;
        _packed = packedTargets;
    }

    public int Users => _queries.Rows;

    public int Items => _targets.Rows;

    public void ScoreBlock(ReadOnlySpan<int> users, int itemStart, int itemCount, Span<float> scores)
    {
        int stride = _queries.Stride;
        int need = users.Length * stride;
        float[] g = t_gather is { } t && t.Length >= need ? t : (t_gather = new float[Math.Max(need, BatchRecommender.UserBlock * stride)]);
        for (int u = 0; u < users.Length; u++)
        {
            _queries.PaddedRow(users[u]).CopyTo(g.AsSpan(u * stride, stride));
        }

        if ((uint)itemStart > (uint)_targets.Rows || (uint)itemCount > (uint)(_targets.Rows - itemStart))
        {
            throw new ArgumentOutOfRangeException(nameof(itemStart), $"Items [{itemStart}, {itemStart + itemCount}) are outside [0, {_targets.Rows}).");
        }

        if (_packed is not null && itemStart % PackedPanels.Width == 0)
        {
            // blocked product against the factor-major panels (no horizontal sums)
            ScorePacked.Score(g, users.Length, _packed.Panels(itemStart, itemCount), itemCount, stride, scores, itemCount);
        }
        else
        {
            var items = new ReadOnlySpan<float>(_targets.Pointer + ((long)itemStart * stride), itemCount * stride);
            ScoreKernel.Score(g, users.Length, items, itemCount, stride, scores, itemCount);
        }
        ReadOnlySpan<float> tb = _targetBias is null ? default : _targetBias.AsSpan(itemStart, itemCount);
        ReadOnlySpan<float> ts = _targetScale is null ? default : _targetScale.AsSpan(itemStart, itemCount);
        for (int u = 0; u < users.Length; u++)
        {
            Span<float> row = scores.Slice(u * itemCount, itemCount);
            float add = _constant + (_queryBias is null ? 0 : _queryBias[users[u]]);
            if (_queryScale is not null)
            {
                float qs = _queryScale[users[u]];
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = row[j] * qs * ts[j];
                }
            }

            if (add != 0)
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] += add;
                }
            }

            if (!tb.IsEmpty)
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] += tb[j];
                }
            }
        }
    }

    /// <summary>1 / |row| for every row (0 for a zero row, so its cosine is 0); vectorized, one pass.</summary>
    public static float[] InverseNorms(FactorMatrix m)
    {
        var inv = new float[m.Rows];
        Span<float> sq = stackalloc float[1];
        for (int r = 0; r < m.Rows; r++)
        {
            Span<float> row = m.PaddedRow(r);
            ScoreKernel.Score(row, 1, row, 1, m.Stride, sq, 1);
            inv[r] = sq[0] > 0 ? 1f / MathF.Sqrt(sq[0]) : 0f;
        }

        return inv;
    }
}
