using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>
/// Float32 CG with many more steps than the system's dimension: it must stop on breakdown or stagnation, never
/// blow up, and end at the Cholesky optimum within float32 tolerance (one half-step, and whole trainings).
/// </summary>
public class CgConvergenceTests
{
    public static TheoryData<AlsModelKind, int> KindsAndSteps()
    {
        var d = new TheoryData<AlsModelKind, int>();
        foreach (AlsModelKind k in Kinds)
        {
            foreach (int steps in new[] { 50, 200, 1000 })
            {
                d.Add(k, steps);
            }
        }

        return d;
    }

    private static AlsOptions Options(AlsModelKind kind) => new()
    {
        Kind = kind,
        Factors = 8,
        Regularization = 0.1f,
        Alpha = 3f,
        Iterations = 8,
        Threads = 2,
        Seed = 5,
    };

    [Theory]
    [MemberData(nameof(KindsAndSteps))]
    public void HalfStep_with_many_steps_reaches_the_cholesky_solution_on_every_kernel_path(AlsModelKind kind, int steps)
    {
        using Dataset data = Random(25, 40, 0.3, seed: 21, implicitValues: kind >= AlsModelKind.Implicit);
        AlsOptions chol = Options(kind) with { Factors = 12 };
        AlsOptions cg = chol with { Solver = AlsSolver.ConjugateGradient, CgSteps = steps };
        using var yf = new FactorMatrix(data.Items, chol.Factors);
        float[]? yb = chol.HasBiases ? new float[data.Items] : null;
        FillRandom(yf, yb, data.ItemUsers, 1);
        foreach (KernelPath path in KernelIsa.Supported)
        {
            GramMatrix? gram = chol.IsImplicit ? GramMatrix.Compute(AlsLayout.For(chol), KernelSet.For(path), yf, yb) : null;
            using var x1 = new FactorMatrix(data.Users, chol.Factors);
            using var x2 = new FactorMatrix(data.Users, chol.Factors);
            float[]? b1 = chol.HasBiases ? new float[data.Users] : null, b2 = chol.HasBiases ? new float[data.Users] : null;
            new HalfStepSolver(chol, 1, data.UserItems).Solve(new HalfStepContext(chol, KernelSet.For(path), yf, yb, gram, 3f, "user"), data.UserItems, x1, b1, null, default);
            HalfStepResult r = new HalfStepSolver(cg, 1, data.UserItems).Solve(new HalfStepContext(cg, KernelSet.For(path), yf, yb, gram, 3f, "user"), data.UserItems, x2, b2, null, default);
            Assert.Equal(-1, r.NonFiniteRow);
            for (int u = 0; u < data.Users; u++)
            {
                double[] e = [.. x1.Row(u).ToArray().Select(v => (double)v), b1?[u] ?? 0];
                double[] a = [.. x2.Row(u).ToArray().Select(v => (double)v), b2?[u] ?? 0];
                double err = RelativeError(e, a);
                Assert.True(err < 1e-4, $"{path}, {steps} steps, user {u}: CG differs from Cholesky by {err:E2}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KindsAndSteps))]
    public void Training_with_many_steps_matches_cholesky_training(AlsModelKind kind, int steps)
    {
        using Dataset data = Random(40, 30, 0.25, seed: 3, implicitValues: kind >= AlsModelKind.Implicit);
        AlsOptions chol = Options(kind);
        using AlsModel exact = AlsModel.Fit(data, chol);
        using AlsModel cg = AlsModel.Fit(data, chol with { Solver = AlsSolver.ConjugateGradient, CgSteps = steps });
        float[] e = exact.UserFactors.ToArray(), a = cg.UserFactors.ToArray();
        Assert.All(a, v => Assert.True(float.IsFinite(v)));
        double err = RelativeError([.. e.Select(v => (double)v)], [.. a.Select(v => (double)v)]);
        Assert.True(err < 2e-3, $"{steps} CG steps: user factors differ from Cholesky training by {err:E2}");
    }
}
