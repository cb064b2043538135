namespace FastAls.Cli.Tests;

/// <summary>The CLI's exit codes, restated so tests fail if they change by accident.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int BadInput = 1;
    public const int Usage = 2;
    public const int Interrupted = 130; // 128 + SIGINT
    public const int Terminated = 143; // 128 + SIGTERM
}
