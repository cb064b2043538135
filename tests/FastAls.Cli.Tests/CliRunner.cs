using System.Diagnostics;

namespace FastAls.Cli.Tests;

/// <summary>The result of one <c>fastals</c> run.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the CLI in-process (fast; captured writers) or as a child process (<c>dotnet FastAls.Cli.dll</c>).</summary>
internal static class CliRunner
{
    public static CliResult InProcess(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return new CliResult(code, o.ToString(), e.ToString());
    }

    public static string CliDll
    {
        get
        {
            string p = Path.Combine(AppContext.BaseDirectory, "FastAls.Cli.dll");
            Assert.True(File.Exists(p), $"{p} not found next to the test assembly");
            return p;
        }
    }

    public static CliResult Process(params string[] args)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliDll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = System.Diagnostics.Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("fastals " + string.Join(' ', args) + " ran over 120 s");
        }

        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fresh temporary directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastals-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
