using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>
/// The exact solver's half-step factors and solves up to eight rows' systems at once on the Vector256 path, sixteen on
/// the Vector512 path, where k is small (<see cref="LaneCholesky{TOps, TVec}"/>). Each row must get exactly the bits of its lone solve (<see cref="RowSolver.Solve"/>,
/// which a fold-in also runs), whatever the rows beside it: rows too long for a lane, empty rows and the last, partial
/// batch of a worker's chunk included, at any thread count.
/// </summary>
public class LaneBatchTests
{
    public static TheoryData<string, AlsModelKind> Cases()
    {
        var d = new TheoryData<string, AlsModelKind>();
        foreach (string path in GroupedRowsTests.Paths())
        {
            foreach (AlsModelKind kind in Kinds)
            {
                d.Add(path, kind);
            }
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batched_rows_have_the_bits_of_lone_rows(string pathName, AlsModelKind kind)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Enum.Parse<KernelPath>(pathName));
        bool implicitModel = kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit;

        // k = MaxD + 1 is past the batched sizes (every path solves row by row); the others batch on the vector paths.
        foreach (int k in new[] { 1, 5, 32, 40, 48, LaneCholesky.MaxD, LaneCholesky.MaxD + 1 })
        {
            var o = new AlsOptions
            {
                Kind = kind,
                Factors = k,
                Solver = AlsSolver.Cholesky,
                Regularization = 0.1f,
                RegularizationScaling = k % 2 == 0 ? RegularizationScaling.ByCount : RegularizationScaling.Constant,
                Alpha = 2f,
            };

            // 61 users (a partial batch at the end of each worker's chunk), three of them empty. With segments of 12
            // neighbours, the rows longer than 12 are solved alone (in segments) between batched ones.
            using Dataset data = Random(61, 29, 0.35, seed: k, implicitValues: implicitModel, emptyUsers: 3);
            const int segment = 12;
            Assert.Contains(Enumerable.Range(0, data.Users), u => data.UserItems.RowLength(u) > segment);
            Assert.Contains(Enumerable.Range(0, data.Users), u => data.UserItems.RowLength(u) is > 0 and <= segment);
            using var xf = new FactorMatrix(data.Users, k);
            using var yf = new FactorMatrix(data.Items, k);
            float[]? xb = o.HasBiases ? new float[data.Users] : null;
            float[]? yb = o.HasBiases ? new float[data.Items] : null;
            FillRandom(xf, xb, data.UserItems, 5);
            FillRandom(yf, yb, data.ItemUsers, 6);
            var layout = AlsLayout.For(o);
            GramMatrix? gram = implicitModel ? GramMatrix.Compute(layout, kernels, yf, yb) : null;
            float mean = implicitModel ? 0f : 3f;
            var ctx = new HalfStepContext(o, kernels, yf, yb, gram, mean, "user");

            // Lone rows, one after another, against the half-step, which batches rows, on one and on three workers.
            AssertHalfStepHasTheLoneBits(o, ctx, data.UserItems, data.Items, xf, xb, [1, 3], $"{pathName} {kind} k={k} batched", segment);
        }
    }

    [Theory]
    [MemberData(nameof(GroupedRowsTests.Paths), MemberType = typeof(GroupedRowsTests))]
    public void A_singular_row_in_a_batch_is_named_as_a_lone_solve_names_it(string pathName)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Enum.Parse<KernelPath>(pathName));

        // Lambda 0 and k = 8: users with fewer than 8 ratings have singular systems. Users 0-4 have 8 or more, user 5
        // has 3 (it shares a batch with users 0-4 and 6-7), user 9 has 2.
        int[] counts = [9, 12, 8, 10, 11, 3, 9, 14, 8, 2, 10];
        using Dataset data = FromTriples(counts.Length, 16, counts.SelectMany((n, u) => Enumerable.Range(0, n).Select(i => (u, (i * 5 + u) % 16, 1f + ((u + i) % 4)))));
        var o = new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 8, Solver = AlsSolver.Cholesky, Regularization = 0f };
        using var xf = new FactorMatrix(data.Users, 8);
        using var yf = new FactorMatrix(data.Items, 8);
        FillRandom(xf, null, data.UserItems, 1);
        FillRandom(yf, null, data.ItemUsers, 2);
        var ctx = new HalfStepContext(o, kernels, yf, null, null, 2.5f, "user");

        var ws = new RowWorkspace(AlsLayout.For(o), data.Items);
        float dummy = 0f;
        AlsNumericalException? lone = null;
        for (int u = 0; u < data.Users && lone is null; u++)
        {
            lone = Record.Exception(() => RowSolver.Solve(ctx, ws, u, data.UserItems.RowIndices(u), data.UserItems.RowValues(u), xf.Clone().Row(u), ref dummy, out _, out _)) as AlsNumericalException;
        }

        Assert.NotNull(lone);
        Assert.Equal(5, lone.Row);
        var e = Assert.Throws<AlsNumericalException>(() => new HalfStepSolver(o, 1, data.UserItems).Solve(ctx, data.UserItems, xf, null, null, default));
        Assert.Equal(lone.Message, e.Message);
        Assert.Contains("user row 5 (3 interactions)", e.Message, StringComparison.Ordinal);
    }
    [Theory]
    [MemberData(nameof(GroupedRowsTests.Paths), MemberType = typeof(GroupedRowsTests))]
    public void A_row_whose_bias_pivot_is_not_positive_fails_in_row_order_after_the_rows_before_it(string pathName)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Enum.Parse<KernelPath>(pathName));

        // Biased implicit, scaled confidence, lambda 0: user 5 stores a zero for all 10 items, so each has c = 0 and
        // weight -1, and its bias pivot, sum (c - 1) + the 10 items' share of G0 + lambda, is 0. The others are ordinary.
        var triples = new List<(int U, int I, float R)>();
        for (int u = 0; u < 8; u++)
        {
            for (int i = 0; i < 10; i++)
            {
                if (u == 5)
                {
                    triples.Add((u, i, 0f));
                }
                else if ((i + u) % 3 != 0)
                {
                    triples.Add((u, i, 1f + ((u * i) % 5)));
                }
            }
        }

        using Dataset data = FromTriples(8, 10, triples);
        var o = new AlsOptions { Kind = AlsModelKind.BiasedImplicit, Factors = 4, Solver = AlsSolver.Cholesky, Regularization = 0f, Confidence = ConfidenceKind.Scaled, Alpha = 2f };
        using var xf = new FactorMatrix(data.Users, 4);
        using var yf = new FactorMatrix(data.Items, 4);
        var xb = new float[data.Users];
        var yb = new float[data.Items];
        FillRandom(xf, xb, data.UserItems, 1);
        FillRandom(yf, yb, data.ItemUsers, 2);
        var layout = AlsLayout.For(o);
        var ctx = new HalfStepContext(o, kernels, yf, yb, GramMatrix.Compute(layout, kernels, yf, yb), 0f, "user");

        using FactorMatrix lone = xf.Clone();
        var loneB = (float[])xb.Clone();
        var ws = new RowWorkspace(layout, data.Items);
        AlsNumericalException? expected = null;
        for (int u = 0; u < data.Users && expected is null; u++)
        {
            expected = Record.Exception(() => RowSolver.Solve(ctx, ws, u, data.UserItems.RowIndices(u), data.UserItems.RowValues(u), lone.Row(u), ref loneB[u], out _, out _)) as AlsNumericalException;
        }

        Assert.NotNull(expected);
        Assert.Equal(5, expected.Row);
        Assert.Contains("pivot 4 of 5", expected.Message, StringComparison.Ordinal);
        using FactorMatrix batched = xf.Clone();
        var batchedB = (float[])xb.Clone();
        var e = Assert.Throws<AlsNumericalException>(() => new HalfStepSolver(o, 1, data.UserItems).Solve(ctx, data.UserItems, batched, batchedB, null, default));
        Assert.Equal(expected.Message, e.Message);

        // The rows before it were solved and written, as they were one by one.
        AssertRowsHaveTheBits(lone, loneB, batched, batchedB, 5, $"{pathName} rows before the failing one");
    }
}
