using System.Globalization;
using System.Net;
using System.Text;
using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Report;

/// <summary>One training iteration as the report shows it.</summary>
/// <param name="Iteration">1-based iteration.</param>
/// <param name="Cost">Training cost (loss) after the iteration; NaN when not computed.</param>
/// <param name="Seconds">Elapsed seconds since training started.</param>
/// <param name="Validation">Validation metrics after the iteration (name to value), or null.</param>
internal sealed record IterationRecord(int Iteration, double Cost, double Seconds, IReadOnlyDictionary<string, double>? Validation = null);

/// <summary>Everything a training or evaluation report shows. Rendered by <see cref="HtmlReport"/>.</summary>
internal sealed class ReportModel
{
    public string Title { get; init; } = "FastAls report";

    public string? Subtitle { get; init; }

    public List<(string Name, string Value)> Parameters { get; } = [];

    public DataStats? Data { get; set; }

    public List<IterationRecord> Iterations { get; } = [];

    /// <summary>Metric names (columns of the results table).</summary>
    public List<string> MetricNames { get; } = [];

    /// <summary>Results table rows: a model (or baseline) and its metric values in <see cref="MetricNames"/> order.</summary>
    public List<(string Model, double[] Values)> Results { get; } = [];

    public List<(string Name, string Value)> Timings { get; } = [];

    public List<(string Name, string Value)> Environment { get; } = [];
}

/// <summary>Renders a <see cref="ReportModel"/> as one self-contained HTML file: inline CSS and SVG, no scripts, no network.</summary>
internal static class HtmlReport
{
    public static string Render(ReportModel m)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<title>").Append(E(m.Title)).Append("</title><style>").Append(Css).Append("</style></head><body>\n");
        sb.Append("<h1>").Append(E(m.Title)).Append("</h1>\n");
        if (m.Subtitle is not null)
        {
            sb.Append("<p class=\"sub\">").Append(E(m.Subtitle)).Append("</p>\n");
        }

        if (m.Results.Count > 0)
        {
            sb.Append("<h2>Results</h2>\n<table><tr><th>model</th>");
            foreach (string n in m.MetricNames)
            {
                sb.Append("<th>").Append(E(n)).Append("</th>");
            }

            sb.Append("</tr>\n");
            foreach ((string model, double[] values) in m.Results)
            {
                sb.Append("<tr><td>").Append(E(model)).Append("</td>");
                foreach (double v in values)
                {
                    sb.Append("<td class=\"num\">").Append(double.IsFinite(v) ? Fmt.F4(v) : "-").Append("</td>");
                }

                sb.Append("</tr>\n");
            }

            sb.Append("</table>\n");
        }

        if (m.Iterations.Count > 0)
        {
            sb.Append("<h2>Training</h2>\n<div class=\"charts\">");
            var cost = m.Iterations.Where(r => double.IsFinite(r.Cost)).Select(r => ((double)r.Iteration, r.Cost)).ToList();
            if (cost.Count > 0)
            {
                sb.Append(SvgChart.Line("Training cost per iteration", "iteration", "cost", [new ChartSeries("cost", cost)]));
            }

            var names = m.Iterations.Where(r => r.Validation is not null).SelectMany(r => r.Validation!.Keys).Distinct().ToList();
            if (names.Count > 0)
            {
                var series = names.Select(n => new ChartSeries(n,
                    m.Iterations.Where(r => r.Validation is not null && r.Validation.ContainsKey(n))
                        .Select(r => ((double)r.Iteration, r.Validation![n])).ToList())).ToList();
                sb.Append(SvgChart.Line("Validation metrics per iteration", "iteration", "metric", series));
            }

            sb.Append("</div>\n<table><tr><th>iteration</th><th>cost</th><th>change</th><th>elapsed (s)</th>");
            foreach (string n in names)
            {
                sb.Append("<th>").Append(E(n)).Append("</th>");
            }

            sb.Append("</tr>\n");
            double prev = double.NaN;
            foreach (IterationRecord r in m.Iterations)
            {
                string change = double.IsFinite(prev) && prev != 0 && double.IsFinite(r.Cost)
                    ? ((r.Cost - prev) / Math.Abs(prev) * 100).ToString("+0.000;-0.000", CultureInfo.InvariantCulture) + " %"
                    : "-";
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"num\">{r.Iteration}</td><td class=\"num\">{(double.IsFinite(r.Cost) ? Fmt.Num(r.Cost) : "-")}</td><td class=\"num\">{change}</td><td class=\"num\">{r.Seconds:0.000}</td>");
                foreach (string n in names)
                {
                    double v = r.Validation is not null && r.Validation.TryGetValue(n, out double x) ? x : double.NaN;
                    sb.Append("<td class=\"num\">").Append(double.IsFinite(v) ? Fmt.F4(v) : "-").Append("</td>");
                }

                sb.Append("</tr>\n");
                prev = r.Cost;
            }

            sb.Append("</table>\n");
        }

        if (m.Data is { } d)
        {
            sb.Append("<h2>Data</h2>\n");
            KeyValues(sb,
            [
                ("users", d.Users.ToString("N0", CultureInfo.InvariantCulture)),
                ("items", d.Items.ToString("N0", CultureInfo.InvariantCulture)),
                ("interactions (nnz)", d.Nnz.ToString("N0", CultureInfo.InvariantCulture)),
                ("density", (d.Density * 100).ToString("0.####", CultureInfo.InvariantCulture) + " %"),
                ("interactions per user (mean / max)", $"{(d.Users == 0 ? 0 : (double)d.Nnz / d.Users).ToString("0.0", CultureInfo.InvariantCulture)} / {(d.UserDegreesDescending.Length > 0 ? d.UserDegreesDescending[0] : 0)}"),
                ("interactions per item (mean / max)", $"{(d.Items == 0 ? 0 : (double)d.Nnz / d.Items).ToString("0.0", CultureInfo.InvariantCulture)} / {(d.ItemDegreesDescending.Length > 0 ? d.ItemDegreesDescending[0] : 0)}"),
                ("share of interactions on the top 1 % / 10 % of items", $"{(d.TopShare(0.01) * 100).ToString("0.0", CultureInfo.InvariantCulture)} % / {(d.TopShare(0.1) * 100).ToString("0.0", CultureInfo.InvariantCulture)} %"),
                ("items without interactions", d.ColdItems.ToString(CultureInfo.InvariantCulture)),
                ("values (min / mean / max)", $"{Fmt.Num(d.ValueMin)} / {d.ValueMean.ToString("0.###", CultureInfo.InvariantCulture)} / {Fmt.Num(d.ValueMax)}"),
            ]);
            sb.Append("<div class=\"charts\">");
            sb.Append(SvgChart.Line("Item popularity (log-log)", "item rank", "interactions", [new ChartSeries("items", DataStats.RankCurve(d.ItemDegreesDescending))], logX: true, logY: true));
            sb.Append(SvgChart.Line("User activity (log-log)", "user rank", "interactions", [new ChartSeries("users", DataStats.RankCurve(d.UserDegreesDescending))], logX: true, logY: true));
            sb.Append("</div>\n");
        }

        if (m.Parameters.Count > 0)
        {
            sb.Append("<h2>Hyperparameters</h2>\n");
            KeyValues(sb, m.Parameters);
        }

        if (m.Timings.Count > 0)
        {
            sb.Append("<h2>Timings</h2>\n");
            KeyValues(sb, m.Timings);
        }

        if (m.Environment.Count > 0)
        {
            sb.Append("<h2>Environment</h2>\n");
            KeyValues(sb, m.Environment);
        }

        sb.Append("<p class=\"sub\">Generated by fastals ").Append(E(FastAlsInfo.Version))
            .Append(" at ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC.</p>\n");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes the report atomically (temporary file beside it, flushed, then renamed).</summary>
    public static void Write(ReportModel m, string path)
    {
        try
        {
            FastAls.Internals.IO.AtomicFile.WriteAllText(path, Render(m));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot write the report: {e.Message}", e);
        }
    }

    /// <summary>Standard facts about the machine for the environment section.</summary>
    public static void AddEnvironment(ReportModel m)
    {
        m.Environment.Add(("processors", System.Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)));
        m.Environment.Add(("OS", System.Runtime.InteropServices.RuntimeInformation.OSDescription));
        m.Environment.Add((".NET", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription));
        m.Environment.Add(("kernel path", FastAls.Internals.Kernels.KernelIsa.Active.ToString()));
    }

    private static void KeyValues(StringBuilder sb, IEnumerable<(string Name, string Value)> rows)
    {
        sb.Append("<table class=\"kv\">");
        foreach ((string n, string v) in rows)
        {
            sb.Append("<tr><th>").Append(E(n)).Append("</th><td>").Append(E(v)).Append("</td></tr>");
        }

        sb.Append("</table>\n");
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private const string Css =
        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:1340px;padding:0 1em;color:#222;background:#fff}"
        + "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}"
        + ".sub{color:#666}table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}"
        + "th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}table.kv th{font-weight:normal;color:#444}"
        + ".charts{display:flex;flex-wrap:wrap;gap:1em}svg.chart{background:#fff;border:1px solid #eee}"
        + "svg .plot{fill:#fcfcfc;stroke:#bbb}svg .grid{stroke:#e6e6e6}svg .tick{font-size:11px;fill:#555}"
        + "svg .axis{font-size:12px;fill:#333}svg .title{font-size:13px;font-weight:600;fill:#222}svg .legend{font-size:11px;fill:#333}";
}
