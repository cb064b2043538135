using System.Runtime.Intrinsics;
using FastAls.Internals.Kernels;

namespace FastAls.Tests.Engine;

/// <summary>The eight-lane batch (Vector256), which both vector paths ran before the Vector512 path had its own.</summary>
public class LaneCholesky8Tests : LaneCholeskyTests
{
    private protected override LaneKernel K { get; } = new LaneKernel<Vector256Ops, Vector256<float>>();
}

/// <summary>
/// The sixteen-lane batch (Vector512; in software where the machine has no AVX-512, with the same bits): each lane
/// against the same scalar arithmetic as the eight-lane batch, so the two widths agree bit for bit.
/// </summary>
public class LaneCholesky16Tests : LaneCholeskyTests
{
    private protected override LaneKernel K { get; } = new LaneKernel<Vector512Ops, Vector512<float>>();
}

/// <summary>One width of <see cref="LaneCholesky{TOps, TVec}"/>, for tests written once for both.</summary>
internal abstract class LaneKernel
{
    public abstract int Lanes { get; }

    public abstract int MatrixLength(int d);

    public abstract void Put(Span<float> t, Span<float> rhs, int d, int lane, ReadOnlySpan<float> a, int w, ReadOnlySpan<float> b);

    public abstract void PutRhs(Span<float> rhs, int d, int lane, ReadOnlySpan<float> b);

    public abstract void PutAll(Span<float> t, int d, ReadOnlySpan<float[]> a, int w);

    public abstract void FactorSolve(Span<float> t, Span<float> rhs, int d, Span<int> bad);

    public abstract void Get(ReadOnlySpan<float> rhs, int d, int lane, Span<float> x);
}

internal sealed class LaneKernel<TOps, TVec> : LaneKernel
    where TOps : struct, IVectorOps<TVec>
    where TVec : struct
{
    public override int Lanes => LaneCholesky<TOps, TVec>.Lanes;

    public override int MatrixLength(int d) => LaneCholesky<TOps, TVec>.MatrixLength(d);

    public override void Put(Span<float> t, Span<float> rhs, int d, int lane, ReadOnlySpan<float> a, int w, ReadOnlySpan<float> b) =>
        LaneCholesky<TOps, TVec>.Put(t, rhs, d, lane, a, w, b);

    public override void PutRhs(Span<float> rhs, int d, int lane, ReadOnlySpan<float> b) => LaneCholesky<TOps, TVec>.PutRhs(rhs, d, lane, b);

    public override void PutAll(Span<float> t, int d, ReadOnlySpan<float[]> a, int w) => LaneCholesky<TOps, TVec>.PutAll(t, d, a, w);

    public override void FactorSolve(Span<float> t, Span<float> rhs, int d, Span<int> bad) => LaneCholesky<TOps, TVec>.FactorSolve(t, rhs, d, bad);

    public override void Get(ReadOnlySpan<float> rhs, int d, int lane, Span<float> x) => LaneCholesky<TOps, TVec>.Get(rhs, d, lane, x);
}

/// <summary>
/// The exact solver's batched kernel (<see cref="LaneCholesky{TOps, TVec}"/>) at one width: every lane against its
/// arithmetic written out in plain scalar loops, bit for bit, and against a double-precision solve; lanes that do not
/// mix; the pivots it reports.
/// </summary>
public abstract class LaneCholeskyTests
{
    private protected abstract LaneKernel K { get; }

    private int L => K.Lanes;

    private static readonly int[] s_sizes = [1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 24, 31, 32, 33, 40, 47, 48, 57, 63, LaneCholesky.MaxD];

    /// <summary>A random SPD system of d unknowns at stride w (a multiple of 16), garbage left of the diagonal and past d.</summary>
    private static float[] RandomSystem(Random rng, int d, out int w)
    {
        w = (d + 15) / 16 * 16;
        int n = d + 6;
        var m = new float[n * w];
        for (int j = 0; j < n; j++)
        {
            for (int q = 0; q < d; q++)
            {
                m[j * w + q] = (float)(rng.NextDouble() * 2 - 1);
            }
        }

        var a = new float[w * w];
        KernelSet.For(KernelPath.Scalar).SyrkUpper(m, n, w, a);
        for (int p = 0; p < w; p++)
        {
            for (int q = 0; q < w; q++)
            {
                if (p < d && q >= p && q < d)
                {
                    a[p * w + q] += p == q ? 0.3f : 0f;
                }
                else
                {
                    a[p * w + q] = (float)(rng.NextDouble() * 100 - 50);
                }
            }
        }

        return a;
    }

    /// <summary>L random systems (<see cref="RandomSystem"/>) and right-hand sides of d unknowns.</summary>
    private float[][] RandomBatch(Random rng, int d, out int w, out float[][] rhs)
    {
        var systems = new float[L][];
        rhs = new float[L][];
        w = 0;
        for (int l = 0; l < L; l++)
        {
            systems[l] = RandomSystem(rng, d, out w);
            rhs[l] = RandomRhs(rng, d);
        }

        return systems;
    }

    private static float[] RandomRhs(Random rng, int d) => Enumerable.Range(0, d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    /// <summary>
    /// The kernel's arithmetic for one system in scalars: rows of R left-looking with fused multiply-adds in pivot order,
    /// reciprocal pivots, then the two solves by columns. Returns x, or the first bad pivot.
    /// </summary>
    private static float[] Reference(float[] a, int w, int d, float[] b, out int bad)
    {
        var r = new float[d * d];
        var inv = new float[d];
        bad = -1;
        for (int i = 0; i < d; i++)
        {
            var acc = new float[d];
            for (int q = i; q < d; q++)
            {
                acc[q] = a[i * w + q];
                for (int j = 0; j < i; j++)
                {
                    acc[q] = MathF.FusedMultiplyAdd(-r[j * d + i], r[j * d + q], acc[q]);
                }
            }

            float pivot = acc[i];
            if (bad < 0 && (!(pivot > Cholesky.RelativePivotFloor * a[i * w + i]) || !float.IsFinite(pivot)))
            {
                bad = i;
            }

            float root = MathF.Sqrt(pivot);
            inv[i] = 1f / root;
            r[i * d + i] = root;
            for (int q = i + 1; q < d; q++)
            {
                r[i * d + q] = acc[q] * inv[i];
            }
        }

        var x = (float[])b.Clone();
        for (int j = 0; j < d; j++)
        {
            x[j] *= inv[j];
            for (int q = j + 1; q < d; q++)
            {
                x[q] = MathF.FusedMultiplyAdd(-x[j], r[j * d + q], x[q]);
            }
        }

        for (int q = d - 1; q >= 0; q--)
        {
            x[q] *= inv[q];
            for (int i = 0; i < q; i++)
            {
                x[i] = MathF.FusedMultiplyAdd(-x[q], r[i * d + q], x[i]);
            }
        }

        return x;
    }

    /// <summary>The L systems through the batch: put, factored and solved; returns the right-hand sides (the solutions).</summary>
    private float[] FactorSolve(float[][] systems, float[][] rhs, int d, int w, out int[] bad)
    {
        var t = new float[K.MatrixLength(d)];
        var b = new float[d * L];
        bad = new int[L];
        K.PutAll(t, d, systems, w);
        for (int l = 0; l < L; l++)
        {
            K.PutRhs(b, d, l, rhs[l]);
        }

        K.FactorSolve(t, b, d, bad);
        return b;
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what} entry {i}: {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    [Fact]
    public void Every_lane_has_the_bits_of_its_arithmetic_written_out_and_solves_the_system()
    {
        var rng = new Random(7);
        foreach (int d in s_sizes)
        {
            float[][] systems = RandomBatch(rng, d, out int w, out float[][] rhs);

            float[] b = FactorSolve(systems, rhs, d, w, out int[] bad);
            for (int l = 0; l < L; l++)
            {
                Assert.Equal(-1, bad[l]);
                var x = new float[d];
                K.Get(b, d, l, x);
                AssertBits(Reference(systems[l], w, d, rhs[l], out int refBad), x, $"d={d} lane {l}");
                Assert.Equal(-1, refBad);

                var ad = new double[d, d];
                for (int p = 0; p < d; p++)
                {
                    for (int q = p; q < d; q++)
                    {
                        ad[p, q] = ad[q, p] = systems[l][p * w + q];
                    }
                }

                double[] exact = EngineTestData.SolveSpd(ad, rhs[l].Select(v => (double)v).ToArray());
                double err = EngineTestData.RelativeError(exact, x.Select(v => (double)v).ToArray());
                Assert.True(err < 1e-4, $"d={d} lane {l}: relative error {err:E2}");
            }
        }
    }

    /// <summary>The vector paths (the scalar path factors unfused and never batches).</summary>
    public static TheoryData<string> VectorPaths()
    {
        var d = new TheoryData<string>();
        foreach (KernelPath p in KernelIsa.Supported.Append(KernelPath.Vector512).Distinct())
        {
            if (p != KernelPath.Scalar)
            {
                d.Add(p.ToString());
            }
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void A_lone_system_factored_on_a_vector_path_and_solved_by_solve_one_has_the_bits_of_a_lane(string pathName)
    {
        KernelSet kernels = GroupedRowsTests.Kernels(Enum.Parse<KernelPath>(pathName));
        var rng = new Random(23);
        foreach (int d in s_sizes)
        {
            float[] a = RandomSystem(rng, d, out int w);
            float[] b = RandomRhs(rng, d);
            float[] expected = Reference(a, w, d, b, out int refBad);
            Assert.Equal(-1, refBad);
            float[] work = (float[])a.Clone();
            Assert.Equal(-1, kernels.CholeskyFactor(work, d, w));
            float[] x = (float[])b.Clone();
            LaneCholesky.SolveOne(work, d, w, x);
            AssertBits(expected, x, $"{pathName} d={d}");
        }
    }

    [Fact]
    public void Put_all_copies_what_one_put_per_lane_copies()
    {
        var rng = new Random(11);
        foreach (int d in s_sizes)
        {
            var systems = new float[L][];
            int w = 0;
            for (int l = 0; l < L; l++)
            {
                systems[l] = RandomSystem(rng, d, out w);
            }

            var one = new float[K.MatrixLength(d)];
            var all = new float[one.Length];
            var b = new float[d * L];
            for (int l = 0; l < L; l++)
            {
                K.Put(one, b, d, l, systems[l], w, new float[d]);
            }

            K.PutAll(all, d, systems, w);
            AssertBits(one, all, $"d={d}");
        }
    }

    [Fact]
    public void A_lane_that_is_not_positive_definite_is_reported_and_the_other_lanes_are_unaffected()
    {
        var rng = new Random(3);
        const int d = 32;
        float[][] systems = RandomBatch(rng, d, out int w, out float[][] rhs);

        // Lane 2: row and column 5 those of 4, with a smaller diagonal (pivot 5 is then -0.1 A_44); lane 6: a NaN at (9, 20).
        float[] s2 = systems[2];
        for (int q = 6; q < d; q++)
        {
            s2[5 * w + q] = s2[4 * w + q];
        }

        for (int p = 0; p < 4; p++)
        {
            s2[p * w + 5] = s2[p * w + 4];
        }

        s2[4 * w + 5] = s2[4 * w + 4];
        s2[5 * w + 5] = 0.9f * s2[4 * w + 4];
        systems[6][9 * w + 20] = float.NaN;

        float[] b = FactorSolve(systems, rhs, d, w, out int[] bad);
        Assert.Equal(5, bad[2]);
        Assert.Equal(20, bad[6]);
        for (int l = 0; l < L; l++)
        {
            float[] expected = Reference(systems[l], w, d, rhs[l], out int refBad);
            Assert.Equal(refBad, bad[l]);
            if (l != 2 && l != 6)
            {
                Assert.Equal(-1, bad[l]);
                var x = new float[d];
                K.Get(b, d, l, x);
                AssertBits(expected, x, $"lane {l}");
            }
        }
    }

    [Fact]
    public void Shapes_are_checked()
    {
        var t = new float[K.MatrixLength(8)];
        var b = new float[8 * L];
        var bad = new int[L];
        Assert.Throws<ArgumentException>(() => K.FactorSolve(t, b, 0, bad));
        const int tooLarge = LaneCholesky.MaxD + 1;
        Assert.Throws<ArgumentException>(() => K.FactorSolve(new float[tooLarge * tooLarge * L], new float[tooLarge * L], tooLarge, bad));
        Assert.Throws<ArgumentException>(() => K.FactorSolve(t, b, 9, bad));
        Assert.Throws<ArgumentException>(() => K.FactorSolve(t, b, 8, new int[L - 1]));
        Assert.Throws<ArgumentException>(() => K.Put(t, b, 8, L, new float[256], 16, new float[8]));
        Assert.Throws<ArgumentException>(() => K.Put(t, b, 8, 0, new float[100], 16, new float[8]));
        Assert.Throws<ArgumentException>(() => K.PutAll(t, 8, new float[L - 1][], 16));
        Assert.Throws<ArgumentException>(() => K.PutAll(t, 8, Enumerable.Range(0, L).Select(l => new float[l == 3 ? 100 : 256]).ToArray(), 16));
        Assert.Throws<ArgumentException>(() => K.Get(b, 8, 0, new float[7]));
        Assert.Throws<ArgumentException>(() => LaneCholesky.SolveOne(new float[256], 8, 16, new float[7]));
        Assert.Throws<ArgumentException>(() => LaneCholesky.SolveOne(new float[100], 8, 16, new float[8]));
        Assert.Throws<ArgumentException>(() => LaneCholesky.SolveOne(new float[256], 8, 7, new float[8]));
    }
}
