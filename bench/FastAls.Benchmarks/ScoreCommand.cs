using System.Globalization;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks;

/// <summary>
/// The <c>score</c> mode: the kernel-only serving rate, <see cref="KernelProbe.Score"/> (the batch recommender's packed
/// 64-user x 1024-item product, no top-n, no filters) on the active path, as users/s for a catalogue of
/// <c>--items</c> items; bench/serving-abi.sh compares the batch call's users/s with it in the same run.
/// Prints one JSON object.
/// </summary>
internal static class ScoreCommand
{
    public static int Run(string[] args)
    {
        int k = 64, items = 50_000, threads = Environment.ProcessorCount;
        double seconds = 0.5;
        for (int i = 0; i < args.Length; i++)
        {
            string v = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--k": k = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--items": items = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--threads": threads = int.Parse(v, CultureInfo.InvariantCulture); i++; break;
                case "--seconds": seconds = double.Parse(v, CultureInfo.InvariantCulture); i++; break;
                default:
                    Console.Error.WriteLine($"unknown score option '{args[i]}' (score [--k K] [--items N] [--threads T] [--seconds S])");
                    return 2;
            }
        }

        KernelPath path = KernelIsa.Active;
        (double wall1, _) = KernelProbe.Score(path, k, 1, seconds);
        (double wallAll, _) = KernelProbe.Score(path, k, threads, seconds);
        double perUser = FlopCounts.Score(1, items, k);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"path\": \"{path}\", \"k\": {k}, \"items\": {items}, \"threads\": {threads}, \"gflops_1\": {wall1 / 1e9:F2}, \"gflops_all\": {wallAll / 1e9:F2}, \"users_per_s_1\": {wall1 / perUser:F0}, \"users_per_s_all\": {wallAll / perUser:F0}}}"));
        return 0;
    }
}
