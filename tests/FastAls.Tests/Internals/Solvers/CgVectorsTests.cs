using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>
/// The CG row solve's element-wise updates on every path (Vector512 also in software, see
/// <see cref="GroupedRowsTests.Paths"/>) against the scalar expressions they replace, bitwise, for lengths on both
/// sides of the vector widths.
/// </summary>
public class CgVectorsTests
{
    public static TheoryData<string> Paths() => GroupedRowsTests.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void ElementWiseUpdates_equal_the_scalar_expressions_bitwise(string pathName)
    {
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        switch (path)
        {
            case KernelPath.Scalar:
                Check<ScalarIsa>();
                break;
            case KernelPath.Vector256:
                Check<Vector256Isa>();
                break;
            default:
                Check<Vector512Isa>();
                break;
        }
    }

    private static void Check<TIsa>()
        where TIsa : struct, IIsa
    {
        var rng = new Random(45);
        foreach (int n in new[] { 0, 1, 7, 8, 15, 16, 17, 33, 64, 80, 101 })
        {
            float[] r = Random(rng, n), p = Random(rng, n), v = Random(rng, n), h = Random(rng, n);
            float beta = (float)rng.NextDouble(), lambda = (float)rng.NextDouble() * 10;

            float[] got = (float[])p.Clone(), want = (float[])p.Clone();
            CgVectors.Direction<TIsa>(got, r, beta, n);
            for (int i = 0; i < n; i++)
            {
                want[i] = r[i] + (beta * want[i]);
            }

            Assert.True(want.AsSpan().SequenceEqual(got), $"Direction n={n}");

            got = (float[])p.Clone();
            want = (float[])p.Clone();
            CgVectors.AddShift<TIsa>(got, v, lambda, n);
            for (int i = 0; i < n; i++)
            {
                want[i] += lambda * v[i];
            }

            Assert.True(want.AsSpan().SequenceEqual(got), $"AddShift n={n}");

            foreach (float[]? h0 in new[] { h, null })
            {
                got = (float[])r.Clone();
                want = (float[])r.Clone();
                CgVectors.StartResidual<TIsa>(got, h0, v, lambda, n);
                for (int i = 0; i < n; i++)
                {
                    want[i] = (h0 is null ? 0f : h0[i]) - want[i] - (lambda * v[i]);
                }

                Assert.True(want.AsSpan().SequenceEqual(got), $"StartResidual n={n} h0={(h0 is null ? "null" : "set")}");
            }
        }
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)((rng.NextDouble() * 2) - 1) * (rng.Next(4) == 0 ? 1000f : 1f);
        }

        return a;
    }
}
