using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// Everything one half-step needs about the fixed side: its factors and biases, the precomputed
/// Gram matrix (implicit models) and the model's hyperparameters. Immutable; shared by all workers.
/// </summary>
internal sealed class HalfStepContext
{
    /// <summary>
    /// The context of a half-step against <paramref name="fixedFactors"/>. <paramref name="scratch"/>: buffers kept from one
    /// half-step to the next (a trainer's, see <see cref="HalfStepScratch"/>), or null to allocate them; only one context
    /// made with a given scratch may be in use at a time.
    /// </summary>
    public HalfStepContext(AlsOptions options, KernelSet kernels, FactorMatrix fixedFactors, float[]? fixedBiases, GramMatrix? fixedGram, float globalMean, string rowName, HalfStepScratch? scratch = null)
    {
        scratch ??= new HalfStepScratch();
        Options = options;
        Kernels = kernels;
        RowKernels = RowKernels.For(kernels, options);
        Layout = AlsLayout.For(options);
        _registerCgVectors = RowSolver.RegisterCgVectors(kernels.Path, Layout, options);
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
            _g0 = scratch.Aligned(ref scratch.G0, w * w);
            Span<float> g0 = _g0.Span;
            fixedGram.ToSingle(g0);
            if (Layout.Biased)
            {
                // CG's split of G0 (see RowSolver.Residual): the factor block, compact at the factor stride, its
                // bias column, and the corner.
                int k = Layout.K, fs = Layout.FactorStride;
                _g0Factors = scratch.Aligned(ref scratch.G0Factors, fs * fs);
                Span<float> factors = _g0Factors.Span;
                G0BiasColumn = scratch.Floats(ref scratch.G0BiasColumn, fs);
                for (int p = 0; p < k; p++)
                {
                    g0.Slice(p * w, k).CopyTo(factors.Slice(p * fs, k));
                    G0BiasColumn[p] = g0[(p * w) + k];
                }

                G0Corner = g0[(k * w) + k];

                // h0 = -Y~'g: the unobserved pairs' share of the right-hand side.
                H0 = scratch.Floats(ref scratch.H0, w);
                for (int p = 0; p < d; p++)
                {
                    H0[p] = (float)-fixedGram[p, Layout.K + 1];
                }
            }
        }

        LowRank = LowRankSolve.For(options, Layout, FixedGram, scratch);
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

    /// <summary>Whether there is a <see cref="G0"/> (the implicit models).</summary>
    public bool HasG0 => !_g0.Span.IsEmpty;

    /// <summary>
    /// <see cref="FixedGram"/> in float, W x W (implicit models; empty for the others), from a cache line: the CG mat-vecs
    /// load its columns as whole vectors, every step of every row.
    /// </summary>
    public ReadOnlySpan<float> G0 => _g0.Span;

    /// <summary>Biased implicit CG: the k x k factor block of <see cref="G0"/> at the factor stride (fs x fs, zero past k; empty for the other models), from a cache line.</summary>
    public ReadOnlySpan<float> G0Factors => _g0Factors.Span;

    private readonly AlignedFloats _g0, _g0Factors;

    /// <summary>Biased implicit CG: column k of <see cref="G0"/> (the factors' coupling with the bias), fs floats, zero past k.</summary>
    public float[]? G0BiasColumn { get; }

    /// <summary>Biased implicit CG: <see cref="G0"/>'s bias diagonal entry (k, k).</summary>
    public float G0Corner { get; }

    /// <summary>Constant right-hand-side term (biased implicit model), W floats.</summary>
    public float[]? H0 { get; }

    /// <summary>
    /// Whether CG may keep a row's vectors in registers where its width allows (RowSolver.TryRegisterCgSteps); true except
    /// in the tests that compare that path with the span path, bit for bit.
    /// </summary>
    internal bool RegisterCg { get; init; } = true;

    /// <summary>The vectors of a row that CG keeps in registers (<see cref="RowSolver.RegisterCgVectors"/>; 0: none, or <see cref="RegisterCg"/> is off).</summary>
    internal int RegisterCgVectors => RegisterCg ? _registerCgVectors : 0;

    private readonly int _registerCgVectors;

    /// <summary>mu (biased explicit model), else 0.</summary>
    public float GlobalMean { get; }

    /// <summary>"user" or "item" (or "row"), for messages.</summary>
    public string RowName { get; }

    /// <summary>Prefix naming the model, iteration and half-step, for messages.</summary>
    public string Where { get; init; } = "";

    /// <summary>
    /// Whether the half-step computes its data loss (the cost that progress reports and early stopping reads): false
    /// when nothing observes the cost, and then each row skips its loss pass over its neighbours and its regularization
    /// term (0), and the implicit models the unobserved pairs' share. The solution and its finiteness check do not
    /// depend on it.
    /// </summary>
    public bool ComputeLoss { get; init; } = true;

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

/// <summary>
/// The arrays that a half-step's context derives from the fixed side (G0 in float and its biased split, h0, the low-rank
/// solver's inverse factor), kept by a trainer from one half-step to the next, so that training allocates nothing per
/// half-step that grows with k (at k = 128 these were about 0.4 MB per half-step). Each buffer is handed out cleared.
/// Not thread-safe: one context at a time.
/// </summary>
internal sealed class HalfStepScratch
{
    internal AlignedFloats G0;
    internal AlignedFloats G0Factors;
    internal float[]? G0BiasColumn;
    internal float[]? H0;
    internal double[]? LowRankFactor;
    internal double[]? LowRankInverse;
    internal double[]? LowRankColumn;
    internal float[]? LowRankInverseSingle;
    internal float[]? LowRankProjected;

    /// <summary><paramref name="slot"/>'s array, cleared, made anew where it is missing or of another length.</summary>
    public float[] Floats(ref float[]? slot, int length) => Take(ref slot, length);

    /// <summary><paramref name="slot"/>'s floats from a cache line (<see cref="AlignedFloats"/>), cleared, made anew where they are missing or of another length.</summary>
    public AlignedFloats Aligned(ref AlignedFloats slot, int length)
    {
        if (slot.IsDefault || slot.Span.Length != length)
        {
            slot = AlignedFloats.Allocate(length);
        }
        else
        {
            slot.Span.Clear();
        }

        return slot;
    }

    /// <inheritdoc cref="Floats"/>
    public double[] Doubles(ref double[]? slot, int length) => Take(ref slot, length);

    private static T[] Take<T>(ref T[]? slot, int length)
    {
        if (slot is null || slot.Length != length)
        {
            slot = new T[length];
        }
        else
        {
            Array.Clear(slot);
        }

        return slot;
    }
}
