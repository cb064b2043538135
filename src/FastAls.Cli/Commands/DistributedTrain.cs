using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Commands;

/// <summary>
/// <c>fastals train DATA --scheduler ADDR</c>: the same training on a Dask cluster. The engine is the Python driver
/// (interop/python/fastals/distributed.py), run as a documented subprocess:
/// <c>PYTHON -m fastals.distributed --scheduler ADDR --output MODEL --options-json JSON [...] DATA</c>, where PYTHON
/// is <c>FASTALS_PYTHON</c> (default /usr/bin/python3) and the package is found through <c>FASTALS_PYTHONPATH</c>,
/// else an <c>interop/python</c> folder above the current directory or the CLI's own. Its stderr (progress and
/// errors) passes through; its exit code is the command's.
/// </summary>
internal static class DistributedTrain
{
    /// <summary>Options that only the in-process trainer has.</summary>
    private static readonly string[] s_localOnly = ["json", "validation", "patience", "metric", "refit", "at", "report", "cache", "input-format", "sep", "header", "no-header", "ids"];

    public static int Run(ParsedArgs a, CliContext ctx, string input, string output, AlsOptions options, string scheduler)
    {
        foreach (string name in s_localOnly)
        {
            if (a.Has(name))
            {
                throw ParsedArgs.Usage(TrainCommand.Spec, $"--{name} is not available with --scheduler (the cluster reads Parquet part files and trains without validation)");
            }
        }

        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            options.WriteJsonProperties(w);
            w.WriteEndObject();
        }

        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("FASTALS_PYTHON") is { Length: > 0 } py ? py : "/usr/bin/python3")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        string? path = PackagePath();
        if (path is not null)
        {
            string? old = Environment.GetEnvironmentVariable("PYTHONPATH");
            psi.Environment["PYTHONPATH"] = string.IsNullOrEmpty(old) ? path : path + Path.PathSeparator + old;
        }

        psi.Environment.Remove("MALLOC_TRIM_THRESHOLD_");
        foreach (string arg in (string[])["-m", "fastals.distributed", "--scheduler", scheduler, "--output", output, "--options-json", Encoding.UTF8.GetString(json.ToArray())])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach ((string option, string flag) in (ReadOnlySpan<(string, string)>)[("user-col", "--user-col"), ("item-col", "--item-col"), ("value-col", "--value-col"), ("duplicates", "--duplicates"), ("spark", "--spark")])
        {
            if (a.Get(option) is { } value)
            {
                psi.ArgumentList.Add(flag);
                psi.ArgumentList.Add(value);
            }
        }

        if (ctx.Quiet)
        {
            psi.ArgumentList.Add("--quiet");
        }

        psi.ArgumentList.Add(input);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new CliException($"{psi.FileName}: could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliException($"{psi.FileName}: cannot run the Python driver ({e.Message}); set FASTALS_PYTHON to a python3 with dask.distributed", e);
        }

        using (p)
        {
            Task copyErr = Task.Run(() => Pump(p.StandardError, ctx.Err));
            Task copyOut = Task.Run(() => Pump(p.StandardOutput, ctx.Out));
            using (ctx.Cancellation.Register(() => TryKill(p)))
            {
                p.WaitForExit();
            }

            Task.WaitAll(copyErr, copyOut);
            return p.ExitCode;
        }
    }

    /// <summary>The folder holding the <c>fastals</c> Python package, or null to rely on the interpreter's path.</summary>
    internal static string? PackagePath()
    {
        if (Environment.GetEnvironmentVariable("FASTALS_PYTHONPATH") is { Length: > 0 } explicitPath)
        {
            return explicitPath;
        }

        foreach (string start in (string[])[Directory.GetCurrentDirectory(), AppContext.BaseDirectory])
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "interop", "python");
                if (File.Exists(Path.Combine(candidate, "fastals", "distributed.py")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static void Pump(StreamReader from, TextWriter to)
    {
        string? line;
        while ((line = from.ReadLine()) is not null)
        {
            lock (to)
            {
                to.WriteLine(line);
            }
        }
    }

    private static void TryKill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }
}
