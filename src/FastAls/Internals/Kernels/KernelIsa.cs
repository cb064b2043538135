using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>The instruction-set paths the kernels come in.</summary>
internal enum KernelPath
{
    /// <summary>Portable scalar code (the reference every other path is tested against).</summary>
    Scalar = 0,

    /// <summary>256-bit vectors (AVX2 + FMA on x64).</summary>
    Vector256 = 1,

    /// <summary>512-bit vectors (AVX-512F on x64).</summary>
    Vector512 = 2,
}

/// <summary>
/// Picks the kernel path once per process: the widest the hardware accelerates, unless the
/// <c>FASTALS_FORCE_KERNEL</c> environment variable (<c>scalar</c>, <c>vector256</c>, <c>vector512</c>)
/// asks for another one the machine can run. The choice is a value for reports; the code runs it through
/// <see cref="KernelSet.Active"/>, which turns it into the path's ISA type once.
/// </summary>
internal static class KernelIsa
{
    /// <summary>The environment variable that forces a path.</summary>
    public const string ForceVariable = "FASTALS_FORCE_KERNEL";

    // -1 until first asked: chosen lazily (not in a type initializer) so that a bad FASTALS_FORCE_KERNEL
    // surfaces as a plain InvalidOperationException naming the variable, not a TypeInitializationException
    // that would also break Best and Supported.
    private static int s_active = -1;

    /// <summary>The path the kernels use in this process (chosen on first use, then fixed).</summary>
    /// <exception cref="InvalidOperationException"><c>FASTALS_FORCE_KERNEL</c> names an unknown path or one this machine cannot run.</exception>
    public static KernelPath Active
    {
        get
        {
            int a = Volatile.Read(ref s_active);
            if (a < 0)
            {
                a = (int)Choose(Environment.GetEnvironmentVariable(ForceVariable));
                Volatile.Write(ref s_active, a);
            }

            return (KernelPath)a;
        }
    }

    /// <summary>The widest path this machine (or, under NativeAOT, this build) can run.</summary>
    public static KernelPath Best =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? KernelPath.Vector256
        : KernelPath.Scalar;

    /// <summary>True when this machine can run <paramref name="path"/>.</summary>
    public static bool IsSupported(KernelPath path) => path <= Best;

    /// <summary>Every path this machine can run, narrowest first (for tests and benchmarks).</summary>
    public static IReadOnlyList<KernelPath> Supported
    {
        get
        {
            var list = new List<KernelPath>(3);
            for (KernelPath p = KernelPath.Scalar; p <= Best; p++)
            {
                list.Add(p);
            }

            return list;
        }
    }

    internal static KernelPath Choose(string? forced)
    {
        if (string.IsNullOrWhiteSpace(forced))
        {
            return Best;
        }

        KernelPath want = forced.Trim().ToLowerInvariant() switch
        {
            "scalar" => KernelPath.Scalar,
            "vector256" or "avx2" => KernelPath.Vector256,
            "vector512" or "avx512" => KernelPath.Vector512,
            _ => throw new InvalidOperationException($"{ForceVariable}='{forced}' is not one of scalar, vector256, vector512."),
        };
        if (!IsSupported(want))
        {
            throw new InvalidOperationException($"{ForceVariable}={forced}: this machine cannot run the {want} kernels (best is {Best}).");
        }

        return want;
    }
}
