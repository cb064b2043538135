using System.Diagnostics;
using System.Globalization;
using FastAls.IO;

namespace FastAls.Benchmarks;

/// <summary>
/// Times the phases of a load without file parsing: id mapping (dictionary lookups), appending to the
/// builder, and building the CSR pair. Usage: <c>phases [--rows N]</c>.
/// </summary>
internal static class PhaseBenchmark
{
    public static int Run(string[] args)
    {
        long rows = args.Length >= 2 && args[0] == "--rows" ? long.Parse(args[1], CultureInfo.InvariantCulture) : 10_000_000;
        int users = (int)Math.Max(100, rows / 50);
        int items = (int)Math.Max(100, rows / 200);
        var rng = new Random(7);
        var u = new long[rows];
        var it = new long[rows];
        for (long k = 0; k < rows; k++)
        {
            u[k] = (long)(users * Math.Pow(rng.NextDouble(), 2.0)) * 7919;
            it[k] = (long)(items * Math.Pow(rng.NextDouble(), 3.0)) * 104729;
        }

        var sw = Stopwatch.StartNew();
        using var b = new InteractionBuilder();
        var du = new int[rows];
        var di = new int[rows];
        for (long k = 0; k < rows; k++)
        {
            du[k] = b.UserIds.GetOrAdd(u[k]);
            di[k] = b.ItemIds.GetOrAdd(it[k]);
        }

        double map = sw.Elapsed.TotalSeconds;
        sw.Restart();
        for (long k = 0; k < rows; k++)
        {
            b.AddIndices(du[k], di[k], 1f);
        }

        double append = sw.Elapsed.TotalSeconds;
        sw.Restart();
        using Dataset ds = b.Build();
        double build = sw.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows {rows:N0}, users {ds.Users:N0}, items {ds.Items:N0}, nnz {ds.Nnz:N0}: map ids {map:F2} s, append {append:F2} s, build CSR pair {build:F2} s"));
        return 0;
    }
}
