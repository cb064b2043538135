using System.CommandLine;
using System.Globalization;
using System.Reflection;
using FastAls.Cli.Commands;
using FastAls.Cli.Infrastructure;
using FastAls.IO;

namespace FastAls.Cli.Tests;

/// <summary>The training options on the command line are the schema's: every one, with the library's defaults per kind.</summary>
public class AlsOptionFlagsTests
{
    private static (TrainCommand Train, ParseResult Result) Train(params string[] args)
    {
        ParseResult r = ParsingTests.Parse(["train", "data.csv", "-o", "m.fals", .. args]);
        Assert.True(r.Errors.Count == 0, string.Join("; ", r.Errors.Select(e => e.Message)));
        return ((TrainCommand)r.CommandResult.Command, r);
    }

    private static AlsOptions Read(params string[] args)
    {
        (TrainCommand train, ParseResult r) = Train(args);
        return train.Hyper.Read(r);
    }

    [Fact]
    public void Every_schema_option_is_exposed_with_the_library_default_and_description()
    {
        foreach (Command command in CliApp.CreateCommands().Where(c => c is TrainCommand or EvaluateCommand))
        {
            foreach (AlsOptionInfo info in AlsOptions.Schema)
            {
                Option option = command.Options.Single(o => o.Name == AlsOptionFlags.Flag(info));
                Assert.Equal("--" + info.Name.Replace('_', '-'), option.Name);
                Assert.StartsWith(info.Description, option.Description, StringComparison.Ordinal);
                Assert.True(option.HasDefaultValue, info.Name);
                Assert.Equal(AlsOptionFlags.Show(info, new AlsOptions()), Convert.ToString(option.GetDefaultValue(), CultureInfo.InvariantCulture));
                foreach (string v in info.Values)
                {
                    Assert.Contains(v.Replace('_', '-'), option.GetCompletions(System.CommandLine.Completions.CompletionContext.Empty).Select(c => c.Label));
                }

                // help names each kind whose default differs, with that default (the kind's own default is one)
                foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
                {
                    string value = AlsOptionFlags.Show(info, AlsOptions.For(kind));
                    if (info.ValueType != typeof(AlsModelKind) && value != AlsOptionFlags.Show(info, AlsOptions.For(AlsModelKind.Implicit)))
                    {
                        Assert.Contains(AlsOptionFlags.Kebab(AlsOptionInfo.Spell(kind)), option.Description, StringComparison.Ordinal);
                        Assert.Contains(": " + value, option.Description, StringComparison.Ordinal);
                    }
                }
            }
        }
    }

    [Fact]
    public void Defaults_follow_the_kind_given()
    {
        Assert.Equal(new AlsOptions(), Read());
        foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
        {
            Assert.Equal(AlsOptions.For(kind), Read("--kind", AlsOptionFlags.Kebab(AlsOptionInfo.Spell(kind))));
        }

        // the kind may come after the options it sets the defaults of
        (TrainCommand t, ParseResult r) = Train("--iterations", "3", "--kind", "explicit");
        Assert.Equal(AlsOptions.For(AlsModelKind.Explicit) with { Iterations = 3 }, t.Hyper.Read(r));
        Assert.Equal(AlsOptions.ExplicitRegularization, r.GetValue<float>("--regularization"));
    }

    [Fact]
    public void Every_hyperparameter_has_an_option()
    {
        AlsOptions o = Read(
            "--kind", "biased-explicit", "-k", "7", "-l", "0.5", "--reg-scaling", "count", "-a", "3", "--confidence", "log",
            "--epsilon", "0.5", "--iterations", "4", "--solver", "cg", "--cg-steps", "5", "--cg-tolerance", "0.001",
            "--early-stop", "0.01", "--init-scale", "0.2", "--seed", "9", "-t", "1");
        var defaults = new AlsOptions();
        PropertyInfo[] settable = typeof(AlsOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        Assert.True(settable.Length >= 15, "AlsOptions lost its properties?");
        foreach (PropertyInfo p in settable)
        {
            // A property no option changes is a hyperparameter the command line cannot set.
            Assert.True(!Equals(p.GetValue(defaults), p.GetValue(o)), $"AlsOptions.{p.Name} is not set by any command-line option");
        }

        // every schema name works in kebab-case, the old flag names too
        AlsOptions same = Read(
            "--kind", "biased-explicit", "--factors", "7", "--regularization", "0.5", "--regularization-scaling", "by-count", "--alpha", "3", "--confidence", "log",
            "--epsilon", "0.5", "--iterations", "4", "--solver", "conjugate-gradient", "--cg-steps", "5", "--cg-tolerance", "0.001",
            "--early-stop-tolerance", "0.01", "--init-scale", "0.2", "--seed", "9", "--threads", "1");
        Assert.Equal(o, same);
    }

    [Theory]
    [InlineData("linear", ConfidenceKind.Linear)]
    [InlineData("log", ConfidenceKind.Log)]
    [InlineData("scaled", ConfidenceKind.Scaled)]
    public void Every_confidence_kind_has_a_spelling(string spelling, ConfidenceKind kind)
    {
        Assert.Equal(kind, Read("--confidence", spelling).Confidence);
    }

    [Fact]
    public void Enum_values_take_the_schema_spelling_and_the_old_one()
    {
        AlsOptions o = Read("--kind", "biased-explicit", "--reg-scaling", "by-count", "--solver", "conjugate-gradient", "--confidence", "log");
        Assert.Equal((AlsModelKind.BiasedExplicit, RegularizationScaling.ByCount, AlsSolver.ConjugateGradient, ConfidenceKind.Log), (o.Kind, o.RegularizationScaling, o.Solver, o.Confidence));
        Assert.Equal(o, Read("--kind", "biased_explicit", "--reg-scaling", "by_count", "--solver", "conjugate_gradient", "--confidence", "LOG"));
        Assert.Equal(o, Read("--kind", "biased-explicit", "--reg-scaling", "count", "--solver", "cg", "--confidence", "log"));
    }

    [Fact]
    public void A_bad_or_out_of_range_value_is_an_error_naming_the_flag()
    {
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            string flag = AlsOptionFlags.Flag(info);
            ParseResult r = ParsingTests.Parse("train", "data.csv", "-o", "m.fals", flag, "nonsense");
            string error = Assert.Single(r.Errors).Message;
            Assert.StartsWith(flag + " expects ", error, StringComparison.Ordinal);
            Assert.EndsWith("got 'nonsense'", error, StringComparison.Ordinal);
            if (info.Values.Count > 0)
            {
                Assert.Contains(string.Join(", ", info.Values.Select(AlsOptionFlags.Kebab)), error, StringComparison.Ordinal);
            }
        }

        foreach ((string flag, string value) in new[] { ("--factors", "0"), ("--factors", "5000"), ("--epsilon", "0"), ("--init-scale", "0"), ("--cg-steps", "0"), ("--threads", "-1"), ("--alpha", "-1"), ("--iterations", "-1"), ("--early-stop", "-0.5") })
        {
            ParseResult r = ParsingTests.Parse("train", "data.csv", "-o", "m.fals", flag, value);
            string error = Assert.Single(r.Errors).Message;
            Assert.Contains(" must be ", error, StringComparison.Ordinal);
            Assert.True(error.StartsWith(flag + ": ", StringComparison.Ordinal) || error.StartsWith("--early-stop-tolerance: ", StringComparison.Ordinal), error);
        }
    }

    [Theory]
    [InlineData("explicit")]
    [InlineData("biased-explicit")]
    public void Explicit_kinds_default_to_sparks_regularization_and_error_on_duplicates(string kind)
    {
        AlsOptions o = Read("--kind", kind);
        Assert.Equal(AlsOptions.ExplicitRegularization, o.Regularization);
        Assert.Equal(RegularizationScaling.ByCount, o.RegularizationScaling);
        Assert.Equal(DuplicatePolicy.Error, Duplicates("--kind", kind));

        // What the user says wins, option by option.
        AlsOptions given = Read("--kind", kind, "-l", "0.02");
        Assert.Equal(0.02f, given.Regularization);
        Assert.Equal(RegularizationScaling.ByCount, given.RegularizationScaling);
        Assert.Equal(RegularizationScaling.Constant, Read("--kind", kind, "--reg-scaling", "constant").RegularizationScaling);
        Assert.Equal(DuplicatePolicy.Sum, Duplicates("--kind", kind, "--duplicates", "sum"));

        // Implicit kinds keep the library defaults and sum repeated counts.
        Assert.Equal(DuplicatePolicy.Sum, Duplicates("--kind", "implicit"));
    }

    private static DuplicatePolicy Duplicates(params string[] args)
    {
        (TrainCommand t, ParseResult r) = Train(args);
        return t.Input.LoadOptions(r, t.Hyper.Kind(r)).Duplicates;
    }
}
