using System.Globalization;
using System.Runtime.Intrinsics;

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

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first value, user or item over the limits.</summary>
    /// <remarks>
    /// Runs on <see cref="AlsOptions.Threads"/> workers in parts of rows: the users' sums over the user-item rows,
    /// the items' over the item-user rows (the same values in the same user order as a column sum in a serial pass,
    /// so the same bits). The error is the one a serial pass meets first: the earliest user part's, else the
    /// earliest item part's.
    /// </remarks>
    public static void Check(AlsOptions o, Dataset data)
    {
        int threads = AlsTrainer.ResolveThreads(o.Threads);
        CsrMatrix users = data.UserItems, items = data.ItemUsers;
        if (AllWithinBound(o, users, threads) && AllWithinBound(o, items, threads))
        {
            return;
        }

        int userParts = Parts(threads, users), itemParts = Parts(threads, items);
        int[] userBounds = users.RowPartition(userParts), itemBounds = items.RowPartition(itemParts);
        var errors = new Exception?[userParts + itemParts];
        int next = -1;
        HalfStepSolver.RunWorkers(Math.Min(threads, errors.Length), _ =>
        {
            int part;
            while ((part = Interlocked.Increment(ref next)) < errors.Length)
            {
                errors[part] = part < userParts
                    ? CheckRows(o, data, user: true, userBounds[part], userBounds[part + 1])
                    : CheckRows(o, data, user: false, itemBounds[part - userParts], itemBounds[part - userParts + 1]);
            }
        });

        foreach (Exception? e in errors)
        {
            if (e is not null)
            {
                throw e;
            }
        }
    }

    private static int Parts(int threads, CsrMatrix m) => threads <= 1 || m.Nnz < CsrMatrix.ParallelNnz ? 1 : 2 * threads;

    /// <summary>The first error among rows [first, end) of one side (user rows also check every confidence), or null.</summary>
    private static Exception? CheckRows(AlsOptions o, Dataset data, bool user, int first, int end)
    {
        CsrMatrix m = user ? data.UserItems : data.ItemUsers;
        for (int r = first; r < end; r++)
        {
            ReadOnlySpan<int> cols = m.RowIndices(r);
            ReadOnlySpan<float> vals = m.RowValues(r);
            if (WithinBound(o, vals))
            {
                continue;
            }

            double sum = 0;
            for (int j = 0; j < cols.Length; j++)
            {
                float v = vals[j];
                double w = (double)v * v;
                if (o.IsImplicit)
                {
                    float c = HalfStepContext.ConfidenceOf(o, v);
                    if (user && !float.IsFinite(c))
                    {
                        return Overflow(o, v, data, r, cols[j]);
                    }

                    w = c;
                }

                sum += w;
            }

            if (sum > Limit)
            {
                return TooLarge(o, user ? $"user {data.UserIds.Format(r)} (row {r})" : $"item {data.ItemIds.Format(r)} (column {r})", sum);
            }
        }

        return null;
    }

    /// <summary>
    /// Whether every row of <paramref name="m"/> passes <see cref="WithinBound"/>, from the longest row and the largest
    /// |value| of the matrix: one flat pass over the values (in parts on <paramref name="threads"/> workers) instead of
    /// one per row. Sound because every term (the confidence, or the square) grows with |v| and every row is at most
    /// the longest; a second factor of (1 + 1e-6) covers a last-bit wobble of <c>log</c>. False sends the caller to
    /// the per-row pass, which names the row.
    /// </summary>
    private static bool AllWithinBound(AlsOptions o, CsrMatrix m, int threads)
    {
        long nnz = m.Nnz;
        if (nnz == 0)
        {
            return true;
        }

        const int PartValues = 1 << 20;
        int parts = (int)((nnz + PartValues - 1) / PartValues);
        var tops = new float[parts];
        int next = -1;
        HalfStepSolver.RunWorkers(nnz < CsrMatrix.ParallelNnz ? 1 : Math.Min(threads, parts), _ =>
        {
            int part;
            while ((part = Interlocked.Increment(ref next)) < parts)
            {
                long start = (long)part * PartValues;
                tops[part] = MaxAbs(m.GetValues(start, (int)Math.Min(PartValues, nnz - start)));
            }
        });

        float top = 0f;
        foreach (float t in tops)
        {
            top = Math.Max(top, t);
        }

        return TermWithin(o, HalfStepSolver.MaxRowLength(m) * (1 + 1e-6), top);
    }

    /// <summary>
    /// True when no value of the row can fail the exact pass: every term (a confidence, nondecreasing in |v|, or v^2)
    /// is at most the largest |v|'s, so when the row's length times that term stays far inside <see cref="Limit"/>
    /// (half of it, after a 1e-6 margin for float rounding), both the sum and every confidence are within bounds.
    /// The largest |v| is one vector pass; the exact pass, which names the value, user or item, runs only for the
    /// rows that this bound does not clear.
    /// </summary>
    private static bool WithinBound(AlsOptions o, ReadOnlySpan<float> vals) => TermWithin(o, vals.Length, MaxAbs(vals));

    /// <summary>
    /// Whether <paramref name="count"/> terms of at most the term of <paramref name="top"/> (a confidence, or a square)
    /// sum to at most half the limit, with a relative margin of 1e-6; false where the term is not finite.
    /// </summary>
    private static bool TermWithin(AlsOptions o, double count, float top)
    {
        double term = o.IsImplicit ? HalfStepContext.ConfidenceOf(o, top) : (double)top * top;
        return double.IsFinite(term) && count * term * (1 + 1e-6) <= Limit / 2;
    }

    /// <summary>The largest |v| of <paramref name="vals"/> (0 when empty; NaN when one is NaN).</summary>
    private static float MaxAbs(ReadOnlySpan<float> vals)
    {
        float top = 0f;
        int j = 0;
        if (Vector256.IsHardwareAccelerated && vals.Length >= Vector256<float>.Count)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; j <= vals.Length - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                acc = Vector256.Max(acc, Vector256.Abs(Vector256.Create(vals.Slice(j, Vector256<float>.Count))));
            }

            for (int l = 0; l < Vector256<float>.Count; l++)
            {
                top = Math.Max(top, acc[l]);
            }
        }

        for (; j < vals.Length; j++)
        {
            top = Math.Max(top, Math.Abs(vals[j]));
        }

        return top;
    }

    private static InvalidDataException Overflow(AlsOptions o, float v, Dataset data, int u, int i) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"The value {v:R} of user {data.UserIds.Format(u)}, item {data.ItemIds.Format(i)} gives a confidence that overflows float32 " +
            $"({o.Confidence} confidence, alpha = {o.Alpha:R}, epsilon = {o.Epsilon:R}); lower alpha, raise epsilon or rescale the values."));

    private static InvalidDataException TooLarge(AlsOptions o, string who, double sum)
    {
        string what = o.IsImplicit ? "confidences" : "squared values";
        string advice = o.IsImplicit ? string.Create(CultureInfo.InvariantCulture, $" with alpha = {o.Alpha:R}; lower alpha or rescale the values.") : "; rescale the values.";
        return new InvalidDataException(string.Create(
            CultureInfo.InvariantCulture,
            $"The {what} of {who} sum to {sum:G3}, more than float32 training can accumulate (at most {Limit:G1}){advice}"));
    }
}
