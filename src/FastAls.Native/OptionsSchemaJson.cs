using System.Text;
using System.Text.Json;

namespace FastAls.Native;

/// <summary>The JSON form of <see cref="AlsOptions.Schema"/> that fastals_options_schema returns.</summary>
internal static class OptionsSchemaJson
{
    private static readonly Lazy<string> s_text = new(Build);

    public static string Text => s_text.Value;

    private static string Build()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartArray("options");
            foreach (AlsOptionInfo o in AlsOptions.Schema)
            {
                w.WriteStartObject();
                w.WriteString("name", o.Name);
                w.WriteString("type", TypeName(o.ValueType));
                w.WriteStartArray("values");
                foreach (string v in o.Values)
                {
                    w.WriteStringValue(v);
                }

                w.WriteEndArray();
                w.WriteString("description", o.Description);
                w.WriteStartObject("defaults");
                foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
                {
                    w.WritePropertyName(AlsOptionInfo.Spell(kind));
                    switch (o.DefaultFor(kind))
                    {
                        case int i:
                            w.WriteNumberValue(i);
                            break;
                        case float f:
                            w.WriteNumberValue(f);
                            break;
                        case double d:
                            w.WriteNumberValue(d);
                            break;
                        default:
                            w.WriteStringValue(o.Format(AlsOptions.For(kind)));
                            break;
                    }
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string TypeName(Type t) =>
        t == typeof(int) ? "int32" : t == typeof(float) ? "float32" : t == typeof(double) ? "float64" : "enum";
}
