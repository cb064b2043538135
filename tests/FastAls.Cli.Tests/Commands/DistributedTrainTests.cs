using System.Diagnostics;
using System.Text.Json;

namespace FastAls.Cli.Tests;

/// <summary><c>fastals train --scheduler</c>: the documented subprocess (python3 -m fastals.distributed).</summary>
[Collection("FASTALS_PYTHON")]
public sealed class DistributedTrainTests : IDisposable
{
    private readonly TempDir _d = new();

    public void Dispose() => _d.Dispose();

    [Fact]
    public void Scheduler_runs_the_python_driver_with_the_options_as_json_and_returns_its_exit_code()
    {
        // A stand-in interpreter that prints its arguments and fails with 3.
        string fake = _d["python"];
        File.WriteAllText(fake, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\necho driver-error >&2\nexit 3\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        string data = _d["parts"];
        Directory.CreateDirectory(data);
        string? old = Environment.GetEnvironmentVariable("FASTALS_PYTHON");
        Environment.SetEnvironmentVariable("FASTALS_PYTHON", fake);
        try
        {
            CliResult r = CliRunner.InProcess("train", data, "--scheduler", "tcp://host:8786", "-o", _d["m.fals"], "--kind", "biased-explicit",
                "-k", "8", "--solver", "cg", "--user-col", "uid", "--duplicates", "last", "-q");
            Assert.Equal(3, r.ExitCode);
            Assert.Contains("driver-error", r.Stderr, StringComparison.Ordinal);
            string[] args = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["-m", "fastals.distributed", "--scheduler", "tcp://host:8786", "--output", _d["m.fals"], "--options-json"], args[..7]);
            using JsonDocument o = JsonDocument.Parse(args[7]);
            AlsOptions parsed = AlsOptions.ReadJsonProperties(o.RootElement);
            Assert.Equal(AlsModelKind.BiasedExplicit, parsed.Kind);
            Assert.Equal(8, parsed.Factors);
            Assert.Equal(AlsSolver.ConjugateGradient, parsed.Solver);
            Assert.Equal(["--user-col", "uid", "--duplicates", "last", "--quiet", data], args[8..]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("FASTALS_PYTHON", old);
        }
    }

    [Fact]
    public void Scheduler_with_a_local_only_option_is_a_usage_error()
    {
        Directory.CreateDirectory(_d["parts"]); // the output must lie outside the input folder
        CliResult r = CliRunner.InProcess("train", _d["parts"], "--scheduler", "tcp://host:8786", "-o", _d["m.fals"], "--validation", "0.1");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("--validation is not available with --scheduler", r.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void An_unreachable_scheduler_is_one_clear_error_from_the_real_driver()
    {
        Skip.IfNot(PythonHasDask(), "/usr/bin/python3 cannot import dask.distributed (tests/run.sh installs python3-distributed)");
        Directory.CreateDirectory(_d["parts"]); // the output must lie outside the input folder
        CliResult r = CliRunner.InProcess("train", _d["parts"], "--scheduler", "tcp://127.0.0.1:9", "-o", _d["m.fals"]);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("cannot reach the Dask scheduler at tcp://127.0.0.1:9", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("fastals: error:", StringComparison.Ordinal));
        Assert.False(File.Exists(_d["m.fals"]));
    }

    private static bool PythonHasDask()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            return false;
        }

        using Process p = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import dask.distributed"]) { RedirectStandardError = true, UseShellExecute = false })!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    }
}
