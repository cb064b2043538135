using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>
/// CG with a row's vectors in registers (RowSolver.TryRegisterCg) against the span path it stands in for: the same
/// bits, for every model, on every vector path this machine runs.
/// </summary>
public class RegisterCgTests
{
    public static TheoryData<AlsModelKind, int, int, RegularizationScaling> Cases()
    {
        var data = new TheoryData<AlsModelKind, int, int, RegularizationScaling>();
        foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
        {
            foreach (int k in new[] { 32, 64 })
            {
                foreach (int steps in new[] { 1, 3, 25 })
                {
                    data.Add(kind, k, steps, RegularizationScaling.Constant);
                }

                data.Add(kind, k, 3, RegularizationScaling.ByCount);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_half_step_has_the_span_paths_bits(AlsModelKind kind, int k, int steps, RegularizationScaling scaling)
    {
        bool isImplicit = kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit;
        using Dataset data = Random(90, 70, 0.3, seed: 40 + k + steps, implicitValues: isImplicit);
        AlsOptions o = new()
        {
            Kind = kind,
            Factors = k,
            Solver = AlsSolver.ConjugateGradient,
            CgSteps = steps,
            Regularization = scaling == RegularizationScaling.ByCount ? 0.05f : 0.3f,
            RegularizationScaling = scaling,
            Alpha = 2f,
            Confidence = kind == AlsModelKind.BiasedImplicit ? ConfidenceKind.Log : ConfidenceKind.Linear,
            Epsilon = 0.5f,
            Threads = 1,
        };

        using var yf = new FactorMatrix(data.Items, k);
        float[]? yb = o.HasBiases ? new float[data.Items] : null;
        FillRandom(yf, yb, data.ItemUsers, 1);
        int paths = 0;
        foreach (KernelPath path in new[] { KernelPath.Vector256, KernelPath.Vector512 })
        {
            if (!KernelIsa.IsSupported(path))
            {
                continue;
            }

            KernelSet kernels = KernelSet.For(path);
            GramMatrix? gram = isImplicit ? GramMatrix.Compute(AlsLayout.For(o), kernels, yf, yb) : null;
            var inRegisters = new HalfStepContext(o, kernels, yf, yb, gram, 3f, "user");
            var spans = new HalfStepContext(o, kernels, yf, yb, gram, 3f, "user") { RegisterCg = false };

            // The register path is taken where its widths are: two or four vectors a row.
            Assert.Equal(path == KernelPath.Vector512 ? k / 16 : k == 32 ? 4 : 0, inRegisters.RegisterCgVectors);
            Assert.Equal(0, spans.RegisterCgVectors);

            (int[] factors, int[] biases) a = Solve(inRegisters), b = Solve(spans);
            Assert.Equal(b.factors, a.factors);
            Assert.Equal(b.biases, a.biases);
            paths++;
        }

        Assert.True(paths > 0 || !KernelIsa.IsSupported(KernelPath.Vector256), "no vector path ran");

        (int[] Factors, int[] Biases) Solve(HalfStepContext context)
        {
            using var x = new FactorMatrix(data.Users, k);
            float[]? xb = o.HasBiases ? new float[data.Users] : null;
            FillRandom(x, xb, data.UserItems, 2);
            new HalfStepSolver(o, 1, data.UserItems).Solve(context, data.UserItems, x, xb, null, default);
            return (x.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray(), (xb ?? []).Select(BitConverter.SingleToInt32Bits).ToArray());
        }
    }
}
