using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using FastAls.IO;

namespace FastAls.Benchmarks;

/// <summary>
/// End-to-end load benchmark: writes N synthetic power-law interactions to a Parquet file and a TSV file,
/// then loads each in a fresh child process (so peak working set is that of one load) and reports
/// rows/s and peak memory.
/// </summary>
internal static class LoadBenchmark
{
    public static int Run(string[] args)
    {
        long rows = 10_000_000;
        string? dir = null;
        bool keep = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows":
                    rows = long.Parse(args[++i].Replace("_", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
                    break;
                case "--dir":
                    dir = args[++i];
                    break;
                case "--keep":
                    keep = true;
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        dir ??= Path.Combine(Path.GetTempPath(), "fastals-load-bench");
        Directory.CreateDirectory(dir);
        string parquet = Path.Combine(dir, $"synthetic-{rows}.parquet");
        string csv = Path.Combine(dir, $"synthetic-{rows}.tsv");
        try
        {
            var sw = Stopwatch.StartNew();
            if (!File.Exists(parquet) || !File.Exists(csv))
            {
                Generate(rows, parquet, csv);
            }

            Console.WriteLine($"generated {rows:N0} rows in {sw.Elapsed.TotalSeconds:F1} s: parquet {new FileInfo(parquet).Length / 1e6:F0} MB, tsv {new FileInfo(csv).Length / 1e6:F0} MB");
            Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
            Console.WriteLine();
            Console.WriteLine("| input | rows | users | items | nnz | load s (wall) | rows/s (wall) | CPU s | rows per CPU-s | peak working set MB | bytes/row (peak) | managed heap peak MB |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach ((string kind, string path) in new[] { ("parquet", parquet), ("csv", csv) })
            {
                var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                {
                    psi.ArgumentList.Add(typeof(LoadBenchmark).Assembly.Location);
                }

                psi.ArgumentList.Add("load-one");
                psi.ArgumentList.Add(kind);
                psi.ArgumentList.Add(path);
                using Process p = Process.Start(psi)!;
                string line = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    Console.Error.WriteLine($"load-one {kind} failed ({p.ExitCode}): {line}");
                    return 1;
                }

                Console.WriteLine(line);
            }

            return CacheFigures(parquet);
        }
        finally
        {
            if (!keep)
            {
                File.Delete(parquet);
                File.Delete(csv);
            }
        }
    }

    public static int RunOne(string[] args)
    {
        string kind = args[0];
        string path = args[1];
        using var self = Process.GetCurrentProcess();
        TimeSpan cpu0 = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var options = new InteractionLoadOptions { Format = kind == "csv" ? InteractionFormat.Csv : InteractionFormat.Parquet };
        using Dataset ds = InteractionLoader.Load(path, options);
        double s = sw.Elapsed.TotalSeconds;
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
        long peak = self.PeakWorkingSet64;
        long rows = long.Parse(Path.GetFileNameWithoutExtension(path).Split('-')[1], CultureInfo.InvariantCulture);
        long heapPeak = GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {kind} | {rows:N0} | {ds.Users:N0} | {ds.Items:N0} | {ds.Nnz:N0} | {s:F2} | {rows / s / 1e6:F2} M | {cpu:F2} | {rows / cpu / 1e6:F2} M | {peak / 1048576.0:F0} | {(double)peak / rows:F1} | {heapPeak / 1048576.0:F0} |"));
        return 0;
    }

    /// <summary>Writes a CSR cache from the Parquet load, then times opening it under each validation mode.</summary>
    private static int CacheFigures(string parquet)
    {
        string cache = parquet + ".fcsr";
        try
        {
            var sw = Stopwatch.StartNew();
            using (Dataset ds = InteractionLoader.Load(parquet))
            {
                sw.Restart();
                CsrCache.Write(ds, cache, parquet);
            }

            double write = sw.Elapsed.TotalSeconds;
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CSR cache: {new FileInfo(cache).Length / 1e6:F0} MB written in {write:F2} s"));
            Console.WriteLine("| open with validation | s (file in page cache) |");
            Console.WriteLine("|---|---:|");
            foreach (CsrCacheValidation mode in Enum.GetValues<CsrCacheValidation>())
            {
                sw.Restart();
                using Dataset mapped = CsrCache.Open(cache, mode);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {mode} | {sw.Elapsed.TotalSeconds:F3} |"));
            }

            return 0;
        }
        finally
        {
            File.Delete(cache);
        }
    }

    /// <summary>Power-law users and items (a few heavy users and popular items, a long tail), count-like values.</summary>
    private static void Generate(long rows, string parquet, string csv)
    {
        int users = (int)Math.Max(100, rows / 50);
        int items = (int)Math.Max(100, rows / 200);
        const int group = 1 << 20;
        var u = new long[group];
        var it = new long[group];
        var v = new float[group];
        var rng = new Random(12345);
        using var text = new FileStream(csv, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var line = new byte[64];
        InteractionParquetWriter w = InteractionParquetWriter.CreateAsync(parquet).GetAwaiter().GetResult();
        try
        {
            for (long done = 0; done < rows;)
            {
                int n = (int)Math.Min(group, rows - done);
                for (int k = 0; k < n; k++)
                {
                    // x = U^a with a > 1 puts mass near 0: density ~ x^(1/a - 1), a power law.
                    long uu = (long)(users * Math.Pow(rng.NextDouble(), 2.0));
                    long ii = (long)(items * Math.Pow(rng.NextDouble(), 3.0));
                    u[k] = Scramble(uu);
                    it[k] = Scramble(ii + 1_000_000_000L);
                    v[k] = 1 + (int)(-Math.Log(1 - rng.NextDouble()) * 3);
                    int len = 0;
                    Utf8Formatter.TryFormat(u[k], line.AsSpan(len), out int c);
                    len += c;
                    line[len++] = (byte)'\t';
                    Utf8Formatter.TryFormat(it[k], line.AsSpan(len), out c);
                    len += c;
                    line[len++] = (byte)'\t';
                    Utf8Formatter.TryFormat((int)v[k], line.AsSpan(len), out c);
                    len += c;
                    line[len++] = (byte)'\n';
                    text.Write(line, 0, len);
                }

                w.WriteRowGroupAsync(u.AsMemory(0, n), it.AsMemory(0, n), v.AsMemory(0, n)).GetAwaiter().GetResult();
                done += n;
            }

            w.CompleteAsync().GetAwaiter().GetResult();
        }
        finally
        {
            w.Dispose();
        }
    }

    private static long Scramble(long x) => (long)(((ulong)x * 0x9E3779B97F4A7C15UL) >> 20);
}
