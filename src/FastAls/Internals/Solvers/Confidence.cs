using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Solvers;

/// <summary>
/// The confidence <c>c(r)</c> of a stored value of an implicit model, as an operator type (one per
/// <see cref="ConfidenceKind"/>): the row solver takes it as a type parameter, chosen once per half-step
/// context (<see cref="RowKernels.For"/>, inside the model's <see cref="IModelRows"/> type), so the gather loop has no branch on the kind per neighbour.
/// <see cref="HalfStepContext.ConfidenceOf"/> is the same definition for callers outside the solver.
/// </summary>
internal interface IConfidence
{
    /// <summary>c(r) for the stored value <paramref name="r"/> (a function of |r|).</summary>
    static abstract float Of(float alpha, float epsilon, float r);

    /// <summary>Whether <see cref="OfLanes"/> exists: c(r) lane by lane with the bits of <see cref="Of"/> (not for the logarithm).</summary>
    static abstract bool HasLanes { get; }

    /// <summary><see cref="Of"/> of eight values, each lane the same IEEE operations (only where <see cref="HasLanes"/>).</summary>
    static abstract Vector256<float> OfLanes(float alpha, float epsilon, Vector256<float> r);
}

/// <summary><c>1 + alpha |r|</c>.</summary>
internal readonly struct LinearConfidence : IConfidence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float alpha, float epsilon, float r) => 1f + alpha * MathF.Abs(r);

    public static bool HasLanes => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> OfLanes(float alpha, float epsilon, Vector256<float> r) => Vector256<float>.One + (Vector256.Create(alpha) * Vector256.Abs(r));
}

/// <summary><c>alpha |r|</c> (can fall below 1: a negative weight c - 1).</summary>
internal readonly struct ScaledConfidence : IConfidence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float alpha, float epsilon, float r) => alpha * MathF.Abs(r);

    public static bool HasLanes => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> OfLanes(float alpha, float epsilon, Vector256<float> r) => Vector256.Create(alpha) * Vector256.Abs(r);
}

/// <summary><c>1 + alpha log(1 + |r| / epsilon)</c>.</summary>
internal readonly struct LogConfidence : IConfidence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float alpha, float epsilon, float r) => 1f + alpha * MathF.Log(1f + MathF.Abs(r) / epsilon);

    /// <summary>False: a vector logarithm does not round as <see cref="MathF.Log(float)"/> does.</summary>
    public static bool HasLanes => false;

    public static Vector256<float> OfLanes(float alpha, float epsilon, Vector256<float> r) =>
        throw new NotSupportedException("The logarithmic confidence has no lane-wise form with the bits of MathF.Log.");
}
