using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>
/// The public distributed API (<see cref="ShardSolver"/>, <see cref="FixedSide"/>) used only through its public
/// surface, as a driver would: one iteration assembled from blocks gives the bits of <see cref="AlsModel.Fit"/>.
/// </summary>
public class PublicShardApiTests
{
    public static TheoryData<AlsModelKind, AlsSolver> Cases() => new()
    {
        { AlsModelKind.Explicit, AlsSolver.Cholesky },
        { AlsModelKind.Explicit, AlsSolver.ConjugateGradient },
        { AlsModelKind.Implicit, AlsSolver.Cholesky },
        { AlsModelKind.Implicit, AlsSolver.ConjugateGradient },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_iteration_from_blocks_equals_fit(AlsModelKind kind, AlsSolver solver)
    {
        var o = new AlsOptions { Kind = kind, Solver = solver, Factors = 16, Iterations = 1, Regularization = 0.2f, Alpha = 2f, Threads = 2, Seed = 5 };
        using Dataset data = Random(900, 700, 0.05, seed: 11, implicitValues: o.IsImplicit);
        using AlsModel fit = AlsModel.Fit(data, o);

        int k = o.Factors;
        float[] x = new float[data.Users * k], y = new float[data.Items * k];
        ShardSolver.InitRows(o, AlsHalfStep.Users, 0, data.UserItems.RowOffsets, x);
        ShardSolver.InitRows(o, AlsHalfStep.Items, 0, data.ItemUsers.RowOffsets, y);
        SolveSide(o, data.UserItems, y, x);
        SolveSide(o, data.ItemUsers, x, y);

        Assert.Equal(fit.UserFactors.ToArray(), x);
        Assert.Equal(fit.ItemFactors.ToArray(), y);
    }

    [Fact]
    public void Gram_partials_reduce_to_the_gram_and_the_one_shot_solve_matches_the_fixed_side()
    {
        var o = new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 8, Regularization = 0.1f, Alpha = 3f };
        using Dataset data = Random(300, 200, 0.08, seed: 3, implicitValues: true);
        int k = o.Factors, w = ShardSolver.GramWidth(o);
        float[] y = new float[data.Items * k], x = new float[data.Users * k];
        ShardSolver.InitRows(o, AlsHalfStep.Items, 0, data.ItemUsers.RowOffsets, y);
        ShardSolver.InitRows(o, AlsHalfStep.Users, 0, data.UserItems.RowOffsets, x);
        double[] gram = new double[w * w], reduced = new double[w * w];
        ShardSolver.ComputeGram(o, y, [], gram, threads: 1);
        (int count, _) = ShardSolver.GramChunking(o, data.Items);
        double[] partials = new double[count * w * w];
        ShardSolver.ComputeGramPartials(o, data.Items, 0, y, [], partials);
        ShardSolver.ReduceGram(o, partials, reduced);
        Assert.Equal(gram, reduced);

        CsrMatrix m = data.UserItems;
        float[] oneShot = (float[])x.Clone(), viaFixed = (float[])x.Clone();
        ShardResult a = ShardSolver.Solve(o, data.Items, m.RowOffsets, m.ColIndices, m.Values, y, [], gram, 0f, oneShot, [], new double[w * w]);
        using var side = new FixedSide(o, y, []);
        Assert.False(side.IsBorrowed);
        Assert.Throws<InvalidOperationException>(() => side.Solve(0, m.RowOffsets, m.ColIndices, m.Values, 0f, viaFixed, []));
        side.SetGram(gram);
        ShardResult b = side.Solve(0, m.RowOffsets, m.ColIndices, m.Values, 0f, viaFixed, []);
        Assert.Equal(oneShot, viaFixed);
        Assert.Equal(a.Regularization, b.Regularization);

        // Bad input names the argument; a bad block names global rows.
        ArgumentException e = Assert.Throws<ArgumentException>(() => side.Solve(0, m.RowOffsets, m.ColIndices, m.Values, 0f, new float[3], []));
        Assert.Equal("solved", e.ParamName);
        long[] bad = [0, 2, 1];
        e = Assert.Throws<ArgumentException>(() => side.Solve(40, bad, [0], [1f], 0f, new float[2 * k], []));
        Assert.Contains("[40, 42)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Solves every row of one side in two blocks against a <see cref="FixedSide"/> of the other, as a driver does.</summary>
    private static void SolveSide(AlsOptions o, CsrMatrix rows, float[] fixedFactors, float[] solved)
    {
        int k = o.Factors, w = ShardSolver.GramWidth(o);
        using var side = new FixedSide(o, fixedFactors, []);
        if (o.IsImplicit)
        {
            var gram = new double[w * w];
            ShardSolver.ComputeGram(o, fixedFactors, [], gram);
            side.SetGram(gram);
        }

        int half = rows.Rows / 2;
        foreach ((int start, int end) in new[] { (0, half), (half, rows.Rows) })
        {
            long s = rows.RowOffsets[start], e = rows.RowOffsets[end];
            long[] off = [.. rows.RowOffsets[start..(end + 1)].ToArray().Select(v => v - s)];
            side.Solve(start, off, rows.GetColIndices(s, (int)(e - s)), rows.GetValues(s, (int)(e - s)), 0f, solved.AsSpan(start * k, (end - start) * k), []);
        }
    }
}
