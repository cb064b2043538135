using System.Globalization;
using System.Runtime.InteropServices;
using FastAls.Internals;
using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>
/// The test assembly's entry point (the test SDK's generated empty one is turned off). Test hosts never call
/// it; <see cref="ForcedKernelTests"/> runs <c>dotnet exec FastAls.Tests.dll kernel-probe</c> in a child
/// process with <c>FASTALS_FORCE_KERNEL</c> set, to check the variable end to end.
/// </summary>
public static class KernelProbe
{
    /// <summary>Prints the active kernel path and a hash of the factors of a small fit; exit 3 with the message on error.</summary>
    public static int Main(string[] args)
    {
        if (args.Length != 1 || args[0] != "kernel-probe")
        {
            Console.Error.WriteLine("usage: FastAls.Tests kernel-probe");
            return 2;
        }

        try
        {
            KernelPath active = KernelIsa.Active;
            using AlsModel m = AlsModel.Fit(ProbeData(), ProbeOptions);
            Console.WriteLine(active);
            Console.WriteLine(FactorHash(m).ToString("x16", CultureInfo.InvariantCulture));
            return 0;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 3;
        }
    }

    internal static readonly AlsOptions ProbeOptions = new()
    {
        Kind = AlsModelKind.BiasedImplicit,
        Factors = 20,
        Regularization = 0.1f,
        Alpha = 2f,
        Iterations = 2,
        Threads = 1,
        Seed = 3,
    };

    internal static Dataset ProbeData() => EngineTestData.Random(60, 50, 0.2, seed: 17, implicitValues: true);

    /// <summary>The same fit on an explicit kernel path, in this process.</summary>
    internal static ulong FitHash(KernelPath path)
    {
        using Dataset data = ProbeData();
        using AlsModel m = AlsModel.Fit(data, ProbeOptions with { Iterations = 0 });
        new AlsTrainer(m, data, KernelSet.For(path), rollback: true).Run(ProbeOptions.Iterations, null, default);
        return FactorHash(m);
    }

    private static ulong FactorHash(AlsModel m)
    {
        float[] all = [.. m.UserMatrix.ToArray(), .. m.ItemMatrix.ToArray(), .. m.UserBiasArray ?? [], .. m.ItemBiasArray ?? []];
        return System.IO.Hashing.XxHash64.HashToUInt64(MemoryMarshal.AsBytes(all.AsSpan()));
    }
}
