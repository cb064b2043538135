using System.Diagnostics;
using System.Globalization;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// Progress on stderr. On a terminal one line is rewritten in place (<c>\r</c>); otherwise each update is a
/// plain line, so batch logs stay readable. Plain mode rate-limits fractional updates to every 10 %.
/// </summary>
internal sealed class ProgressLine
{
    private readonly CliContext _ctx;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lastWidth;
    private int _lastDecile = -1;
    private bool _open;

    public ProgressLine(CliContext ctx) => _ctx = ctx;

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>One training iteration: cost, its relative change, elapsed time and ETA.</summary>
    public void Iteration(int iteration, int total, double cost, double previousCost, TimeSpan elapsed, string? extra = null)
    {
        string change = double.IsNaN(previousCost) || previousCost == 0
            ? "      -   "
            : ((cost - previousCost) / Math.Abs(previousCost) * 100).ToString("+0.000;-0.000", CultureInfo.InvariantCulture).PadLeft(8) + " %";
        TimeSpan eta = iteration > 0 && total > iteration ? elapsed / iteration * (total - iteration) : TimeSpan.Zero;
        string width = total.ToString(CultureInfo.InvariantCulture);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"iter {iteration.ToString(CultureInfo.InvariantCulture).PadLeft(width.Length)}/{width}  cost {Fmt.Num(cost),12}  change {change}  elapsed {Fmt.Time(elapsed)}  eta {Fmt.Time(eta)}");
        if (extra is not null)
        {
            line += "  " + extra;
        }

        Write(line, force: true);
    }

    /// <summary>A fraction done of some work, with ETA.</summary>
    public void Fraction(string what, double done, double total, string unit)
    {
        double f = total > 0 ? Math.Clamp(done / total, 0, 1) : 1;
        TimeSpan el = _clock.Elapsed;
        TimeSpan eta = f > 0 ? el * ((1 - f) / f) : TimeSpan.Zero;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{what}: {Fmt.Count(done)}/{Fmt.Count(total)} {unit} ({f * 100,5:0.0} %)  elapsed {Fmt.Time(el)}  eta {Fmt.Time(eta)}");
        int decile = (int)(f * 10);
        bool force = _ctx.ErrIsTerminal || decile != _lastDecile;
        _lastDecile = decile;
        Write(line, force);
    }

    /// <summary>Ends an in-place line (terminal mode) so the next output starts on a fresh line.</summary>
    public void Done()
    {
        if (_open && !_ctx.Quiet)
        {
            _ctx.Err.WriteLine();
            _ctx.Err.Flush();
        }

        _open = false;
    }

    private void Write(string line, bool force)
    {
        if (_ctx.Quiet || !force)
        {
            return;
        }

        if (_ctx.ErrIsTerminal)
        {
            string pad = line.Length < _lastWidth ? new string(' ', _lastWidth - line.Length) : string.Empty;
            _ctx.Err.Write("\r" + line + pad);
            _lastWidth = line.Length;
            _open = true;
        }
        else
        {
            _ctx.Err.WriteLine(line);
        }

        _ctx.Err.Flush();
    }
}

/// <summary>Number and time formatting shared by the commands (invariant culture).</summary>
internal static class Fmt
{
    public static string Time(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" :
        t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" :
        t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";

    public static string Count(double n) =>
        n >= 1e9 ? (n / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + "G" :
        n >= 1e6 ? (n / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M" :
        n >= 1e4 ? (n / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "k" :
        n.ToString("0", CultureInfo.InvariantCulture);

    public static string Num(double v) =>
        v == 0 ? "0" : v.ToString(Math.Abs(v) >= 1e7 || Math.Abs(v) < 1e-3 ? "0.#####e+0" : "G7", CultureInfo.InvariantCulture);

    public static string F4(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

    public static string Inv(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static string Inv(float v) => v.ToString("R", CultureInfo.InvariantCulture);
}
