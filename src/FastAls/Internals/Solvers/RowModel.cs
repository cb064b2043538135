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
/// solve: 671 bytes of tier-1 code against 8,103 when CG compiled it first). The models' own structs
/// (<see cref="IModelRows"/>) go inside a solver's (<see cref="CgRows{TRows}"/>, <see cref="ExactRows{TRows}"/>).
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

/// <summary>Explicit ALS: no bias, every observed pair weighs 1.</summary>
internal readonly struct ExplicitRows : IModelRows
{
    public static bool Biased => false;

    public static bool Implicit => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => 1f;

    public static bool HasLaneConfidence => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => Vector256<float>.One;
}

/// <summary>Biased explicit ALS.</summary>
internal readonly struct BiasedExplicitRows : IModelRows
{
    public static bool Biased => true;

    public static bool Implicit => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => 1f;

    public static bool HasLaneConfidence => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => Vector256<float>.One;
}

/// <summary>Implicit ALS with the confidence <typeparamref name="TConf"/>.</summary>
internal readonly struct ImplicitRows<TConf> : IModelRows
    where TConf : struct, IConfidence
{
    public static bool Biased => false;

    public static bool Implicit => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => TConf.Of(alpha, epsilon, r);

    public static bool HasLaneConfidence => TConf.HasLanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => TConf.OfLanes(alpha, epsilon, r);
}

/// <summary>Implicit ALS with biases and the confidence <typeparamref name="TConf"/>.</summary>
internal readonly struct BiasedImplicitRows<TConf> : IModelRows
    where TConf : struct, IConfidence
{
    public static bool Biased => true;

    public static bool Implicit => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => TConf.Of(alpha, epsilon, r);

    public static bool HasLaneConfidence => TConf.HasLanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => TConf.OfLanes(alpha, epsilon, r);
}

/// <summary>The rows of the model <typeparamref name="TRows"/> solved by conjugate gradient.</summary>
internal readonly struct CgRows<TRows> : IRowModel
    where TRows : struct, IModelRows
{
    public static bool Cg => true;

    public static bool Biased => TRows.Biased;

    public static bool Implicit => TRows.Implicit;

    public static bool HasLaneConfidence => TRows.HasLaneConfidence;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => TRows.Confidence(alpha, epsilon, r);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => TRows.Confidence(alpha, epsilon, r);
}

/// <summary>The rows of the model <typeparamref name="TRows"/> solved exactly (Cholesky).</summary>
internal readonly struct ExactRows<TRows> : IRowModel
    where TRows : struct, IModelRows
{
    public static bool Cg => false;

    public static bool Biased => TRows.Biased;

    public static bool Implicit => TRows.Implicit;

    public static bool HasLaneConfidence => TRows.HasLaneConfidence;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Confidence(float alpha, float epsilon, float r) => TRows.Confidence(alpha, epsilon, r);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Confidence(float alpha, float epsilon, Vector256<float> r) => TRows.Confidence(alpha, epsilon, r);
}
