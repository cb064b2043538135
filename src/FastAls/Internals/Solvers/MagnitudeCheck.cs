using System.Globalization;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The up-front check that training's float32 sums cannot overflow: every implicit confidence must be finite,
/// and no row or column may sum confidences (implicit) or squared values (explicit) beyond <see cref="Limit"/>.
/// One O(nnz) pass before the first half-step, so an extreme value ends in an error that names it instead of
/// a "not positive definite ... increase regularization" several iterations later.
/// </summary>
internal static class MagnitudeCheck
{
    /// <summary>
    /// The largest accepted per-row (or per-column) sum of confidences or squared values: 1e30 leaves
    /// eight orders of magnitude below float32's 3.4e38 for the products with the factors that the normal
    /// equations accumulate.
    /// </summary>
    public const double Limit = 1e30;

    public static void Check(AlsOptions o, Dataset data)
    {
        CsrMatrix m = data.UserItems;
        var colSums = new double[m.Cols];
        for (int u = 0; u < m.Rows; u++)
        {
            ReadOnlySpan<int> cols = m.RowIndices(u);
            ReadOnlySpan<float> vals = m.RowValues(u);
            double rowSum = 0;
            for (int j = 0; j < cols.Length; j++)
            {
                double w = Weight(o, vals[j], data, u, cols[j]);
                rowSum += w;
                colSums[cols[j]] += w;
            }

            if (rowSum > Limit)
            {
                throw TooLarge(o, $"user {data.UserIds.Format(u)} (row {u})", rowSum);
            }
        }

        for (int i = 0; i < colSums.Length; i++)
        {
            if (colSums[i] > Limit)
            {
                throw TooLarge(o, $"item {data.ItemIds.Format(i)} (column {i})", colSums[i]);
            }
        }
    }

    private static double Weight(AlsOptions o, float v, Dataset data, int u, int i)
    {
        if (!o.IsImplicit)
        {
            return (double)v * v;
        }

        float c = HalfStepContext.ConfidenceOf(o, v);
        if (!float.IsFinite(c))
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"The value {v:R} of user {data.UserIds.Format(u)}, item {data.ItemIds.Format(i)} gives a confidence that overflows float32 " +
                $"({o.Confidence} confidence, alpha = {o.Alpha:R}, epsilon = {o.Epsilon:R}); lower alpha, raise epsilon or rescale the values."));
        }

        return c;
    }

    private static InvalidDataException TooLarge(AlsOptions o, string who, double sum)
    {
        string what = o.IsImplicit ? "confidences" : "squared values";
        string advice = o.IsImplicit ? string.Create(CultureInfo.InvariantCulture, $" with alpha = {o.Alpha:R}; lower alpha or rescale the values.") : "; rescale the values.";
        return new InvalidDataException(string.Create(
            CultureInfo.InvariantCulture,
            $"The {what} of {who} sum to {sum:G3}, more than float32 training can accumulate (at most {Limit:G1}){advice}"));
    }
}
