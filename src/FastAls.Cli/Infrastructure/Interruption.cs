using System.Runtime.InteropServices;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// The one cancellation of a command: SIGINT (Ctrl+C) or SIGTERM cancel <see cref="Token"/>, which loading, training,
/// the batch writers and exports honour; the command then unwinds (deleting its temporary files) and exits with
/// 128 + the signal number (130, 143). A second signal while the first is being honoured terminates at once (its
/// temporary file is then removed by the next write to the same target).
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _exitCode;

    public CancellationToken Token => _cts.Token;

    /// <summary>The exit code of the signal that cancelled <see cref="Token"/> (130 when cancelled otherwise).</summary>
    public int ExitCode => _exitCode == 0 ? ExitCodes.Cancelled : _exitCode;

    /// <summary>What happened, for the one-line message.</summary>
    public string Reason => ExitCode == ExitCodes.Terminated ? "terminated (SIGTERM)" : "interrupted (SIGINT)";

    /// <summary>Handles SIGINT and SIGTERM for the life of the returned object.</summary>
    public static Interruption ForSignals()
    {
        var i = new Interruption();
        foreach ((PosixSignal signal, int code) in new[] { (PosixSignal.SIGINT, ExitCodes.Cancelled), (PosixSignal.SIGTERM, ExitCodes.Terminated) })
        {
            try
            {
                i._registrations.Add(PosixSignalRegistration.Create(signal, c => i.OnSignal(c, code)));
            }
            catch (PlatformNotSupportedException)
            {
                // Not on this platform: the signal keeps its default action.
            }
        }

        return i;
    }

    /// <summary>Cancels as the given signal would (tests, and the signal handlers).</summary>
    public void Raise(int exitCode)
    {
        Interlocked.CompareExchange(ref _exitCode, exitCode, 0);
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in _registrations)
        {
            r.Dispose();
        }

        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context, int exitCode)
    {
        if (_cts.IsCancellationRequested)
        {
            return; // a second signal: the default action (terminate now)
        }

        context.Cancel = true;
        Raise(exitCode);
    }
}
