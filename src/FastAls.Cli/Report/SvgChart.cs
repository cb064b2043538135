using System.Globalization;
using System.Net;
using System.Text;

namespace FastAls.Cli.Report;

/// <summary>A named series of (x, y) points.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>Line charts as inline SVG (no scripts, no external resources).</summary>
internal static class SvgChart
{
    private static readonly string[] s_palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Line(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logX = false, bool logY = false,
        int width = 640, int height = 300)
    {
        const int left = 70, top = 30, bottom = 45;
        int right = series.Count > 1 ? 150 : 20; // several series: the legend goes right of the plot, never over the lines
        int pw = width - left - right, ph = height - top - bottom;
        var pts = series.SelectMany(s => s.Points).Where(p => Ok(p.X, logX) && Ok(p.Y, logY)).ToList();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(title)}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"18\" text-anchor=\"middle\" class=\"title\">{E(title)}</text>");
        if (pts.Count == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"{height / 2}\" text-anchor=\"middle\">no data</text></svg>");
            return sb.ToString();
        }

        double x0 = pts.Min(p => T(p.X, logX)), x1 = pts.Max(p => T(p.X, logX));
        double y0 = pts.Min(p => T(p.Y, logY)), y1 = pts.Max(p => T(p.Y, logY));
        if (x1 - x0 < 1e-12)
        {
            x0 -= 0.5;
            x1 += 0.5;
        }

        if (y1 - y0 < 1e-12 * Math.Max(1, Math.Abs(y0)))
        {
            double d = Math.Max(Math.Abs(y0) * 0.05, 0.5);
            y0 -= d;
            y1 += d;
        }
        else
        {
            double pad = (y1 - y0) * 0.05;
            y0 -= pad;
            y1 += pad;
        }

        double Sx(double x) => left + (T(x, logX) - x0) / (x1 - x0) * pw;
        double Sy(double y) => top + ph - (T(y, logY) - y0) / (y1 - y0) * ph;

        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" class=\"plot\"/>");
        foreach (double t in Ticks(x0, x1, logX))
        {
            double sx = left + (t - x0) / (x1 - x0) * pw;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(sx)}\" y1=\"{top}\" x2=\"{F(sx)}\" y2=\"{top + ph}\" class=\"grid\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(sx)}\" y=\"{top + ph + 16}\" text-anchor=\"middle\" class=\"tick\">{E(Label(t, logX))}</text>");
        }

        foreach (double t in Ticks(y0, y1, logY))
        {
            double sy = top + ph - (t - y0) / (y1 - y0) * ph;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{F(sy)}\" x2=\"{left + pw}\" y2=\"{F(sy)}\" class=\"grid\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{F(sy + 4)}\" text-anchor=\"end\" class=\"tick\">{E(Label(t, logY))}</text>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + pw / 2}\" y=\"{height - 8}\" text-anchor=\"middle\" class=\"axis\">{E(xLabel)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{top + ph / 2}\" text-anchor=\"middle\" class=\"axis\" transform=\"rotate(-90 14 {top + ph / 2})\">{E(yLabel)}</text>");
        for (int s = 0; s < series.Count; s++)
        {
            string color = s_palette[s % s_palette.Length];
            var p = series[s].Points.Where(q => Ok(q.X, logX) && Ok(q.Y, logY)).ToList();
            if (p.Count == 0)
            {
                continue;
            }

            sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"");
            foreach ((double x, double y) in p)
            {
                sb.Append(F(Sx(x))).Append(',').Append(F(Sy(y))).Append(' ');
            }

            sb.Append("\"/>");
            if (p.Count <= 60)
            {
                foreach ((double x, double y) in p)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Sx(x))}\" cy=\"{F(Sy(y))}\" r=\"2.5\" fill=\"{color}\"><title>{E(series[s].Name)}: x={E(Label(x, false))}, y={E(Label(y, false))}</title></circle>");
                }
            }

            if (series.Count > 1)
            {
                int ly = top + 14 + s * 16;
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + pw + 10}\" y=\"{ly - 9}\" width=\"12\" height=\"4\" fill=\"{color}\"/>");
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + pw + 27}\" y=\"{ly - 3}\" class=\"legend\">{E(series[s].Name)}</text>");
            }
        }

        sb.Append("</svg>");
        return sb.ToString();
    }

    private static bool Ok(double v, bool log) => double.IsFinite(v) && (!log || v > 0);

    private static double T(double v, bool log) => log ? Math.Log10(v) : v;

    private static IEnumerable<double> Ticks(double lo, double hi, bool log)
    {
        if (log)
        {
            for (double t = Math.Ceiling(lo); t <= hi + 1e-9; t++)
            {
                yield return t;
            }

            yield break;
        }

        double span = hi - lo;
        double step = Math.Pow(10, Math.Floor(Math.Log10(span / 5)));
        if (span / step > 10)
        {
            step *= 2;
        }

        if (span / step > 10)
        {
            step *= 2.5;
        }

        for (double t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step)
        {
            yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
        }
    }

    private static string Label(double t, bool log)
    {
        double v = log ? Math.Pow(10, t) : t;
        double a = Math.Abs(v);
        return a == 0 ? "0" :
            a >= 1e6 || a < 1e-3 ? v.ToString("0.#e+0", CultureInfo.InvariantCulture) :
            a >= 1e3 ? (v / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k" :
            v.ToString("0.####", CultureInfo.InvariantCulture);
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
