using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>
/// The gather's weights and targets formed eight neighbours at a time (<see cref="RowSolver.WeighLanes{TModel}"/>, the last
/// few in a vector loaded under a mask) must be those of the scalar form (<see cref="RowSolver.Weigher{TModel}"/>) bit for bit: the vector paths take the lanes, the
/// scalar path and the biased models the scalar form, and a row's bits may not depend on which.
/// </summary>
public sealed class NeighbourWeightTests
{
    public static TheoryData<string, bool> Models() => new()
    {
        { "explicit", false }, { "explicit", true },
        { "linear", false }, { "linear", true },
        { "scaled", false }, { "scaled", true },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Lanes_weigh_every_neighbour_as_the_scalar_form_does(string model, bool exact)
    {
        AlsOptions o = OptionsOf(model, exact);

        // Values of every sign and size, zeros of both signs, ones that make a scaled weight negative, and the extremes.
        var rng = new Random(5);
        float[] vals = new float[203];
        for (int i = 0; i < vals.Length; i++)
        {
            vals[i] = i switch
            {
                0 => 0f,
                1 => -0f,
                2 => float.MaxValue,
                3 => -float.Epsilon,
                4 => 1e-30f,
                _ => (float)((rng.NextDouble() - 0.3) * Math.Pow(10, rng.Next(-3, 4))),
            };
        }

        float mu = model == "explicit" ? 3.25f : 0f;
        var layout = AlsLayout.For(o);
        var lanes = new RowWorkspace(layout, vals.Length);
        var scalar = new RowWorkspace(layout, vals.Length);
        int done = WeighAs(model, exact, o, mu, vals, lanes, scalar);
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx.IsSupported ? vals.Length : vals.Length & -8, done);
        for (int j = 0; j < done; j++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(scalar.Weight[j]), BitConverter.SingleToInt32Bits(lanes.Weight[j]));
            Assert.Equal(BitConverter.SingleToInt32Bits(scalar.Q[j]), BitConverter.SingleToInt32Bits(lanes.Q[j]));
            if (exact)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(scalar.SqrtWeight[j]), BitConverter.SingleToInt32Bits(lanes.SqrtWeight[j]));
            }
        }

        // The lanes formed something: the implicit targets are c p, the explicit ones r - mu.
        Assert.Contains(lanes.Q.Take(done), q => q != 0f);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_row_length_weighs_its_last_few_neighbours_as_the_scalar_form_does(string model, bool exact)
    {
        AlsOptions o = OptionsOf(model, exact);
        var layout = AlsLayout.For(o);

        // Rows of 1 to 25 neighbours, cut from a longer array so that values lie past each row's end: a tail read past
        // the row, or one short of it, changes a value the scalar form sets.
        float[] all = Enumerable.Range(1, 40).Select(i => (float)((i % 7) - 1.5) * 1.25f).ToArray();
        for (int n = 1; n <= 25; n++)
        {
            ReadOnlySpan<float> vals = all.AsSpan(3, n);
            var lanes = new RowWorkspace(layout, n);
            var scalar = new RowWorkspace(layout, n);
            int done = WeighAs(model, exact, o, model == "explicit" ? 3.25f : 0f, vals, lanes, scalar);

            // Every lane on the vector paths; without AVX the whole vectors, the rest left to the scalar loop.
            Assert.Equal(System.Runtime.Intrinsics.X86.Avx.IsSupported ? n : n & -8, done);
            for (int j = 0; j < done; j++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(scalar.Weight[j]), BitConverter.SingleToInt32Bits(lanes.Weight[j]));
                Assert.Equal(BitConverter.SingleToInt32Bits(scalar.Q[j]), BitConverter.SingleToInt32Bits(lanes.Q[j]));
            }
        }
    }

    /// <summary>The options of a test case: the model (explicit, or implicit with linear or scaled confidence) and the solver.</summary>
    private static AlsOptions OptionsOf(string model, bool exact) => new()
    {
        Kind = model == "explicit" ? AlsModelKind.Explicit : AlsModelKind.Implicit,
        Confidence = model == "scaled" ? ConfidenceKind.Scaled : ConfidenceKind.Linear,
        Alpha = model == "scaled" ? 0.37f : 13.7f,
        Solver = exact ? AlsSolver.Cholesky : AlsSolver.ConjugateGradient,
        Factors = 8,
    };

    /// <summary><see cref="Weigh{TModel}"/> for the row model of a test case.</summary>
    private static int WeighAs(string model, bool exact, AlsOptions o, float mu, ReadOnlySpan<float> vals, RowWorkspace lanes, RowWorkspace scalar) => (model, exact) switch
    {
        ("explicit", true) => Weigh<SolvedRows<ExplicitRows<NoBias>, ExactSolver>>(o, mu, vals, lanes, scalar),
        ("explicit", false) => Weigh<SolvedRows<ExplicitRows<NoBias>, CgSolver>>(o, mu, vals, lanes, scalar),
        ("scaled", true) => Weigh<SolvedRows<ImplicitRows<ScaledConfidence, NoBias>, ExactSolver>>(o, mu, vals, lanes, scalar),
        ("scaled", false) => Weigh<SolvedRows<ImplicitRows<ScaledConfidence, NoBias>, CgSolver>>(o, mu, vals, lanes, scalar),
        (_, true) => Weigh<SolvedRows<ImplicitRows<LinearConfidence, NoBias>, ExactSolver>>(o, mu, vals, lanes, scalar),
        (_, false) => Weigh<SolvedRows<ImplicitRows<LinearConfidence, NoBias>, CgSolver>>(o, mu, vals, lanes, scalar),
    };

    /// <summary>The lanes into <paramref name="lanes"/> and the scalar form, one neighbour at a time, into <paramref name="scalar"/>.</summary>
    private static int Weigh<TModel>(AlsOptions o, float mu, ReadOnlySpan<float> vals, RowWorkspace lanes, RowWorkspace scalar)
        where TModel : struct, IRowModel
    {
        int done = RowSolver.WeighLanes<TModel>(o, mu, lanes, vals);
        var weigh = new RowSolver.Weigher<TModel>(o, mu, scalar);
        for (int j = 0; j < vals.Length; j++)
        {
            weigh.At(j, vals[j], 0f);
        }

        return done;
    }
}
