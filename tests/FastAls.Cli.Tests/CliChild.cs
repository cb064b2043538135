using System.Diagnostics;
using System.Text;

namespace FastAls.Cli.Tests;

/// <summary>
/// The CLI as a running child process that a test can watch (its stderr lines, files appearing) and then kill with
/// SIGKILL or send SIGINT/SIGTERM, as a user, a job scheduler or the OOM killer would.
/// </summary>
internal sealed class CliChild : IDisposable
{
    /// <summary>The test hook of AtomicFile: wait this long (ms) between a complete temporary file and its rename.</summary>
    public const string PauseVariable = "FASTALS_TEST_PAUSE_BEFORE_RENAME";

    private readonly Process _p;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private CliChild(Process p) => _p = p;

    public int Pid => _p.Id;

    public bool HasExited => _p.HasExited;

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public static CliChild Start(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(CliRunner.CliDll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach ((string k, string v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var p = new Process { StartInfo = psi };
        var c = new CliChild(p);
        p.OutputDataReceived += (_, e) =>
        {
            lock (c._gate)
            {
                c._stdout.AppendLine(e.Data);
            }
        };
        p.ErrorDataReceived += (_, e) =>
        {
            lock (c._gate)
            {
                c._stderr.AppendLine(e.Data);
            }
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return c;
    }

    /// <summary>Started with the rename pause set for files named <paramref name="target"/>, so its complete temporary file stays in place for a minute.</summary>
    public static CliChild StartPaused(string target, params string[] args) => Start(new Dictionary<string, string> { [PauseVariable] = "60000:" + target }, args);

    /// <summary>Polls until <paramref name="condition"/> holds; fails (with the child's output) if the child exits first or 60 s pass.</summary>
    public void WaitUntil(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (_p.HasExited)
            {
                Assert.Fail($"the child exited (code {_p.ExitCode}) before {what}:\n{Result()}");
            }

            if (sw.Elapsed > TimeSpan.FromSeconds(60))
            {
                Kill();
                Assert.Fail($"no {what} within 60 s:\n{Result()}");
            }

            Thread.Sleep(5);
        }
    }

    /// <summary>SIGKILL: no handler runs, nothing is cleaned up.</summary>
    public void Kill()
    {
        _p.Kill(); // SIGKILL on Unix
        _p.WaitForExit();
    }

    /// <summary>Sends a catchable signal (INT or TERM) and waits for the child to exit.</summary>
    public CliResult Signal(string name)
    {
        using (Process k = Process.Start(new ProcessStartInfo("kill", ["-" + name, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            k.WaitForExit();
            Assert.Equal(0, k.ExitCode);
        }

        return Wait();
    }

    public CliResult Wait()
    {
        if (!_p.WaitForExit(120_000))
        {
            Kill();
            Assert.Fail("the child did not exit within 120 s:\n" + Result());
        }

        _p.WaitForExit(); // drains the redirected streams
        return Result();
    }

    public void Dispose()
    {
        if (!_p.HasExited)
        {
            Kill();
        }

        _p.Dispose();
    }

    private CliResult Result()
    {
        lock (_gate)
        {
            return new CliResult(_p.HasExited ? _p.ExitCode : -1, _stdout.ToString(), _stderr.ToString());
        }
    }
}
