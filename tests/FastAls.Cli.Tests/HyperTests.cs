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
        AlsOptions o = Hyper.Parse(ParsedArgs.Parse(s_spec, args));
        PropertyInfo[] settable = typeof(AlsOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        Assert.True(settable.Length >= 15, "AlsOptions lost its properties?");
        foreach (PropertyInfo p in settable)
        {
            // A property no option changes is a hyperparameter the command line cannot set.
            Assert.True(!Equals(p.GetValue(defaults), p.GetValue(o)), $"AlsOptions.{p.Name} is not set by any command-line option");
        }

        Assert.Equal(defaults, Hyper.Parse(ParsedArgs.Parse(s_spec, [])));
    }

    [Theory]
    [InlineData("linear", ConfidenceKind.Linear)]
    [InlineData("log", ConfidenceKind.Log)]
    [InlineData("scaled", ConfidenceKind.Scaled)]
    public void Every_confidence_kind_has_a_spelling(string spelling, ConfidenceKind kind)
    {
        Assert.Equal(kind, Hyper.Parse(ParsedArgs.Parse(s_spec, ["--confidence", spelling])).Confidence);
    }

    [Fact]
    public void Every_schema_option_has_one_flag_whose_help_states_the_library_defaults()
    {
        Assert.Equal(AlsOptions.Schema.Count, Hyper.Options.Length);
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            OptionSpec spec = Hyper.Options.Single(o => o.Long == Hyper.Flag(info));
            Assert.StartsWith(info.Description, spec.Help, StringComparison.Ordinal);
            if (info.Name == "kind")
            {
                continue;
            }

            string implicitDefault = info.Values.Count > 0
                ? Hyper.Kebab(info.Format(AlsOptions.For(AlsModelKind.Implicit)))
                : Convert.ToString(info.DefaultFor(AlsModelKind.Implicit), CultureInfo.InvariantCulture)!;
            Assert.Contains($"(default {implicitDefault}", spec.Help, StringComparison.Ordinal);
            foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
            {
                // a kind whose default differs is named with its own default
                if (!Equals(info.DefaultFor(kind), info.DefaultFor(AlsModelKind.Implicit)))
                {
                    string value = info.Values.Count > 0 ? Hyper.Kebab(info.Format(AlsOptions.For(kind))) : Convert.ToString(info.DefaultFor(kind), CultureInfo.InvariantCulture)!;
                    Assert.Contains($"{Hyper.Kebab(AlsOptionInfo.Spell(kind))} {value}", spec.Help, StringComparison.Ordinal);
                }
            }

            foreach (string v in info.Values)
            {
                Assert.Contains(Hyper.Kebab(v), spec.Help, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Enum_values_take_the_schema_spelling_and_the_old_one()
    {
        AlsOptions o = Hyper.Parse(ParsedArgs.Parse(s_spec, ["--kind", "biased-explicit", "--reg-scaling", "by-count", "--solver", "conjugate-gradient", "--confidence", "log"]));
        Assert.Equal((AlsModelKind.BiasedExplicit, RegularizationScaling.ByCount, AlsSolver.ConjugateGradient, ConfidenceKind.Log), (o.Kind, o.RegularizationScaling, o.Solver, o.Confidence));
        AlsOptions old = Hyper.Parse(ParsedArgs.Parse(s_spec, ["--kind", "biased-explicit", "--reg-scaling", "count", "--solver", "cg", "--confidence", "log"]));
        Assert.Equal(o, old);
        CliException e = Assert.Throws<CliException>(() => Hyper.Parse(ParsedArgs.Parse(s_spec, ["--solver", "newton"])));
        Assert.Contains("--solver expects one of cholesky, conjugate-gradient, got 'newton'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<CliException>(() => Hyper.Parse(ParsedArgs.Parse(s_spec, ["--factors", "0"])));
        Assert.Contains("--factors", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("explicit")]
    [InlineData("biased-explicit")]
    public void Explicit_kinds_default_to_sparks_regularization_and_error_on_duplicates(string kind)
    {
        var spec = new CommandSpec("train", "t", "[options]", [.. Hyper.Options, .. InputData.Options], ["fastals train"]);
        AlsOptions o = Hyper.Parse(ParsedArgs.Parse(spec, ["--kind", kind]));
        Assert.Equal(AlsOptions.ExplicitRegularization, o.Regularization);
        Assert.Equal(RegularizationScaling.ByCount, o.RegularizationScaling);
        Assert.Equal(FastAls.IO.DuplicatePolicy.Error, InputData.LoadOptions(ParsedArgs.Parse(spec, ["--kind", kind])).Duplicates);

        // What the user says wins, option by option.
        AlsOptions given = Hyper.Parse(ParsedArgs.Parse(spec, ["--kind", kind, "-l", "0.02"]));
        Assert.Equal(0.02f, given.Regularization);
        Assert.Equal(RegularizationScaling.ByCount, given.RegularizationScaling);
        given = Hyper.Parse(ParsedArgs.Parse(spec, ["--kind", kind, "--reg-scaling", "constant"]));
        Assert.Equal(RegularizationScaling.Constant, given.RegularizationScaling);
        Assert.Equal(FastAls.IO.DuplicatePolicy.Sum, InputData.LoadOptions(ParsedArgs.Parse(spec, ["--kind", kind, "--duplicates", "sum"])).Duplicates);

        // Implicit kinds keep the library defaults and sum repeated counts.
        Assert.Equal(FastAls.IO.DuplicatePolicy.Sum, InputData.LoadOptions(ParsedArgs.Parse(spec, ["--kind", "implicit"])).Duplicates);
    }
}
