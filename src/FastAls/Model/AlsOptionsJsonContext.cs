using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>The source-generated JSON contract of <see cref="AlsOptions"/> (NativeAOT- and trimming-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters =
    [
        typeof(AlsOptionsJsonContext.Spelled<AlsModelKind>),
        typeof(AlsOptionsJsonContext.Spelled<RegularizationScaling>),
        typeof(AlsOptionsJsonContext.Spelled<ConfidenceKind>),
        typeof(AlsOptionsJsonContext.Spelled<AlsSolver>),
    ])]
[JsonSerializable(typeof(AlsOptions))]
[JsonSerializable(typeof(AlsModel.FileMetadata))]
internal sealed partial class AlsOptionsJsonContext : JsonSerializerContext
{
    /// <summary>An enum as its <see cref="AlsOptionInfo.Spell{T}(T)"/> spelling (reads the C# name too, as older files hold it).</summary>
    internal sealed class Spelled<T> : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"A {typeof(T).Name} must be a string, one of {string.Join(", ", AlsOptionInfo.Spellings<T>())}.");
            }

            string s = reader.GetString()!;
            return AlsOptionInfo.TryParse(s, out T v)
                ? v
                : throw new JsonException($"'{s}' is not a {typeof(T).Name}: one of {string.Join(", ", AlsOptionInfo.Spellings<T>())}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(AlsOptionInfo.Spell(value));
    }
}
