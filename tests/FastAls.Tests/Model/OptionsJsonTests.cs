using System.Text.Json;

namespace FastAls.Tests;

public class OptionsJsonTests
{
    [Fact]
    public void Json_properties_round_trip_every_option()
    {
        var o = new AlsOptions
        {
            Kind = AlsModelKind.BiasedExplicit, Factors = 7, Regularization = 0.5f, RegularizationScaling = RegularizationScaling.ByCount,
            Alpha = 3f, Epsilon = 0.5f, Confidence = ConfidenceKind.Log, Iterations = 4, Seed = 9, Threads = 3,
            Solver = AlsSolver.ConjugateGradient, CgSteps = 5, CgTolerance = 0.001f, EarlyStopTolerance = 0.01, InitScale = 0.2f,
        };
        Assert.NotEqual(new AlsOptions(), o);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            o.WriteJsonProperties(w);
            w.WriteEndObject();
        }

        using JsonDocument doc = JsonDocument.Parse(ms.ToArray());
        Assert.Equal(o, AlsOptions.ReadJsonProperties(doc.RootElement));
    }

    [Fact]
    public void Missing_property_is_reported()
    {
        using JsonDocument doc = JsonDocument.Parse("{\"kind\":\"Implicit\"}");
        Assert.Contains("factors", Assert.Throws<JsonException>(() => AlsOptions.ReadJsonProperties(doc.RootElement)).Message, StringComparison.Ordinal);
    }
}
