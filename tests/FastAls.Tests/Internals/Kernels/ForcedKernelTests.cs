using System.Diagnostics;
using System.Globalization;
using FastAls.Internals.Kernels;

namespace FastAls.Tests.Engine;

/// <summary><c>FASTALS_FORCE_KERNEL</c> end to end: a child process runs the kernels it names, or fails clearly.</summary>
public class ForcedKernelTests
{
    public static TheoryData<string> Paths() => EngineTestData.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void ChildProcess_runs_the_forced_path(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        (int rc, string stdout, string stderr) = RunProbe(path.ToString().ToLowerInvariant());
        Assert.True(rc == 0, $"probe exited {rc}: {stderr}");
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(path.ToString(), lines[0]);

        // The child's factors are bit for bit those of the same fit run here on that path explicitly.
        Assert.Equal(KernelProbe.FitHash(path).ToString("x16", CultureInfo.InvariantCulture), lines[1]);
    }

    [Fact]
    public void ChildProcess_unknown_path_fails_naming_the_variable()
    {
        (int rc, _, string stderr) = RunProbe("sse9");
        Assert.Equal(3, rc);
        Assert.Contains("FASTALS_FORCE_KERNEL='sse9' is not one of scalar, vector256, vector512", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_parses_names_case_and_aliases_and_rejects_unknown_or_unsupported()
    {
        Assert.Equal(KernelPath.Scalar, KernelIsa.Choose(" Scalar "));
        Assert.Equal(KernelIsa.Best, KernelIsa.Choose(null));
        Assert.Equal(KernelIsa.Best, KernelIsa.Choose(""));
        Assert.Contains("is not one of", Assert.Throws<InvalidOperationException>(() => KernelIsa.Choose("sse9")).Message, StringComparison.Ordinal);
        if (KernelIsa.IsSupported(KernelPath.Vector256))
        {
            Assert.Equal(KernelPath.Vector256, KernelIsa.Choose("avx2"));
        }

        if (!KernelIsa.IsSupported(KernelPath.Vector512))
        {
            var e = Assert.Throws<InvalidOperationException>(() => KernelIsa.Choose("vector512"));
            Assert.Contains("cannot run", e.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(KernelPath.Vector512, KernelIsa.Choose("avx512"));
        }
    }

    private static (int Rc, string Stdout, string Stderr) RunProbe(string forced)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(typeof(KernelProbe).Assembly.Location);
        psi.ArgumentList.Add("kernel-probe");
        psi.Environment[KernelIsa.ForceVariable] = forced;
        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("the kernel probe did not finish within 120 s");
        }

        return (p.ExitCode, output, err.Result);
    }
}
