using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>
/// The exact solver's low-rank path (<see cref="LowRankSolve"/>): rows with few neighbours at large k, solved by the
/// Woodbury identity and checked. Its solutions must match the double-precision reference as closely as the direct
/// solve's do, its rows must not depend on the thread count, and a row that fails its check must get the direct solve.
/// </summary>
public class LowRankSolveTests
{
    private readonly struct MultiplyUpperVisitor(float[] u, int rows, int us, float[] r, int d, int rs, float[] v) : IIsaVisitor<bool>
    {
        public bool Visit<TIsa>()
            where TIsa : struct, IIsa
        {
            TIsa.MultiplyUpper(ref u[0], rows, us, ref r[0], d, rs, ref v[0], us);
            return true;
        }
    }

    [Theory]
    [MemberData(nameof(GroupedRowsTests.Paths), MemberType = typeof(GroupedRowsTests))]
    public void MultiplyUpper_is_the_product_with_the_upper_triangle(string pathName)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Path(pathName));
        var rng = new Random(7);
        foreach (int d in new[] { 1, 15, 16, 17, 65, 80, 128 })
        {
            int w = (d + 16) & ~15;
            foreach (int rows in new[] { 1, 3, 4, 5, 9 })
            {
                float[] u = new float[rows * w], r = new float[d * w], v = new float[rows * w];
                for (int j = 0; j < rows; j++)
                {
                    for (int p = 0; p < d; p++)
                    {
                        u[(j * w) + p] = (float)((rng.NextDouble() * 2) - 1);
                    }
                }

                // Upper triangular over the first d rows, with the columns past d set too (the biased models' bias column).
                for (int p = 0; p < d; p++)
                {
                    for (int c = p; c < w; c++)
                    {
                        r[(p * w) + c] = (float)((rng.NextDouble() * 2) - 1);
                    }
                }

                Array.Fill(v, float.NaN);
                kernels.Visit<MultiplyUpperVisitor, bool>(new MultiplyUpperVisitor(u, rows, w, r, d, w, v));
                for (int j = 0; j < rows; j++)
                {
                    for (int c = 0; c < w; c++)
                    {
                        double expected = 0;
                        for (int p = 0; p <= Math.Min(c, d - 1); p++)
                        {
                            expected += (double)u[(j * w) + p] * r[(p * w) + c];
                        }

                        Assert.True(Math.Abs(v[(j * w) + c] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{pathName} d={d} rows={rows} v[{j},{c}] = {v[(j * w) + c]}, expected {expected}");
                    }
                }
            }
        }
    }

    public static TheoryData<string, AlsModelKind, int> Cases()
    {
        var d = new TheoryData<string, AlsModelKind, int>();
        foreach (string path in GroupedRowsTests.Paths())
        {
            foreach (AlsModelKind kind in Kinds)
            {
                foreach (int k in new[] { LowRankSolve.MinUnknowns, 96 })
                {
                    d.Add(path, kind, k);
                }
            }
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Short_rows_are_as_close_to_the_reference_as_the_direct_solve(string pathName, AlsModelKind kind, int k)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Path(pathName));
        bool implicitModel = kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit;
        foreach (ConfidenceKind confidence in implicitModel ? new[] { ConfidenceKind.Linear, ConfidenceKind.Log } : new[] { ConfidenceKind.Linear })
        {
            var o = new AlsOptions
            {
                Kind = kind,
                Factors = k,
                Solver = AlsSolver.Cholesky,
                Regularization = 0.1f,
                RegularizationScaling = implicitModel ? RegularizationScaling.Constant : RegularizationScaling.ByCount,
                Confidence = confidence,
                Alpha = 4f,
            };

            // 70 users over 300 items at density 0.04: about 12 neighbours each, from 1 to over k / 4 (the longer rows are
            // solved directly either way).
            using Dataset data = Random(70, 300, 0.04, seed: k, implicitValues: false, emptyUsers: 1);
            (HalfStepContext ctxLow, HalfStepContext ctxDirect, FactorMatrix yf, float[]? yb) = Contexts(o, kernels, data, seed: k);
            using (yf)
            {
                LowRankSolve lowRank = Assert.IsType<LowRankSolve>(ctxLow.LowRank);
                Assert.Contains(Enumerable.Range(0, data.Users), u => data.UserItems.RowLength(u) is > 0 and var n && n <= lowRank.MaxRows);
                var layout = AlsLayout.For(o);
                var ws = new RowWorkspace(layout, data.Items);
                int differ = 0;
                float mean = ctxLow.GlobalMean;
                for (int u = 1; u < data.Users; u++)
                {
                    ReadOnlySpan<int> cols = data.UserItems.RowIndices(u);
                    ReadOnlySpan<float> vals = data.UserItems.RowValues(u);
                    float[] low = new float[k + 1], direct = new float[k + 1];
                    Assert.True(RowSolver.Solve(ctxLow, ws, u, cols, vals, low, ref low[k], out double lossLow, out _));
                    Assert.True(RowSolver.Solve(ctxDirect, ws, u, cols, vals, direct, ref direct[k], out double lossDirect, out _));
                    double[] reference = ReferenceRow(o, data.UserItems, u, yf, yb, mean);
                    double errLow = RelativeError(reference, Unknowns(low, layout));
                    double errDirect = RelativeError(reference, Unknowns(direct, layout));
                    Assert.True(errLow <= Math.Max(4 * errDirect, 2e-5), $"{pathName} {kind} {confidence} k={k} user {u} ({cols.Length} neighbours): low-rank error {errLow:G3}, direct {errDirect:G3}");
                    Assert.Equal(lossDirect, lossLow, 1e-4 * (1 + Math.Abs(lossDirect)));
                    if (!low.AsSpan().SequenceEqual(direct))
                    {
                        differ++;
                    }
                }

                // The short rows did take the other path: the same solution up to rounding, not the same bits.
                Assert.True(differ > 0, $"{pathName} {kind} {confidence} k={k}: every row has the direct solve's bits");
            }
        }
    }

    /// <summary>A row's unknowns as the reference orders them: the k factors, then the bias for the biased models (at index k).</summary>
    private static double[] Unknowns(float[] factorsThenBias, AlsLayout layout) =>
        Array.ConvertAll(factorsThenBias[..layout.D], f => (double)f);

    [Theory]
    [MemberData(nameof(GroupedRowsTests.Paths), MemberType = typeof(GroupedRowsTests))]
    public void Rows_have_the_same_bits_alone_and_in_a_half_step_on_any_number_of_workers(string pathName)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Path(pathName));
        foreach (AlsModelKind kind in Kinds)
        {
            var o = new AlsOptions { Kind = kind, Factors = 80, Solver = AlsSolver.Cholesky, Regularization = 0.05f, Alpha = 3f };
            bool implicitModel = kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit;
            using Dataset data = Random(45, 200, 0.08, seed: 3, implicitValues: implicitModel, emptyUsers: 2);
            (HalfStepContext ctx, _, FactorMatrix yf, _) = Contexts(o, kernels, data, seed: 11);
            using (yf)
            {
                Assert.NotNull(ctx.LowRank);
                using var xf = new FactorMatrix(data.Users, o.Factors);
                float[]? xb = o.HasBiases ? new float[data.Users] : null;
                FillRandom(xf, xb, data.UserItems, 12);
                AssertHalfStepHasTheLoneBits(o, ctx, data.UserItems, data.Items, xf, xb, [1, 3], $"{pathName} {kind}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GroupedRowsTests.Paths), MemberType = typeof(GroupedRowsTests))]
    public void A_row_the_check_rejects_gets_the_direct_solve(string pathName)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Path(pathName));
        var o = new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 72, Solver = AlsSolver.Cholesky, Regularization = 0.05f, Alpha = 2f };
        using Dataset data = Random(20, 120, 0.08, seed: 5, implicitValues: true, emptyUsers: 1);
        (HalfStepContext ctx, HalfStepContext direct, FactorMatrix yf, _) = Contexts(o, kernels, data, seed: 6);
        using (yf)
        {
            int most = ctx.LowRank!.MaxRows;
            int u = Enumerable.Range(0, data.Users).First(r => data.UserItems.RowLength(r) > 1 && data.UserItems.RowLength(r) <= most);
            ReadOnlySpan<int> cols = data.UserItems.RowIndices(u);
            ReadOnlySpan<float> vals = data.UserItems.RowValues(u);
            var ws = new RowWorkspace(AlsLayout.For(o), data.Items);
            float b = 0f;

            // A neighbour whose factors overflowed: the low-rank solution is not finite, fails its check, and the row goes
            // to the direct solve, which reports it as the direct path does (not finite), with the same bits.
            yf.Row(cols[0])[3] = float.PositiveInfinity;
            float[] viaLow = new float[72], viaDirect = new float[72];
            bool okLow = RowSolver.Solve(ctx, ws, u, cols, vals, viaLow, ref b, out double lossLow, out _);
            bool okDirect = RowSolver.Solve(direct, ws, u, cols, vals, viaDirect, ref b, out double lossDirect, out _);
            Assert.False(okDirect);
            Assert.Equal(okDirect, okLow);
            Assert.Equal(BitConverter.DoubleToInt64Bits(lossDirect), BitConverter.DoubleToInt64Bits(lossLow));
            Assert.True(viaLow.AsSpan().SequenceEqual(viaDirect), "the rejected row's solution is the direct solve's");
        }
    }

    [Fact]
    public void It_applies_where_the_system_minus_the_neighbours_is_the_same_for_every_row()
    {
        AlsLayout big = new(LowRankSolve.MinUnknowns, false);
        Assert.NotNull(LowRankSolve.For(new AlsOptions { Kind = AlsModelKind.Explicit, Factors = big.K, Solver = AlsSolver.Cholesky, RegularizationScaling = RegularizationScaling.ByCount }, big, null));
        Assert.Null(LowRankSolve.For(new AlsOptions { Kind = AlsModelKind.Explicit, Factors = big.K, Solver = AlsSolver.ConjugateGradient }, big, null));
        Assert.Null(LowRankSolve.For(new AlsOptions { Kind = AlsModelKind.Explicit, Factors = big.K, Solver = AlsSolver.Cholesky, Regularization = 0f }, big, null));
        Assert.Null(LowRankSolve.For(new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 64, Solver = AlsSolver.Cholesky }, new AlsLayout(64, false), null));
        Assert.NotNull(LowRankSolve.For(new AlsOptions { Kind = AlsModelKind.BiasedExplicit, Factors = big.K, Solver = AlsSolver.Cholesky }, new AlsLayout(big.K, true), null));

        // Implicit: only a constant lambda and weights that cannot be negative.
        using var y = new FactorMatrix(300, big.K);
        using Dataset many = Random(300, 2, 0.5, 1, false, emptyUsers: 0);
        FillRandom(y, null, many.UserItems, 3);
        GramMatrix gram = GramMatrix.Compute(big, KernelSet.For(KernelPath.Scalar), y, null);
        var implicitOptions = new AlsOptions { Kind = AlsModelKind.Implicit, Factors = big.K, Solver = AlsSolver.Cholesky };
        Assert.NotNull(LowRankSolve.For(implicitOptions, big, gram));
        Assert.Null(LowRankSolve.For(implicitOptions with { RegularizationScaling = RegularizationScaling.ByCount }, big, gram));
        Assert.Null(LowRankSolve.For(implicitOptions with { Confidence = ConfidenceKind.Scaled }, big, gram));

        // G0 + lambda I not positive definite (lambda 0 and fewer fixed rows than k): none.
        using var few = new FactorMatrix(10, big.K);
        using Dataset ten = Random(10, 2, 0.5, 1, false, emptyUsers: 0);
        FillRandom(few, null, ten.UserItems, 4);
        GramMatrix singular = GramMatrix.Compute(big, KernelSet.For(KernelPath.Scalar), few, null);
        Assert.Null(LowRankSolve.For(implicitOptions with { Regularization = 0f }, big, singular));
    }

    /// <summary>The user half-step's context with the low-rank path and one without it (direct solves only), over random item factors (and biases).</summary>
    private static (HalfStepContext LowRank, HalfStepContext Direct, FactorMatrix Items, float[]? ItemBiases) Contexts(AlsOptions o, KernelSet kernels, Dataset data, int seed)
    {
        var yf = new FactorMatrix(data.Items, o.Factors);
        float[]? yb = o.HasBiases ? new float[data.Items] : null;
        FillRandom(yf, yb, data.ItemUsers, seed);
        var layout = AlsLayout.For(o);
        GramMatrix? gram = o.IsImplicit ? GramMatrix.Compute(layout, kernels, yf, yb) : null;
        float mean = o.Kind == AlsModelKind.BiasedExplicit ? 3f : 0f;
        var ctx = new HalfStepContext(o, kernels, yf, yb, gram, mean, "user");
        var direct = new HalfStepContext(o, kernels, yf, yb, gram, mean, "user") { LowRank = null };
        return (ctx, direct, yf, yb);
    }
}
