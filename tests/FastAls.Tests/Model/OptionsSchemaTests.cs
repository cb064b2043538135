using System.Reflection;
using System.Text.Json;

namespace FastAls.Tests;

public class OptionsSchemaTests
{
    [Fact]
    public void Schema_lists_every_option_of_the_record_once()
    {
        string[] properties = typeof(AlsOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null).Select(p => p.Name).Order().ToArray();
        Assert.True(properties.Length >= 15, "AlsOptions lost its properties?");
        Assert.Equal(properties, AlsOptions.Schema.Select(i => i.PropertyName).Order().ToArray());
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            PropertyInfo p = typeof(AlsOptions).GetProperty(info.PropertyName)!;
            Assert.Equal(p.PropertyType, info.ValueType);
            Assert.False(string.IsNullOrWhiteSpace(info.Description));
            var o = new AlsOptions();
            Assert.Equal(p.GetValue(o), info.GetValue(o));
        }
    }

    [Fact]
    public void Each_option_formats_and_parses_back_bit_exact_and_sets_only_itself()
    {
        AlsOptions d = new();
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            string changed = info.Values.Count > 0 ? info.Values.First(v => v != info.Format(d)) : info.ValueType == typeof(int) ? "3" : "0.1234567";
            AlsOptions o = info.Parse(d, changed);
            Assert.Equal(changed, info.Format(o));
            Assert.Equal(o, info.Parse(d, info.Format(o)));
            foreach (AlsOptionInfo other in AlsOptions.Schema.Where(x => x != info))
            {
                Assert.Equal(other.GetValue(d), other.GetValue(o));
            }

            Assert.Throws<FormatException>(() => info.Parse(d, "not-a-value"));
        }
    }

    [Fact]
    public void Kind_defaults_live_in_the_library()
    {
        foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
        {
            AlsOptions o = AlsOptions.For(kind);
            Assert.Equal(kind, o.Kind);
            o.Validate();
            bool rating = kind is AlsModelKind.Explicit or AlsModelKind.BiasedExplicit;
            Assert.Equal(rating ? AlsOptions.ExplicitRegularization : new AlsOptions().Regularization, o.Regularization);
            Assert.Equal(rating ? RegularizationScaling.ByCount : RegularizationScaling.Constant, o.RegularizationScaling);
            Assert.Equal(new AlsOptions { Kind = kind, Regularization = o.Regularization, RegularizationScaling = o.RegularizationScaling }, o);
            Assert.Equal(64, o.Factors);
        }

        Assert.Equal(new AlsOptions(), AlsOptions.For(AlsModelKind.Implicit));
    }

    [Fact]
    public void Enum_values_have_one_snake_case_spelling()
    {
        Assert.Equal("by_count", AlsOptionInfo.Spell(RegularizationScaling.ByCount));
        Assert.Equal("conjugate_gradient", AlsOptionInfo.Spell(AlsSolver.ConjugateGradient));
        Assert.Equal("biased_explicit", AlsOptionInfo.Spell(AlsModelKind.BiasedExplicit));
        Assert.Equal(["score", "nan", "drop", "global_mean"], AlsOptionInfo.Spellings<ColdStartStrategy>());
        foreach (string text in new[] { "by_count", "by-count", "ByCount" })
        {
            Assert.True(AlsOptionInfo.TryParse(text, out RegularizationScaling s), text);
            Assert.Equal(RegularizationScaling.ByCount, s);
        }

        Assert.False(AlsOptionInfo.TryParse("count", out RegularizationScaling _));
        Assert.False(AlsOptionInfo.TryParse("1", out RegularizationScaling _));
        AlsOptionInfo scaling = AlsOptions.Schema.Single(i => i.Name == "regularization_scaling");
        Assert.Equal(["constant", "by_count"], scaling.Values);
    }

    [Fact]
    public void Json_spells_enums_as_the_schema_and_reads_the_old_names()
    {
        var o = AlsOptions.For(AlsModelKind.BiasedExplicit) with { Solver = AlsSolver.ConjugateGradient };
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            o.WriteJsonProperties(w);
            w.WriteEndObject();
        }

        using JsonDocument doc = JsonDocument.Parse(ms.ToArray());
        foreach (AlsOptionInfo info in AlsOptions.Schema)
        {
            JsonElement e = doc.RootElement.GetProperty(info.JsonName);
            Assert.Equal(info.Format(o), e.ValueKind == JsonValueKind.String ? e.GetString() : info.Format(info.Parse(o, e.GetRawText())));
        }

        string old = System.Text.Encoding.UTF8.GetString(ms.ToArray()).Replace("\"biased_explicit\"", "\"BiasedExplicit\"", StringComparison.Ordinal)
            .Replace("\"by_count\"", "\"ByCount\"", StringComparison.Ordinal).Replace("\"conjugate_gradient\"", "\"ConjugateGradient\"", StringComparison.Ordinal);
        using JsonDocument oldDoc = JsonDocument.Parse(old);
        Assert.Equal(o, AlsOptions.ReadJsonProperties(oldDoc.RootElement));
        using JsonDocument bad = JsonDocument.Parse(old.Replace("\"ByCount\"", "\"per-row\"", StringComparison.Ordinal));
        Assert.Contains("per-row", Assert.Throws<JsonException>(() => AlsOptions.ReadJsonProperties(bad.RootElement)).Message, StringComparison.Ordinal);
    }
}
