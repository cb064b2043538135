using System.Diagnostics;
using FastAls.Cli.Report;
using FastAls.Synthetic;

namespace FastAls.Cli.Tests;

public class ReportTests
{
    internal static ReportModel SampleReport()
    {
        using Dataset d = new SyntheticData(new SyntheticDataOptions { Users = 3_000, Items = 1_000, Interactions = 60_000, Factors = 8 }).ToDataset();
        var m = new ReportModel { Title = "FastAls training report", Subtitle = "sample" };
        m.Data = DataStats.From(d);
        m.Parameters.Add(("model", "BiasedImplicit"));
        m.Parameters.Add(("factors", "32"));
        double cost = 1000;
        for (int i = 1; i <= 10; i++)
        {
            cost *= 0.8;
            m.Iterations.Add(new IterationRecord(i, cost, i * 0.1, new Dictionary<string, double> { ["precision@10"] = 0.1 + 0.01 * i, ["ndcg@10"] = 0.12 + 0.012 * i }));
        }

        m.MetricNames.AddRange(["precision@10", "ndcg@10"]);
        m.Results.Add(("als", [0.2, 0.24]));
        m.Results.Add(("most popular <baseline>", [0.05, 0.06]));
        m.Timings.Add(("train", "1.0 s"));
        HtmlReport.AddEnvironment(m);
        return m;
    }

    [Fact]
    public void Html_is_self_contained_with_charts_and_tables()
    {
        string html = HtmlReport.Render(SampleReport());
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Equal(4, CountOf(html, "<svg "));
        Assert.Contains("Training cost per iteration", html, StringComparison.Ordinal);
        Assert.Contains("Validation metrics per iteration", html, StringComparison.Ordinal);
        Assert.Contains("Item popularity", html, StringComparison.Ordinal);
        Assert.Contains("most popular &lt;baseline&gt;", html, StringComparison.Ordinal);
        Assert.Contains("60,000", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(CountOf(html, "http://"), CountOf(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    }

    [SkippableFact]
    public void Renders_in_headless_chromium()
    {
        string? chromium = FindChromium();
        Skip.If(chromium is null, "chromium is not installed (tests/run.sh installs Debian's chromium when run as root)");
        string outDir = ArtifactDir();
        string html = Path.Combine(outDir, "report.html");
        string png = Path.Combine(outDir, "report.png");
        File.Delete(png);
        HtmlReport.Write(SampleReport(), html);
        using var profile = new TempDir();
        var psi = new ProcessStartInfo(chromium!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
            "--user-data-dir=" + profile.Path, "--window-size=1400,2400", "--screenshot=" + png, new Uri(html).AbsoluteUri])
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        bool exited = p.WaitForExit(90_000);
        if (!exited)
        {
            p.Kill(entireProcessTree: true);
        }

        Assert.True(File.Exists(png), $"no screenshot (chromium exit {(exited ? p.ExitCode : -1)}): {err.Result}");
        var info = new FileInfo(png);
        // A blank 1400x2400 page compresses to a few kB; text, tables and four charts make it far larger.
        Assert.True(info.Length > 40_000, $"{png} is only {info.Length} bytes");
        byte[] head = File.ReadAllBytes(png)[..8];
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, head);
    }

    /// <summary>Where screenshots are kept: $FASTALS_TEST_OUT (tests/run.sh) or tests/.out, both git-ignored.</summary>
    internal static string ArtifactDir()
    {
        string? root = Environment.GetEnvironmentVariable("FASTALS_TEST_OUT");
        if (string.IsNullOrEmpty(root))
        {
            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "FastAls.sln")))
                {
                    root = Path.Combine(d.FullName, "tests", ".out");
                    break;
                }
            }
        }

        string dir = Path.Combine(root ?? Path.Combine(AppContext.BaseDirectory, "artifacts"), "cli-report");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string? FindChromium()
    {
        foreach (string name in (string[])["chromium", "chromium-browser"])
        {
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            {
                string p = Path.Combine(dir, name);
                if (File.Exists(p))
                {
                    return p;
                }
            }
        }

        return null;
    }

    private static int CountOf(string s, string what)
    {
        int n = 0;
        for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
