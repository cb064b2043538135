namespace FastAls.Internals.Solvers;

/// <summary>
/// The shapes one model kind works with. A row's unknowns are its k factors plus, for the biased
/// models, its bias at index k (the augmented-vector trick: the other side's vectors carry a 1 there).
/// The extended vector of a row, used for the Gram matrix <c>E = sum e e^T</c> of a whole side, is
/// <c>e = (f, 1, bias)</c> for the biased models and <c>e = f</c> otherwise.
/// </summary>
internal readonly struct AlsLayout
{
    public AlsLayout(int factors, bool biased)
    {
        K = factors;
        Biased = biased;
        FactorStride = RoundUp(factors);
        W = RoundUp(biased ? factors + 2 : factors);
    }

    /// <summary>Number of factors k.</summary>
    public int K { get; }

    /// <summary>True for the biased models.</summary>
    public bool Biased { get; }

    /// <summary>The stride of a <see cref="FactorMatrix"/> row (k rounded up to 16).</summary>
    public int FactorStride { get; }

    /// <summary>
    /// The stride of the Gram matrices and the row solver's vectors (the extended dimension rounded up to 16). Gathered
    /// neighbour blocks and the exact solver's systems use <see cref="FactorStride"/>: the biased models' constant 1 and
    /// their bias are taken apart from them (see RowSolver).
    /// </summary>
    public int W { get; }

    /// <summary>Unknowns per row: k, or k + 1 with the bias.</summary>
    public int D => Biased ? K + 1 : K;

    /// <summary>The extended dimension: k, or k + 2.</summary>
    public int E => Biased ? K + 2 : K;

    public static AlsLayout For(AlsOptions options) => new(options.Factors, options.HasBiases);

    private static int RoundUp(int n) => (n + FactorMatrix.StrideAlignment - 1) / FactorMatrix.StrideAlignment * FactorMatrix.StrideAlignment;
}
