using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>The distributed driver's primitives: exact Gram reduction, counter-based starting rows, model assembly.</summary>
public class DistributedPrimitiveTests
{
    [Theory]
    [InlineData(AlsModelKind.Implicit, 3000, 16)]
    [InlineData(AlsModelKind.BiasedImplicit, 1337, 10)]
    [InlineData(AlsModelKind.Explicit, 70000, 8)]
    public void GramPartials_of_aligned_blocks_reduce_to_the_training_gram_bit_for_bit(AlsModelKind kind, int rows, int k)
    {
        var o = new AlsOptions { Kind = kind, Factors = k };
        var layout = AlsLayout.For(o);
        using var f = new FactorMatrix(rows, k);
        var rng = new Random(5);
        float[]? b = o.HasBiases ? new float[rows] : null;
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = f.Row(r);
            for (int i = 0; i < k; i++)
            {
                row[i] = (float)(rng.NextDouble() - 0.5);
            }

            if (b is not null)
            {
                b[r] = (float)rng.NextDouble();
            }
        }

        GramMatrix want = GramMatrix.Compute(layout, KernelSet.Active, f, b, threads: 3);
        (int count, int size) = HalfStepSolver.GramChunking(rows, layout.W);
        Assert.True(count >= 2);
        int w2 = layout.W * layout.W;
        var partials = new List<double[]>();
        foreach ((int s, int e) in new[] { (0, size), (size, rows) })
        {
            using var block = new FactorMatrix(e - s, k);
            for (int r = s; r < e; r++)
            {
                f.Row(r).CopyTo(block.Row(r - s));
            }

            int n = (e - s + size - 1) / size;
            var p = new double[n * w2];
            HalfStepSolver.ComputeGramPartials(layout, KernelSet.Active, rows, s, block, b?[s..e], p, workers: 2);
            for (int c = 0; c < n; c++)
            {
                partials.Add(p.AsSpan(c * w2, w2).ToArray());
            }
        }

        var got = new GramMatrix(layout);
        HalfStepSolver.ReduceGram(partials, count, got);
        Assert.Equal(want.Values, got.Values);
    }

    [Fact]
    public void GramPartials_reject_blocks_off_the_chunk_grid()
    {
        var o = new AlsOptions { Factors = 8 };
        var layout = AlsLayout.For(o);
        using var block = new FactorMatrix(100, 8);
        var e = Assert.Throws<ArgumentException>(() => HalfStepSolver.ComputeGramPartials(layout, KernelSet.Active, 3000, 7, block, null, new double[layout.W * layout.W], 1));
        Assert.Contains("chunk boundaries", e.Message);
    }

    [Fact]
    public void RowInit_any_block_of_rows_starts_as_fit_starts()
    {
        var o = new AlsOptions { Factors = 12, Seed = 9, Iterations = 0 };
        using Dataset data = Random(300, 50, 0.05, seed: 2, implicitValues: true);
        using AlsModel fitted = AlsModel.Fit(data, o);
        ReadOnlySpan<long> off = data.ItemUsers.RowOffsets;
        using var block = new FactorMatrix(20, 12);
        RowInit.Fill(o, (int)AlsHalfStep.Items, 17, off[17..38].ToArray(), block);
        for (int r = 0; r < 20; r++)
        {
            Assert.Equal(fitted.ItemFactors.Row(17 + r).ToArray(), block.Row(r).ToArray());
            Assert.Equal(data.ItemUsers.RowLength(17 + r) == 0, block.Row(r).ToArray().All(v => v == 0));
        }

        // Side and seed change the values; the row's number, not its position, decides them.
        using var users = new FactorMatrix(20, 12);
        RowInit.Fill(o, (int)AlsHalfStep.Users, 17, Enumerable.Repeat(0L, 1).Concat(Enumerable.Range(1, 20).Select(x => (long)x)).ToArray(), users);
        Assert.NotEqual(users.Row(0).ToArray(), block.Row(0).ToArray());
    }

    [Fact]
    public void Assembly_setters_replace_rows_and_reject_bad_input_without_changes()
    {
        var o = new AlsOptions { Kind = AlsModelKind.BiasedExplicit, Factors = 4 };
        using var m = new AlsModel(o, 5, 3);
        m.SetUserFactorRows(2, [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Equal([1f, 2, 3, 4], m.UserFactors.Row(2).ToArray());
        Assert.Equal([5f, 6, 7, 8], m.UserFactors.Row(3).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => m.SetItemFactorRows(2, [1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.Throws<ArgumentException>(() => m.SetUserFactorRows(0, [1, float.NaN, 3, 4]));
        Assert.Equal(0f, m.UserFactors.Row(0)[0]);
        m.SetBiases(4, [0.5f], 0, [1f, 2f, 3f]);
        Assert.Equal(0.5f, m.UserBiases![4]);
        Assert.Equal([1f, 2, 3], m.ItemBiases!);
        m.SetGlobalMean(3.5f);
        Assert.Equal(3.5f, m.GlobalMean);
        using var plain = new AlsModel(new AlsOptions { Factors = 4 }, 2, 2);
        Assert.Throws<NotSupportedException>(() => plain.SetBiases(0, [1f], 0, []));
        // mu is settable on every kind (Spark import and the CLI set it uniformly); only biased explicit scores use it.
        plain.SetGlobalMean(1f);
        Assert.Equal(1f, plain.GlobalMean);
    }
}
