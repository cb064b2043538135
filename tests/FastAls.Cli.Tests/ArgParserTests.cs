using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Tests;

public class ArgParserTests
{
    private static readonly CommandSpec s_spec = new("test", "t", "[options] ARG",
        [new("factors", 'k', "N", "k"), new("flag", 'f', null, "f"), new("name", '\0', "S", "s")], ["fastals test"]);

    [Fact]
    public void Parses_long_short_inline_and_bundled_forms()
    {
        ParsedArgs p = ParsedArgs.Parse(s_spec, ["--factors", "8", "pos1", "-fv", "--name=a=b", "-k16", "--", "--not-an-option"]);
        Assert.Equal(16, p.GetInt("factors", 0));
        Assert.True(p.Has("flag"));
        Assert.True(p.Verbose);
        Assert.Equal("a=b", p.Get("name"));
        Assert.Equal(["pos1", "--not-an-option"], p.Positionals);
    }

    [Theory]
    [InlineData("--factr", "did you mean --factors?")]
    [InlineData("-z", "unknown option -z")]
    [InlineData("--flag=1", "takes no value")]
    [InlineData("--factors", "needs a value")]
    public void Rejects_bad_options_with_usage_exit_code(string arg, string message)
    {
        CliException e = Assert.Throws<CliException>(() => ParsedArgs.Parse(s_spec, [arg]));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("100", 100L)]
    [InlineData("100_000", 100_000L)]
    [InlineData("2.5M", 2_500_000L)]
    [InlineData("1G", 1_000_000_000L)]
    [InlineData("20k", 20_000L)]
    public void Counts_take_suffixes(string s, long expected)
    {
        Assert.True(ParsedArgs.TryParseCount(s, out long v));
        Assert.Equal(expected, v);
    }

    [Fact]
    public void Range_errors_name_the_option()
    {
        ParsedArgs p = ParsedArgs.Parse(s_spec, ["--factors", "x"]);
        CliException e = Assert.Throws<CliException>(() => p.GetInt("factors", 1, 1, 10));
        Assert.Equal("--factors expects an integer in [1, 10], got 'x' (see 'fastals test --help')", e.Message);

        // A bound that is the type's own limit is left out of the message (no "1.7976931348623157E+308").
        ParsedArgs q = ParsedArgs.Parse(s_spec, ["--name=-1"]);
        Assert.Equal("--name expects a number >= 0, got '-1' (see 'fastals test --help')", Assert.Throws<CliException>(() => q.GetDouble("name", 1, 0)).Message);
        Assert.Equal("--name expects an integer >= 0 (suffixes k, M, G allowed), got '-1' (see 'fastals test --help')", Assert.Throws<CliException>(() => q.GetLong("name", 1, 0)).Message);
        Assert.Equal("--name expects an integer <= -2, got '-1' (see 'fastals test --help')", Assert.Throws<CliException>(() => q.GetInt("name", 1, max: -2)).Message);
        Assert.Equal(-1.0, q.GetDouble("name", 1));
    }

    [Fact]
    public void Every_command_has_help_with_examples()
    {
        Assert.NotEmpty(CliApp.Commands);
        foreach (CommandSpec c in CliApp.Commands)
        {
            CliResult r = CliRunner.InProcess(c.Name, "--help");
            Assert.True(r.ExitCode == 0, c.Name + ": " + r);
            Assert.Contains("Usage: fastals " + c.Name, r.Stdout, StringComparison.Ordinal);
            Assert.Contains("Examples:", r.Stdout, StringComparison.Ordinal);
            Assert.Contains("--help", r.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Main_help_lists_commands_and_unknown_command_fails()
    {
        CliResult r = CliRunner.InProcess("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("generate", r.Stdout, StringComparison.Ordinal);
        r = CliRunner.InProcess();
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Equal(string.Empty, r.Stdout);
        Assert.Contains("Start with: fastals demo", r.Stderr, StringComparison.Ordinal);
        r = CliRunner.InProcess("generat");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("did you mean 'generate'", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }
}
