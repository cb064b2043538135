using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using FastAls.Cli.Commands;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli;

/// <summary>The <c>fastals</c> entry point, callable in-process (tests) with any writers. Parsing, help and completion are System.CommandLine's.</summary>
internal static class CliApp
{
    /// <summary>
    /// The parser's settings: POSIX bundling (<c>-vq</c>, <c>-k64</c>) as by default, but no response files, since
    /// <c>@FILE</c> is an id list (<c>--user @users.txt</c>) that the commands read themselves.
    /// </summary>
    internal static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    /// <summary>A fresh instance of every command (System.CommandLine symbols belong to one tree).</summary>
    public static CliCommand[] CreateCommands() =>
    [
        new DemoCommand(), new GenerateCommand(), new TrainCommand(), new RecommendCommand(), new SimilarCommand(),
        new EvaluateCommand(), new ExportCommand(), new ImportCommand(), new InfoCommand(),
    ];

    /// <summary>The command tree, each command running with <paramref name="ctx"/>.</summary>
    public static RootCommand CreateRoot(CliContext ctx)
    {
        var root = new RootCommand("fastals - fast ALS recommender: generate data, train, recommend, evaluate.") { HelpName = "fastals" };
        root.Options.Add(new Option<bool>("--verbose", "-v") { Description = "On an error, print the stack trace after the one-line message.", Recursive = true });
        foreach (CliCommand c in CreateCommands())
        {
            c.SetAction(r => c.Run(r, ctx));
            root.Subcommands.Add(c);
        }

        HelpOption help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((SynchronousCommandLineAction)help.Action!);
        root.Options.OfType<VersionOption>().Single().Action = new PrintVersion();

        // `fastals version` and `fastals help [COMMAND]`, as earlier versions took them
        var version = new Command("version", "Show the version.") { Hidden = true };
        version.SetAction(r => new PrintVersion().Invoke(r));
        var helpCommand = new Command("help", "Show the help of a command.") { Hidden = true };
        var name = new Argument<string?>("COMMAND") { Arity = ArgumentArity.ZeroOrOne };
        helpCommand.Arguments.Add(name);
        helpCommand.SetAction(r => root.Parse(r.GetValue(name) is string n ? [n, "--help"] : ["--help"], Parser).Invoke(r.InvocationConfiguration));
        root.Subcommands.Add(version);
        root.Subcommands.Add(helpCommand);
        return root;
    }

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
            var ctx = new CliContext(stdout, stderr, stderrIsTerminal, interruption?.Token ?? default) { Verbose = verbose };
            RootCommand root = CreateRoot(ctx);
            if (args.Count == 0)
            {
                // a usage error: the help goes to stderr, and nothing to stdout, where results go
                root.Parse(["--help"], Parser).Invoke(Invocation(stderr, stderr));
                return ExitCodes.Usage;
            }

            ParseResult r = root.Parse(args, Parser);
            if (StrayOption(r) is string option && r.Action is not HelpWithExamples)
            {
                throw Error(r, $"unknown option {option}" + Suggest(option, OptionNames(r.CommandResult.Command, root)));
            }

            if (r.Action is ParseErrorAction)
            {
                throw Error(r, r.UnmatchedTokens.Count == 0 ? r.Errors[0].Message.TrimEnd('.')
                    : r.CommandResult.Command == root ? $"unknown command '{r.UnmatchedTokens[0]}'" + Suggest(r.UnmatchedTokens[0], root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))
                    : $"unexpected argument '{r.UnmatchedTokens[0]}'");
            }

            return r.Invoke(Invocation(stdout, stderr));
        }
        catch (Exception e)
        {
            return Report(e, stderr, verbose, interruption);
        }
    }

    private static InvocationConfiguration Invocation(TextWriter stdout, TextWriter stderr) => new()
    {
        Output = stdout,
        Error = stderr,
        EnableDefaultExceptionHandler = false, // errors are reported as one line by Report
        ProcessTerminationTimeout = null, // SIGINT and SIGTERM are Interruption's
    };

    /// <summary>A usage error: one line that points at the help of the command being parsed.</summary>
    private static CliException Error(ParseResult r, string message) =>
        new($"{message} (see 'fastals {(r.CommandResult.Command is RootCommand ? string.Empty : r.CommandResult.Command.Name + " ")}--help')", ExitCodes.Usage);

    /// <summary>
    /// A word that looks like an option (<c>--factr</c>, <c>-z</c>; not a negative number) but that System.CommandLine
    /// took as a positional argument or left unmatched, since it names no option: an unknown option. Words after
    /// <c>--</c> are positional by design.
    /// </summary>
    private static string? StrayOption(ParseResult r)
    {
        int end = 0;
        while (end < r.Tokens.Count && r.Tokens[end].Type != TokenType.DoubleDash)
        {
            end++;
        }

        var beforeDashes = new HashSet<Token>(r.Tokens.Take(end), ReferenceEqualityComparer.Instance);
        IEnumerable<string> positional = r.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Where(beforeDashes.Contains).Select(t => t.Value);
        IEnumerable<string> unmatched = end == r.Tokens.Count ? r.UnmatchedTokens : [];
        return positional.Concat(unmatched).FirstOrDefault(w => w.Length > 1 && w[0] == '-' && !double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
    }

    private static IEnumerable<string> OptionNames(Command command, RootCommand root) =>
        command.Options.Concat(root.Options.Where(o => o.Recursive)).Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name));

    /// <summary>"; did you mean 'X'?" for the nearest of <paramref name="candidates"/> within two edits of a word of four or more characters, else nothing.</summary>
    private static string Suggest(string word, IEnumerable<string> candidates)
    {
        if (word.Length < 4)
        {
            return string.Empty; // "-z" is one edit from every short option
        }

        string? near = candidates.Where(c => Distance(c, word) <= 2).OrderBy(c => Distance(c, word)).FirstOrDefault();
        return near is null ? string.Empty : $"; did you mean '{near}'?";
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            d[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = d[0];
            d[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return d[b.Length];
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

    /// <summary>System.CommandLine's help, then a command's details and examples, or the main help's pointers.</summary>
    private sealed class HelpWithExamples(SynchronousCommandLineAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            help.Invoke(parseResult);
            TextWriter o = parseResult.InvocationConfiguration.Output;
            if (parseResult.CommandResult.Command is CliCommand c)
            {
                if (c.Details is not null)
                {
                    o.WriteLine(c.Details);
                    o.WriteLine();
                }

                o.WriteLine("Examples:");
                foreach (string e in c.Examples)
                {
                    o.WriteLine("  " + e);
                }
            }
            else
            {
                o.WriteLine("Start with: fastals demo. Help on a command: fastals COMMAND --help.");
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Results go to stdout, progress and logs to stderr. Exit codes: 0 ok, {ExitCodes.BadInput} bad input, {ExitCodes.Usage} bad usage, {ExitCodes.Cancelled} interrupted (SIGINT), {ExitCodes.Terminated} terminated (SIGTERM)."));
            }

            return ExitCodes.Ok;
        }
    }

    /// <summary><c>fastals --version</c>: "fastals VERSION" (the library's version, one source).</summary>
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine("fastals " + FastAlsInfo.Version);
            return ExitCodes.Ok;
        }
    }
}
