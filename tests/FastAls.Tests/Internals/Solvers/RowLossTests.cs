using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>
/// <see cref="RowLoss"/> against its documented order of adds (pair j to partial j mod 4 over the whole groups of four,
/// <c>(s0 + s1) + (s2 + s3)</c>, then the rest in order), bit for bit, whichever branch this machine takes, and against
/// a plain running sum within double round-off.
/// </summary>
public class RowLossTests
{
    private static readonly int[] s_lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 64, 257];

    private static double InOrder(int n, Func<int, double> term)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int whole = n - (n % 4);
        for (int j = 0; j < whole; j += 4)
        {
            s0 += term(j);
            s1 += term(j + 1);
            s2 += term(j + 2);
            s3 += term(j + 3);
        }

        double sum = whole == 0 ? 0 : (s0 + s1) + (s2 + s3);
        for (int j = whole; j < n; j++)
        {
            sum += term(j);
        }

        return sum;
    }

    private static double Running(int n, Func<int, double> term)
    {
        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            sum += term(j);
        }

        return sum;
    }

    [Fact]
    public void Explicit_follows_the_documented_order_bitwise()
    {
        var rng = new Random(7);
        foreach (int n in s_lengths)
        {
            float[] q = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 8) - 4)).ToArray();
            float[] dots = Enumerable.Range(0, n + 3).Select(_ => (float)((rng.NextDouble() * 8) - 4)).ToArray();
            double Term(int j)
            {
                double res = (double)q[j] - dots[j];
                return res * res;
            }

            double got = RowLoss.Explicit(q, dots);
            Assert.Equal(BitConverter.DoubleToInt64Bits(InOrder(n, Term)), BitConverter.DoubleToInt64Bits(got));
            Assert.Equal(Running(n, Term), got, 1e-12 * Math.Max(1, Math.Abs(got)));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Implicit_follows_the_documented_order_bitwise(bool biases)
    {
        var rng = new Random(biases ? 9 : 8);
        const int fixedRows = 50;
        float[]? fb = biases ? Enumerable.Range(0, fixedRows).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray() : null;
        foreach (int n in s_lengths)
        {
            // Values with zeros and negatives (p = 0), weights below zero (scaled confidence under 1) and above.
            float[] vals = Enumerable.Range(0, n).Select(_ => rng.Next(4) == 0 ? 0f : (float)((rng.NextDouble() * 6) - 1)).ToArray();
            int[] cols = Enumerable.Range(0, n).Select(_ => rng.Next(fixedRows)).ToArray();
            float[] weight = Enumerable.Range(0, n + 1).Select(_ => (float)((rng.NextDouble() * 10) - 0.5)).ToArray();
            float[] dots = Enumerable.Range(0, n + 5).Select(_ => (float)((rng.NextDouble() * 3) - 1)).ToArray();
            double Term(int j)
            {
                double p = vals[j] > 0 ? 1.0 : 0.0;
                double pred = (double)dots[j] + (fb is null ? 0.0 : fb[cols[j]]);
                double e = p - pred;
                return ((weight[j] * e * e) + (p * p)) - (2 * p * pred);
            }

            double got = RowLoss.Implicit(vals, cols, fb, weight, dots);
            Assert.Equal(BitConverter.DoubleToInt64Bits(InOrder(n, Term)), BitConverter.DoubleToInt64Bits(got));
            Assert.Equal(Running(n, Term), got, 1e-10 * Math.Max(1, Math.Abs(got)));
        }
    }

    [Fact]
    public void Short_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RowLoss.Explicit(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => RowLoss.Implicit(new float[4], new int[3], null, new float[4], new float[4]));
        Assert.Throws<ArgumentException>(() => RowLoss.Implicit(new float[4], new int[4], null, new float[3], new float[4]));
    }
}
