using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>Small random problems and an independent dense double-precision reference of the ALS models.</summary>
internal static class EngineTestData
{
    public static readonly AlsModelKind[] Kinds = [AlsModelKind.Explicit, AlsModelKind.BiasedExplicit, AlsModelKind.Implicit, AlsModelKind.BiasedImplicit];

    public static TheoryData<AlsModelKind, AlsSolver> KindsAndSolvers()
    {
        var d = new TheoryData<AlsModelKind, AlsSolver>();
        foreach (AlsModelKind k in Kinds)
        {
            d.Add(k, AlsSolver.Cholesky);
            d.Add(k, AlsSolver.ConjugateGradient);
        }

        return d;
    }

    /// <summary>
    /// The kernel paths this machine runs, by name: KernelPath is internal to FastAls and a theory is a public method,
    /// so theories take the name and turn it back with <see cref="Path"/>.
    /// </summary>
    public static TheoryData<string> Paths()
    {
        var d = new TheoryData<string>();
        foreach (KernelPath p in KernelIsa.Supported)
        {
            d.Add(p.ToString());
        }

        return d;
    }

    /// <summary>The kernel path a <see cref="Paths"/> entry names.</summary>
    public static KernelPath Path(string name) => Enum.Parse<KernelPath>(name);

    /// <summary>Random sparse users x items data; the first <paramref name="emptyUsers"/> users and the last item have no interactions.</summary>
    public static Dataset Random(int users, int items, double density, int seed, bool implicitValues, int emptyUsers = 1)
    {
        var rng = new Random(seed);
        var offsets = new long[users + 1];
        var cols = new List<int>();
        var vals = new List<float>();
        for (int u = 0; u < users; u++)
        {
            if (u >= emptyUsers)
            {
                for (int i = 0; i < items - 1; i++)
                {
                    if (rng.NextDouble() < density)
                    {
                        cols.Add(i);
                        // Implicit values: counts, some stored zeros (p = 0, c = 1) and a few negatives (p = 0, c = conf(|r|)).
                        double kind = rng.NextDouble();
                        vals.Add(implicitValues ? (kind < 0.08 ? 0f : kind < 0.13 ? -1 - rng.Next(3) : 1 + rng.Next(20)) : 1 + rng.Next(5));
                    }
                }
            }

            offsets[u + 1] = cols.Count;
        }

        return new Dataset(CsrMatrix.FromArrays(users, items, offsets, cols.ToArray(), vals.ToArray()));
    }

    public static Dataset FromTriples(int users, int items, IEnumerable<(int U, int I, float R)> triples)
    {
        var sorted = triples.OrderBy(t => t.U).ThenBy(t => t.I).ToArray();
        var offsets = new long[users + 1];
        foreach (var t in sorted)
        {
            offsets[t.U + 1]++;
        }

        for (int u = 0; u < users; u++)
        {
            offsets[u + 1] += offsets[u];
        }

        return new Dataset(CsrMatrix.FromArrays(users, items, offsets, sorted.Select(t => t.I).ToArray(), sorted.Select(t => t.R).ToArray()));
    }

    /// <summary>
    /// Solves every row of <paramref name="rows"/> alone (<see cref="RowSolver.Solve"/>, one after another, from
    /// <paramref name="xf"/> and <paramref name="xb"/>), then the whole half-step from the same start on each of
    /// <paramref name="threads"/> workers: every row must have its lone bits, whatever the half-step groups with it.
    /// Rows are gathered in segments of at most <paramref name="segmentCapacity"/> neighbours in both.
    /// </summary>
    public static void AssertHalfStepHasTheLoneBits(AlsOptions o, HalfStepContext ctx, CsrMatrix rows, int fixedRows, FactorMatrix xf, float[]? xb, int[] threads, string what, int segmentCapacity = RowWorkspace.MaxCapacity)
    {
        using FactorMatrix lone = xf.Clone();
        float[]? loneB = (float[]?)xb?.Clone();
        var ws = new RowWorkspace(AlsLayout.For(o), fixedRows, segmentCapacity);
        float dummy = 0f;
        for (int u = 0; u < rows.Rows; u++)
        {
            ref float bias = ref loneB is null ? ref dummy : ref loneB[u];
            RowSolver.Solve(ctx, ws, u, rows.RowIndices(u), rows.RowValues(u), lone.Row(u), ref bias, out _, out _);
        }

        foreach (int t in threads)
        {
            using FactorMatrix solved = xf.Clone();
            float[]? solvedB = (float[]?)xb?.Clone();
            HalfStepResult r = new HalfStepSolver(o, t, rows, segmentCapacity).Solve(ctx, rows, solved, solvedB, null, default);
            Assert.Equal(-1, r.NonFiniteRow);
            AssertRowsHaveTheBits(lone, loneB, solved, solvedB, rows.Rows, $"{what} threads={t}");
        }
    }

    /// <summary>Every factor (and bias) of the first <paramref name="rows"/> rows of <paramref name="actual"/> has the bits of <paramref name="expected"/>'s.</summary>
    public static void AssertRowsHaveTheBits(FactorMatrix expected, float[]? expectedBiases, FactorMatrix actual, float[]? actualBiases, int rows, string what)
    {
        for (int u = 0; u < rows; u++)
        {
            for (int f = 0; f < expected.Factors; f++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected.Row(u)[f]) == BitConverter.SingleToInt32Bits(actual.Row(u)[f]),
                    $"{what} row {u} factor {f}: {actual.Row(u)[f]:R}, expected {expected.Row(u)[f]:R}");
            }

            if (expectedBiases is not null)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(expectedBiases[u]), BitConverter.SingleToInt32Bits(actualBiases![u]));
            }
        }
    }

    public static void FillRandom(FactorMatrix f, float[]? biases, CsrMatrix rows, int seed, float scale = 0.5f)
    {
        var rng = new Random(seed);
        for (int r = 0; r < f.Rows; r++)
        {
            bool any = rows.RowLength(r) > 0;
            Span<float> row = f.Row(r);
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = any ? (float)((rng.NextDouble() * 2 - 1) * scale) : 0f;
            }

            if (biases is not null)
            {
                biases[r] = any ? (float)((rng.NextDouble() * 2 - 1) * scale) : 0f;
            }
        }
    }

    public static double Confidence(AlsOptions o, float r)
    {
        double a = Math.Abs((double)r);
        return o.Confidence switch
        {
            ConfidenceKind.Linear => 1 + o.Alpha * a,
            ConfidenceKind.Scaled => o.Alpha * a,
            _ => 1 + o.Alpha * Math.Log(1 + a / o.Epsilon),
        };
    }

    public static double Lambda(AlsOptions o, int count) =>
        o.RegularizationScaling == RegularizationScaling.ByCount ? (double)(float)(o.Regularization * count) : o.Regularization;

    /// <summary>
    /// The exact solution of one row of the model's cost with the other side fixed, from dense matrices
    /// over ALL columns (implicit: every pair, unobserved ones with c = 1, p = 0). Returns (x, bias).
    /// </summary>
    public static double[] ReferenceRow(AlsOptions o, CsrMatrix rows, int row, FactorMatrix fixedF, float[]? fixedB, float mu)
    {
        (double[,] a, double[] b) = ReferenceSystem(o, rows, row, fixedF, fixedB, mu);
        return rows.RowLength(row) == 0 ? b : SolveSpd(a, b);
    }

    /// <summary>The dense normal equations (A, b) of one row (both zero for an empty row).</summary>
    public static (double[,] A, double[] B) ReferenceSystem(AlsOptions o, CsrMatrix rows, int row, FactorMatrix fixedF, float[]? fixedB, float mu)
    {
        int k = o.Factors;
        int d = o.HasBiases ? k + 1 : k;
        int n = fixedF.Rows;
        var stored = new Dictionary<int, float>();
        ReadOnlySpan<int> idx = rows.RowIndices(row);
        ReadOnlySpan<float> val = rows.RowValues(row);
        for (int j = 0; j < idx.Length; j++)
        {
            stored[idx[j]] = val[j];
        }

        if (stored.Count == 0)
        {
            return (new double[d, d], new double[d]);
        }

        var a = new double[d, d];
        var b = new double[d];
        for (int i = 0; i < n; i++)
        {
            double weight, target;
            bool has = stored.TryGetValue(i, out float r);
            double g = fixedB is null ? 0 : fixedB[i];
            if (o.IsImplicit)
            {
                weight = has ? Confidence(o, r) : 1;
                target = (has && r > 0 ? 1 : 0) - g;
            }
            else
            {
                if (!has)
                {
                    continue;
                }

                weight = 1;
                target = r - (o.Kind == AlsModelKind.BiasedExplicit ? mu : 0) - g;
            }

            var f = Augmented(fixedF, i, o.HasBiases);
            for (int p = 0; p < d; p++)
            {
                b[p] += weight * target * f[p];
                for (int q = 0; q < d; q++)
                {
                    a[p, q] += weight * f[p] * f[q];
                }
            }
        }

        double lambda = Lambda(o, stored.Count);
        for (int p = 0; p < d; p++)
        {
            a[p, p] += lambda;
        }

        return (a, b);
    }

    public static double[] Augmented(FactorMatrix f, int row, bool biased)
    {
        Span<float> x = f.Row(row);
        var v = new double[biased ? x.Length + 1 : x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            v[i] = x[i];
        }

        if (biased)
        {
            v[x.Length] = 1;
        }

        return v;
    }

    /// <summary>Gaussian elimination with partial pivoting, in double.</summary>
    public static double[] SolveSpd(double[,] a0, double[] b0)
    {
        int d = b0.Length;
        var a = (double[,])a0.Clone();
        var b = (double[])b0.Clone();
        for (int c = 0; c < d; c++)
        {
            int piv = c;
            for (int r = c + 1; r < d; r++)
            {
                if (Math.Abs(a[r, c]) > Math.Abs(a[piv, c]))
                {
                    piv = r;
                }
            }

            for (int q = 0; q < d; q++)
            {
                (a[c, q], a[piv, q]) = (a[piv, q], a[c, q]);
            }

            (b[c], b[piv]) = (b[piv], b[c]);
            for (int r = c + 1; r < d; r++)
            {
                double m = a[r, c] / a[c, c];
                for (int q = c; q < d; q++)
                {
                    a[r, q] -= m * a[c, q];
                }

                b[r] -= m * b[c];
            }
        }

        var x = new double[d];
        for (int r = d - 1; r >= 0; r--)
        {
            double s = b[r];
            for (int q = r + 1; q < d; q++)
            {
                s -= a[r, q] * x[q];
            }

            x[r] = s / a[r, r];
        }

        return x;
    }

    /// <summary>The model's full cost, summed pair by pair in double (implicit: every user-item pair).</summary>
    public static double ReferenceCost(AlsOptions o, Dataset data, FactorMatrix xf, float[]? xb, FactorMatrix yf, float[]? yb, float mu)
    {
        double loss = 0;
        int k = o.Factors;
        var dense = new Dictionary<(int, int), float>();
        for (int u = 0; u < data.Users; u++)
        {
            ReadOnlySpan<int> idx = data.UserItems.RowIndices(u);
            ReadOnlySpan<float> val = data.UserItems.RowValues(u);
            for (int j = 0; j < idx.Length; j++)
            {
                dense[(u, idx[j])] = val[j];
            }
        }

        for (int u = 0; u < data.Users; u++)
        {
            for (int i = 0; i < data.Items; i++)
            {
                bool has = dense.TryGetValue((u, i), out float r);
                if (!o.IsImplicit && !has)
                {
                    continue;
                }

                double pred = (o.Kind == AlsModelKind.BiasedExplicit ? mu : 0) + (xb is null ? 0 : xb[u]) + (yb is null ? 0 : yb[i]);
                Span<float> x = xf.Row(u), y = yf.Row(i);
                for (int f = 0; f < k; f++)
                {
                    pred += (double)x[f] * y[f];
                }

                if (o.IsImplicit)
                {
                    double c = has ? Confidence(o, r) : 1;
                    double p = has && r > 0 ? 1 : 0;
                    loss += c * (p - pred) * (p - pred);
                }
                else
                {
                    loss += (r - pred) * (r - pred);
                }
            }
        }

        return loss + Reg(o, data.UserItems, xf, xb) + Reg(o, data.ItemUsers, yf, yb);
    }

    public static double Reg(AlsOptions o, CsrMatrix rows, FactorMatrix f, float[]? b)
    {
        double s = 0;
        for (int r = 0; r < f.Rows; r++)
        {
            double n2 = 0;
            foreach (float v in f.Row(r))
            {
                n2 += (double)v * v;
            }

            if (b is not null)
            {
                n2 += (double)b[r] * b[r];
            }

            s += Lambda(o, rows.RowLength(r)) * n2;
        }

        return s;
    }

    public static double RelativeError(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            num += (expected[i] - actual[i]) * (expected[i] - actual[i]);
            den += expected[i] * expected[i];
        }

        return Math.Sqrt(num) / Math.Max(Math.Sqrt(den), 1e-12);
    }
}
