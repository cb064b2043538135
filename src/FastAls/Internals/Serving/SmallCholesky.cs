namespace FastAls.Internals.Serving;

/// <summary>In-place Cholesky factorization and solves of a small dense SPD matrix (double precision).</summary>
internal static class SmallCholesky
{
    /// <summary>Factors <paramref name="a"/> (n x n, row-major) into its lower factor L; false when not positive definite.</summary>
    public static bool Factor(Span<double> a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            double d = a[(j * n) + j];
            for (int p = 0; p < j; p++)
            {
                d -= a[(j * n) + p] * a[(j * n) + p];
            }

            if (!(d > 0))
            {
                return false;
            }

            d = Math.Sqrt(d);
            a[(j * n) + j] = d;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[(i * n) + j];
                for (int p = 0; p < j; p++)
                {
                    s -= a[(i * n) + p] * a[(j * n) + p];
                }

                a[(i * n) + j] = s / d;
            }
        }

        return true;
    }

    /// <summary>Solves <c>L Lᵀ x = b</c> in place with the factor from <see cref="Factor"/>.</summary>
    public static void Solve(ReadOnlySpan<double> l, int n, Span<double> b)
    {
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int p = 0; p < i; p++)
            {
                s -= l[(i * n) + p] * b[p];
            }

            b[i] = s / l[(i * n) + i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int p = i + 1; p < n; p++)
            {
                s -= l[(p * n) + i] * b[p];
            }

            b[i] = s / l[(i * n) + i];
        }
    }
}
