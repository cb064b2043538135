using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The row solver specialized for one kernel path and one confidence function, chosen once per half-step
/// context (<see cref="For"/>): each call runs <see cref="RowSolver"/>'s generic code for both types, so
/// neither the path nor the confidence kind is branched on inside the solve.
/// </summary>
internal abstract class RowKernels
{
    private protected RowKernels()
    {
    }

    /// <summary>The row solver for <paramref name="kernels"/>' path and <paramref name="confidence"/>.</summary>
    public static RowKernels For(KernelSet kernels, ConfidenceKind confidence) =>
        kernels.Visit<Factory, RowKernels>(new Factory(confidence));

    /// <inheritdoc cref="RowSolver.Solve"/>
    public abstract bool Solve(HalfStepContext c, RowWorkspace ws, long row, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, Span<float> x, ref float bias, out double loss, out double reg);

    /// <inheritdoc cref="RowSolver.SolveRows"/>
    public abstract (double Loss, double Reg, long Bad) SolveRows(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int start, int end, FactorMatrix solved, float[]? biases);

    private readonly struct Factory(ConfidenceKind confidence) : IIsaVisitor<RowKernels>
    {
        public RowKernels Visit<TIsa>()
            where TIsa : struct, IIsa => confidence switch
            {
                ConfidenceKind.Linear => RowKernels<TIsa, LinearConfidence>.Instance,
                ConfidenceKind.Scaled => RowKernels<TIsa, ScaledConfidence>.Instance,
                _ => RowKernels<TIsa, LogConfidence>.Instance,
            };
    }
}

/// <summary>The row solver on the path <typeparamref name="TIsa"/> with the confidence <typeparamref name="TConf"/>.</summary>
internal sealed class RowKernels<TIsa, TConf> : RowKernels
    where TIsa : struct, IIsa
    where TConf : struct, IConfidence
{
    public static readonly RowKernels<TIsa, TConf> Instance = new();

    private RowKernels()
    {
    }

    public override bool Solve(HalfStepContext c, RowWorkspace ws, long row, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, Span<float> x, ref float bias, out double loss, out double reg) =>
        RowSolver.Solve<TIsa, TConf>(c, ws, row, cols, vals, x, ref bias, out loss, out reg);

    public override (double Loss, double Reg, long Bad) SolveRows(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int start, int end, FactorMatrix solved, float[]? biases) =>
        RowSolver.SolveRows<TIsa, TConf>(c, ws, rows, start, end, solved, biases);
}
