using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    private readonly Int8Catalogue? _bounded;

    public FactorScorer(FactorMatrix queries, FactorMatrix targets, float[]? queryBias = null, float[]? targetBias = null, float constant = 0,
        float[]? queryScale = null, float[]? targetScale = null, PackedPanels? packedTargets = null, Int8Catalogue? boundedTargets = null)
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
        if (boundedTargets is not null && (boundedTargets.Rows != targets.Rows || boundedTargets.FactorStride != targets.Stride))
        {
            throw new ArgumentException($"The quantized catalogue has {boundedTargets.Rows} rows of stride {boundedTargets.FactorStride}; the targets {targets.Rows} of {targets.Stride}.", nameof(boundedTargets));
        }

        _bounded = boundedTargets;
    }

    /// <summary>
    /// The quantized copy of the targets for the bounded two-pass path (<see cref="ScoreBounds"/>), or null. The scales
    /// must be non-negative (inverse norms), which keeps the finishing monotone.
    /// </summary>
    public Int8Catalogue? Bounded => _bounded;

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
            float add = _constant + (_queryBias is null ? 0 : _queryBias[users[u]]);
            Finish(scores.Slice(u * itemCount, itemCount), _queryScale is null ? null : _queryScale[users[u]], ts, add, tb);
        }
    }

    /// <summary>Quantizes query <paramref name="user"/> into <paramref name="bytes"/> for <see cref="ScoreBounds"/>.</summary>
    public Int8Query PrepareBounds(int user, Span<byte> bytes) => Bounded!.PrepareQuery(_queries.Row(user), bytes);

    /// <summary>
    /// For items <c>[itemStart, itemStart + itemCount)</c>: an interval <c>[lower[i], upper[i]]</c> that holds the score
    /// <see cref="ScoreBlock"/> gives (user, <c>itemStart + i</c>), from the quantized rows (<see cref="Int8Catalogue.Bounds"/>)
    /// and the same finishing operations: each is a rounded multiply or add by a fixed non-negative scale or a fixed term,
    /// so it is monotone and maps the interval of the dot onto one of the score.
    /// </summary>
    public void ScoreBounds(int user, in Int8Query query, ReadOnlySpan<byte> bytes, int itemStart, int itemCount, Span<float> lower, Span<float> upper)
    {
        ReadOnlySpan<float> tb = _targetBias is null ? default : _targetBias.AsSpan(itemStart, itemCount);
        ReadOnlySpan<float> ts = _targetScale is null ? default : _targetScale.AsSpan(itemStart, itemCount);
        float add = _constant + (_queryBias is null ? 0 : _queryBias[user]);
        float? qs = _queryScale is null ? null : _queryScale[user];
        Bounded!.Bounds(query, bytes, itemStart, itemCount, lower, upper, new Finishing(qs, add, !tb.IsEmpty), ts, tb);
    }

    /// <summary>
    /// The scores of (user, <c>items[j]</c>) into <c>scores[j]</c>, each with the bits <see cref="ScoreBlock"/> gives it: on the
    /// row kernel (one item is the kernel's lone-item edge, which computes what its tiles compute), or, for a packed scorer,
    /// as the packed kernels compute every score on every path: one fused multiply-add chain over the factors in order,
    /// from zero. <see cref="Finish"/> treats every element alike.
    /// </summary>
    public void ScoreItems(int user, ReadOnlySpan<int> items, Span<float> scores)
    {
        int stride = _queries.Stride;
        ReadOnlySpan<float> q = _queries.PaddedRow(user);
        float add = _constant + (_queryBias is null ? 0 : _queryBias[user]);
        float? qs = _queryScale is null ? null : _queryScale[user];
        for (int j = 0; j < items.Length; j++)
        {
            int i = items[j];
            Span<float> one = scores.Slice(j, 1);
            if (_packed is null)
            {
                ScoreKernel.Score(q, 1, _targets.PaddedRow(i), 1, stride, one, 1);
            }
            else
            {
                one[0] = PackedChain(q, _targets.PaddedRow(i));
            }

            Finish(one, qs, _targetScale is null ? default : _targetScale.AsSpan(i, 1), add, _targetBias is null ? default : _targetBias.AsSpan(i, 1));
        }
    }

    /// <summary>The packed kernels' score of one pair: <c>s = fma(q[d], y[d], s)</c> for d in order, from s = 0.</summary>
    private static float PackedChain(ReadOnlySpan<float> q, ReadOnlySpan<float> y)
    {
        float s = 0;
        for (int d = 0; d < q.Length; d++)
        {
            s = MathF.FusedMultiplyAdd(q[d], y[d], s);
        }

        return s;
    }

    /// <summary>
    /// <c>row[j] = ((row[j] * qs) * ts[j] + add) + tb[j]</c>, each step only when it applies (<see cref="Finishing"/>), in one
    /// pass: every element gets the same IEEE operations in the same order, in vector lanes or not, so the bits do not
    /// depend on the vector width.
    /// </summary>
    private static void Finish(Span<float> row, float? queryScale, ReadOnlySpan<float> ts, float add, ReadOnlySpan<float> tb)
    {
        var f = new Finishing(queryScale, add, !tb.IsEmpty);
        if (f.IsIdentity)
        {
            return;
        }

        ref float r = ref MemoryMarshal.GetReference(row);
        ref float s = ref MemoryMarshal.GetReference(ts);
        ref float b = ref MemoryMarshal.GetReference(tb);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + Vector256<float>.Count <= row.Length; j += Vector256<float>.Count)
            {
                f.Apply(Vector256.LoadUnsafe(ref r, (nuint)j), ref s, ref b, (nuint)j).StoreUnsafe(ref r, (nuint)j);
            }
        }

        for (; j < row.Length; j++)
        {
            row[j] = f.Apply(row[j], ref s, ref b, j);
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

/// <summary>
/// What finishes a score after its dot: <c>((x * qs) * ts[j] + add) + tb[j]</c>, each step only when it applies (a query
/// scale given, add non-zero, target biases given). The one definition of that order of operations, for the exact scores
/// (<see cref="FactorScorer"/>) and for the brackets of the quantized pass (<see cref="Int8Catalogue.Bounds"/>): each step
/// is a rounded multiply by a non-negative scale or a rounded add of a fixed term, so it is monotone, and the same steps
/// map a bracket of the dot onto a bracket of the score.
/// </summary>
internal readonly struct Finishing(float? queryScale, float add, bool bias)
{
    private readonly bool _scale = queryScale.HasValue;
    private readonly bool _plus = add != 0;
    private readonly float _qs = queryScale.GetValueOrDefault();
    private readonly float _add = add;

    /// <summary>No step applies.</summary>
    public bool IsIdentity => !_scale && !_plus && !bias;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> x, ref float ts, ref float tb, nuint j)
    {
        if (_scale)
        {
            x = x * Vector256.Create(_qs) * Vector256.LoadUnsafe(ref ts, j);
        }

        if (_plus)
        {
            x += Vector256.Create(_add);
        }

        if (bias)
        {
            x += Vector256.LoadUnsafe(ref tb, j);
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float x, ref float ts, ref float tb, int j)
    {
        if (_scale)
        {
            x = x * _qs * Unsafe.Add(ref ts, j);
        }

        if (_plus)
        {
            x += _add;
        }

        if (bias)
        {
            x += Unsafe.Add(ref tb, j);
        }

        return x;
    }
}
