using System.Text;
using System.Text.Json;

namespace FastAls.Cli.Infrastructure;

/// <summary>Writes JSON with <see cref="Utf8JsonWriter"/> (no reflection-based serialization; NativeAOT-safe).</summary>
internal static class Json
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            body(w);
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes a double, mapping NaN and infinities to null (JSON has no such numbers).</summary>
    public static void Number(this Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
