namespace FastAls.Cli.Tests;

/// <summary>The CLI's exit codes, restated so tests fail if they change by accident.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int BadInput = 1;
    public const int Usage = 2;
}
