using System.Globalization;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks;

/// <summary>The <c>peak</c> mode: prints the FMA peak of every path on one core and on all cores.</summary>
internal static class PeakCommand
{
    public static int Run(string[] args)
    {
        int threads = Environment.ProcessorCount;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--threads" && i + 1 < args.Length)
            {
                threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                Console.Error.WriteLine($"unknown peak option '{args[i]}' (peak [--threads N])");
                return 2;
            }
        }

        Machine m = Machine.Current();
        Console.WriteLine($"{m.CpuModel} ({m.CpuDetail}), {m.LogicalCores} logical cores, {m.Isa}, {m.Runtime}");
        Console.WriteLine();
        Console.WriteLine("| Path | 1 core GFLOP/s | all cores GFLOP/s | threads |");
        Console.WriteLine("|---|---:|---:|---:|");
        var peaks = new List<PeakResult>();
        foreach (KernelPath path in KernelIsa.Supported)
        {
            PeakResult p = PeakProbe.Measure(path, threads);
            peaks.Add(p);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {path} | {p.SingleCore / 1e9:F1} | {p.AllCores / 1e9:F1} | {threads} |"));
        }

        PeakResult p512 = peaks.FirstOrDefault(p => p.Path == KernelPath.Vector512), p256 = peaks.FirstOrDefault(p => p.Path == KernelPath.Vector256);
        if (p512.SingleCore > 0 && p256.SingleCore > 0)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Vector512 / Vector256 on one core: {p512.SingleCore / p256.SingleCore:F2}x"));
        }

        return 0;
    }
}
