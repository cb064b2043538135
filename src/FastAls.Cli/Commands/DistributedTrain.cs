using System.CommandLine;
using System.Diagnostics;
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
    /// <summary>Runs the driver on the cluster at <paramref name="scheduler"/> and returns its exit code.</summary>
    /// <param name="passThrough">Flags for the driver and their values as given (null: not given).</param>
    public static int Run(CliContext ctx, string input, string output, AlsOptions options, string scheduler, IReadOnlyList<(string Flag, string? Value)> passThrough)
    {
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
        foreach (string arg in (string[])["-m", "fastals.distributed", "--scheduler", scheduler, "--output", output, "--options-json", CliJsonContext.OptionsElement(options).GetRawText()])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach ((string flag, string? value) in passThrough)
        {
            if (value is not null)
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

    /// <summary>The value of <paramref name="option"/> as the command line spelled it (its last occurrence), or null when not given.</summary>
    internal static string? Given(ParseResult a, Option option) => a.GetResult(option) is { Implicit: false, Tokens.Count: > 0 } r ? r.Tokens[^1].Value : null;

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
