using System.Diagnostics;

namespace FastAls.Cli.Tests;

/// <summary>The result of a child process.</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs child processes with captured output and a time limit (killed with their children past it).</summary>
internal static class Shell
{
    /// <summary>Runs <paramref name="commandLine"/> through <c>/bin/sh -c</c>, as a user would paste it.</summary>
    public static ShellResult Run(string commandLine, string workingDirectory, int timeoutSeconds, IReadOnlyDictionary<string, string?>? environment = null) =>
        Exec("/bin/sh", ["-c", commandLine], workingDirectory, timeoutSeconds, environment);

    public static ShellResult Exec(string file, IEnumerable<string> args, string workingDirectory, int timeoutSeconds, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        using Process p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} ran over {timeoutSeconds} s\n--- stdout\n{stdout.Result}\n--- stderr\n{stderr.Result}");
        }

        p.WaitForExit();
        return new ShellResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
