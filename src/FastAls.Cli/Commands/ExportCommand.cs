using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.IO;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals export</c>: a model in Spark ML's ALSModel folder layout (<see cref="ImportCommand"/> reads it back).</summary>
internal sealed class ExportCommand : CliCommand
{
    private readonly Argument<string> _model = new("MODEL") { Description = "The model file." };
    private readonly Argument<string> _dir = new("DIR") { Description = "The folder to write." };
    private readonly Option<bool> _noBiases = CliOptions.Flag("--no-biases", "Leave out the extra 'bias' column of biased models.");
    private readonly Option<bool> _overwrite = CliOptions.Flag("--overwrite", "Replace DIR if it exists.");
    private readonly Option<bool> _sidecar = CliOptions.Flag("--sidecar", "Put the extra columns in DIR/fastalsExtras/ so the factor files hold exactly Spark's two columns.");
    private readonly Option<string?> _sparkVersion = CliOptions.Create<string?>("--spark-version", [], "sparkVersion written to the metadata.", "V",
        (string s, out string? v) => (v = s).Length > 0, "a version", () => new SparkExportOptions().SparkVersion);

    public ExportCommand()
        : base(
            "export",
            "Write a model in Spark ML's ALSModel layout (metadata + userFactors/itemFactors Parquet).",
            "Spark loads the folder with ALSModel.load(path). Extra columns (bias of biased models; external_id, with\n"
            + "id the dense index, when ids are not int32) go into the factor files by default: Spark's transform works,\n"
            + "but its recommendForAll* calls expect exactly (id, features); use --sidecar for those. 'fastals import'\n"
            + "reads either layout.",
            "fastals export model.fals spark-model/",
            "fastals export model.fals s3-staging/als --overwrite --no-biases",
            "fastals export model.fals spark-model/ --sidecar")
    {
        Arguments.Add(_model);
        Arguments.Add(_dir);
        AddOptions([_noBiases, _overwrite, _sidecar, _sparkVersion]);
    }

    public override int Run(ParseResult a, CliContext ctx)
    {
        string modelPath = a.GetValue(_model)!, dir = a.GetValue(_dir)!;
        if (Directory.Exists(dir) && !a.GetValue(_overwrite))
        {
            throw new CliException($"{dir}: already exists (add --overwrite to replace it)");
        }

        Outputs.Check([modelPath], new Outputs.Output("DIR", dir, IsDirectory: true));
        using AlsModel model = ModelIo.Load(modelPath);

        var options = new SparkExportOptions
        {
            IncludeBiases = !a.GetValue(_noBiases),
            Overwrite = a.GetValue(_overwrite),
            ExtrasInSidecar = a.GetValue(_sidecar),
            SparkVersion = a.GetValue(_sparkVersion)!,
        };
        try
        {
            SparkAlsFormat.ExportAsync(model, dir, options, ctx.Cancellation).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new CliException($"{dir}: export failed: {e.Message}", e);
        }

        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exported {model.Kind} model ({model.Users} users, {model.Items} items, rank {model.Factors}) to {dir}"));
        return ExitCodes.Ok;
    }
}
