using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>
/// A half-step solves the implicit models' CG rows up to four at a time where G0 is large (read once for the group's
/// mat-vecs). Each row must get exactly the bits of its lone solve (<see cref="RowSolver.Solve"/>), whatever the other
/// rows of its group, including when they stop after different numbers of steps (so that three, two or one of them
/// still run), in groups cut short by empty rows and at a worker's chunk end.
/// </summary>
public class CgGroupTests
{
    public static TheoryData<string, AlsModelKind, int, float> Cases()
    {
        var d = new TheoryData<string, AlsModelKind, int, float>();
        foreach (string path in GroupedRowsTests.Paths())
        {
            foreach (AlsModelKind kind in new[] { AlsModelKind.Implicit, AlsModelKind.BiasedImplicit })
            {
                // Three steps with no tolerance; eight steps with a tolerance that stops some rows early, and a lambda
                // per row (ALS-WR).
                d.Add(path, kind, 3, 0f);
                d.Add(path, kind, 8, 1e-3f);
            }
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Grouped_rows_have_the_bits_of_lone_rows(string pathName, AlsModelKind kind, int steps, float tolerance)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Enum.Parse<KernelPath>(pathName));
        // Groups run where G0's block is at least RowSolver.PairG0Bytes (k = 96 and 130 here); k = 5 and 37 solve alone.
        foreach (int k in new[] { 5, 37, 96, 130 })
        {
            var o = new AlsOptions
            {
                Kind = kind,
                Factors = k,
                Solver = AlsSolver.ConjugateGradient,
                CgSteps = steps,
                CgTolerance = tolerance,
                Regularization = 0.1f,
                RegularizationScaling = steps == 8 ? RegularizationScaling.ByCount : RegularizationScaling.Constant,
                Alpha = 2f,
            };
            using Dataset data = Random(41, 29, 0.3, seed: k, implicitValues: true, emptyUsers: 3);
            using var xf = new FactorMatrix(data.Users, k);
            using var yf = new FactorMatrix(data.Items, k);
            float[]? xb = o.HasBiases ? new float[data.Users] : null;
            float[]? yb = o.HasBiases ? new float[data.Items] : null;
            FillRandom(xf, xb, data.UserItems, 5);
            FillRandom(yf, yb, data.ItemUsers, 6);
            var layout = AlsLayout.For(o);
            GramMatrix gram = GramMatrix.Compute(layout, kernels, yf, yb);
            var ctx = new HalfStepContext(o, kernels, yf, yb, gram, 0f, "user");

            // Lone rows, one after another, against the half-step, which groups rows, on one worker and on three.
            AssertHalfStepHasTheLoneBits(o, ctx, data.UserItems, data.Items, xf, xb, [1, 3], $"{pathName} {kind} k={k} grouped");
        }
    }
}
