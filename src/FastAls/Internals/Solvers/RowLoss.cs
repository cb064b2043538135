using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Solvers;

/// <summary>
/// A row's share of the data term of the cost over its stored pairs, from the dots <c>u_j . z</c> of its neighbours
/// with the new solution, in double precision.
/// </summary>
/// <remarks>
/// The order of the adds is part of the contract, the same on every kernel path and with or without AVX: pair j goes
/// to partial sum <c>j mod 4</c> for the pairs that fill groups of four, the four partials are added as
/// <c>(s0 + s1) + (s2 + s3)</c>, and the pairs left over are then added in order. Each pair's term takes the same
/// double operations, in the same order, in a vector lane as in the scalar loop (a multiply and an add or subtract,
/// never fused). Four partials instead of one running sum: one sum made each pair wait for the previous add.
/// </remarks>
internal static class RowLoss
{
    /// <summary>Explicit models: <c>sum_j (q_j - dot_j)^2</c>, with <c>q_j</c> the target net of the biases.</summary>
    public static double Explicit(ReadOnlySpan<float> q, ReadOnlySpan<float> dots)
    {
        int n = q.Length;
        if (dots.Length < n)
        {
            throw new ArgumentException("One dot per pair is needed.", nameof(dots));
        }

        ref float q0 = ref MemoryMarshal.GetReference(q);
        ref float d0 = ref MemoryMarshal.GetReference(dots);
        int j = 0;
        double sum = 0;
        if (Avx.IsSupported)
        {
            Vector256<double> acc = Vector256<double>.Zero;
            for (; j <= n - 4; j += 4)
            {
                Vector256<double> res = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref q0, (nuint)j))
                    - Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref d0, (nuint)j));
                acc += res * res;
            }

            sum = Partials(acc);
        }
        else
        {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (; j <= n - 4; j += 4)
            {
                s0 += ExplicitTerm(ref q0, ref d0, j);
                s1 += ExplicitTerm(ref q0, ref d0, j + 1);
                s2 += ExplicitTerm(ref q0, ref d0, j + 2);
                s3 += ExplicitTerm(ref q0, ref d0, j + 3);
            }

            sum = (s0 + s1) + (s2 + s3);
        }

        for (; j < n; j++)
        {
            sum += ExplicitTerm(ref q0, ref d0, j);
        }

        return sum;
    }

    /// <summary>
    /// Implicit models: <c>sum_j w_j (p_j - pred_j)^2 + p_j^2 - 2 p_j pred_j</c>, with <c>p_j = [r_j &gt; 0]</c>,
    /// <c>w_j = c_j - 1</c> and <c>pred_j = dot_j + g_j</c> (<c>g</c> the fixed side's biases, or none): the stored pairs'
    /// part of the whole cost, whose unobserved pairs the Gram term covers.
    /// </summary>
    /// <remarks>
    /// Bounds: <paramref name="cols"/> is a row of a validated <see cref="CsrMatrix"/> whose columns index the fixed side
    /// (see <c>RowSolver.Prepare</c>); <c>fb[col]</c> is a checked array access.
    /// </remarks>
    public static double Implicit(ReadOnlySpan<float> vals, ReadOnlySpan<int> cols, float[]? fb, ReadOnlySpan<float> weight, ReadOnlySpan<float> dots)
    {
        int n = vals.Length;
        if (cols.Length != n || weight.Length < n || dots.Length < n)
        {
            throw new ArgumentException("One column, weight and dot per pair are needed.", nameof(vals));
        }

        ref float v0 = ref MemoryMarshal.GetReference(vals);
        ref float w0 = ref MemoryMarshal.GetReference(weight);
        ref float d0 = ref MemoryMarshal.GetReference(dots);
        int j = 0;
        double sum = 0;
        if (Avx.IsSupported)
        {
            Vector256<double> acc = Vector256<double>.Zero, one = Vector256.Create(1.0), two = Vector256.Create(2.0);
            for (; j <= n - 4; j += 4)
            {
                Vector256<double> v = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref v0, (nuint)j));
                Vector256<double> p = Vector256.GreaterThan(v, Vector256<double>.Zero) & one;
                // + 0.0 without biases, as the scalar term (it turns a -0.0 dot into +0.0).
                Vector256<double> pred = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref d0, (nuint)j))
                    + (fb is null ? Vector256<double>.Zero : Vector256.Create((double)fb[cols[j]], fb[cols[j + 1]], fb[cols[j + 2]], fb[cols[j + 3]]));

                Vector256<double> e = p - pred;
                Vector256<double> w = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref w0, (nuint)j));
                acc += ((w * e * e) + (p * p)) - (two * p * pred);
            }

            sum = Partials(acc);
        }
        else
        {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (; j <= n - 4; j += 4)
            {
                s0 += ImplicitTerm(vals, cols, fb, weight, dots, j);
                s1 += ImplicitTerm(vals, cols, fb, weight, dots, j + 1);
                s2 += ImplicitTerm(vals, cols, fb, weight, dots, j + 2);
                s3 += ImplicitTerm(vals, cols, fb, weight, dots, j + 3);
            }

            sum = (s0 + s1) + (s2 + s3);
        }

        for (; j < n; j++)
        {
            sum += ImplicitTerm(vals, cols, fb, weight, dots, j);
        }

        return sum;
    }

    /// <summary>The four partial sums added as <c>(s0 + s1) + (s2 + s3)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Partials(Vector256<double> acc) =>
        (acc.GetElement(0) + acc.GetElement(1)) + (acc.GetElement(2) + acc.GetElement(3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ExplicitTerm(ref float q0, ref float d0, int j)
    {
        double res = (double)Unsafe.Add(ref q0, j) - Unsafe.Add(ref d0, j);
        return res * res;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ImplicitTerm(ReadOnlySpan<float> vals, ReadOnlySpan<int> cols, float[]? fb, ReadOnlySpan<float> weight, ReadOnlySpan<float> dots, int j)
    {
        double p = vals[j] > 0 ? 1.0 : 0.0;
        double pred = (double)dots[j] + (fb is null ? 0.0 : fb[cols[j]]);
        double e = p - pred;
        return ((weight[j] * e * e) + (p * p)) - (2 * p * pred);
    }
}
