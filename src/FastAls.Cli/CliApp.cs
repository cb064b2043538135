using System.Globalization;
using FastAls.Cli.Commands;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli;

/// <summary>The <c>fastals</c> entry point, callable in-process (tests) with any writers.</summary>
internal static class CliApp
{
    private static readonly (CommandSpec Spec, Func<ParsedArgs, CliContext, int> Run)[] s_commands =
    [
        (DemoCommand.Spec, DemoCommand.Run),
        (GenerateCommand.Spec, GenerateCommand.Run),
        (TrainCommand.Spec, TrainCommand.Run),
        (RecommendCommand.Spec, RecommendCommand.Run),
        (SimilarCommand.Spec, SimilarCommand.Run),
        (EvaluateCommand.Spec, EvaluateCommand.Run),
        (ExportCommand.ExportSpec, ExportCommand.RunExport),
        (ExportCommand.ImportSpec, ExportCommand.RunImport),
        (InfoCommand.Spec, InfoCommand.Run),
    ];

    public static IEnumerable<CommandSpec> Commands => s_commands.Select(c => c.Spec);

    /// <summary>Runs one command line; returns the exit code. Never throws.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where progress, logs and errors go.</param>
    /// <param name="stderrIsTerminal">Rewrite progress lines in place.</param>
    /// <param name="interruption">Signals that cancel the command (none when null).</param>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, bool stderrIsTerminal = false, Interruption? interruption = null)
    {
        bool verbose = args.Contains("--verbose") || args.Contains("-v");
        try
        {
            if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
            {
                if (args.Count > 1 && args[0] == "help")
                {
                    return Run([args[1], "--help"], stdout, stderr, stderrIsTerminal, interruption);
                }

                if (args.Count == 0)
                {
                    stderr.Write(MainHelp()); // a usage error: nothing on stdout, where results go
                    return ExitCodes.Usage;
                }

                stdout.Write(MainHelp());
                return ExitCodes.Ok;
            }

            if (args[0] is "--version" or "version")
            {
                stdout.WriteLine("fastals " + FastAlsInfo.Version);
                return ExitCodes.Ok;
            }

            foreach ((CommandSpec spec, Func<ParsedArgs, CliContext, int> run) in s_commands)
            {
                if (spec.Name != args[0])
                {
                    continue;
                }

                ParsedArgs parsed = ParsedArgs.Parse(spec, args.Skip(1).ToArray());
                if (parsed.HelpRequested)
                {
                    stdout.Write(spec.HelpText());
                    return ExitCodes.Ok;
                }

                var ctx = new CliContext(stdout, stderr, stderrIsTerminal, interruption?.Token ?? default) { Verbose = parsed.Verbose };
                return run(parsed, ctx);
            }

            string? near = s_commands.Select(c => c.Spec.Name).FirstOrDefault(n => ParsedArgs.Distance(n, args[0]) <= 2);
            throw new CliException($"unknown command '{args[0]}'" + (near is null ? string.Empty : $"; did you mean '{near}'?") + " (see 'fastals --help')", ExitCodes.Usage);
        }
        catch (Exception e)
        {
            return Report(e, stderr, verbose, interruption);
        }
    }

    private static int Report(Exception e, TextWriter stderr, bool verbose, Interruption? interruption)
    {
        if (interruption is { Token.IsCancellationRequested: true } && !(e is CliException && e.InnerException is not OperationCanceledException))
        {
            e = e is OperationCanceledException ? e : new OperationCanceledException(e.Message, e);
        }

        int code = e switch
        {
            CliException c => c.ExitCode,
            OperationCanceledException => interruption?.ExitCode ?? ExitCodes.Cancelled,
            _ => ExitCodes.BadInput,
        };
        string message = e switch
        {
            CliException => e.Message,
            OperationCanceledException => (interruption?.Reason ?? "cancelled") + "; unfinished outputs were discarded",
            FileNotFoundException f => $"{f.FileName ?? "file"}: file not found" + (f.FileName is null ? ": " + f.Message : string.Empty),
            DirectoryNotFoundException => e.Message,
            OutOfMemoryException => "out of memory: " + e.Message,
            _ => e.Message,
        };
        stderr.WriteLine("fastals: error: " + OneLine(message));
        if (verbose)
        {
            stderr.WriteLine(e.ToString());
        }

        stderr.Flush();
        return code;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    private static string MainHelp()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("fastals - fast ALS recommender: generate data, train, recommend, evaluate.").AppendLine();
        sb.AppendLine("Usage: fastals <command> [options]      fastals <command> --help").AppendLine();
        sb.AppendLine("Commands:");
        foreach ((CommandSpec spec, _) in s_commands)
        {
            sb.Append("  ").Append(spec.Name.PadRight(11)).AppendLine(spec.Summary);
        }

        sb.AppendLine().AppendLine("Start with: fastals demo");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Results go to stdout, progress and logs to stderr. Exit codes: 0 ok, {ExitCodes.BadInput} bad input, {ExitCodes.Usage} bad usage, {ExitCodes.Cancelled} interrupted (SIGINT), {ExitCodes.Terminated} terminated (SIGTERM)."));
        return sb.ToString();
    }
}
