using System.Runtime.Intrinsics;
using FastAls.Internals.Kernels;

namespace FastAls.Tests.Engine;

/// <summary>
/// The Vector512 path's horizontal sums: <see cref="Vector512Ops.Sum"/> is one fixed tree (the per-quarter
/// <c>(e0 + e1) + (e2 + e3)</c>, then <c>(Q0 + Q1) + (Q2 + Q3)</c>), and <see cref="Vector512Ops.Sum4"/> and
/// <see cref="Vector512Ops.Sum8"/> give each vector exactly that sum. On a machine with AVX-512F this checks the shuffle
/// trees; elsewhere the lane-by-lane form the path takes in software. Inputs whose sums depend on the order: magnitudes
/// from 2^-20 to 2^20, both signs, signed zeros.
/// </summary>
public class VectorSumTests
{
    private static Vector512<float> RandomVector(Random rng)
    {
        var a = new float[16];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rng.Next(8) == 0 ? (rng.Next(2) == 0 ? 0f : -0f) : (float)(((rng.NextDouble() * 2) - 1) * Math.Pow(2, rng.Next(-20, 21)));
        }

        return Vector512.Create(a);
    }

    /// <summary>The tree of <see cref="Vector512Ops.Sum"/>, written out over the sixteen lanes.</summary>
    private static float Tree(Vector512<float> v)
    {
        float Quarter(int q) => (v[4 * q] + v[(4 * q) + 1]) + (v[(4 * q) + 2] + v[(4 * q) + 3]);
        return (Quarter(0) + Quarter(1)) + (Quarter(2) + Quarter(3));
    }

    [Fact]
    public void Sum_is_the_fixed_tree_bitwise()
    {
        var rng = new Random(7);
        for (int n = 0; n < 2000; n++)
        {
            Vector512<float> v = RandomVector(rng);
            Assert.Equal(BitConverter.SingleToInt32Bits(Tree(v)), BitConverter.SingleToInt32Bits(Vector512Ops.Sum(v)));
        }
    }

    [Fact]
    public void Sum4_and_Sum8_give_each_vector_its_Sum_bitwise()
    {
        var rng = new Random(8);
        for (int n = 0; n < 500; n++)
        {
            Vector512<float>[] v = [.. Enumerable.Range(0, 8).Select(_ => RandomVector(rng))];
            Vector128<float> four = Vector512Ops.Sum4(v[0], v[1], v[2], v[3]);
            Vector256<float> eight = Vector512Ops.Sum8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
            for (int i = 0; i < 8; i++)
            {
                int want = BitConverter.SingleToInt32Bits(Tree(v[i]));
                Assert.Equal(want, BitConverter.SingleToInt32Bits(eight[i]));
                if (i < 4)
                {
                    Assert.Equal(want, BitConverter.SingleToInt32Bits(four[i]));
                }
            }
        }
    }

    [SkippableFact]
    public void Sum_keeps_the_order_of_the_runtimes_Vector512_Sum()
    {
        // The path's bits did not change when the tree was written out: where the Vector512 path runs, the runtime's
        // Vector512.Sum takes the same order. Elsewhere the runtime sums in software, in an order of its own that no
        // kernel path uses, so there is nothing to compare.
        Skip.IfNot(KernelIsa.IsSupported(KernelPath.Vector512), "the Vector512 path does not run on this machine");
        var rng = new Random(9);
        for (int n = 0; n < 2000; n++)
        {
            Vector512<float> v = RandomVector(rng);
            Assert.Equal(BitConverter.SingleToInt32Bits(Vector512.Sum(v)), BitConverter.SingleToInt32Bits(Vector512Ops.Sum(v)));
        }
    }
}
