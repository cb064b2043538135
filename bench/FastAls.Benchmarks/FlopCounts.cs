namespace FastAls.Benchmarks;

/// <summary>
/// Flop counts (one multiply-add = 2 flops) of the kernels and of one full ALS iteration, as the
/// benchmarks divide by them. The counts are the useful arithmetic of the algorithm (a symmetric
/// rank-n update counts its upper triangle with the diagonal), not what a tiled kernel executes.
/// </summary>
internal static class FlopCounts
{
    /// <summary>Gram accumulation <c>G += A^T A</c> of an n x d block, upper triangle: n d (d + 1).</summary>
    public static double Syrk(long n, int d) => (double)n * d * (d + 1);

    /// <summary>Cholesky factorization of a d x d SPD matrix plus the two triangular solves: d^3/3 + d^2/2 + 2 d^2.</summary>
    public static double CholeskySolve(int d) => (double)d * d * d / 3.0 + d * d / 2.0 + 2.0 * d * d;

    /// <summary>Block score <c>users x items</c> dot products of length k: 2 u i k.</summary>
    public static double Score(long users, long items, int k) => 2.0 * users * items * k;

    /// <summary>The unknowns per row: k, or k + 1 with a bias.</summary>
    public static int Unknowns(AlsModelKind kind, int k) =>
        kind is AlsModelKind.BiasedExplicit or AlsModelKind.BiasedImplicit ? k + 1 : k;

    /// <summary>The extended dimension of a side's Gram matrix: k, or k + 2 with biases.</summary>
    public static int Extended(AlsModelKind kind, int k) =>
        kind is AlsModelKind.BiasedExplicit or AlsModelKind.BiasedImplicit ? k + 2 : k;

    private static bool IsImplicit(AlsModelKind kind) => kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit;

    /// <summary>
    /// One exact (Cholesky) row solve with n neighbours: the confidence scaling (implicit, n d), the
    /// Gram update n d (d + 1), the right-hand side 2 n d, the factorization and solves, and the loss
    /// row dots 2 n d.
    /// </summary>
    public static double ExactRow(AlsModelKind kind, int k, long n)
    {
        int d = Unknowns(kind, k);
        double scale = IsImplicit(kind) ? (double)n * d : 0;
        return scale + Syrk(n, d) + 4.0 * n * d + CholeskySolve(d);
    }

    /// <summary>
    /// One CG row solve with n neighbours and s steps: the right-hand side 2 n d, s + 1 products
    /// <c>(G0 + U^T W U + lambda I) v</c> at 2 d^2 (implicit: G0) + 4 n d + n each, 10 d of vector work
    /// per step, and the loss row dots 2 n d.
    /// </summary>
    public static double CgRow(AlsModelKind kind, int k, long n, int steps)
    {
        int d = Unknowns(kind, k);
        double g0 = IsImplicit(kind) ? 2.0 * d * d : 0;
        return 4.0 * n * d + (steps + 1) * (g0 + 4.0 * n * d + n + d) + steps * 10.0 * d;
    }

    /// <summary>
    /// Flops of one full iteration (a user and an item half-step) over a data set with the given
    /// shape: the row solves of both sides (every stored pair is a neighbour once per side) plus the
    /// Gram matrix <c>E^T E</c> of each side after it is solved.
    /// </summary>
    public static double FullIteration(AlsModelKind kind, AlsSolver solver, int k, int cgSteps, long users, long items, long nnz)
    {
        int d = Unknowns(kind, k), e = Extended(kind, k);
        long rows = users + items;
        double perPair, perRow;
        if (solver == AlsSolver.Cholesky)
        {
            perPair = (IsImplicit(kind) ? d : 0) + (double)d * (d + 1) + 4.0 * d;
            perRow = CholeskySolve(d);
        }
        else
        {
            perPair = 4.0 * d + (cgSteps + 1) * (4.0 * d + 1);
            perRow = (cgSteps + 1) * ((IsImplicit(kind) ? 2.0 * d * d : 0) + d) + cgSteps * 10.0 * d;
        }

        // Both half-steps see every pair once; each side's Gram matrix is formed once per iteration
        // (the explicit models form it too, for the cost they report).
        return 2.0 * nnz * perPair + rows * perRow + Syrk(rows, e);
    }

    /// <summary>The formula of <see cref="FullIteration"/> in words, for the benchmark output.</summary>
    public static string Formula(AlsSolver solver) => solver == AlsSolver.Cholesky
        ? "F = 2·nnz·(d(d+1) + 4d [+ d implicit scaling]) + (U+I)·(d³/3 + 2.5d²) + (U+I)·e(e+1)"
        : "F = 2·nnz·(4d + (s+1)(4d+1)) + (U+I)·((s+1)(2d² [implicit] + d) + 10sd) + (U+I)·e(e+1)";
}
