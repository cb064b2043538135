using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>The shard solve: blocks of rows solved separately add up to the whole half-step.</summary>
public class ShardTests
{
    public static TheoryData<AlsModelKind, AlsSolver> Cases() => KindsAndSolvers();

    private static CsrMatrix Block(CsrMatrix m, int start, int end)
    {
        long s = m.RowOffsets[start], e = m.RowOffsets[end];
        long[] off = [.. m.RowOffsets[start..(end + 1)].ToArray().Select(o => o - s)];
        return CsrMatrix.FromArrays(end - start, m.Cols, off, m.GetColIndices(s, (int)(e - s)).ToArray(), m.GetValues(s, (int)(e - s)).ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwoShards_equal_the_full_half_step(AlsModelKind kind, AlsSolver solver)
    {
        var o = new AlsOptions { Kind = kind, Solver = solver, Factors = 10, Regularization = 0.2f, Alpha = 2f, Threads = 1 };
        using Dataset data = Random(1100, 40, 0.1, seed: 31, implicitValues: o.IsImplicit);
        using var xf = new FactorMatrix(data.Users, o.Factors);
        using var yf = new FactorMatrix(data.Items, o.Factors);
        float[]? xb = o.HasBiases ? new float[data.Users] : null, yb = o.HasBiases ? new float[data.Items] : null;
        FillRandom(xf, xb, data.UserItems, 3);
        FillRandom(yf, yb, data.ItemUsers, 4);
        var layout = AlsLayout.For(o);
        int w = HalfStepSolver.GramStride(o);
        double[] fixedGram = o.IsImplicit ? GramMatrix.Compute(layout, KernelSet.Active, yf, yb).Values : [];

        // The whole side at once.
        using FactorMatrix full = xf.Clone();
        float[]? fullB = (float[]?)xb?.Clone();
        var fullGram = new double[w * w];
        HalfStepResult all = HalfStepSolver.SolveShard(o, data.UserItems, yf, yb, fixedGram, 2.5f, full, fullB, fullGram);

        // Two shards of rows [0, 700) and [700, 1100).
        double loss = 0, reg = 0;
        var gramSum = new double[w * w];
        foreach ((int a, int b) in new[] { (0, 700), (700, data.Users) })
        {
            using CsrMatrix block = Block(data.UserItems, a, b);
            using var part = new FactorMatrix(b - a, o.Factors);
            for (int r = a; r < b; r++)
            {
                xf.Row(r).CopyTo(part.Row(r - a));
            }

            float[]? partB = xb?[a..b];
            var g = new double[w * w];
            HalfStepResult res = HalfStepSolver.SolveShard(o, block, yf, yb, fixedGram, 2.5f, part, partB, g, threads: 2);
            loss += res.Loss;
            reg += res.Regularization;
            for (int i = 0; i < g.Length; i++)
            {
                gramSum[i] += g[i];
            }

            for (int r = a; r < b; r++)
            {
                Assert.True(full.Row(r).SequenceEqual(part.Row(r - a)), $"row {r} differs");
                Assert.Equal(fullB?[r] ?? 0f, partB?[r - a] ?? 0f);
            }
        }

        Assert.Equal(all.Loss, loss, Math.Abs(all.Loss) * 1e-6);
        Assert.Equal(all.Regularization, reg, all.Regularization * 1e-9);
        double scale = fullGram.Max(Math.Abs);
        for (int i = 0; i < gramSum.Length; i++)
        {
            Assert.Equal(fullGram[i], gramSum[i], 1e-6 * scale); // float sums over 64-row blocks, grouped differently
        }

        // The partial Gram matrices are the extended Gram matrix of the solved rows.
        double[] direct = GramMatrix.Compute(layout, KernelSet.Active, full, fullB).Values;
        Assert.Equal(direct, fullGram);
    }
}
