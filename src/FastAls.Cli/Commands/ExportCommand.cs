using System.Globalization;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.IO;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals export</c> / <c>fastals import</c>: Spark ML's ALSModel folder layout.</summary>
internal static class ExportCommand
{
    public static readonly CommandSpec ExportSpec = new(
        "export",
        "Write a model in Spark ML's ALSModel layout (metadata + userFactors/itemFactors Parquet).",
        "MODEL DIR [options]",
        [
            new("no-biases", '\0', null, "Leave out the extra 'bias' column of biased models."),
            new("overwrite", '\0', null, "Replace DIR if it exists."),
            new("sidecar", '\0', null, "Put the extra columns in DIR/fastalsExtras/ so the factor files hold exactly Spark's two columns."),
            new("spark-version", '\0', "V", "sparkVersion written to the metadata (default 3.5.0)."),
        ],
        [
            "fastals export model.fals spark-model/",
            "fastals export model.fals s3-staging/als --overwrite --no-biases",
            "fastals export model.fals spark-model/ --sidecar",
        ],
        "Spark loads the folder with ALSModel.load(path). Extra columns (bias of biased models; external_id, with\n"
        + "id the dense index, when ids are not int32) go into the factor files by default: Spark's transform works,\n"
        + "but its recommendForAll* calls expect exactly (id, features); use --sidecar for those. 'fastals import'\n"
        + "reads either layout.");

    public static readonly CommandSpec ImportSpec = new(
        "import",
        "Read a Spark ML ALSModel folder (or one written by 'fastals export') into a model file.",
        "DIR -o MODEL [options]",
        [
            new("output", 'o', "FILE", "Model file to write (required)."),
            new("kind", '\0', "KIND", "Model kind to record for a plain Spark export (default explicit; a FastAls export knows its kind)."),
            new("regularization", 'l', "LAMBDA", "Regularization to record for a plain Spark export (default 0.01)."),
            new("alpha", 'a', "A", "Alpha to record for a plain Spark export (default 1)."),
            Common.Json,
        ],
        [
            "fastals import spark-model/ -o model.fals",
            "fastals import spark-model/ --kind implicit --alpha 40 -o model.fals",
        ]);

    public static int RunExport(ParsedArgs a, CliContext ctx)
    {
        a.ExpectPositionals(2, 2, a.Positionals.Count == 0 ? "MODEL and DIR" : "DIR (the output folder)");
        string modelPath = a.Positionals[0], dir = a.Positionals[1];
        if (Directory.Exists(dir) && !a.Has("overwrite"))
        {
            throw new CliException($"{dir}: already exists (add --overwrite to replace it)");
        }

        Outputs.Check([modelPath], new Outputs.Output("DIR", dir, IsDirectory: true));
        using AlsModel model = ModelIo.Load(modelPath);

        var options = new SparkExportOptions
        {
            IncludeBiases = !a.Has("no-biases"),
            Overwrite = a.Has("overwrite"),
            ExtrasInSidecar = a.Has("sidecar"),
            SparkVersion = a.Get("spark-version", new SparkExportOptions().SparkVersion),
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

    public static int RunImport(ParsedArgs a, CliContext ctx)
    {
        a.ExpectPositionals(1, 1, "DIR (the Spark model folder)");
        string dir = a.Positionals[0];
        string output = a.Require("output");
        if (!Directory.Exists(dir))
        {
            throw new CliException($"{dir}: no such folder");
        }

        Outputs.Check([dir], new Outputs.Output("--output", output));
        AlsOptions? options = null;
        if (a.Has("kind") || a.Has("regularization") || a.Has("alpha"))
        {
            var defaults = new AlsOptions { Kind = AlsModelKind.Explicit };
            options = defaults with
            {
                Kind = a.GetChoice("kind", AlsModelKind.Explicit,
                    ("implicit", AlsModelKind.Implicit), ("biased-implicit", AlsModelKind.BiasedImplicit),
                    ("explicit", AlsModelKind.Explicit), ("biased-explicit", AlsModelKind.BiasedExplicit)),
                Factors = ReadRank(dir),
                Regularization = (float)a.GetDouble("regularization", defaults.Regularization, 0),
                Alpha = (float)a.GetDouble("alpha", defaults.Alpha, 0),
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
            if (a.Has("json"))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("model", Path.GetFullPath(output));
                    w.WriteString("kind", model.Kind.ToString());
                    w.WriteNumber("factors", model.Factors);
                    w.WriteNumber("users", model.Users);
                    w.WriteNumber("items", model.Items);
                    w.WriteEndObject();
                }));
            }
            else
            {
                ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imported {model.Kind} model ({model.Users} users, {model.Items} items, rank {model.Factors}) from {dir} to {output}"));
            }
        }

        return ExitCodes.Ok;
    }

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
