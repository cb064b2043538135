using System.CommandLine;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Tests;

/// <summary>The command line as System.CommandLine parses it with the CLI's conventions, and its help and errors.</summary>
public class ParsingTests
{
    internal static ParseResult Parse(params string[] args) =>
        CliApp.CreateRoot(new CliContext(TextWriter.Null, TextWriter.Null, false, default)).Parse(args, CliApp.Parser);

    [Fact]
    public void Parses_long_short_inline_and_bundled_forms_and_at_files_are_id_lists()
    {
        ParseResult r = Parse("recommend", "--model=m.fals", "--user", "@users.txt", "-u", "1,2", "-n5", "--include-seen", "-qv", "--threads", "2");
        Assert.Empty(r.Errors);
        Assert.Equal("m.fals", r.GetValue<string?>("--model"));
        Assert.Equal(["@users.txt", "1,2"], r.GetValue<string[]>("--user")!); // no response files: @FILE reaches the command
        Assert.Equal(5, r.GetValue<int>("--count"));
        Assert.True(r.GetValue<bool>("--quiet"));
        Assert.True(r.GetValue<bool>("--verbose"));
        Assert.True(r.GetValue<bool>("--include-seen"));
        Assert.Equal(2, r.GetValue<int>("--threads"));
    }

    [Fact]
    public void The_last_occurrence_of_a_value_option_wins_and_words_after_dashes_are_positional()
    {
        ParseResult r = Parse("train", "d.csv", "-o", "a.fals", "-k", "8", "--factors", "16", "--output", "b.fals", "--seed", "-5");
        Assert.Empty(r.Errors);
        var train = (Commands.TrainCommand)r.CommandResult.Command;
        AlsOptions o = train.Hyper.Read(r);
        Assert.Equal((16, -5), (o.Factors, o.Seed));
        Assert.Equal("b.fals", r.GetValue<string?>("--output"));

        r = Parse("info", "--", "--json");
        Assert.Empty(r.Errors);
        Assert.Equal("--json", r.GetValue<string>("FILE"));
        Assert.False(r.GetValue<bool>("--json"));
    }

    [Theory]
    [InlineData("unknown option --factr; did you mean '--factors'? (see 'fastals train --help')", "train", "d.csv", "-o", "m.fals", "--factr", "3")]
    [InlineData("unknown option --factr; did you mean '--factors'?", "train", "--factr", "3", "d.csv", "-o", "m.fals")]
    [InlineData("unknown option -z (see 'fastals info --help')", "info", "-z", "m.fals")]
    [InlineData("unexpected argument 'b.fals' (see 'fastals info --help')", "info", "a.fals", "b.fals")]
    [InlineData("--count expects an integer in [1, 100000], got 'many' (see 'fastals recommend --help')", "recommend", "-m", "m.fals", "--include-seen", "--user", "1", "-n", "many")]
    [InlineData("--users expects an integer in [1, 2147483647] (suffixes k, M, G allowed), got '2.5x'", "generate", "-o", "x.csv", "--users", "2.5x")]
    [InlineData("--kind expects one of explicit, biased-explicit, implicit, biased-implicit, got 'fancy'", "train", "d.csv", "-o", "m.fals", "--kind", "fancy")]
    [InlineData("--regularization: Regularization must be in [0, ", "train", "d.csv", "-o", "m.fals", "-l", "-1")]
    [InlineData("--ids expects one of auto, int, text, string, got 'words'", "train", "d.csv", "-o", "m.fals", "--ids", "words")]
    [InlineData("--output", "train", "d.csv")]
    [InlineData("'DATA'", "train", "-o", "m.fals")]
    [InlineData("Required argument missing for option: '--threads'", "train", "d.csv", "-o", "m.fals", "--threads")]
    public void Errors_are_one_usage_line_that_names_the_option(string message, params string[] args)
    {
        CliResult r = CliRunner.InProcess(args);
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Empty(r.Stdout);
        string line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith("fastals: error: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("100", 100L)]
    [InlineData("100_000", 100_000L)]
    [InlineData("2.5M", 2_500_000L)]
    [InlineData("1G", 1_000_000_000L)]
    [InlineData("20k", 20_000L)]
    public void Counts_take_suffixes(string s, long expected)
    {
        Assert.True(CliOptions.TryParseCount(s, out long v));
        Assert.Equal(expected, v);
        Assert.Empty(Parse("generate", "-o", "x.csv", "--interactions", s).Errors);
    }

    [Fact]
    public void A_range_leaves_out_the_types_own_limits()
    {
        Assert.Equal(" in [1, 10]", CliOptions.Range(1, 10, int.MinValue, int.MaxValue));
        Assert.Equal(" >= 0", CliOptions.Range(0.0, double.MaxValue, double.MinValue, double.MaxValue)); // no "1.7976931348623157E+308"
        Assert.Equal(" <= -2", CliOptions.Range(int.MinValue, -2, int.MinValue, int.MaxValue));
        Assert.Equal(string.Empty, CliOptions.Range(long.MinValue, long.MaxValue, long.MinValue, long.MaxValue));
    }

    [Fact]
    public void Every_command_has_help_with_examples_that_parse()
    {
        CliCommand[] commands = CliApp.CreateCommands();
        Assert.NotEmpty(commands);
        foreach (CliCommand c in commands)
        {
            CliResult r = CliRunner.InProcess(c.Name, "--help");
            Assert.True(r.ExitCode == 0, c.Name + ": " + r);
            Assert.Contains("fastals " + c.Name, r.Stdout, StringComparison.Ordinal);
            Assert.Contains("Examples:", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("--help", r.Stdout, StringComparison.Ordinal);
            Assert.Equal(r.Stdout, CliRunner.InProcess("help", c.Name).Stdout);
            Assert.NotEmpty(c.Examples);
            foreach (string example in c.Examples)
            {
                string[] words = example.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(new[] { "fastals", c.Name }, words[..2]);
                ParseResult p = Parse(words[1..]);
                Assert.True(p.Errors.Count == 0, $"{example}: {string.Join("; ", p.Errors.Select(e => e.Message))}");
            }
        }
    }

    [Fact]
    public void Main_help_lists_commands_and_unknown_command_fails()
    {
        CliResult r = CliRunner.InProcess("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.All(CliApp.CreateCommands(), c => Assert.Contains(c.Name, r.Stdout, StringComparison.Ordinal));
        r = CliRunner.InProcess();
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Equal(string.Empty, r.Stdout);
        Assert.Contains("Start with: fastals demo", r.Stderr, StringComparison.Ordinal);
        r = CliRunner.InProcess("generat");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("did you mean 'generate'", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Version_prints_the_library_version()
    {
        foreach (string[] args in new[] { new[] { "--version" }, ["version"] })
        {
            CliResult r = CliRunner.InProcess(args);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("fastals " + FastAlsInfo.Version, r.Stdout.Trim());
        }
    }
}
