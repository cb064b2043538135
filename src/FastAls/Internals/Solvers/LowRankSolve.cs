using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The exact solver for a row with few neighbours at large k, by the Woodbury identity: the row's system is
/// <c>(A + U' W U) z = h + U' q</c> over its unknowns z (the factors, and the bias for the biased models), with
/// <c>A = G0 + lambda I</c> the same for every row of the half-step (implicit models with a constant lambda: G0 the fixed
/// side's Gram matrix; explicit models: <c>A = lambda_r I</c>), h the constant term (the biased implicit model's h0, else
/// zero), and U the row's n neighbours (their factors, and a 1 for the biased models). With <c>A^-1 = Rinv Rinv'</c>
/// (<c>Rinv</c> the inverse of A's Cholesky factor, made once per half-step) and <c>V = S U Rinv</c>
/// (<c>S = diag(sqrt w)</c>):
/// <code>
///     z = Rinv (g - V' (I + V V')^-1 V g),   g = Rinv' (h + U' q)
/// </code>
/// an n x n system whose matrix has every eigenvalue at least 1, instead of a k x k one. It costs about
/// <c>n k^2 / 2 + n^2 k / 2 + n^3 / 6 + 2 k^2</c> multiply-adds against the direct solve's <c>n k^2 / 2 + k^3 / 6 + k^2</c>
/// (a row's Gram update and its factorization), so it pays for n well below k (<see cref="MaxRows"/>): at k = 128, a row
/// of 20 neighbours takes under half the time.
/// </summary>
internal sealed class LowRankSolve
{
    /// <summary>
    /// The residual bound of <see cref="Accepts"/>, relative to <c>|A| |z| + |b|</c>: 2^-14, about a hundred times float32
    /// rounding over the sums of a row at k = 128, and far below any error that would change a ranking.
    /// </summary>
    internal const float Tolerance = 1f / 16384;

    /// <summary>Smallest k (factors) from which rows go this way: below it, the direct factor is cheap (and batched in lanes on the vector paths).</summary>
    internal const int MinUnknowns = LaneCholesky.MaxD + 1;

    private LowRankSolve(AlsLayout layout, float[]? inverse, float[]? projectedH0, float gramTrace)
    {
        Layout = layout;
        Inverse = inverse;
        ProjectedH0 = projectedH0;
        GramTrace = gramTrace;
        MaxRows = layout.K / 4;
    }

    /// <summary>The shapes: d unknowns (k, or k + 1 with the bias), vectors and <see cref="Inverse"/> at the stride W.</summary>
    public AlsLayout Layout { get; }

    /// <summary>
    /// <c>Rinv</c>, the inverse of the Cholesky factor of <c>G0 + lambda I</c> (upper triangular, d x W, zeros below the
    /// diagonal and past d), computed in double; null for the explicit models, where <c>Rinv = I / sqrt(lambda_r)</c>.
    /// </summary>
    public float[]? Inverse { get; }

    /// <summary>The biased implicit model's <c>Rinv' h0</c> (W floats, zero past d); null for the other models, whose h is zero.</summary>
    public float[]? ProjectedH0 { get; }

    /// <summary>trace(G0) (0 without G0): bounds <c>|G0|</c> for the residual check.</summary>
    public float GramTrace { get; }

    /// <summary>
    /// Rows of at most this many neighbours go this way: k / 4, so 20 at k = 80, 32 at 128, 50 at 200. Measured per row
    /// (<c>LowRankSolveBenchmarks</c>, AVX2), the low-rank solve takes 0.25-0.4 of the direct one's time with 5
    /// neighbours and 0.6-0.75 at this limit; with k / 3 neighbours it took about as long as the direct one.
    /// </summary>
    public int MaxRows { get; }

    /// <summary>
    /// The half-step's low-rank solver, or null where it does not apply: the exact solver at k &gt;= <see cref="MinUnknowns"/>;
    /// the explicit models with lambda &gt; 0; the implicit models only with a constant lambda and weights that cannot be
    /// negative (so that A is the same for every row and S is real), and G0 + lambda I positive definite.
    /// </summary>
    public static LowRankSolve? For(AlsOptions o, AlsLayout layout, GramMatrix? fixedGram, HalfStepScratch? scratch = null)
    {
        if (o.Solver != AlsSolver.Cholesky || layout.K < MinUnknowns)
        {
            return null;
        }

        if (!o.IsImplicit)
        {
            // A = lambda_r I: with lambda 0 there is no inverse (such rows are singular unless n >= k, and then long).
            return o.Regularization > 0f ? new LowRankSolve(layout, null, null, 0f) : null;
        }

        if (o.RegularizationScaling != RegularizationScaling.Constant || o.Confidence == ConfidenceKind.Scaled || fixedGram is null)
        {
            return null;
        }

        return Invert(layout, fixedGram, o.Regularization, scratch ?? new HalfStepScratch());
    }

    /// <summary>
    /// <c>Rinv</c> for <c>G0 + lambda I</c> over the d unknowns (and, for the biased implicit model, <c>Rinv' h0</c>), in
    /// double then rounded; null when it is not positive definite or not finite.
    /// </summary>
    private static LowRankSolve? Invert(AlsLayout layout, GramMatrix gram, float lambda, HalfStepScratch scratch)
    {
        int d = layout.D, w = layout.W;
        double[] r = scratch.Doubles(ref scratch.LowRankFactor, d * d);
        double trace = 0;
        for (int p = 0; p < d; p++)
        {
            trace += gram[p, p];
            for (int q = p; q < d; q++)
            {
                r[(p * d) + q] = gram[p, q] + (p == q ? lambda : 0.0);
            }
        }

        // A = R'R, R upper, row by row (right-looking, in double). A pivot that falls below the direct factor's floor
        // (Cholesky.RelativePivotFloor of its diagonal entry) means A is numerically singular in float32: Rinv would be
        // noise, and every row would fail its check.
        for (int j = 0; j < d; j++)
        {
            double pivot = r[(j * d) + j];
            if (!(pivot > Cholesky.RelativePivotFloor * (gram[j, j] + lambda)) || !double.IsFinite(pivot))
            {
                return null;
            }

            double rjj = Math.Sqrt(pivot);
            r[(j * d) + j] = rjj;
            for (int q = j + 1; q < d; q++)
            {
                r[(j * d) + q] /= rjj;
            }

            for (int i = j + 1; i < d; i++)
            {
                double f = r[(j * d) + i];
                for (int q = i; q < d; q++)
                {
                    r[(i * d) + q] -= f * r[(j * d) + q];
                }
            }
        }

        // Rinv, upper: column by column, R Rinv[:, c] = e_c by back substitution.
        double[] inverse = scratch.Doubles(ref scratch.LowRankInverse, d * d);
        double[] col = scratch.Doubles(ref scratch.LowRankColumn, d);
        for (int c = 0; c < d; c++)
        {
            for (int i = c; i >= 0; i--)
            {
                double s = i == c ? 1.0 : 0.0;
                for (int q = i + 1; q <= c; q++)
                {
                    s -= r[(i * d) + q] * col[q];
                }

                col[i] = s / r[(i * d) + i];
            }

            for (int i = 0; i <= c; i++)
            {
                inverse[(i * d) + c] = col[i];
            }
        }

        float[] inv = scratch.Floats(ref scratch.LowRankInverseSingle, d * w);
        for (int i = 0; i < d; i++)
        {
            for (int c = i; c < d; c++)
            {
                inv[(i * w) + c] = (float)inverse[(i * d) + c];
            }
        }

        // The biased implicit model's constant term h0 = -Y~'g (HalfStepContext.H0) enters g as Rinv' h0.
        float[]? projected = null;
        if (layout.Biased)
        {
            projected = scratch.Floats(ref scratch.LowRankProjected, w);
            for (int c = 0; c < d; c++)
            {
                double s = 0;
                for (int i = 0; i <= c; i++)
                {
                    s += inverse[(i * d) + c] * -gram[i, layout.K + 1];
                }

                projected[c] = (float)s;
            }
        }

        return Array.TrueForAll(inv, float.IsFinite) && (projected is null || Array.TrueForAll(projected, float.IsFinite))
            ? new LowRankSolve(layout, inv, projected, (float)trace)
            : null;
    }

    /// <summary>
    /// Solves the row whose n neighbours (1 &lt;= n &lt;= <see cref="MaxRows"/>, one segment) are gathered in ws, into ws.Z;
    /// false when the small system does not factor or the solution fails the residual check (<see cref="Accepts"/>):
    /// the caller then solves the row directly. Uses ws.S (V), ws.A (the small system), ws.B, ws.M, ws.R and ws.Tmp.
    /// </summary>
    public bool TrySolve<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, float lambda)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int n = cols.Length, k = Layout.K, d = Layout.D, fs = Layout.FactorStride, w = Layout.W;
        if (n * w > ws.S.Length)
        {
            // V does not fit the SYRK block (rows of more than RowWorkspace.SyrkRows neighbours at k of several hundred).
            return false;
        }

        Span<float> v = ws.S.Slice(0, n * w);
        Span<float> g = ws.B, x = ws.Z, t = ws.Tmp.AsSpan(0, n);

        // V = U Rinv, the rows of U being (f_j) or (f_j, 1) (explicit: U / sqrt(lambda_r)); g = Rinv' h + V' q.
        float sigma = 1f / MathF.Sqrt(lambda);
        if (Inverse is { } rinv)
        {
            TIsa.MultiplyUpper(ref ws.U[0], n, fs, ref rinv[0], k, w, ref v[0], w);
            if (Layout.Biased)
            {
                ReadOnlySpan<float> biasRow = rinv.AsSpan(k * w, w);
                for (int j = 0; j < n; j++)
                {
                    Blas.Axpy<TIsa>(1f, biasRow, v.Slice(j * w, w));
                }
            }
        }
        else
        {
            for (int j = 0; j < n; j++)
            {
                Span<float> vj = v.Slice(j * w, w);
                TIsa.Scale(sigma, ref ws.U[j * fs], ref vj[0], fs);
                vj[fs..].Clear();
                if (Layout.Biased)
                {
                    vj[k] = sigma;
                }
            }
        }

        if (ProjectedH0 is { } h)
        {
            h.CopyTo(g);
        }
        else
        {
            g.Clear();
        }

        Blas.AddWeightedRows<TIsa>(v, n, w, ws.Q, g);

        // V = S V (implicit: sqrt(c - 1) per row; explicit: every weight is 1).
        if (c.Options.IsImplicit)
        {
            for (int j = 0; j < n; j++)
            {
                TIsa.Scale(ws.SqrtWeight[j], ref v[j * w], ref v[j * w], w);
            }
        }

        // C = I + V V' (upper triangle, rows at the stride cw), t = V g.
        int cw = (n + 15) & ~15;
        Span<float> cm = ws.A.AsSpan(0, n * cw);
        for (int i = 0; i < n; i++)
        {
            Blas.RowDots<TIsa>(v[(i * w)..], n - i, w, v.Slice(i * w, w), cm[((i * cw) + i)..]);
            cm[(i * cw) + i] += 1f;
        }

        Blas.RowDots<TIsa>(v, n, w, g, t);
        if (Cholesky.Factor<TIsa>(cm, n, cw) >= 0)
        {
            return false;
        }

        Cholesky.Solve<TIsa>(cm, n, cw, t);

        // e = g - V' s (in g), z = Rinv e.
        for (int j = 0; j < n; j++)
        {
            t[j] = -t[j];
        }

        Blas.AddWeightedRows<TIsa>(v, n, w, t, g);
        x.Clear();
        if (Inverse is { } inverse)
        {
            Blas.RowDots<TIsa>(inverse, d, w, g, x);
        }
        else
        {
            TIsa.Scale(sigma, ref g[0], ref x[0], w);
        }

        return Accepts<TIsa, TModel>(c, ws, cols, vals, lambda);
    }

    /// <summary>
    /// Whether the solution in ws.Z has a residual <c>r = b - (G0 + lambda I + U' W U) z</c> (<c>b = h + U' q</c>, the
    /// residual of <see cref="RowSolver.Residual"/>) with <c>|r| &lt;= Tolerance (|A| |z| + |b|)</c>, bounding
    /// <c>|A|</c> by <c>trace(G0) + lambda + sum_j w_j |u_j|^2</c> and <c>|b|</c> by <c>|h| + sum_j |q_j| |u_j|</c>: what a
    /// backward-stable solve achieves, so a solution that loses accuracy to cancellation is caught. Not finite fails.
    /// </summary>
    private bool Accepts<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, float lambda)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int n = cols.Length, d = Layout.D, fs = Layout.FactorStride;
        Span<float> x = ws.Z, r = ws.R;
        RowSolver.G0Product<TIsa, TModel>(c, x, r);
        RowSolver.Residual<TIsa, TModel>(c, ws, cols, vals, true, lambda, x, r);

        double one = Layout.Biased ? 1 : 0;
        double norm = GramTrace + (double)lambda, rhs = c.H0 is { } h0 ? Math.Sqrt(Blas.Dot<TIsa>(h0, h0)) : 0;
        ReadOnlySpan<float> u = ws.U;
        for (int j = 0; j < n; j++)
        {
            double uu = Blas.Dot<TIsa>(u.Slice(j * fs, fs), u.Slice(j * fs, fs)) + one;
            norm += ws.Weight[j] * uu;
            rhs += Math.Abs(ws.Q[j]) * Math.Sqrt(uu);
        }

        double rr = Blas.Dot<TIsa>(r[..d], r[..d]), xx = Blas.Dot<TIsa>(x[..d], x[..d]);
        double bound = Tolerance * ((norm * Math.Sqrt(xx)) + rhs);
        return double.IsFinite(rr) && double.IsFinite(xx) && rr <= bound * bound;
    }
}
