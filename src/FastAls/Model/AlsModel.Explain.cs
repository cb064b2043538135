using FastAls.Internals;
using FastAls.Internals.Serving;

namespace FastAls;

public sealed partial class AlsModel
{
    /// <summary>
    /// Explains the score of <paramref name="item"/> for user <paramref name="user"/> from the user's row of
    /// <paramref name="userItems"/>. See <see cref="Explain(int, ReadOnlySpan{int}, ReadOnlySpan{float}, int)"/>.
    /// </summary>
    public ItemExplanation Explain(int user, int item, CsrMatrix userItems, int n = 10)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        CheckIndex(user, userItems.Rows, "user", nameof(user));
        if (userItems.Cols != Items)
        {
            throw new ArgumentException($"userItems has {userItems.Cols} columns; the model has {Items} items.", nameof(userItems));
        }

        return Explain(item, userItems.RowIndices(user), userItems.RowValues(user), n);
    }

    /// <summary>
    /// Explains the score of <paramref name="item"/> for a user with interactions
    /// (<paramref name="userItems"/>, <paramref name="values"/>), from the system a training half-step
    /// solves for that user: <c>W z = h0 + Σ_j q_j v_j</c> with <c>W = ṼᵀṼ + Σ_j (c_j − 1) v_j v_jᵀ + λ_u I</c>
    /// (v = item factors, extended by a 1 for the user bias in the biased model; c the confidence of the
    /// model's options; q_j = c_j p_j − (c_j − 1) g_j; h0 = −Σ_i g_i v_i; g = 0 unbiased). The contribution of
    /// item j is <c>q_j · (W⁻¹ v_item) · v_j</c> (implicit's explain), and
    /// <c>Baseline = (W⁻¹ v_item) · h0 + g_item</c>. Costs O(items k²) (the Gram matrix, not cached).
    /// </summary>
    /// <exception cref="NotSupportedException">The model is explicit.</exception>
    public ItemExplanation Explain(int item, ReadOnlySpan<int> userItems, ReadOnlySpan<float> values, int n = 10)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        if (!Options.IsImplicit)
        {
            throw new NotSupportedException($"Explain needs an implicit model; this one is {Kind}.");
        }

        CheckIndex(item, Items, "item", nameof(item));
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (userItems.Length != values.Length)
        {
            throw new ArgumentException($"userItems ({userItems.Length}) and values ({values.Length}) differ in length.", nameof(values));
        }

        bool biased = Options.HasBiases;
        int k = Factors;
        int dim = biased ? k + 1 : k;
        float[]? g = _itemBiases;
        var w = new double[dim * dim];
        var h0 = new double[dim];
        var v = new double[dim];
        for (int i = 0; i < Items; i++)
        {
            Extended(i, v);
            double gi = biased ? g![i] : 0;
            for (int a = 0; a < dim; a++)
            {
                for (int b = 0; b < dim; b++)
                {
                    w[(a * dim) + b] += v[a] * v[b];
                }

                h0[a] -= gi * v[a];
            }
        }

        float lambda = Options.RegularizationScaling == RegularizationScaling.ByCount ? Options.Regularization * userItems.Length : Options.Regularization;
        var q = new double[userItems.Length];
        for (int t = 0; t < userItems.Length; t++)
        {
            int j = userItems[t];
            CheckIndex(j, Items, "item", nameof(userItems));
            if (!float.IsFinite(values[t]))
            {
                throw new ArgumentException($"values[{t}] = {values[t]} is not finite.", nameof(values));
            }

            double c = Confidence(values[t]);
            double wt = c - 1.0;
            q[t] = (c * (values[t] > 0 ? 1 : 0)) - (wt * (biased ? g![j] : 0));
            Extended(j, v);
            for (int a = 0; a < dim; a++)
            {
                for (int b = 0; b < dim; b++)
                {
                    w[(a * dim) + b] += wt * v[a] * v[b];
                }
            }
        }

        for (int a = 0; a < dim; a++)
        {
            w[(a * dim) + a] += lambda;
        }

        if (!SmallCholesky.Factor(w, dim))
        {
            throw new AlsNumericalException($"The user's weighted Gram matrix is not positive definite (regularization {Options.Regularization}); increase regularization.", "user", -1);
        }

        var sItem = new double[dim];
        Extended(item, sItem);
        SmallCholesky.Solve(w, dim, sItem);
        double baseline = biased ? g![item] : 0;
        for (int a = 0; a < dim; a++)
        {
            baseline += sItem[a] * h0[a];
        }

        var top = new TopN(n);
        double total = baseline;
        for (int t = 0; t < userItems.Length; t++)
        {
            Extended(userItems[t], v);
            double s = 0;
            for (int a = 0; a < dim; a++)
            {
                s += sItem[a] * v[a];
            }

            s *= q[t];
            total += s;
            top.Push((float)s, userItems[t]);
        }

        var idx = new int[top.Count];
        var sc = new float[top.Count];
        top.Drain(idx, sc);
        return new ItemExplanation((float)total, (float)baseline, new Recommendations(idx, sc, ItemIds));
    }

    /// <summary>The confidence <c>c</c> the model's options give a value <paramref name="r"/>.</summary>
    /// <remarks>Of |r|, as training uses it; the preference is 1 for r &gt; 0, else 0.</remarks>
    internal float Confidence(float r) => Internals.Solvers.HalfStepContext.ConfidenceOf(Options, r); // training's one definition

    /// <summary>Item i's factors, with a trailing 1 (the user-bias coordinate) for the biased models.</summary>
    private void Extended(int i, Span<double> v)
    {
        ReadOnlySpan<float> y = _itemFactors.Row(i);
        for (int a = 0; a < y.Length; a++)
        {
            v[a] = y[a];
        }

        if (v.Length > y.Length)
        {
            v[y.Length] = 1.0;
        }
    }
}
