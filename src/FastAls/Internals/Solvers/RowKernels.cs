using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The row solver specialized for one kernel path and one model and solver (<see cref="IRowModel"/>: biased or not,
/// implicit or not, the implicit models' confidence function, CG or exact), chosen once per half-step context
/// (<see cref="For"/>): each call runs <see cref="RowSolver"/>'s generic code for both types, so neither the path nor
/// the model is branched on inside the solve, and each model's and solver's code is compiled apart from the others'.
/// </summary>
internal abstract class RowKernels
{
    private protected RowKernels()
    {
    }

    /// <summary>The row solver for <paramref name="kernels"/>' path and the model and solver of <paramref name="options"/>.</summary>
    public static RowKernels For(KernelSet kernels, AlsOptions options) =>
        kernels.Visit<Factory, RowKernels>(new Factory(options));

    /// <inheritdoc cref="RowSolver.Solve"/>
    public abstract bool Solve(HalfStepContext c, RowWorkspace ws, long row, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, Span<float> x, ref float bias, out double loss, out double reg);

    /// <inheritdoc cref="RowSolver.SolveRows"/>
    public abstract (double Loss, double Reg, long Bad) SolveRows(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int start, int end, FactorMatrix solved, float[]? biases);

    private readonly struct Factory(AlsOptions options) : IIsaVisitor<RowKernels>
    {
        public RowKernels Visit<TIsa>()
            where TIsa : struct, IIsa => !Enum.IsDefined(options.Kind)
            ? throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Not a model kind.")
            : options.HasBiases ? Model<TIsa, WithBias>() : Model<TIsa, NoBias>();

        private RowKernels Model<TIsa, TBias>()
            where TIsa : struct, IIsa
            where TBias : struct, IBiasKind => (options.IsImplicit, options.Confidence) switch
            {
                (false, _) => Solver<TIsa, ExplicitRows<TBias>>(),
                (true, ConfidenceKind.Linear) => Solver<TIsa, ImplicitRows<LinearConfidence, TBias>>(),
                (true, ConfidenceKind.Scaled) => Solver<TIsa, ImplicitRows<ScaledConfidence, TBias>>(),
                (true, _) => Solver<TIsa, ImplicitRows<LogConfidence, TBias>>(),
            };

        private RowKernels Solver<TIsa, TRows>()
            where TIsa : struct, IIsa
            where TRows : struct, IModelRows => options.Solver == AlsSolver.ConjugateGradient
            ? RowKernels<TIsa, SolvedRows<TRows, CgSolver>>.Instance
            : RowKernels<TIsa, SolvedRows<TRows, ExactSolver>>.Instance;
    }
}

/// <summary>The row solver on the path <typeparamref name="TIsa"/> for the model <typeparamref name="TModel"/>.</summary>
internal sealed class RowKernels<TIsa, TModel> : RowKernels
    where TIsa : struct, IIsa
    where TModel : struct, IRowModel
{
    public static readonly RowKernels<TIsa, TModel> Instance = new();

    private RowKernels()
    {
    }

    public override bool Solve(HalfStepContext c, RowWorkspace ws, long row, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, Span<float> x, ref float bias, out double loss, out double reg)
    {
        CheckModel(c);
        return RowSolver.Solve<TIsa, TModel>(c, ws, row, cols, vals, x, ref bias, out loss, out reg);
    }

    public override (double Loss, double Reg, long Bad) SolveRows(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int start, int end, FactorMatrix solved, float[]? biases)
    {
        CheckModel(c);
        return RowSolver.SolveRows<TIsa, TModel>(c, ws, rows, start, end, solved, biases);
    }

    /// <summary>The generic code trusts <typeparamref name="TModel"/> for what the context says: a context with another model's kernels is a bug.</summary>
    private static void CheckModel(HalfStepContext c)
    {
        if (TModel.Biased != c.Layout.Biased || TModel.Implicit != c.Options.IsImplicit || TModel.Implicit != c.HasG0
            || TModel.Cg != (c.Options.Solver == AlsSolver.ConjugateGradient))
        {
            throw new InvalidOperationException($"The row kernels for {typeof(TModel).Name} were given a half-step context of a {c.Options.Kind} model with the {c.Options.Solver} solver.");
        }
    }
}
