using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks;

/// <summary>What the results were measured on: CPU model, cores, ISA, runtime.</summary>
internal sealed record Machine(string CpuModel, string CpuDetail, int LogicalCores, string Isa, string Runtime, string Os, KernelPath BestPath)
{
    public static Machine Current()
    {
        string model = "unknown CPU", detail = "";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string? family = null, mdl = null;
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon < 0)
                    {
                        continue;
                    }

                    string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                    if (key == "model name" && model == "unknown CPU")
                    {
                        model = value;
                    }
                    else if (key == "cpu family" && family is null)
                    {
                        family = value;
                    }
                    else if (key == "model" && mdl is null)
                    {
                        mdl = value;
                    }
                }

                detail = family is null ? "" : $"family {family} model {mdl}";
            }
        }
        catch (IOException)
        {
        }

        var isa = new List<string>();
        if (Avx2.IsSupported)
        {
            isa.Add("AVX2");
        }

        if (Fma.IsSupported)
        {
            isa.Add("FMA");
        }

        if (Avx512F.IsSupported)
        {
            isa.Add("AVX-512F");
        }

        if (Avx512F.VL.IsSupported)
        {
            isa.Add("AVX-512VL");
        }

        if (AdvSimd.IsSupported)
        {
            isa.Add("AdvSIMD");
        }

        isa.Add($"Vector512 accelerated: {Vector512.IsHardwareAccelerated}");
        return new Machine(model, detail, Environment.ProcessorCount, string.Join(", ", isa), RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, KernelIsa.Best);
    }

    /// <summary>
    /// A folder name for bench/results: the CPU model, sanitized, and the core count. A model name without a number (a
    /// VM's "AMD EPYC", which hides whether it is Zen 3 or Zen 5) gets the family and model too, so that two
    /// generations do not share a folder.
    /// </summary>
    public string FolderName
    {
        get
        {
            string name = CpuModel.Any(char.IsAsciiDigit) || CpuDetail.Length == 0 ? CpuModel : $"{CpuModel} {CpuDetail}";
            var sb = new System.Text.StringBuilder();
            foreach (char c in name)
            {
                sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
            }

            string s = sb.ToString();
            while (s.Contains("--", StringComparison.Ordinal))
            {
                s = s.Replace("--", "-", StringComparison.Ordinal);
            }

            return $"{s.Trim('-')}-{LogicalCores}c";
        }
    }

    public string Markdown() =>
        $"| CPU | {CpuModel} ({CpuDetail}) |\n| Logical cores | {LogicalCores} |\n| ISA | {Isa} |\n| Kernel path (best / active) | {BestPath} / {KernelIsa.Active} |\n| Runtime | {Runtime} |\n| OS | {Os} |\n";
}

/// <summary>Locates the repository root (the folder holding FastAls.sln) and the shared data folder.</summary>
internal static class RepoPaths
{
    public static string Root()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "FastAls.sln")))
                {
                    return d.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }

    /// <summary>The shared data folder: FASTALS_SHARED_DATA, else the first ancestor of the repo holding shared/data.</summary>
    public static string? SharedData()
    {
        string? env = Environment.GetEnvironmentVariable("FASTALS_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        for (DirectoryInfo? d = new(Root()); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "shared", "data");
            if (Directory.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    public static string ResultsDir(Machine m)
    {
        string dir = Path.Combine(Root(), "bench", "results", m.FolderName);
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>Process memory figures from /proc/self/status (Linux); zero elsewhere.</summary>
internal static class ProcessMemory
{
    /// <summary>Resident set size now, bytes.</summary>
    public static long Rss() => Read("VmRSS:");

    /// <summary>Peak resident set size since start or the last <see cref="ResetPeak"/>, bytes.</summary>
    public static long PeakRss() => Read("VmHWM:");

    /// <summary>Resets the kernel's peak RSS counter (writes 5 to /proc/self/clear_refs); false when not allowed.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Read(string key)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    string[] parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return 0;
    }
}
