using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>
/// The gather's weights and targets formed eight neighbours at a time (<see cref="RowSolver.WeighLanes{TModel}"/>, the last
/// few in a zero-padded vector) must be those of the scalar form (<see cref="RowSolver.Weigher{TModel}"/>) bit for bit: the vector paths take the lanes, the
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
        var o = new AlsOptions
        {
            Kind = model == "explicit" ? AlsModelKind.Explicit : AlsModelKind.Implicit,
            Confidence = model == "scaled" ? ConfidenceKind.Scaled : ConfidenceKind.Linear,
            Alpha = model == "scaled" ? 0.37f : 13.7f,
            Solver = exact ? AlsSolver.Cholesky : AlsSolver.ConjugateGradient,
            Factors = 8,
        };

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
        int done = (model, exact) switch
        {
            ("explicit", true) => Weigh<SolvedRows<ExplicitRows<NoBias>, ExactSolver>>(o, mu, vals, lanes, scalar),
            ("explicit", false) => Weigh<SolvedRows<ExplicitRows<NoBias>, CgSolver>>(o, mu, vals, lanes, scalar),
            ("scaled", true) => Weigh<SolvedRows<ImplicitRows<ScaledConfidence, NoBias>, ExactSolver>>(o, mu, vals, lanes, scalar),
            ("scaled", false) => Weigh<SolvedRows<ImplicitRows<ScaledConfidence, NoBias>, CgSolver>>(o, mu, vals, lanes, scalar),
            (_, true) => Weigh<SolvedRows<ImplicitRows<LinearConfidence, NoBias>, ExactSolver>>(o, mu, vals, lanes, scalar),
            (_, false) => Weigh<SolvedRows<ImplicitRows<LinearConfidence, NoBias>, CgSolver>>(o, mu, vals, lanes, scalar),
        };
        Assert.Equal(vals.Length, done);
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

    /// <summary>The lanes into <paramref name="lanes"/> and the scalar form, one neighbour at a time, into <paramref name="scalar"/>.</summary>
    private static int Weigh<TModel>(AlsOptions o, float mu, float[] vals, RowWorkspace lanes, RowWorkspace scalar)
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
