using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>The training loop: cost, determinism, allocation, errors, cancellation, fold-in.</summary>
public class TrainingTests
{
    public static TheoryData<AlsModelKind, AlsSolver> Cases() => KindsAndSolvers();

    public static TheoryData<AlsModelKind> AllKinds()
    {
        var d = new TheoryData<AlsModelKind>();
        foreach (AlsModelKind k in Kinds)
        {
            d.Add(k);
        }

        return d;
    }

    private static AlsOptions Options(AlsModelKind kind, AlsSolver solver = AlsSolver.Cholesky) => new()
    {
        Kind = kind,
        Factors = 8,
        Regularization = 0.1f,
        Alpha = 3f,
        Solver = solver,
        Iterations = 6,
        Threads = 2,
        Seed = 5,
    };

    /// <summary>A synchronous IProgress (Progress&lt;T&gt; would post to a context).</summary>
    private sealed class Recorder(Action<AlsProgress>? onReport = null) : IProgress<AlsProgress>
    {
        public List<AlsProgress> Reports { get; } = [];

        public void Report(AlsProgress value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cost_never_increases_and_equals_the_dense_cost(AlsModelKind kind, AlsSolver solver)
    {
        using Dataset data = Random(40, 50, 0.2, seed: 3, implicitValues: kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit, emptyUsers: 2);
        AlsOptions o = Options(kind, solver) with { RegularizationScaling = solver == AlsSolver.Cholesky ? RegularizationScaling.ByCount : RegularizationScaling.Constant, Regularization = solver == AlsSolver.Cholesky ? 0.02f : 0.1f };
        var rec = new Recorder();
        using AlsModel m = AlsModel.Fit(data, o, rec);
        Assert.Equal(2 * o.Iterations, rec.Reports.Count);
        for (int t = 0; t < rec.Reports.Count; t++)
        {
            AlsProgress p = rec.Reports[t];
            Assert.Equal(t / 2 + 1, p.Iteration);
            Assert.Equal(t % 2 == 0 ? AlsHalfStep.Users : AlsHalfStep.Items, p.HalfStep);
            Assert.True(double.IsFinite(p.Cost) && p.Cost > 0);
            Assert.Equal(p.Loss + p.Regularization, p.Cost, 1e-9 * p.Cost);
            if (t == 0)
            {
                Assert.True(double.IsNaN(p.RelativeChange));
            }
            else
            {
                double prev = rec.Reports[t - 1].Cost;
                Assert.True(p.Cost <= prev * (1 + 1e-6), $"half-step {t}: cost rose from {prev} to {p.Cost}");
                Assert.Equal((prev - p.Cost) / prev, p.RelativeChange, 1e-12);
                Assert.True(p.Elapsed >= rec.Reports[t - 1].Elapsed, "elapsed time went backwards");
            }
        }

        Assert.True(rec.Reports[^1].Cost < rec.Reports[0].Cost, "training made no progress");
        double reference = ReferenceCost(o, data, m.UserMatrix, m.UserBiasArray, m.ItemMatrix, m.ItemBiasArray, m.GlobalMean);
        Assert.True(Math.Abs(rec.Reports[^1].Cost - reference) <= 1e-5 * reference, $"reported {rec.Reports[^1].Cost} vs dense {reference}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SameSeed_gives_bit_identical_factors_whatever_the_threads(AlsModelKind kind, AlsSolver solver)
    {
        using Dataset data = Random(300, 120, 0.08, seed: 9, implicitValues: kind >= AlsModelKind.Implicit);
        float[]? first = null, firstBias = null;
        double firstCost = 0;
        foreach (int threads in new[] { 1, 2, 4 })
        {
            var rec = new Recorder();
            using AlsModel m = AlsModel.Fit(data, Options(kind, solver) with { Threads = threads, Iterations = 3 }, rec);
            float[] f = [.. m.UserMatrix.ToArray(), .. m.ItemMatrix.ToArray()];
            float[] b = [.. m.UserBiasArray ?? [], .. m.ItemBiasArray ?? []];
            if (first is null)
            {
                (first, firstBias, firstCost) = (f, b, rec.Reports[^1].Cost);
                continue;
            }

            Assert.True(first.AsSpan().SequenceEqual(f), $"factors differ with {threads} threads");
            Assert.True(firstBias.AsSpan().SequenceEqual(b), $"biases differ with {threads} threads");
            Assert.Equal(firstCost, rec.Reports[^1].Cost);
        }
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void RowsWithoutInteractions_get_zero_factors_and_bias(AlsModelKind kind)
    {
        using Dataset data = Random(30, 25, 0.3, seed: 4, implicitValues: kind >= AlsModelKind.Implicit, emptyUsers: 3);
        using AlsModel m = AlsModel.Fit(data, Options(kind));
        for (int u = 0; u < 3; u++)
        {
            Assert.All(m.UserMatrix.Row(u).ToArray(), v => Assert.Equal(0f, v));
            Assert.Equal(0f, m.UserBiasArray?[u] ?? 0f);
        }

        Assert.All(m.ItemMatrix.Row(data.Items - 1).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(m.UserMatrix.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.All(m.ItemMatrix.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Contains(m.UserMatrix.ToArray(), v => v != 0f);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ManyCgSteps_match_cholesky(AlsModelKind kind) => ManyCgStepsMatchCholesky(kind, 12);

    [Theory]
    [InlineData(AlsModelKind.BiasedExplicit, 16)]
    [InlineData(AlsModelKind.BiasedImplicit, 16)]
    [InlineData(AlsModelKind.BiasedImplicit, 32)]
    [InlineData(AlsModelKind.BiasedImplicit, 7)]
    public void ManyCgSteps_match_cholesky_with_the_bias_past_the_factor_stride_or_inside_it(AlsModelKind kind, int k) =>
        // k a multiple of 16: the bias is the first entry past the factor stride (CG's blocks and G0's factor block hold
        // the factors only); k = 7: it sits in the stride's padding.
        ManyCgStepsMatchCholesky(kind, k);

    private static void ManyCgStepsMatchCholesky(AlsModelKind kind, int k)
    {
        using Dataset data = Random(25, 40, 0.3, seed: 21, implicitValues: kind >= AlsModelKind.Implicit);
        AlsOptions chol = Options(kind) with { Factors = k, Regularization = 0.5f };
        AlsOptions cg = chol with { Solver = AlsSolver.ConjugateGradient, CgSteps = 60 };
        using var yf = new FactorMatrix(data.Items, chol.Factors);
        float[]? yb = chol.HasBiases ? new float[data.Items] : null;
        FillRandom(yf, yb, data.ItemUsers, 1);
        var layout = AlsLayout.For(chol);
        GramMatrix? gram = chol.IsImplicit ? GramMatrix.Compute(layout, KernelSet.Active, yf, yb) : null;

        using var x1 = new FactorMatrix(data.Users, chol.Factors);
        using var x2 = new FactorMatrix(data.Users, chol.Factors);
        float[]? b1 = chol.HasBiases ? new float[data.Users] : null, b2 = chol.HasBiases ? new float[data.Users] : null;
        new HalfStepSolver(chol, 1, data.UserItems).Solve(new HalfStepContext(chol, KernelSet.Active, yf, yb, gram, 3f, "user"), data.UserItems, x1, b1, null, default);
        new HalfStepSolver(cg, 1, data.UserItems).Solve(new HalfStepContext(cg, KernelSet.Active, yf, yb, gram, 3f, "user"), data.UserItems, x2, b2, null, default);
        for (int u = 0; u < data.Users; u++)
        {
            double[] e = [.. x1.Row(u).ToArray().Select(v => (double)v), b1?[u] ?? 0];
            double[] a = [.. x2.Row(u).ToArray().Select(v => (double)v), b2?[u] ?? 0];
            double err = RelativeError(e, a);
            Assert.True(err < 1e-3, $"user {u}: CG differs from Cholesky by {err:E2}");
        }
    }

    [Fact]
    public void CgTolerance_stops_a_row_once_its_residual_is_small()
    {
        using Dataset data = Random(25, 40, 0.3, seed: 23, implicitValues: true);
        AlsOptions o = Options(AlsModelKind.Implicit, AlsSolver.ConjugateGradient) with { Factors = 9, Regularization = 0.5f, CgSteps = 100 };
        using var yf = new FactorMatrix(data.Items, o.Factors);
        FillRandom(yf, null, data.ItemUsers, 1);
        GramMatrix gram = GramMatrix.Compute(AlsLayout.For(o), KernelSet.Active, yf, null);

        FactorMatrix Solve(float tolerance)
        {
            AlsOptions t = o with { CgTolerance = tolerance };
            var x = new FactorMatrix(data.Users, o.Factors);
            FillRandom(x, null, data.UserItems, 2);
            new HalfStepSolver(t, 1, data.UserItems).Solve(new HalfStepContext(t, KernelSet.Active, yf, null, gram, 0f, "user"), data.UserItems, x, null, null, default);
            return x;
        }

        // A tolerance above every starting residual: no step is taken, the warm start stays as it was.
        using var start = new FactorMatrix(data.Users, o.Factors);
        FillRandom(start, null, data.UserItems, 2);
        using (FactorMatrix untouched = Solve(1e15f))
        {
            Assert.Equal(start.ToArray(), untouched.ToArray());
        }

        // A moderate tolerance: every row's true residual is under it, and some rows stopped short of the full solve.
        const float tol = 0.05f;
        using FactorMatrix loose = Solve(tol), full = Solve(0f);
        int stoppedEarly = 0;
        for (int u = 0; u < data.Users; u++)
        {
            (double[,] a, double[] b) = ReferenceSystem(o, data.UserItems, u, yf, null, 0f);
            double[] x = [.. loose.Row(u).ToArray().Select(v => (double)v)];
            double rr = 0;
            for (int p = 0; p < b.Length; p++)
            {
                double ax = 0;
                for (int q = 0; q < b.Length; q++)
                {
                    ax += a[p, q] * x[q];
                }

                rr += (b[p] - ax) * (b[p] - ax);
            }

            Assert.True(Math.Sqrt(rr) <= 1.5 * tol, $"user {u}: residual {Math.Sqrt(rr):E2} above the tolerance {tol}");
            stoppedEarly += loose.Row(u).SequenceEqual(full.Row(u)) ? 0 : 1;
        }

        Assert.True(stoppedEarly > 0, "the tolerance never stopped a row early");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FoldIn_equals_the_training_half_step(AlsModelKind kind, AlsSolver solver)
    {
        using Dataset data = Random(30, 35, 0.25, seed: 8, implicitValues: kind >= AlsModelKind.Implicit);
        AlsOptions o = Options(kind, solver) with { Iterations = 2 };
        using AlsModel m = AlsModel.Fit(data, o);

        // A user half-step with the model's items fixed, on a copy of the users (CG starts from the
        // current factors and, as the fold-in does, from a zero bias).
        using FactorMatrix users = m.UserMatrix.Clone();
        float[]? ub = m.UserBiasArray is null ? null : new float[data.Users];
        var layout = AlsLayout.For(o);
        GramMatrix? gram = o.IsImplicit ? GramMatrix.Compute(layout, KernelSet.Active, m.ItemMatrix, m.ItemBiasArray) : null;
        new HalfStepSolver(o, 1, data.UserItems)
            .Solve(new HalfStepContext(o, KernelSet.Active, m.ItemMatrix, m.ItemBiasArray, gram, m.GlobalMean, "user"), data.UserItems, users, ub, null, default);

        var x = new float[o.Factors];
        for (int u = 0; u < data.Users; u++)
        {
            m.UserMatrix.Row(u).CopyTo(x);
            m.SolveUserRow(data.UserItems.RowIndices(u), data.UserItems.RowValues(u), x, out float bias);
            Assert.True(users.Row(u).SequenceEqual(x), $"user {u} differs");
            Assert.Equal(ub?[u] ?? 0f, bias);
        }

        // The item side too, from zeros for CG.
        var y = new float[o.Factors];
        m.SolveItemRow(data.ItemUsers.RowIndices(0), data.ItemUsers.RowValues(0), y, out _);
        Assert.Contains(y, v => v != 0f);
    }

    [Fact]
    public void FoldIn_is_thread_safe()
    {
        using Dataset data = Random(60, 40, 0.2, seed: 12, implicitValues: true);
        using AlsModel m = AlsModel.Fit(data, Options(AlsModelKind.BiasedImplicit) with { Iterations = 2 });
        var expected = new float[data.Users][];
        for (int u = 0; u < data.Users; u++)
        {
            expected[u] = new float[8];
            m.SolveUserRow(data.UserItems.RowIndices(u), data.UserItems.RowValues(u), expected[u], out _);
        }

        m.MarkChanged();
        Parallel.For(0, 4 * data.Users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            int u = i % data.Users;
            var x = new float[8];
            m.SolveUserRow(data.UserItems.RowIndices(u), data.UserItems.RowValues(u), x, out _);
            Assert.True(expected[u].AsSpan().SequenceEqual(x));
        });
    }

    [Theory]
    [InlineData(AlsSolver.Cholesky)]
    [InlineData(AlsSolver.ConjugateGradient)]
    public void Sweep_allocates_nothing_per_row(AlsSolver solver)
    {
        foreach (AlsModelKind kind in Kinds)
        {
            long small = SweepBytes(kind, solver, users: 40);
            long large = SweepBytes(kind, solver, users: 640);
            Assert.True(large <= small + 64, $"{kind}/{solver}: a sweep over 16x the rows allocated {large} bytes vs {small}");
            Assert.True(large < 4096, $"{kind}/{solver}: a one-thread sweep allocated {large} bytes");
        }
    }

    /// <summary>
    /// Without progress or early stopping nobody reads the cost, and the rows skip their loss pass: the factors must not
    /// change by a bit (the loss is computed after each row's solution, from it), on either solver, in every model.
    /// </summary>
    [Theory]
    [InlineData(AlsSolver.Cholesky)]
    [InlineData(AlsSolver.ConjugateGradient)]
    public void Training_without_an_observer_of_the_cost_gives_the_same_factors(AlsSolver solver)
    {
        foreach (AlsModelKind kind in Kinds)
        {
            var o = new AlsOptions { Kind = kind, Solver = solver, Factors = 12, Threads = 2, Iterations = 3, Regularization = 0.1f, Alpha = 2f };
            using Dataset data = Random(90, 60, 0.15, seed: 8, implicitValues: true);
            var costs = new List<double>();
            using AlsModel watched = AlsModel.Fit(data, o, new SyncProgress(p => costs.Add(p.Cost)));
            using AlsModel quiet = AlsModel.Fit(data, o);
            Assert.Equal(6, costs.Count);
            Assert.All(costs, c => Assert.True(double.IsFinite(c) && c > 0, $"{kind}/{solver}: cost {c}"));
            Assert.True(Bits(watched.UserFactors.ToArray()).SequenceEqual(Bits(quiet.UserFactors.ToArray())), $"{kind}/{solver}: user factors differ");
            Assert.True(Bits(watched.ItemFactors.ToArray()).SequenceEqual(Bits(quiet.ItemFactors.ToArray())), $"{kind}/{solver}: item factors differ");
        }
    }

    /// <summary>
    /// What each half-step derives from the fixed side (G0 in float, its biased split, the low-rank solver's inverse
    /// factor in double) is kept by the trainer: at k = 128 those were about 0.4 MB per half-step, more than G0 alone
    /// (64 KiB), which bounds an iteration's allocation here.
    /// </summary>
    [Theory]
    [InlineData(AlsModelKind.Implicit, AlsSolver.Cholesky)]
    [InlineData(AlsModelKind.BiasedImplicit, AlsSolver.Cholesky)]
    [InlineData(AlsModelKind.BiasedImplicit, AlsSolver.ConjugateGradient)]
    public void Training_iterations_allocate_no_per_half_step_buffers_that_grow_with_k(AlsModelKind kind, AlsSolver solver)
    {
        const int k = 128;
        var o = new AlsOptions { Kind = kind, Solver = solver, Factors = k, Threads = 1, Iterations = 1, Regularization = 0.1f, Alpha = 2f };
        using Dataset data = Random(300, 200, 0.05, seed: 4, implicitValues: true);
        using AlsModel model = AlsModel.Fit(data, o);

        // Between iteration ends inside one call (a call's own setup, its workspaces, is once per call), the least of
        // three iterations (see SweepBytes on the runtime's counter).
        var ends = new List<long>();
        model.ContinueTraining(data, 4, new SyncProgress(p =>
        {
            if (p.HalfStep == AlsHalfStep.Items)
            {
                ends.Add(GC.GetAllocatedBytesForCurrentThread());
            }
        }));
        Assert.Equal(4, ends.Count);
        long least = Enumerable.Range(1, 3).Min(i => ends[i] - ends[i - 1]);
        Assert.True(least < k * k * sizeof(float), $"{kind}/{solver}: an iteration at k = {k} allocated {least} bytes on the training thread");
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

    /// <summary>Reports on the training thread (System.Progress would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<AlsProgress> report) : IProgress<AlsProgress>
    {
        public void Report(AlsProgress value) => report(value);
    }

    private static long SweepBytes(AlsModelKind kind, AlsSolver solver, int users)
    {
        AlsOptions o = Options(kind, solver) with { Threads = 1 };
        using Dataset data = Random(users, 60, 0.2, seed: 2, implicitValues: o.IsImplicit);
        using var xf = new FactorMatrix(data.Users, o.Factors);
        using var yf = new FactorMatrix(data.Items, o.Factors);
        float[]? xb = o.HasBiases ? new float[data.Users] : null, yb = o.HasBiases ? new float[data.Items] : null;
        FillRandom(xf, xb, data.UserItems, 1);
        FillRandom(yf, yb, data.ItemUsers, 2);
        var layout = AlsLayout.For(o);
        GramMatrix? gram = o.IsImplicit ? GramMatrix.Compute(layout, KernelSet.Active, yf, yb) : null;
        var ctx = new HalfStepContext(o, KernelSet.Active, yf, yb, gram, 0f, "user");
        var solver1 = new HalfStepSolver(o, 1, data.UserItems);
        var gramOut = new GramMatrix(layout);
        solver1.Solve(ctx, data.UserItems, xf, xb, gramOut, default);

        // The least of three measured sweeps: the runtime's per-thread counter now and then reports a few KB that
        // no code of the sweep allocated (dotnet/runtime#63487, #74388: a retired allocation context, a tier-up on
        // this thread), which failed this test once in CI; an allocation per row or per sweep shows in every sweep.
        long least = long.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            solver1.Solve(ctx, data.UserItems, xf, xb, gramOut, default);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fit_solving_in_place_has_the_bits_of_the_rollback_path(AlsModelKind kind, AlsSolver solver)
    {
        // Fit solves a new model's rows in place with no backup; ContinueTraining saves each chunk's rows before solving
        // them. The same iterations from the same start must give the same bits (and the same reported costs).
        using Dataset data = Random(60, 45, 0.2, seed: 8, implicitValues: kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit, emptyUsers: 2);
        AlsOptions o = Options(kind, solver) with { Iterations = 3 };
        var inPlace = new Recorder();
        var rollback = new Recorder();
        using AlsModel a = AlsModel.Fit(data, o, inPlace);
        using AlsModel b = AlsModel.Fit(data, o with { Iterations = 0 });
        b.ContinueTraining(data, 3, rollback);
        Assert.Equal(Bits(a.UserMatrix.ToArray()), Bits(b.UserMatrix.ToArray()));
        Assert.Equal(Bits(a.ItemMatrix.ToArray()), Bits(b.ItemMatrix.ToArray()));
        Assert.Equal(Bits(a.UserBiasArray ?? []), Bits(b.UserBiasArray ?? []));
        Assert.Equal(Bits(a.ItemBiasArray ?? []), Bits(b.ItemBiasArray ?? []));
        Assert.Equal(inPlace.Reports.Select(p => p.Cost), rollback.Reports.Select(p => p.Cost));

        static int[] Bits(float[] v) => [.. v.Select(BitConverter.SingleToInt32Bits)];
    }

    [Fact]
    public void RowInit_parallel_fill_does_not_depend_on_the_thread_count()
    {
        // More rows than one part of the fill; rows without interactions stay zero.
        var offsets = new long[5001];
        for (int r = 0; r < 5000; r++)
        {
            offsets[r + 1] = offsets[r] + (r % 9 == 4 ? 0 : 1);
        }

        float[]? first = null;
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var f = new FactorMatrix(5000, 8);
            RowInit.Fill(Options(AlsModelKind.Implicit) with { Threads = threads }, 1, 0, offsets, f);
            float[] all = f.ToArray();
            Assert.All(all.Skip(4 * 8).Take(8), v => Assert.Equal(0f, v));
            Assert.NotEqual(0f, all[0]);
            first ??= all;
            Assert.Equal(first, all);
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(37)]
    public void RowInit_writes_every_float_of_an_uncleared_matrix(int k)
    {
        // Fit starts from FactorMatrix.Uninitialized: the fill must write the padding (kept zero for the kernels) and
        // the rows without interactions, not rely on cleared memory. NaN everywhere first stands for what the
        // allocator may hand back.
        var offsets = new long[3001];
        for (int r = 0; r < 3000; r++)
        {
            offsets[r + 1] = offsets[r] + (r % 7 == 2 ? 0 : 1);
        }

        using var f = FactorMatrix.Uninitialized(3000, k);
        for (int r = 0; r < f.Rows; r++)
        {
            f.PaddedRow(r).Fill(float.NaN);
        }

        RowInit.Fill(Options(AlsModelKind.Implicit) with { Factors = k, Threads = 2 }, 0, 0, offsets, f);
        using var cleared = new FactorMatrix(3000, k);
        RowInit.Fill(Options(AlsModelKind.Implicit) with { Factors = k, Threads = 2 }, 0, 0, offsets, cleared);
        for (int r = 0; r < f.Rows; r++)
        {
            Span<float> row = f.PaddedRow(r);
            Assert.True(row.SequenceEqual(cleared.PaddedRow(r)), $"row {r} differs from a fill of a cleared matrix");
            Assert.All(row[k..].ToArray(), v => Assert.Equal(0f, v));
            if (r % 7 == 2)
            {
                Assert.All(row.ToArray(), v => Assert.Equal(0f, v));
            }
        }
    }

    [Fact]
    public void RowInit_start_is_a_normal_with_init_scale_over_root_k_as_standard_deviation()
    {
        // 4,000 rows x k = 64 = 256,000 values: the standard error of the mean is 0.002 of the scale, of the
        // standard deviation 0.0014, of the excess kurtosis 0.01, and of a quantile's fraction at most 0.001.
        const int rows = 4000, k = 64;
        var offsets = new long[rows + 1];
        for (int r = 0; r < rows; r++)
        {
            offsets[r + 1] = r + 1;
        }

        AlsOptions o = Options(AlsModelKind.Implicit) with { Factors = k, InitScale = 0.5f };
        using var f = new FactorMatrix(rows, k);
        RowInit.Fill(o, 0, 0, offsets, f);
        double scale = 0.5 / 8;
        double[] z = [.. f.ToArray().Select(v => v / scale)];
        double n = z.Length, mean = z.Average();
        double sd = Math.Sqrt(z.Sum(v => (v - mean) * (v - mean)) / n);
        double kurtosis = (z.Sum(v => Math.Pow(v - mean, 4)) / n / Math.Pow(sd, 4)) - 3;
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(sd, 0.993, 1.007);
        Assert.InRange(kurtosis, -0.06, 0.06); // a normal's is 0 (Irwin-Hall(4) -0.3, a uniform -1.2)

        // The fraction below each of these points against the normal CDF Phi (the tails too: 3.5 and beyond are
        // drawn by the ziggurat's tail method, between the layer edges by its wedges).
        (double At, double Phi)[] cdf =
        [
            (-3.5, 2.3262907903552504e-4), (-3, 1.3498980316300946e-3), (-2, 0.022750131948179209), (-1, 0.15865525393145705),
            (-0.5, 0.30853753872598688), (0, 0.5), (0.25, 0.59870632568292377), (1, 0.84134474606854293),
            (2, 0.97724986805182079), (3, 0.99865010196836990), (3.8, 0.99992765195607491),
        ];
        foreach ((double at, double phi) in cdf)
        {
            double below = z.Count(v => v < at) / n;
            double se = Math.Sqrt(phi * (1 - phi) / n);
            Assert.True(Math.Abs(below - phi) < (5 * se) + 1e-6, $"P(z < {at}) = {below:G5}, normal {phi:G5} (5 standard errors {5 * se:G3})");
        }

        Assert.Contains(z, v => v > 3.6541528853610088); // the tail beyond the base layer is reached
        Assert.Contains(z, v => v < -3.6541528853610088);
    }

    [Fact]
    public void RowInit_value_is_a_function_of_seed_side_row_and_column_alone()
    {
        float[] a = new float[8], b = new float[16], c = new float[8], d = new float[8], e = new float[8];
        RowInit.FillRow(5, 0, 123_456_789_012L, a, 0.1f);
        RowInit.FillRow(5, 0, 123_456_789_012L, b, 0.1f);
        Assert.Equal(a, b.AsSpan(0, 8).ToArray()); // column i does not depend on the row's length
        RowInit.FillRow(6, 0, 123_456_789_012L, c, 0.1f);
        RowInit.FillRow(5, 1, 123_456_789_012L, d, 0.1f);
        RowInit.FillRow(5, 0, 123_456_789_013L, e, 0.1f);
        foreach (float[] other in new[] { c, d, e })
        {
            Assert.All(Enumerable.Range(0, 8), i => Assert.NotEqual(a[i], other[i]));
        }
    }

    [SkippableFact]
    public void RowInit_fill_four_at_a_time_has_the_bits_of_the_scalar_fill()
    {
        // FillRow takes four elements at a time where AVX2 is there (FillFour) and the rest one by one (FillFrom): every
        // length (tails of 1-3 included), seed, side and row gives the scalar loop's bits, lanes that leave the fast path
        // included (about 1.5 % of the elements: several hundred here).
        Skip.IfNot(System.Runtime.Intrinsics.X86.Avx2.IsSupported, "FillFour needs AVX2; this machine fills one element at a time only.");

        int slow = 0;
        foreach (int length in new[] { 1, 3, 4, 5, 16, 17, 31, 64, 67, 128 })
        {
            for (long row = 0; row < 200; row++)
            {
                float[] four = new float[length], one = new float[length];
                float scale = 0.01f * (1 + (row % 7));
                ulong key = RowInit.RowKey((int)(row % 3), (int)(row % 2), row * 1_000_003);
                int done = RowInit.FillFour(key, four, scale);
                Assert.Equal(length & ~3, done);
                RowInit.FillFrom(key, four, scale, done);
                RowInit.FillFrom(key, one, scale, 0);
                for (int i = 0; i < length; i++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(one[i]), BitConverter.SingleToInt32Bits(four[i]));
                    slow += Math.Abs(one[i] / scale) >= 3.0f ? 1 : 0;
                }

                float[] viaFillRow = new float[length];
                RowInit.FillRow((int)(row % 3), (int)(row % 2), row * 1_000_003, viaFillRow, scale);
                Assert.Equal(one, viaFillRow);
            }
        }

        Assert.True(slow > 20, $"only {slow} values beyond 3 sigma: the test barely reaches the slow path");
    }

    [Fact]
    public void RowInit_normal_sampler_fast_path_in_the_fill_agrees_with_the_full_sampler()
    {
        // FillRow writes the ziggurat's fast path out and calls StandardNormal only when it fails; both must give
        // the same value for every element (StandardNormal starts with the same draw).
        float[] f = new float[20_000];
        RowInit.FillRow(11, 1, 42, f, 1f);
        ulong key = RowInit.RowKey(11, 1, 42);
        for (int i = 0; i < f.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits((float)RowInit.StandardNormal(key ^ (ulong)i)), BitConverter.SingleToInt32Bits(f[i]));
        }
    }

    [Fact]
    public void SingularSystem_throws_naming_the_row_and_increase_regularization()
    {
        // User 1 has one rating: with lambda = 0 its 8 x 8 system has rank 1.
        using Dataset data = FromTriples(3, 12, [(0, 0, 4), (0, 1, 3), (0, 2, 5), (1, 3, 2), .. Enumerable.Range(0, 12).Select(i => (2, i, 3f))]);
        var e = Assert.Throws<AlsNumericalException>(() => AlsModel.Fit(data, Options(AlsModelKind.Explicit) with { Regularization = 0f }));
        Assert.Equal("user", e.Side);
        Assert.Equal(0, e.Row);
        Assert.Contains("user row 0", e.Message, StringComparison.Ordinal);
        Assert.Contains("increase regularization", e.Message, StringComparison.Ordinal);
        Assert.Contains("iteration 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AlsSolver.ConjugateGradient)]
    [InlineData(AlsSolver.Cholesky)]
    public void Divergence_throws_naming_model_iteration_and_row_and_keeps_the_previous_factors(AlsSolver solver)
    {
        // Data of ordinary size, but item factors near sqrt(float.MaxValue) (as a model trained elsewhere could
        // hold): the user half-step's normal equations overflow. (Extreme data values are refused before
        // training starts; see MagnitudeTests.)
        using Dataset data = FromTriples(4, 4, [.. Enumerable.Range(0, 16).Select(t => (t / 4, t % 4, t % 3 == 0 ? 3f : 1f))]);
        AlsOptions o = Options(AlsModelKind.Explicit, solver) with { Factors = 2, Iterations = 0, Regularization = 1e-3f };
        using AlsModel m = AlsModel.Fit(data, o);
        m.SetItemFactors(Enumerable.Repeat(1.5e19f, 8).ToArray());
        // The factors as of the last completed half-step: the start, then whatever each report saw.
        float[] users = m.UserMatrix.ToArray(), items = m.ItemMatrix.ToArray();
        int reports = 0;
        var e = Assert.Throws<AlsNumericalException>(() => m.ContinueTraining(data, 3, new Recorder(p =>
        {
            reports++;
            (users, items) = (m.UserMatrix.ToArray(), m.ItemMatrix.ToArray());
        })));
        Assert.Matches(@"^Explicit ALS diverged in iteration \d+ \((users|items) half-step\): (user|item) row \d+ \(id \d+\)", e.Message);
        Assert.Contains($"iteration {(reports / 2) + 1} ", e.Message, StringComparison.Ordinal);
        Assert.Equal(users, m.UserMatrix.ToArray());
        Assert.Equal(items, m.ItemMatrix.ToArray());
        Assert.All(m.ItemMatrix.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(AlsModelKind.Explicit, AlsSolver.ConjugateGradient)]
    [InlineData(AlsModelKind.Explicit, AlsSolver.Cholesky)]
    [InlineData(AlsModelKind.BiasedImplicit, AlsSolver.ConjugateGradient)]
    public void Divergence_is_caught_where_nothing_reads_the_cost(AlsModelKind kind, AlsSolver solver)
    {
        // As above, but with no progress reporter and no early stopping: the rows skip their loss and regularization
        // sums, and only their check that the solution is finite finds the overflow.
        using Dataset data = FromTriples(4, 4, [.. Enumerable.Range(0, 16).Select(t => (t / 4, t % 4, t % 3 == 0 ? 3f : 1f))]);
        AlsOptions o = Options(kind, solver) with { Factors = 2, Iterations = 0, Regularization = 1e-3f, EarlyStopTolerance = 0 };
        using AlsModel m = AlsModel.Fit(data, o);
        m.SetItemFactors(Enumerable.Repeat(1.5e19f, 8).ToArray());
        float[] users = m.UserMatrix.ToArray(), items = m.ItemMatrix.ToArray();
        var e = Assert.Throws<AlsNumericalException>(() => m.ContinueTraining(data, 3));
        Assert.Matches(@"ALS diverged in iteration 1 \(users half-step\): user row \d+ \(id \d+\)", e.Message);
        Assert.Equal(users, m.UserMatrix.ToArray());
        Assert.Equal(items, m.ItemMatrix.ToArray());
    }

    [Theory]
    [InlineData(AlsModelKind.Explicit, AlsSolver.ConjugateGradient)]
    [InlineData(AlsModelKind.BiasedExplicit, AlsSolver.ConjugateGradient)]
    [InlineData(AlsModelKind.BiasedExplicit, AlsSolver.Cholesky)]
    public void Divergence_after_other_chunks_were_solved_in_place_restores_them_bit_for_bit(AlsModelKind kind, AlsSolver solver)
    {
        // 200 users in chunks of 16 rows on two threads. Users 0-179 rate items 0-18 only; users 180-199 also rate item
        // 19, whose factors overflow their normal equations. Continued training solves rows in place, after saving each
        // chunk: the chunks solved before the failing ones must all be copied back (factors with their padding, and
        // biases), so the model is exactly as it was.
        const int users = 200, items = 20, bad = 19, k = 8;
        var triples = new List<(int, int, float)>();
        for (int u = 0; u < users; u++)
        {
            for (int j = 0; j < 5; j++)
            {
                triples.Add((u, ((u * 7) + (j * 3)) % bad, 1 + ((u + j) % 5)));
            }

            if (u >= 180)
            {
                triples.Add((u, bad, 3f));
            }
        }

        using Dataset data = FromTriples(users, items, triples);
        AlsOptions o = Options(kind, solver) with { Factors = k, Iterations = 1, Regularization = 0.05f, EarlyStopTolerance = 0 };
        using AlsModel m = AlsModel.Fit(data, o);
        float[] itemFactors = m.ItemMatrix.ToArray();
        itemFactors.AsSpan(bad * k, k).Fill(1.5e19f);
        m.SetItemFactors(itemFactors);
        float[] before = PaddedUserRows(m), biases = m.UserBiases.ToArray(), itemsBefore = m.ItemMatrix.ToArray();
        var e = Assert.Throws<AlsNumericalException>(() => m.ContinueTraining(data, 2));
        Assert.Equal("user", e.Side);
        Assert.InRange(e.Row, 180, 199);
        Assert.Equal(before, PaddedUserRows(m));
        Assert.Equal(biases, m.UserBiases.ToArray());
        Assert.Equal(itemsBefore, m.ItemMatrix.ToArray());

        // The same model trains on once the overflowing item is mended: the restore left nothing half-done.
        itemFactors.AsSpan(bad * k, k).Fill(0.1f);
        m.SetItemFactors(itemFactors);
        m.ContinueTraining(data, 1);
        Assert.NotEqual(before, PaddedUserRows(m));
        Assert.All(m.UserMatrix.ToArray(), v => Assert.True(float.IsFinite(v)));

        static float[] PaddedUserRows(AlsModel model)
        {
            FactorMatrix f = model.UserMatrix;
            var all = new List<float>();
            for (int r = 0; r < f.Rows; r++)
            {
                all.AddRange(f.PaddedRow(r).ToArray());
            }

            return [.. all];
        }
    }

    [Fact]
    public void Cancellation_during_a_sweep_keeps_the_last_completed_half_step()
    {
        // The token fires at some moment of a sweep: the chunks already solved in place are copied back, so the model
        // is the one the last report saw. (A cancel that falls between half-steps is the test below.)
        using Dataset data = Random(3000, 800, 0.05, seed: 8, implicitValues: true);
        using AlsModel m = AlsModel.Fit(data, Options(AlsModelKind.Implicit, AlsSolver.Cholesky) with { Factors = 32, Iterations = 1, Threads = 2 });
        foreach (int delayMs in new[] { 1, 5, 20 })
        {
            float[] users = m.UserMatrix.ToArray(), items = m.ItemMatrix.ToArray();
            using var cts = new CancellationTokenSource();
            var rec = new Recorder(_ => (users, items) = (m.UserMatrix.ToArray(), m.ItemMatrix.ToArray()));
            // A thread of its own: a timer's callback waits for a pool thread, and training holds the pool's threads.
            var canceller = new Thread(() =>
            {
                Thread.Sleep(delayMs);
                cts.Cancel();
            });
            canceller.Start();
            Assert.ThrowsAny<OperationCanceledException>(() => m.ContinueTraining(data, 100_000, rec, cts.Token));
            canceller.Join();
            Assert.Equal(users, m.UserMatrix.ToArray());
            Assert.Equal(items, m.ItemMatrix.ToArray());
        }
    }

    [Fact]
    public void Cancellation_keeps_the_last_completed_half_step()
    {
        using Dataset data = Random(50, 40, 0.2, seed: 6, implicitValues: true);
        using AlsModel m = AlsModel.Fit(data, Options(AlsModelKind.Implicit) with { Iterations = 1 });
        float[] itemsBefore = m.ItemMatrix.ToArray();
        using var cts = new CancellationTokenSource();
        float[]? usersAtReport = null;
        var rec = new Recorder(p =>
        {
            usersAtReport = m.UserMatrix.ToArray();
            cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => m.ContinueTraining(data, 5, rec, cts.Token));
        Assert.Single(rec.Reports);
        Assert.Equal(AlsHalfStep.Users, rec.Reports[0].HalfStep);
        Assert.Equal(usersAtReport, m.UserMatrix.ToArray());
        Assert.Equal(itemsBefore, m.ItemMatrix.ToArray());
        Assert.Throws<OperationCanceledException>(() => AlsModel.Fit(data, Options(AlsModelKind.Implicit), null, cts.Token));
    }

    [Fact]
    public void EarlyStop_stops_when_the_relative_improvement_is_small()
    {
        using Dataset data = Random(40, 30, 0.3, seed: 6, implicitValues: false);
        var all = new Recorder();
        using (AlsModel.Fit(data, Options(AlsModelKind.BiasedExplicit) with { Iterations = 30 }, all))
        {
        }

        const double tol = 1e-2;
        var rec = new Recorder();
        using (AlsModel.Fit(data, Options(AlsModelKind.BiasedExplicit) with { Iterations = 30, EarlyStopTolerance = tol }, rec))
        {
        }

        // The first iteration whose improvement over the previous one falls below tol is the last one run.
        int expectedIterations = 30;
        for (int it = 2; it <= 30; it++)
        {
            double prev = all.Reports[2 * (it - 1) - 1].Cost, cur = all.Reports[2 * it - 1].Cost;
            if ((prev - cur) / prev < tol)
            {
                expectedIterations = it;
                break;
            }
        }

        Assert.True(expectedIterations < 30, "the tolerance never triggered; the test data is too hard");
        Assert.Equal(2 * expectedIterations, rec.Reports.Count);
    }

    [Fact]
    public void Fit_rejects_bad_arguments()
    {
        using Dataset data = Random(5, 5, 0.5, seed: 1, implicitValues: false);
        Assert.Throws<ArgumentException>(() => AlsModel.Fit(data, new AlsOptions { Factors = 0 }));
        Assert.Throws<ArgumentNullException>(() => AlsModel.Fit(null!, new AlsOptions()));
        using AlsModel m = AlsModel.Fit(data, Options(AlsModelKind.Explicit) with { Iterations = 1 });
        var x = new float[8];
        Assert.Throws<ArgumentOutOfRangeException>(() => m.SolveUserRow([7], [1f], x, out _));
        Assert.Throws<ArgumentException>(() => m.SolveUserRow([1, 2], [1f], x, out _));
        using Dataset other = Random(6, 5, 0.5, seed: 1, implicitValues: false);
        Assert.Throws<ArgumentException>(() => m.ContinueTraining(other, 1));
    }
}
