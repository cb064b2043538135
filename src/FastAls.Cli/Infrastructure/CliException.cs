namespace FastAls.Cli.Infrastructure;

/// <summary>A user error: bad arguments or input. Printed as one line; exit code <see cref="ExitCode"/>.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.BadInput)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException(string message, Exception inner, int exitCode = ExitCodes.BadInput)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad input: a missing or malformed file, an unknown user, a failed computation.</summary>
    public const int BadInput = 1;

    /// <summary>Bad usage: unknown command or option, a missing or malformed argument.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C, SIGINT): 128 + 2.</summary>
    public const int Cancelled = 130;

    /// <summary>Terminated (SIGTERM): 128 + 15.</summary>
    public const int Terminated = 143;
}
