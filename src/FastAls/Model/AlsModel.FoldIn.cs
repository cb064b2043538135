using FastAls.Internals;

namespace FastAls;

public sealed partial class AlsModel
{
    /// <summary>
    /// Factors (and bias) for a new or changed user from their interactions alone, with the item side
    /// fixed, solved exactly as a training user half-step solves that row (same confidence,
    /// regularization and solver; CG models start from zeros). The model is not changed.
    /// </summary>
    /// <param name="items">The user's item indices.</param>
    /// <param name="values">The values (ratings, counts) of those interactions.</param>
    public FoldInResult RecalculateUser(ReadOnlySpan<int> items, ReadOnlySpan<float> values)
    {
        var f = new float[Factors];
        RecalculateUser(items, values, f, out float bias);
        return new FoldInResult(f, bias);
    }

    /// <summary>
    /// Allocation-free <see cref="RecalculateUser(ReadOnlySpan{int}, ReadOnlySpan{float})"/>: writes the
    /// factors into <paramref name="factors"/> (whose content is the warm start of CG models).
    /// </summary>
    public void RecalculateUser(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> factors, out float bias)
    {
        CheckFoldInSpan(factors);
        SolveUserRow(items, values, factors, out bias);
    }

    /// <summary>The same as <see cref="RecalculateUser(ReadOnlySpan{int}, ReadOnlySpan{float})"/> for an item, with the users fixed.</summary>
    /// <param name="users">The item's user indices.</param>
    /// <param name="values">The values of those interactions.</param>
    public FoldInResult RecalculateItem(ReadOnlySpan<int> users, ReadOnlySpan<float> values)
    {
        var f = new float[Factors];
        RecalculateItem(users, values, f, out float bias);
        return new FoldInResult(f, bias);
    }

    /// <summary>Allocation-free <see cref="RecalculateItem(ReadOnlySpan{int}, ReadOnlySpan{float})"/>.</summary>
    public void RecalculateItem(ReadOnlySpan<int> users, ReadOnlySpan<float> values, Span<float> factors, out float bias)
    {
        CheckFoldInSpan(factors);
        SolveItemRow(users, values, factors, out bias);
    }

    /// <summary>
    /// Recommends for a user given only by interactions (new users, or fresh interactions of a known
    /// one): folds the row in with <see cref="RecalculateUser(ReadOnlySpan{int}, ReadOnlySpan{float})"/> and
    /// recommends from those factors, leaving <paramref name="items"/> out when
    /// <see cref="RecommendOptions.FilterSeen"/>.
    /// </summary>
    public Recommendations RecommendForInteractions(ReadOnlySpan<int> items, ReadOnlySpan<float> values, int n, RecommendOptions? options = null)
    {
        FoldInResult r = RecalculateUser(items, values);
        return RecommendForFactors(r.Factors, r.Bias, n, items, options);
    }

    /// <summary>
    /// The items most similar (cosine) to a new item given only by its interactions, folded in with
    /// <see cref="RecalculateItem(ReadOnlySpan{int}, ReadOnlySpan{float})"/>. No item is excluded except by the
    /// options' lists.
    /// </summary>
    public Recommendations SimilarItemsForInteractions(ReadOnlySpan<int> users, ReadOnlySpan<float> values, int n, RecommendOptions? options = null)
    {
        FoldInResult r = RecalculateItem(users, values);
        using ModelGate.ReadScope read = _gate.EnterRead();
        options ??= RecommendOptions.Default;
        using var one = new FactorMatrix(1, Factors);
        r.Factors.CopyTo(one.Row(0));
        float[] qinv = Internals.Serving.FactorScorer.InverseNorms(one);
        float[] inv = CachedInverseNorms(items: true);
        var scorer = new Internals.Serving.FactorScorer(one, _itemFactors, queryScale: qinv, targetScale: inv);
        var sink = new SingleSink();
        BatchRecommender.Run(scorer, [0], n, null, options with { FilterSeen = false, Threads = 1 }, excludeSelf: false, sink);
        return new Recommendations(sink.Items, sink.Scores, ItemIds);
    }

    private void CheckFoldInSpan(Span<float> factors)
    {
        if (factors.Length != Factors)
        {
            throw new ArgumentException($"factors has {factors.Length} values; the model has {Factors} factors.", nameof(factors));
        }

        for (int f = 0; f < factors.Length; f++)
        {
            if (!float.IsFinite(factors[f]))
            {
                throw new ArgumentException($"factors[{f}] (the starting point) is not finite ({factors[f]}).", nameof(factors));
            }
        }
    }
}
