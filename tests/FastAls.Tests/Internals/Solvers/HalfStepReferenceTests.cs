using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>One half-step of every model and solver against an independent dense double-precision solve.</summary>
public class HalfStepReferenceTests
{
    public static TheoryData<AlsModelKind, AlsSolver> Cases() => KindsAndSolvers();

    /// <summary>Options for one case; <paramref name="logFor"/> is the implicit kind that uses log confidence (the other one linear).</summary>
    private static AlsOptions Options(AlsModelKind kind, AlsSolver solver, RegularizationScaling scaling = RegularizationScaling.Constant, int k = 6, AlsModelKind logFor = AlsModelKind.BiasedImplicit) => new()
    {
        Kind = kind,
        Factors = k,
        Regularization = scaling == RegularizationScaling.ByCount ? 0.05f : 0.3f,
        RegularizationScaling = scaling,
        Alpha = 2f,
        Confidence = kind == logFor ? ConfidenceKind.Log : ConfidenceKind.Linear,
        Epsilon = 0.5f,
        Solver = solver,
        CgSteps = 3,
        Threads = 2,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UserHalfStep_matches_dense_reference_on_every_kernel_path(AlsModelKind kind, AlsSolver solver)
    {
        foreach (KernelPath path in KernelIsa.Supported)
        {
            Run(Options(kind, solver), usersSide: true, path);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ItemHalfStep_with_als_wr_matches_dense_reference(AlsModelKind kind, AlsSolver solver)
    {
        // Log confidence here for the plain implicit model (linear for the biased one): both kinds see both.
        Run(Options(kind, solver, RegularizationScaling.ByCount, k: 17, logFor: AlsModelKind.Implicit), usersSide: false, KernelIsa.Active);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HalfStep_with_k_a_multiple_of_16_matches_dense_reference(AlsModelKind kind, AlsSolver solver)
    {
        // k = 16 and 32: the biased models' bias is the first entry past the factor stride, outside the gathered blocks
        // and the exact solver's system (eliminated first), and outside G0's factor block for CG.
        foreach (int k in new[] { 16, 32 })
        {
            Run(Options(kind, solver, k: k), usersSide: true, KernelIsa.Active);
            Run(Options(kind, solver, RegularizationScaling.ByCount, k: k), usersSide: false, KernelIsa.Active, segmentCapacity: 4);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LongRows_solved_in_segments_match_dense_reference(AlsModelKind kind, AlsSolver solver)
    {
        // Rows hold ~9 neighbours on average; a capacity of 4 forces the segmented gather path.
        Run(Options(kind, solver), usersSide: true, KernelIsa.Active, segmentCapacity: 4);
    }

    public static TheoryData<AlsModelKind, AlsSolver> ImplicitCases()
    {
        var d = new TheoryData<AlsModelKind, AlsSolver>();
        foreach (AlsModelKind k in new[] { AlsModelKind.Implicit, AlsModelKind.BiasedImplicit })
        {
            d.Add(k, AlsSolver.Cholesky);
            d.Add(k, AlsSolver.ConjugateGradient);
        }

        return d;
    }

    /// <summary>
    /// The implicit package's convention c = alpha r: with alpha 0.4 the counts 1 and 2, the stored zeros and
    /// the small negatives get c &lt; 1, so their weight c - 1 is negative (the exact solver's separate pass).
    /// </summary>
    [Theory]
    [MemberData(nameof(ImplicitCases))]
    public void ScaledConfidence_half_step_matches_dense_reference(AlsModelKind kind, AlsSolver solver)
    {
        AlsOptions o = Options(kind, solver) with { Confidence = ConfidenceKind.Scaled, Alpha = 0.4f };
        foreach (KernelPath path in KernelIsa.Supported)
        {
            Run(o, usersSide: true, path);
        }

        Run(o with { Factors = 17 }, usersSide: false, KernelIsa.Active);
        Run(o, usersSide: true, KernelIsa.Active, segmentCapacity: 4);
    }

    [Fact]
    public void ScaledConfidence_is_alpha_times_value_and_existing_kinds_keep_their_formulas()
    {
        AlsOptions o = Options(AlsModelKind.Implicit, AlsSolver.Cholesky) with { Alpha = 3f, Epsilon = 0.5f };
        using var f = new FactorMatrix(2, o.Factors);
        var layout = AlsLayout.For(o);
        float Conf(ConfidenceKind kind, float r)
        {
            AlsOptions ok = o with { Confidence = kind };
            GramMatrix g = GramMatrix.Compute(layout, KernelSet.Active, f, null);
            return new HalfStepContext(ok, KernelSet.Active, f, null, g, 0f, "row").Confidence(r);
        }

        Assert.Equal(3f * 2.5f, Conf(ConfidenceKind.Scaled, 2.5f));
        Assert.Equal(3f * 2.5f, Conf(ConfidenceKind.Scaled, -2.5f));
        Assert.Equal(1f + (3f * 2.5f), Conf(ConfidenceKind.Linear, 2.5f));
        Assert.Equal(1f + (3f * MathF.Log(1f + (2.5f / 0.5f))), Conf(ConfidenceKind.Log, 2.5f));
    }

    private static void Run(AlsOptions o, bool usersSide, KernelPath path, int segmentCapacity = RowWorkspace.MaxCapacity)
    {
        using Dataset data = Random(23, 31, 0.3, seed: 7, implicitValues: o.IsImplicit);
        using var xf = new FactorMatrix(data.Users, o.Factors);
        using var yf = new FactorMatrix(data.Items, o.Factors);
        float[]? xb = o.HasBiases ? new float[data.Users] : null;
        float[]? yb = o.HasBiases ? new float[data.Items] : null;
        FillRandom(xf, xb, data.UserItems, 11);
        FillRandom(yf, yb, data.ItemUsers, 12);
        float mu = o.Kind == AlsModelKind.BiasedExplicit ? 3.1f : 0f;

        CsrMatrix rows = usersSide ? data.UserItems : data.ItemUsers;
        FactorMatrix solved = usersSide ? xf : yf, fixedF = usersSide ? yf : xf;
        float[]? solvedB = usersSide ? xb : yb, fixedB = usersSide ? yb : xb;
        using FactorMatrix start = solved.Clone();
        float[]? startB = (float[]?)solvedB?.Clone();

        var layout = AlsLayout.For(o);
        GramMatrix? fixedGram = o.IsImplicit ? GramMatrix.Compute(layout, KernelSet.For(path), fixedF, fixedB) : null;
        var ctx = new HalfStepContext(o, KernelSet.For(path), fixedF, fixedB, fixedGram, mu, "row");
        var solver = new HalfStepSolver(o, 2, rows, segmentCapacity);
        HalfStepResult r = solver.Solve(ctx, rows, solved, solvedB, null, default);
        Assert.False(r.Cancelled);
        Assert.Equal(-1, r.NonFiniteRow);

        int d = o.HasBiases ? o.Factors + 1 : o.Factors;
        for (int row = 0; row < rows.Rows; row++)
        {
            (double[,] a, double[] b) = ReferenceSystem(o, rows, row, fixedF, fixedB, mu);
            double[] expected;
            if (rows.RowLength(row) == 0)
            {
                expected = new double[d];
            }
            else if (o.Solver == AlsSolver.Cholesky)
            {
                expected = SolveSpd(a, b);
            }
            else
            {
                double[] x0 = Augmented(start, row, o.HasBiases);
                if (o.HasBiases)
                {
                    x0[o.Factors] = startB![row];
                }

                expected = o.HasBiases ? DenseBiasEliminatedCg(a, b, x0, o.CgSteps) : DenseCg(a, b, x0, o.CgSteps);
            }

            double[] actual = Augmented(solved, row, o.HasBiases);
            if (o.HasBiases)
            {
                actual[o.Factors] = solvedB![row];
            }

            double err = RelativeError(expected, actual);
            Assert.True(err < 1e-4, $"{o.Kind}/{o.Solver}/{path} row {row}: relative error {err:E2}");
        }

        // The returned loss + regularization is the exact full cost with the other side's regularization added.
        double reference = ReferenceCost(o, data, xf, xb, yf, yb, mu);
        double fixedReg = Reg(o, usersSide ? data.ItemUsers : data.UserItems, fixedF, fixedB);
        double cost = r.Loss + r.Regularization + fixedReg;
        Assert.True(Math.Abs(cost - reference) <= 1e-5 * Math.Abs(reference), $"cost {cost} vs reference {reference}");
    }

    /// <summary>
    /// The biased models' CG in double: the bias (the last unknown) eliminated, textbook CG (<see cref="DenseCg"/>) on
    /// the Schur complement <c>S = A_ff - g g' / a</c> with <c>b_S = b_f - g b_b / a</c> from the start's factors, and
    /// the bias at its optimum for the result, <c>(b_b - g . x) / a</c>.
    /// </summary>
    internal static double[] DenseBiasEliminatedCg(double[,] a, double[] b, double[] x0, int steps)
    {
        int k = b.Length - 1;
        double pivot = a[k, k];
        var s = new double[k, k];
        var bs = new double[k];
        for (int p = 0; p < k; p++)
        {
            bs[p] = b[p] - (a[p, k] * b[k] / pivot);
            for (int q = 0; q < k; q++)
            {
                s[p, q] = a[p, q] - (a[p, k] * a[q, k] / pivot);
            }
        }

        double[] x = DenseCg(s, bs, x0[..k], steps);
        double gx = 0;
        for (int p = 0; p < k; p++)
        {
            gx += a[p, k] * x[p];
        }

        return [.. x, (b[k] - gx) / pivot];
    }

    /// <summary>Plain textbook CG in double, a fixed number of steps.</summary>
    internal static double[] DenseCg(double[,] a, double[] b, double[] x0, int steps)
    {
        int d = b.Length;
        var x = (double[])x0.Clone();
        double[] Mul(double[] v)
        {
            var y = new double[d];
            for (int p = 0; p < d; p++)
            {
                for (int q = 0; q < d; q++)
                {
                    y[p] += a[p, q] * v[q];
                }
            }

            return y;
        }

        double[] ax = Mul(x);
        var r = new double[d];
        for (int i = 0; i < d; i++)
        {
            r[i] = b[i] - ax[i];
        }

        var pv = (double[])r.Clone();
        double rr = r.Sum(v => v * v);
        for (int s = 0; s < steps && rr > 0; s++)
        {
            double[] ap = Mul(pv);
            double pap = 0;
            for (int i = 0; i < d; i++)
            {
                pap += pv[i] * ap[i];
            }

            double alpha = rr / pap;
            for (int i = 0; i < d; i++)
            {
                x[i] += alpha * pv[i];
                r[i] -= alpha * ap[i];
            }

            double rrNew = r.Sum(v => v * v);
            for (int i = 0; i < d; i++)
            {
                pv[i] = r[i] + rrNew / rr * pv[i];
            }

            rr = rrNew;
        }

        return x;
    }
}
