using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>
/// The exact solver's elimination of the bias (<c>RowSolver.EliminateBias</c>, whole vectors with the lanes outside
/// the upper triangle kept) against the loop over each row's columns that it replaced, bitwise.
/// </summary>
public class BiasEliminationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(70)]
    public void EliminateBias_equals_the_row_by_row_loop_and_touches_nothing_else(int k)
    {
        int fs = (k + 15) & ~15;
        var rng = new Random(k);
        float[] a = [.. Enumerable.Range(0, fs * fs).Select(_ => (float)(rng.NextDouble() * 4 - 2))];
        // Beyond k the column is what the workspace may hold (stale values), which must not reach the system.
        float[] m = [.. Enumerable.Range(0, fs).Select(_ => (float)(rng.NextDouble() * 3 - 1.5))];
        float[] b = [.. Enumerable.Range(0, fs).Select(_ => (float)(rng.NextDouble() - 0.5))];
        float pivot = 1.7f, rhs = -0.3f;

        float[] expectA = (float[])a.Clone(), expectB = (float[])b.Clone();
        for (int p = 0; p < k; p++)
        {
            float mp = m[p] / pivot;
            for (int q = p; q < k; q++)
            {
                expectA[(p * fs) + q] = expectA[(p * fs) + q] - (mp * m[q]);
            }

            expectB[p] = expectB[p] - (mp * rhs);
        }

        RowSolver.EliminateBias(a, fs, k, m, b, pivot, rhs);

        Assert.Equal(Bits(expectA), Bits(a));
        Assert.Equal(Bits(expectB), Bits(b));
    }

    [Fact]
    public void EliminateBias_refuses_a_system_that_does_not_fit()
    {
        float[] m = new float[16], b = new float[16];
        Assert.Throws<ArgumentException>(() => RowSolver.EliminateBias(new float[(15 * 16) + 15], 16, 16, m, b, 1f, 0f));
        Assert.Throws<ArgumentException>(() => RowSolver.EliminateBias(new float[16 * 16], 16, 16, new float[15], b, 1f, 0f));
        Assert.Throws<ArgumentException>(() => RowSolver.EliminateBias(new float[16 * 16], 4, 5, m, b, 1f, 0f));
    }

    private static int[] Bits(float[] v) => [.. v.Select(BitConverter.SingleToInt32Bits)];
}
