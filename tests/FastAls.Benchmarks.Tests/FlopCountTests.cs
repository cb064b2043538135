using FastAls.Benchmarks;

namespace FastAls.Benchmarks.Tests;

/// <summary>The flop formulas the benchmarks divide by, checked against counted operations.</summary>
public class FlopCountTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(256, 64)]
    public void Syrk_counts_two_flops_per_upper_triangle_multiply_add(int n, int d)
    {
        long madds = 0;
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < d; p++)
            {
                for (int q = p; q < d; q++)
                {
                    madds++;
                }
            }
        }

        Assert.Equal(2.0 * madds, FlopCounts.Syrk(n, d));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(32)]
    [InlineData(64)]
    public void CholeskySolve_matches_an_instrumented_textbook_factorization(int d)
    {
        // Count the flops of the column Cholesky (dots, divisions, square roots) and the two
        // triangular solves on a real SPD matrix, so the formula is tied to an actual computation.
        var rng = new Random(1);
        var a = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                a[i, j] = a[j, i] = i == j ? d + rng.NextDouble() : rng.NextDouble() * 0.1;
            }
        }

        long flops = 0;
        for (int j = 0; j < d; j++)
        {
            double s = a[j, j];
            for (int p = 0; p < j; p++)
            {
                s -= a[j, p] * a[j, p];
                flops += 2;
            }

            a[j, j] = Math.Sqrt(s);
            flops++;
            for (int i = j + 1; i < d; i++)
            {
                double t = a[i, j];
                for (int p = 0; p < j; p++)
                {
                    t -= a[i, p] * a[j, p];
                    flops += 2;
                }

                a[i, j] = t / a[j, j];
                flops++;
            }
        }

        var b = new double[d];
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < d; i++)
            {
                double s = b[i];
                for (int p = 0; p < i; p++)
                {
                    s -= a[i, p] * b[p];
                    flops += 2;
                }

                b[i] = s / a[i, i];
                flops++;
            }
        }

        double formula = FlopCounts.CholeskySolve(d);
        Assert.InRange(flops - formula, -d, d);
    }

    [Theory]
    [InlineData(AlsModelKind.Implicit, AlsSolver.Cholesky)]
    [InlineData(AlsModelKind.BiasedImplicit, AlsSolver.Cholesky)]
    [InlineData(AlsModelKind.Explicit, AlsSolver.ConjugateGradient)]
    [InlineData(AlsModelKind.Implicit, AlsSolver.ConjugateGradient)]
    public void FullIteration_is_the_sum_of_the_row_solves_and_both_Gram_matrices(AlsModelKind kind, AlsSolver solver)
    {
        // A small user-item pattern: row lengths of users and items.
        int[] userLengths = [3, 0, 5, 1, 7];
        int[] itemLengths = [4, 4, 2, 6];
        long nnz = userLengths.Sum();
        Assert.Equal(nnz, itemLengths.Sum());
        const int k = 16, steps = 3;
        double sum = 0;
        foreach (int n in userLengths.Concat(itemLengths))
        {
            sum += solver == AlsSolver.Cholesky ? FlopCounts.ExactRow(kind, k, n) : FlopCounts.CgRow(kind, k, n, steps);
        }

        sum += FlopCounts.Syrk(userLengths.Length + itemLengths.Length, FlopCounts.Extended(kind, k));
        double full = FlopCounts.FullIteration(kind, solver, k, steps, userLengths.Length, itemLengths.Length, nnz);
        Assert.Equal(sum, full, 6);
    }

    [Fact]
    public void Exact_iteration_grows_with_k_squared_per_pair_and_k_cubed_per_row()
    {
        double f64 = FlopCounts.FullIteration(AlsModelKind.Implicit, AlsSolver.Cholesky, 64, 3, 200_000, 50_000, 10_000_000);
        // 2 nnz (k(k+1) + 5k) + (U+I)(k^3/3 + 2.5 k^2) + (U+I) k(k+1)
        double expected = 2.0 * 10_000_000 * (64 * 65 + 5 * 64) + 250_000 * (64.0 * 64 * 64 / 3 + 2.5 * 64 * 64) + 250_000.0 * 64 * 65;
        Assert.Equal(expected, f64, 1);
    }
}
