using System.Text.Json;

namespace FastAls.Cli.Infrastructure;

/// <summary>A metrics table: one row per model (or baseline), one column per metric.</summary>
internal sealed class MetricsTable
{
    public List<string> Names { get; } = [];

    public List<(string Model, Dictionary<string, double> Values)> Rows { get; } = [];

    public void Add(string model, Dictionary<string, double> values)
    {
        foreach (string k in values.Keys)
        {
            if (!Names.Contains(k))
            {
                Names.Add(k);
            }
        }

        Rows.Add((model, values));
    }

    public double Get(int row, string name) => Rows[row].Values.TryGetValue(name, out double v) ? v : double.NaN;

    public void Print(TextWriter o)
    {
        var rows = Rows.Select(r => (string[])[r.Model, .. Names.Select(n => r.Values.TryGetValue(n, out double v) && double.IsFinite(v) ? Fmt.F4(v) : "-")]).ToList();
        ResultPrinter.Aligned(o, ["model", .. Names], rows, [false, .. Names.Select(_ => true)]);
    }

    public void WriteJson(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject(name);
        foreach ((string model, Dictionary<string, double> values) in Rows)
        {
            w.WriteStartObject(model);
            foreach (string n in Names)
            {
                if (values.TryGetValue(n, out double v))
                {
                    w.Number(n, v);
                }
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    public void AddTo(Report.ReportModel m)
    {
        m.MetricNames.AddRange(Names);
        foreach ((string model, Dictionary<string, double> values) in Rows)
        {
            m.Results.Add((model, Names.Select(n => values.TryGetValue(n, out double v) ? v : double.NaN).ToArray()));
        }
    }
}
