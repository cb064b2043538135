using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.IO;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals import</c>: a Spark ML ALSModel folder (or one <see cref="ExportCommand"/> wrote) into a model file.</summary>
internal sealed class ImportCommand : CliCommand
{
    private static readonly AlsOptions Recorded = new();

    private readonly Argument<string> _dir = new("DIR") { Description = "The Spark model folder." };
    private readonly Option<string?> _output = CliOptions.Text("--output", "FILE", "Model file to write.", "-o");
    private readonly Option<AlsModelKind> _kind = CliOptions.Choice("--kind", "Model kind to record for a plain Spark export (a FastAls export knows its kind).", AlsModelKind.Explicit,
        Enum.GetValues<AlsModelKind>().Select(k => (AlsOptionFlags.Kebab(AlsOptionInfo.Spell(k)), k)).ToArray());

    private readonly Option<double> _regularization = CliOptions.Double("--regularization", "LAMBDA", "Regularization to record for a plain Spark export.", Widen(Recorded.Regularization), 0, double.MaxValue, "-l");
    private readonly Option<double> _alpha = CliOptions.Double("--alpha", "A", "Alpha to record for a plain Spark export.", Widen(Recorded.Alpha), 0, double.MaxValue, "-a");
    private readonly Option<bool> _json = CliOptions.Json();

    public ImportCommand()
        : base(
            "import",
            "Read a Spark ML ALSModel folder (or one written by 'fastals export') into a model file.",
            null,
            "fastals import spark-model/ -o model.fals",
            "fastals import spark-model/ --kind implicit --alpha 40 -o model.fals")
    {
        _output.Required = true;
        Arguments.Add(_dir);
        AddOptions([_output, _kind, _regularization, _alpha, _json]);
    }

    public override int Run(ParseResult a, CliContext ctx)
    {
        string dir = a.GetValue(_dir)!;
        string output = a.GetValue(_output)!;
        if (!Directory.Exists(dir))
        {
            throw new CliException($"{dir}: no such folder");
        }

        Outputs.Check([dir], new Outputs.Output("--output", output));
        AlsOptions? options = null;
        if (a.Given(_kind) || a.Given(_regularization) || a.Given(_alpha))
        {
            options = new AlsOptions
            {
                Kind = a.GetValue(_kind),
                Factors = ReadRank(dir),
                Regularization = (float)a.GetValue(_regularization),
                Alpha = (float)a.GetValue(_alpha),
            };
        }

        AlsModel model;
        try
        {
            model = SparkAlsFormat.Import(dir, options);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or FormatException)
        {
            throw new CliException(e.Message.Contains(dir, StringComparison.Ordinal) ? e.Message : $"{dir}: {e.Message}", e);
        }

        using (model)
        {
            TrainCommand.Save(model, output);
            if (a.GetValue(_json))
            {
                ctx.Out.WriteLine(JsonSerializer.Serialize(
                    new ImportOutput(Path.GetFullPath(output), model.Kind.ToString(), model.Factors, model.Users, model.Items), CliJsonContext.Default.ImportOutput));
            }
            else
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imported {model.Kind} model ({model.Users} users, {model.Items} items, rank {model.Factors}) from {dir} to {output}"));
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>The double that prints as <paramref name="f"/> does (help shows 0.01, not 0.009999999776482582) and narrows back to it.</summary>
    private static double Widen(float f) => double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The rank from Spark's metadata/part-00000 (one line of JSON).</summary>
    private static int ReadRank(string dir)
    {
        string meta = Path.Combine(dir, "metadata", "part-00000");
        if (!File.Exists(meta))
        {
            throw new CliException($"{dir}: no metadata/part-00000 (not a Spark ALSModel folder)");
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadLines(meta).FirstOrDefault() ?? string.Empty);
            if (doc.RootElement.TryGetProperty("rank", out JsonElement r) && r.TryGetInt32(out int rank))
            {
                return rank;
            }

            if (doc.RootElement.TryGetProperty("paramMap", out JsonElement pm) && pm.TryGetProperty("rank", out r) && r.TryGetInt32(out rank))
            {
                return rank;
            }
        }
        catch (JsonException e)
        {
            throw new CliException($"{meta}: not valid JSON: {e.Message}", e);
        }

        throw new CliException($"{meta}: no rank in the metadata");
    }
}
