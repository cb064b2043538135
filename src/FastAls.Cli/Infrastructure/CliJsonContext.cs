using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// The <c>--json</c> outputs, serialized by System.Text.Json's source generator (no reflection; NativeAOT-safe):
/// indented, camelCase. Ids are <see cref="long"/> or <see cref="string"/> (as the model's <see cref="IdMap"/> holds them);
/// numbers that are not finite are written as null (JSON has no such numbers).
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TrainOutput))]
[JsonSerializable(typeof(EvaluateOutput))]
[JsonSerializable(typeof(DemoOutput))]
[JsonSerializable(typeof(GenerateOutput))]
[JsonSerializable(typeof(ImportOutput))]
[JsonSerializable(typeof(ModelInfoOutput))]
[JsonSerializable(typeof(CacheInfoOutput))]
[JsonSerializable(typeof(ParquetInfoOutput))]
[JsonSerializable(typeof(List<QueryResultsOutput>))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>The options as the model file and the Python driver write them (<see cref="AlsOptions.WriteJsonProperties"/>).</summary>
    public static JsonElement OptionsElement(AlsOptions o)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            o.WriteJsonProperties(w);
            w.WriteEndObject();
        }

        using JsonDocument doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    /// <summary><paramref name="value"/>, or null when it is NaN or infinite.</summary>
    public static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>The id of <paramref name="index"/> as JSON writes it: a number for integer ids, else a string.</summary>
    public static object Id(IdMap ids, int index) => ids.Kind == IdKind.Int64 ? ids.GetInt64(index) : ids.GetString(index);
}

/// <summary>Metrics per model (or baseline): model → metric → value (null when not finite).</summary>
internal sealed class MetricsOutput : Dictionary<string, Dictionary<string, double?>>
{
}

/// <summary><c>fastals train --json</c>.</summary>
internal sealed record TrainOutput(
    string Model, int Users, int Items, long Interactions, int Iterations, int ModelIteration, long ModelInteractions, bool Refit, double? FinalCost,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StopReason,
    double[] Costs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? RefitCosts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MetricsOutput? Validation,
    double Seconds, JsonElement Options);

/// <summary><c>fastals evaluate --json</c>.</summary>
internal sealed record EvaluateOutput(string Data, string Split, long TrainInteractions, long TestInteractions, int K, int Iterations, MetricsOutput Metrics, double Seconds, JsonElement Options);

/// <summary><c>fastals demo --json</c>.</summary>
internal sealed record DemoOutput(string Dir, string Data, string Model, string Report, int Users, int Items, long Interactions, int K, MetricsOutput Metrics, double Seconds);

/// <summary><c>fastals generate --json</c>.</summary>
internal sealed record GenerateOutput(string Output, string Format, int Users, int Items, long Interactions, int Factors, int Seed, bool Explicit, long Bytes, double Seconds);

/// <summary><c>fastals import --json</c>.</summary>
internal sealed record ImportOutput(string Model, string Kind, int Factors, int Users, int Items);

/// <summary><c>fastals info --json</c> of a model file.</summary>
internal sealed record ModelInfoOutput(
    string File, string Type, int FormatVersion, long Bytes, string Kind, int Factors, int Users, int Items, string UserIdKind, string ItemIdKind, bool Biases, double? GlobalMean, JsonElement Options);

/// <summary><c>fastals info --json</c> of a CSR cache file.</summary>
internal sealed record CacheInfoOutput(
    string File, string Type, int FormatVersion, long Bytes, int Users, int Items, long Nnz, double Density, string UserIdKind, string ItemIdKind,
    string Source, long SourceBytes, string SourceModifiedUtc, string LoadOptions);

/// <summary><c>fastals info --json</c> of Parquet data.</summary>
internal sealed record ParquetInfoOutput(string File, string Type, int Files, long Bytes, long Rows, int RowGroups, string[] Columns);

/// <summary>One query of <c>recommend --json</c> or <c>similar --json</c>: the user (or item) and its results.</summary>
internal sealed record QueryResultsOutput(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? User,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Item,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<ScoredIdOutput>? Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<ScoredIdOutput>? Users);

/// <summary>One result: its id and score.</summary>
internal sealed record ScoredIdOutput(object Id, float Score);
