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

    /// <summary>The table for <c>--json</c>: model → metric → value (null when not finite).</summary>
    public MetricsOutput ToJson()
    {
        var json = new MetricsOutput();
        foreach ((string model, Dictionary<string, double> values) in Rows)
        {
            json[model] = Names.Where(values.ContainsKey).ToDictionary(n => n, n => CliJsonContext.Finite(values[n]));
        }

        return json;
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
