using System.Runtime.InteropServices;
using FastAls.Interop;

namespace FastAls.Native;

/// <summary>Training options and the progress callback (fastals_fit_options_t); fill with fastals_fit_options_init first.</summary>
/// <remarks>
/// One field per <see cref="AlsOptions"/> option, in this (the ABI's) order: the generator checks that every option has
/// its field (FALS0008) and generates <c>From</c> and <c>ToOptionsUnvalidated</c>.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
[FastAlsOptionsMirror(typeof(AlsOptions))]
public unsafe partial struct FastAlsFitOptions
{
    /// <summary>Model kind.</summary>
    public AlsModelKind Kind;

    /// <summary>Number of latent factors k.</summary>
    public int Factors;

    /// <summary>L2 regularization lambda.</summary>
    public float Regularization;

    /// <summary>Constant lambda or scaled by the row's count (ALS-WR).</summary>
    public RegularizationScaling RegularizationScaling;

    /// <summary>Confidence scale alpha (implicit models).</summary>
    public float Alpha;

    /// <summary>Epsilon of the logarithmic confidence.</summary>
    public float Epsilon;

    /// <summary>Linear or logarithmic confidence.</summary>
    public ConfidenceKind Confidence;

    /// <summary>Number of iterations.</summary>
    public int Iterations;

    /// <summary>Seed of the factor initialization.</summary>
    public int Seed;

    /// <summary>Worker threads; 0 means all processors.</summary>
    public int Threads;

    /// <summary>Cholesky or conjugate gradient.</summary>
    public AlsSolver Solver;

    /// <summary>Conjugate-gradient steps per row.</summary>
    public int CgSteps;

    /// <summary>Early exit of a row's CG (0: always run cg_steps).</summary>
    public float CgTolerance;

    /// <summary>Initial factor standard deviation (scaled by 1/sqrt(k)).</summary>
    public float InitScale;

    /// <summary>Stop when the cost improves by less than this fraction (0: never).</summary>
    public double EarlyStopTolerance;

    /// <summary>Called after every half-step, on the training thread, with (iteration (1-based), half_step (0 users, 1 items), cost, loss, progress_user); a non-zero return cancels training (FASTALS_E_CANCELLED). May be NULL.</summary>
    public delegate* unmanaged[Cdecl]<int, int, double, double, void*, int> Progress;

    /// <summary>Passed back to progress unchanged.</summary>
    public void* ProgressUser;

    /// <summary>The library's defaults for <paramref name="kind"/> (<see cref="AlsOptions.For"/>), no callback.</summary>
    public static FastAlsFitOptions Defaults(AlsModelKind kind) => From(AlsOptions.For(kind));

    /// <summary>The <see cref="AlsOptions"/> these fields describe (validated).</summary>
    public readonly AlsOptions ToOptions()
    {
        AlsOptions o = ToOptionsUnvalidated();
        o.Validate();
        return o;
    }
}
