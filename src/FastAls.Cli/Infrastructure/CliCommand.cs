using System.CommandLine;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// A <c>fastals</c> command: its System.CommandLine arguments and options, what it does (<see cref="Run"/>), and the
/// help that follows System.CommandLine's (a paragraph of details and examples).
/// </summary>
internal abstract class CliCommand : Command
{
    protected CliCommand(string name, string summary, string? details, params string[] examples)
        : base(name, summary)
    {
        Details = details;
        Examples = examples;
    }

    /// <summary>What help prints after the options (null: nothing).</summary>
    public string? Details { get; }

    /// <summary>Command lines help prints under "Examples:".</summary>
    public IReadOnlyList<string> Examples { get; }

    /// <summary>Runs the command on a command line that parsed; returns the exit code, or throws (<see cref="CliException"/> for a one-line error).</summary>
    public abstract int Run(ParseResult a, CliContext ctx);

    /// <summary>A usage error (exit 2) that points at this command's help.</summary>
    public CliException Usage(string message) => new($"{message} (see 'fastals {Name} --help')", ExitCodes.Usage);

    /// <summary>Adds options to the command, in order.</summary>
    protected void AddOptions(params IEnumerable<Option> options)
    {
        foreach (Option o in options)
        {
            Options.Add(o);
        }
    }
}
