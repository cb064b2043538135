using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// Everything one half-step needs about the fixed side: its factors and biases, the precomputed
/// Gram matrix (implicit models) and the model's hyperparameters. Immutable; shared by all workers.
/// </summary>
internal sealed class HalfStepContext
{
    public HalfStepContext(AlsOptions options, KernelSet kernels, FactorMatrix fixedFactors, float[]? fixedBiases, GramMatrix? fixedGram, float globalMean, string rowName)
    {
        Options = options;
        Kernels = kernels;
        RowKernels = RowKernels.For(kernels, options.Confidence);
        Layout = AlsLayout.For(options);
        FixedFactors = fixedFactors;
        FixedBiases = options.HasBiases ? fixedBiases ?? throw new ArgumentNullException(nameof(fixedBiases)) : null;
        GlobalMean = options.Kind == AlsModelKind.BiasedExplicit ? globalMean : 0f;
        RowName = rowName;
        if (fixedFactors.Factors != options.Factors)
        {
            throw new ArgumentException($"The fixed factors have k = {fixedFactors.Factors}; the options say {options.Factors}.", nameof(fixedFactors));
        }

        if (options.IsImplicit)
        {
            FixedGram = fixedGram ?? throw new ArgumentNullException(nameof(fixedGram), "Implicit models need the fixed side's Gram matrix.");
            int w = Layout.W, d = Layout.D;
            G0 = fixedGram.ToSingle();
            if (Layout.Biased)
            {
                // CG's split of G0 (see RowSolver.Residual): the factor block, compact at the factor stride, its
                // bias column, and the corner.
                int k = Layout.K, fs = Layout.FactorStride;
                G0Factors = new float[fs * fs];
                G0BiasColumn = new float[fs];
                for (int p = 0; p < k; p++)
                {
                    Array.Copy(G0, p * w, G0Factors, p * fs, k);
                    G0BiasColumn[p] = G0[(p * w) + k];
                }

                G0Corner = G0[(k * w) + k];

                // h0 = -Y~'g: the unobserved pairs' share of the right-hand side.
                H0 = new float[w];
                for (int p = 0; p < d; p++)
                {
                    H0[p] = (float)-fixedGram[p, Layout.K + 1];
                }
            }
        }

        LowRank = LowRankSolve.For(options, Layout, FixedGram);
    }

    public AlsOptions Options { get; }

    /// <summary>The exact solver's low-rank path for rows with few neighbours (<see cref="LowRankSolve"/>), or null where it does not apply.</summary>
    public LowRankSolve? LowRank { get; init; }

    /// <summary>The kernel path the half-step runs on.</summary>
    public KernelSet Kernels { get; }

    /// <summary>The row solver for <see cref="Kernels"/>' path and the options' confidence function, chosen once.</summary>
    public RowKernels RowKernels { get; }

    public AlsLayout Layout { get; }

    public FactorMatrix FixedFactors { get; }

    public float[]? FixedBiases { get; }

    /// <summary>The fixed side's extended Gram matrix (implicit models).</summary>
    public GramMatrix? FixedGram { get; }

    /// <summary><see cref="FixedGram"/> in float, W x W (implicit models).</summary>
    public float[]? G0 { get; }

    /// <summary>Biased implicit CG: the k x k factor block of <see cref="G0"/> at the factor stride (fs x fs, zero past k).</summary>
    public float[]? G0Factors { get; }

    /// <summary>Biased implicit CG: column k of <see cref="G0"/> (the factors' coupling with the bias), fs floats, zero past k.</summary>
    public float[]? G0BiasColumn { get; }

    /// <summary>Biased implicit CG: <see cref="G0"/>'s bias diagonal entry (k, k).</summary>
    public float G0Corner { get; }

    /// <summary>Constant right-hand-side term (biased implicit model), W floats.</summary>
    public float[]? H0 { get; }

    /// <summary>mu (biased explicit model), else 0.</summary>
    public float GlobalMean { get; }

    /// <summary>"user" or "item" (or "row"), for messages.</summary>
    public string RowName { get; }

    /// <summary>Prefix naming the model, iteration and half-step, for messages.</summary>
    public string Where { get; init; } = "";

    /// <summary>True when a neighbour's weight c - 1 can be negative (implicit models with scaled confidence).</summary>
    public bool MayHaveNegativeWeights => Options.IsImplicit && Options.Confidence == ConfidenceKind.Scaled;

    /// <summary>Confidence of a stored value r for the implicit models (of |r|).</summary>
    public float Confidence(float r) => ConfidenceOf(Options, r);

    /// <summary>
    /// Confidence of a stored value r under <paramref name="o"/>: the operator type of <see cref="AlsOptions.Confidence"/>
    /// (<see cref="IConfidence"/>), the one definition that the row solver takes as a type parameter.
    /// </summary>
    public static float ConfidenceOf(AlsOptions o, float r) => o.Confidence switch
    {
        ConfidenceKind.Linear => LinearConfidence.Of(o.Alpha, o.Epsilon, r),
        ConfidenceKind.Scaled => ScaledConfidence.Of(o.Alpha, o.Epsilon, r),
        _ => LogConfidence.Of(o.Alpha, o.Epsilon, r),
    };
}
