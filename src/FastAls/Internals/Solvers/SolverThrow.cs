using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace FastAls.Internals.Solvers;

/// <summary>Throw helpers of the solvers (kept out of the hot methods).</summary>
[StackTraceHidden]
internal static class SolverThrow
{
    [DoesNotReturn]
    public static void NotPositiveDefinite(HalfStepContext c, long row, int count, int pivot, float lambda)
    {
        string which = row >= 0 ? $"{c.RowName} row {row}" : c.RowName;
        throw new AlsNumericalException(
            $"{c.Where}the normal equations of {which} ({count} interactions) are not positive definite " +
            $"(pivot {pivot} of {c.Layout.D}, lambda_r = {lambda}); increase regularization" +
            (c.Options.IsImplicit ? $" or lower alpha ({c.Options.Alpha})." : "."),
            c.RowName,
            row);
    }
}
