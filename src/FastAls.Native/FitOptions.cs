using System.Runtime.InteropServices;
using FastAls.Interop;

namespace FastAls.Native;

/// <summary>Training options and the progress callback (fastals_fit_options_t); fill with fastals_fit_options_init first.</summary>
/// <remarks>
/// Generated from <see cref="AlsOptions"/> (<c>FastAlsFitOptions.OptionsStruct.g.cs</c>): one field per option, in the
/// record's declaration order (the ABI's order), documented with the option's schema description, then the fields of
/// <see cref="ProgressFields"/>; also <c>From</c>, <c>ToOptionsUnvalidated</c>, <c>ToOptions</c> (validated) and
/// <c>Defaults(kind)</c> (<see cref="AlsOptions.For"/>). A new option of <see cref="AlsOptions"/> becomes a field here, in the
/// C header and in the Python ctypes struct without an edit (run <c>interop/build.sh --sync</c>).
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
[FastAlsOptionsStruct(typeof(AlsOptions), Tail = typeof(ProgressFields))]
public unsafe partial struct FastAlsFitOptions
{
#pragma warning disable CS0649 // The fields are read by the generator, which declares them in FastAlsFitOptions.
    /// <summary>The fields after the options: the progress callback and its user pointer.</summary>
    private struct ProgressFields
    {
        /// <summary>Called after every half-step, on the training thread, with (iteration (1-based), half_step (0 users, 1 items), cost, loss, progress_user); a non-zero return cancels training (FASTALS_E_CANCELLED). May be NULL.</summary>
        public delegate* unmanaged[Cdecl]<int, int, double, double, void*, int> Progress;

        /// <summary>Passed back to progress unchanged.</summary>
        public void* ProgressUser;
    }
#pragma warning restore CS0649
}
