namespace FastAls.Cli.Infrastructure;

/// <summary>Where a command writes: results to <see cref="Out"/>, progress and logs to <see cref="Err"/>.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter stdout, TextWriter stderr, bool stderrIsTerminal, CancellationToken cancellation)
    {
        Out = stdout;
        Err = stderr;
        ErrIsTerminal = stderrIsTerminal;
        Cancellation = cancellation;
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    /// <summary>True when stderr is an interactive terminal: progress rewrites one line with '\r'.</summary>
    public bool ErrIsTerminal { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>Suppress informational stderr lines (errors still print).</summary>
    public bool Quiet { get; set; }

    public bool Verbose { get; set; }

    public void Log(string message)
    {
        if (!Quiet)
        {
            Err.WriteLine(message);
        }
    }
}
