using System.Globalization;
using System.Reflection;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Tests;

public class HyperTests
{
    private static readonly CommandSpec s_spec = new("train", "t", "[options]", Hyper.Options, ["fastals train"]);

    [Fact]
    public void Every_hyperparameter_has_an_option()
    {
        string[] args =
        [
            "--kind", "biased-explicit", "-k", "7", "-l", "0.5", "--reg-scaling", "count", "-a", "3", "--confidence", "log",
            "--epsilon", "0.5", "--iterations", "4", "--solver", "cg", "--cg-steps", "5", "--cg-tolerance", "0.001",
            "--early-stop", "0.01", "--init-scale", "0.2", "--seed", "9", "-t", "1",
        ];
        var defaults = new AlsOptions();
        AlsOptions o = Hyper.Parse(ParsedArgs.Parse(s_spec, args), defaults);
        PropertyInfo[] settable = typeof(AlsOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        Assert.True(settable.Length >= 15, "AlsOptions lost its properties?");
        foreach (PropertyInfo p in settable)
        {
            // A property no option changes is a hyperparameter the command line cannot set.
            Assert.True(!Equals(p.GetValue(defaults), p.GetValue(o)), $"AlsOptions.{p.Name} is not set by any command-line option");
        }

        Assert.Equal(defaults, Hyper.Parse(ParsedArgs.Parse(s_spec, []), defaults));
    }

    [Theory]
    [InlineData("linear", ConfidenceKind.Linear)]
    [InlineData("log", ConfidenceKind.Log)]
    [InlineData("scaled", ConfidenceKind.Scaled)]
    public void Every_confidence_kind_has_a_spelling(string spelling, ConfidenceKind kind)
    {
        Assert.Equal(kind, Hyper.Parse(ParsedArgs.Parse(s_spec, ["--confidence", spelling]), new AlsOptions()).Confidence);
    }

    [Fact]
    public void Help_defaults_are_the_library_defaults()
    {
        var d = new AlsOptions();
        (string Option, object Value)[] expected =
        [
            ("factors", d.Factors), ("regularization", d.Regularization), ("alpha", d.Alpha), ("epsilon", d.Epsilon),
            ("iterations", d.Iterations), ("cg-steps", d.CgSteps), ("init-scale", d.InitScale),
        ];
        foreach ((string option, object value) in expected)
        {
            OptionSpec spec = Hyper.Options.Single(o => o.Long == option);
            Assert.Contains($"(default {Convert.ToString(value, CultureInfo.InvariantCulture)})", spec.Help, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("explicit")]
    [InlineData("biased-explicit")]
    public void Explicit_kinds_default_to_sparks_regularization_and_error_on_duplicates(string kind)
    {
        var spec = new CommandSpec("train", "t", "[options]", [.. Hyper.Options, .. InputData.Options], ["fastals train"]);
        AlsOptions o = Hyper.Parse(ParsedArgs.Parse(spec, ["--kind", kind]), new AlsOptions());
        Assert.Equal(Hyper.ExplicitRegularization, o.Regularization);
        Assert.Equal(RegularizationScaling.ByCount, o.RegularizationScaling);
        Assert.Equal(FastAls.IO.DuplicatePolicy.Error, InputData.LoadOptions(ParsedArgs.Parse(spec, ["--kind", kind])).Duplicates);

        // What the user says wins, option by option.
        AlsOptions given = Hyper.Parse(ParsedArgs.Parse(spec, ["--kind", kind, "-l", "0.02"]), new AlsOptions());
        Assert.Equal(0.02f, given.Regularization);
        Assert.Equal(RegularizationScaling.ByCount, given.RegularizationScaling);
        given = Hyper.Parse(ParsedArgs.Parse(spec, ["--kind", kind, "--reg-scaling", "constant"]), new AlsOptions());
        Assert.Equal(RegularizationScaling.Constant, given.RegularizationScaling);
        Assert.Equal(FastAls.IO.DuplicatePolicy.Sum, InputData.LoadOptions(ParsedArgs.Parse(spec, ["--kind", kind, "--duplicates", "sum"])).Duplicates);

        // Implicit kinds keep the library defaults and sum repeated counts.
        Assert.Equal(FastAls.IO.DuplicatePolicy.Sum, InputData.LoadOptions(ParsedArgs.Parse(spec, ["--kind", "implicit"])).Duplicates);
    }
}
