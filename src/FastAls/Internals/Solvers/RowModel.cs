using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The model whose rows a row solve solves, and the solver, as an operator type: whether the rows carry a bias, whether
/// the model is implicit, (implicit models) its confidence, and whether the rows are solved by CG or exactly.
/// <see cref="RowKernels.For"/> picks one per half-step context, so <see cref="RowSolver"/>'s generic code is compiled
/// once per model and solver: its branches on them fold away, and the JIT's tier-1 compile of one model's or solver's
/// rows does not shape the code another one runs.
/// </summary>
/// <remarks>
/// With one compiled row solve for all four models and both solvers (the confidence its only type), a process that had
/// trained another model first ran implicit CG at k = 32 in 1.09-1.16 times the time (fastest iterations) of a process
/// that trained it alone, and 1.01-1.39 times after the same model's exact solver (whose rows compiled the shared chunk
/// solve: 671 bytes of tier-1 code against 8,103 when CG compiled it first). The type is composed of one choice per type
/// parameter: <see cref="SolvedRows{TRows, TSolver}"/> of the model's rows (<see cref="ExplicitRows{TBias}"/>,
/// <see cref="ImplicitRows{TConf, TBias}"/>), its bias (<see cref="NoBias"/>, <see cref="WithBias"/>) and confidence,
/// and the solver (<see cref="CgSolver"/>, <see cref="ExactSolver"/>).
/// </remarks>
internal interface IRowModel : IModelRows
{
    /// <summary>Whether the rows are solved by conjugate gradient (else exactly, by Cholesky).</summary>
    static abstract bool Cg { get; }
}

/// <summary>The model half of <see cref="IRowModel"/>: bias, implicit, and the confidence.</summary>
internal interface IModelRows
{
    /// <summary>Whether the rows solve for a bias with their factors (the biased models).</summary>
    static abstract bool Biased { get; }

    /// <summary>Whether the model is implicit: confidence weights and the Gram term of the unobserved pairs.</summary>
    static abstract bool Implicit { get; }

    /// <summary>The implicit models' c(r) (<see cref="IConfidence"/>); the explicit models weigh every pair 1 and never ask.</summary>
    static abstract float Confidence(float alpha, float epsilon, float r);

    /// <summary>Whether the model's weights can be formed eight at a time (<see cref="Confidence(float, float, Vector256{float})"/>).</summary>
    static abstract bool HasLaneConfidence { get; }

    /// <summary><see cref="Confidence(float, float, float)"/> lane by lane, with its bits (where <see cref="HasLaneConfidence"/>).</summary>
    static abstract Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r);
}

/// <summary>Whether a model's rows carry a bias, as a type (<see cref="NoBias"/>, <see cref="WithBias"/>).</summary>
internal interface IBiasKind
{
    static abstract bool Biased { get; }
}

/// <summary>The rows solve for their factors only.</summary>
internal readonly struct NoBias : IBiasKind
{
    public static bool Biased => false;
}

/// <summary>The rows solve for a bias with their factors.</summary>
internal readonly struct WithBias : IBiasKind
{
    public static bool Biased => true;
}

/// <summary>How the rows are solved, as a type (<see cref="CgSolver"/>, <see cref="ExactSolver"/>).</summary>
internal interface ISolverKind
{
    static abstract bool Cg { get; }
}

/// <summary>Conjugate gradient.</summary>
internal readonly struct CgSolver : ISolverKind
{
    public static bool Cg => true;
}

/// <summary>Exactly, by Cholesky.</summary>
internal readonly struct ExactSolver : ISolverKind
{
    public static bool Cg => false;
}

/// <summary>Explicit ALS, biased or not (<typeparamref name="TBias"/>): every observed pair weighs 1.</summary>
internal readonly struct ExplicitRows<TBias> : IModelRows
    where TBias : struct, IBiasKind
{
    public static bool Biased => TBias.Biased;

    public static bool Implicit => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => 1f;

    public static bool HasLaneConfidence => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => Vector256<float>.One;
}

/// <summary>Implicit ALS with the confidence <typeparamref name="TConf"/>, biased or not (<typeparamref name="TBias"/>).</summary>
internal readonly struct ImplicitRows<TConf, TBias> : IModelRows
    where TConf : struct, IConfidence
    where TBias : struct, IBiasKind
{
    public static bool Biased => TBias.Biased;

    public static bool Implicit => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => TConf.Of(alpha, epsilon, r);

    public static bool HasLaneConfidence => TConf.HasLanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => TConf.OfLanes(alpha, epsilon, r);
}

/// <summary>The rows of the model <typeparamref name="TRows"/> solved by <typeparamref name="TSolver"/>.</summary>
internal readonly struct SolvedRows<TRows, TSolver> : IRowModel
    where TRows : struct, IModelRows
    where TSolver : struct, ISolverKind
{
    public static bool Cg => TSolver.Cg;

    public static bool Biased => TRows.Biased;

    public static bool Implicit => TRows.Implicit;

    public static bool HasLaneConfidence => TRows.HasLaneConfidence;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => TRows.Confidence(alpha, epsilon, r);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => TRows.Confidence(alpha, epsilon, r);
}
