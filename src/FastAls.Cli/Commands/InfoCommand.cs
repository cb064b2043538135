using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastAls.Cli.Infrastructure;
using FastAls.IO;
using Parquet;

namespace FastAls.Cli.Commands;

/// <summary><c>fastals info</c>: what a model, CSR cache or Parquet file holds.</summary>
internal sealed class InfoCommand : CliCommand
{
    private readonly Argument<string> _file = new("FILE") { Description = "A model file, CSR cache file, Parquet file or folder of Parquet part files." };
    private readonly Option<bool> _json = CliOptions.Json();

    public InfoCommand()
        : base(
            "info",
            "Show what a model file, CSR cache file or Parquet file holds.",
            "The kind of file is recognised by its first bytes, not its name. Files named .NAME.PID.N.fastals-tmp are\n"
            + "the temporary files of an unfinished write of NAME (outputs are written beside the target and renamed\n"
            + "into place); info says whether their writer is still running. The next write to NAME removes stale ones.",
            "fastals info model.fals",
            "fastals info --json model.fals",
            "fastals info data.fcsr",
            "fastals info interactions.parquet")
    {
        Arguments.Add(_file);
        AddOptions([_json]);
    }

    public override int Run(ParseResult a, CliContext ctx)
    {
        string path = a.GetValue(_file)!;
        ModelIo.RequireFile(path, "input");
        bool json = a.GetValue(_json);
        if (FastAls.Internals.IO.AtomicFile.TryDescribe(path, out string target, out int pid, out bool running))
        {
            string writer = running ? "which is still running" : "which is no longer running (killed, or the machine stopped)";
            string delete = running ? " once that process ends" : string.Empty;
            ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"note: {Path.GetFileName(path)} is a temporary file of a fastals write of {target} by process {pid}, {writer}; it is not the output. The next fastals write to {target} removes it; deleting it by hand is safe{delete}."));
        }

        if (Directory.Exists(path))
        {
            ParquetInfo(path, Directory.GetFiles(path, "*.parquet", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToArray(), json, ctx);
            return ExitCodes.Ok;
        }

        Span<byte> head = stackalloc byte[12];
        int got;
        using (FileStream fs = File.OpenRead(path))
        {
            got = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        ReadOnlySpan<byte> magic = head[..Math.Min(got, 8)];
        if (magic.SequenceEqual(AlsModel.FileMagic))
        {
            // The file's own format version (this build reads earlier ones too); Load has checked it by the time it is shown.
            ModelInfo(path, System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(head[8..]), json, ctx);
        }
        else if (magic.SequenceEqual("FALSCSR\0"u8))
        {
            CacheInfo(path, json, ctx);
        }
        else if (magic.Length >= 4 && magic[..4].SequenceEqual("PAR1"u8))
        {
            ParquetInfo(path, [path], json, ctx);
        }
        else
        {
            throw new CliException($"{path}: not a FastAls model, CSR cache or Parquet file (unrecognised first bytes)");
        }

        return ExitCodes.Ok;
    }

    private static void ModelInfo(string path, int formatVersion, bool json, CliContext ctx)
    {
        using AlsModel m = ModelIo.Load(path);
        long bytes = new FileInfo(path).Length;
        AlsOptions o = m.Options;
        var rows = new List<(string, string)>
        {
            ("file", Path.GetFullPath(path)),
            ("type", $"FastAls model (format version {formatVersion.ToString(CultureInfo.InvariantCulture)})"),
            ("size", $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes"),
            ("kind", AlsOptionFlags.Kebab(AlsOptionInfo.Spell(o.Kind))),
            ("factors", o.Factors.ToString(CultureInfo.InvariantCulture)),
            ("users", $"{m.Users.ToString(CultureInfo.InvariantCulture)} ({m.UserIds.Kind} ids)"),
            ("items", $"{m.Items.ToString(CultureInfo.InvariantCulture)} ({m.ItemIds.Kind} ids)"),
            ("biases", m.HasBiases ? "yes" : "no"),
            ("global mean", Fmt.Num(m.GlobalMean)),
        };
        foreach ((string k, string v) in AlsOptionFlags.Hyperparameters(o))
        {
            rows.Add((k, v));
        }

        if (json)
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(
                new ModelInfoOutput(Path.GetFullPath(path), "model", formatVersion, bytes, AlsOptionInfo.Spell(o.Kind), o.Factors, m.Users, m.Items, m.UserIds.Kind.ToString(), m.ItemIds.Kind.ToString(),
                    m.HasBiases, CliJsonContext.Finite(m.GlobalMean), CliJsonContext.OptionsElement(o)),
                CliJsonContext.Default.ModelInfoOutput));
        }
        else
        {
            KeyValues(ctx.Out, rows);
        }
    }


    private static void CacheInfo(string path, bool json, CliContext ctx)
    {
        CsrCacheInfo c;
        try
        {
            c = CsrCache.ReadInfo(path);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message.Contains(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}", e);
        }

        long bytes = new FileInfo(path).Length;
        double density = c.Users == 0 || c.Items == 0 ? 0 : (double)c.Nnz / ((double)c.Users * c.Items);
        if (json)
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(
                new CacheInfoOutput(Path.GetFullPath(path), "csr-cache", c.FormatVersion, bytes, c.Users, c.Items, c.Nnz, density, c.UserIdKind.ToString(), c.ItemIdKind.ToString(),
                    c.SourcePath, c.SourceSize, c.SourceModifiedUtc.ToString("O", CultureInfo.InvariantCulture), c.OptionsFingerprint),
                CliJsonContext.Default.CacheInfoOutput));
        }
        else
        {
            KeyValues(ctx.Out,
            [
                ("file", Path.GetFullPath(path)),
                ("type", $"FastAls CSR cache (format version {c.FormatVersion})"),
                ("size", $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes"),
                ("users", $"{c.Users.ToString(CultureInfo.InvariantCulture)} ({c.UserIdKind} ids)"),
                ("items", $"{c.Items.ToString(CultureInfo.InvariantCulture)} ({c.ItemIdKind} ids)"),
                ("interactions", c.Nnz.ToString(CultureInfo.InvariantCulture)),
                ("density", (density * 100).ToString("0.#####", CultureInfo.InvariantCulture) + " %"),
                ("source", c.SourcePath.Length == 0 ? "(none)" : c.SourcePath),
                ("source size", c.SourceSize.ToString(CultureInfo.InvariantCulture) + " bytes"),
                ("source modified", c.SourceModifiedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC"),
                ("load options", c.OptionsFingerprint),
            ]);
        }
    }

    private static void ParquetInfo(string path, string[] files, bool json, CliContext ctx)
    {
        if (files.Length == 0)
        {
            throw new CliException($"{path}: a directory without .parquet files");
        }

        long rows = 0, bytes = 0;
        int groups = 0;
        string[]? schema = null;
        foreach (string f in files)
        {
            try
            {
                // Through the library's validating reader: Parquet.Net alone loops forever on some corrupt footers.
                bytes += new FileInfo(f).Length;
                ParquetFileSummary summary = InteractionLoader.ReadParquetSummaryAsync(f).GetAwaiter().GetResult();
                schema ??= summary.Schema.Fields.Select(d => $"{d.Name}: {Describe(d)}").ToArray();
                groups += summary.RowGroups;
                rows += summary.Rows;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException)
            {
                throw new CliException(e.Message.StartsWith(f, StringComparison.Ordinal) ? e.Message : $"{f}: not a readable Parquet file: {e.Message}", e);
            }
        }

        if (json)
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(
                new ParquetInfoOutput(Path.GetFullPath(path), "parquet", files.Length, bytes, rows, groups, schema!), CliJsonContext.Default.ParquetInfoOutput));
        }
        else
        {
            KeyValues(ctx.Out,
            [
                ("file", Path.GetFullPath(path)),
                ("type", files.Length == 1 && !Directory.Exists(path) ? "Parquet file" : $"Parquet directory ({files.Length} part files)"),
                ("size", $"{bytes.ToString(CultureInfo.InvariantCulture)} bytes"),
                ("rows", rows.ToString(CultureInfo.InvariantCulture)),
                ("row groups", groups.ToString(CultureInfo.InvariantCulture)),
                ("columns", string.Join(", ", schema!)),
            ]);
        }
    }

    internal static void KeyValues(TextWriter o, IReadOnlyList<(string Key, string Value)> rows)
    {
        int w = rows.Max(r => r.Key.Length) + 2;
        foreach ((string k, string v) in rows)
        {
            o.WriteLine((k + ":").PadRight(w + 1) + v);
        }
    }

    /// <summary>A column's type: the CLR type of a plain column, list&lt;...&gt; for a list (Spark's features), map or struct.</summary>
    private static string Describe(Parquet.Schema.Field f) => f switch
    {
        Parquet.Schema.DataField d => d.ClrType.Name + (d.IsNullable ? "?" : string.Empty),
        Parquet.Schema.ListField l => $"list<{Describe(l.Item)}>",
        Parquet.Schema.MapField m => $"map<{Describe(m.Key)}, {Describe(m.Value)}>",
        Parquet.Schema.StructField st => $"struct<{string.Join(", ", st.Fields.Select(x => $"{x.Name}: {Describe(x)}"))}>",
        _ => f.SchemaType.ToString(),
    };
}
