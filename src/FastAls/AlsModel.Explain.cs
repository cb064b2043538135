using FastAls.Internals.Serving;

namespace FastAls;

/// <summary>
/// Why an implicit model scores (user, item) as it does: the score split into one contribution per item
/// the user interacted with, as <c>implicit</c>'s <c>explain</c> does.
/// </summary>
/// <param name="Score">The sum of all contributions: the item's score for a user folded in from these interactions.</param>
/// <param name="Contributions">The largest contributions, largest first (index = the user's item).</param>
public sealed record ItemExplanation(float Score, Recommendations Contributions);

public sealed partial class AlsModel
{
    private double[]? _itemGram;

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
    /// (<paramref name="userItems"/>, <paramref name="values"/>): with the user's weighted Gram matrix
    /// <c>W = YᵀY + Σ_j (c_j − 1) y_j y_jᵀ + λ_u I</c> (c the confidence of the model's options, λ_u the
    /// regularization as training scales it), the contribution of item j is <c>c_j p_j · (W⁻¹ y_item) · y_j</c> (p_j = 1 for a positive value, else 0),
    /// and the contributions sum to the score of the user's least-squares factors. Implicit model only.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is not <see cref="AlsModelKind.Implicit"/>.</exception>
    public ItemExplanation Explain(int item, ReadOnlySpan<int> userItems, ReadOnlySpan<float> values, int n = 10)
    {
        if (Kind != AlsModelKind.Implicit)
        {
            throw new NotSupportedException($"Explain needs an Implicit model; this one is {Kind} (biased and explicit models have no per-item split of this form).");
        }

        CheckIndex(item, Items, "item", nameof(item));
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (userItems.Length != values.Length)
        {
            throw new ArgumentException($"userItems ({userItems.Length}) and values ({values.Length}) differ in length.", nameof(values));
        }

        int k = Factors;
        double[] gram = _itemGram ??= ItemGram();
        var w = (double[])gram.Clone();
        float lambda = Options.RegularizationScaling == RegularizationScaling.ByCount ? Options.Regularization * userItems.Length : Options.Regularization;
        var conf = new float[userItems.Length];
        for (int t = 0; t < userItems.Length; t++)
        {
            int j = userItems[t];
            CheckIndex(j, Items, "item", nameof(userItems));
            if (!float.IsFinite(values[t]))
            {
                throw new ArgumentException($"values[{t}] = {values[t]} is not finite.", nameof(values));
            }

            conf[t] = Confidence(values[t]);
            double c1 = conf[t] - 1.0;
            ReadOnlySpan<float> y = ItemFactors.Row(j);
            for (int a = 0; a < k; a++)
            {
                double ya = c1 * y[a];
                for (int b = 0; b < k; b++)
                {
                    w[(a * k) + b] += ya * y[b];
                }
            }
        }

        for (int a = 0; a < k; a++)
        {
            w[(a * k) + a] += lambda;
        }

        if (!SmallCholesky.Factor(w, k))
        {
            throw new InvalidOperationException($"The user's weighted Gram matrix is not positive definite (regularization {Options.Regularization}); increase regularization.");
        }

        var q = new double[k];
        ReadOnlySpan<float> yi = ItemFactors.Row(item);
        for (int a = 0; a < k; a++)
        {
            q[a] = yi[a];
        }

        SmallCholesky.Solve(w, k, q);
        var top = new TopN(n);
        double total = 0;
        for (int t = 0; t < userItems.Length; t++)
        {
            ReadOnlySpan<float> y = ItemFactors.Row(userItems[t]);
            double s = 0;
            for (int a = 0; a < k; a++)
            {
                s += q[a] * y[a];
            }

            s *= values[t] > 0 ? conf[t] : 0.0;
            total += s;
            top.Push((float)s, userItems[t]);
        }

        var idx = new int[top.Count];
        var sc = new float[top.Count];
        top.Drain(idx, sc);
        return new ItemExplanation((float)total, new Recommendations(idx, sc, ItemIds));
    }

    /// <summary>The confidence <c>c</c> the model's options give a value <paramref name="r"/>.</summary>
    /// <remarks>Of |r|, as training uses it; the preference is 1 for r &gt; 0, else 0.</remarks>
    internal float Confidence(float r) => Options.Confidence == ConfidenceKind.Log
        ? 1f + (Options.Alpha * MathF.Log(1f + (MathF.Abs(r) / Options.Epsilon)))
        : 1f + (Options.Alpha * MathF.Abs(r));

    private double[] ItemGram()
    {
        int k = Factors;
        var g = new double[k * k];
        for (int i = 0; i < Items; i++)
        {
            ReadOnlySpan<float> y = ItemFactors.Row(i);
            for (int a = 0; a < k; a++)
            {
                double ya = y[a];
                for (int b = 0; b < k; b++)
                {
                    g[(a * k) + b] += ya * y[b];
                }
            }
        }

        return g;
    }
}
