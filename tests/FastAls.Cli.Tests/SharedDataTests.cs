using System.Text.Json;

namespace FastAls.Cli.Tests;

/// <summary>The CLI on the real datasets in ../shared/data (skipped when they are absent; never copied into the repo).</summary>
public class SharedDataTests
{
    private static string? SharedData(string relative)
    {
        string? env = Environment.GetEnvironmentVariable("FASTALS_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, relative)))
        {
            return Path.Combine(env, relative);
        }

        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "shared", "data", relative);
            if (File.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    [SkippableFact]
    public void Evaluate_movielens_100k_explicit_from_headerless_tsv()
    {
        string? path = SharedData(Path.Combine("ml-100k", "u.data"));
        Skip.If(path is null, "shared/data/ml-100k/u.data not found (set FASTALS_SHARED_DATA)");
        CliResult r = CliRunner.InProcess("evaluate", path!, "--no-header", "--value-col", "rating", "--kind", "biased-explicit", "-k", "16", "-l", "0.1", "--reg-scaling", "count",
            "--iterations", "6", "--final-only", "--json", "-q");
        Assert.True(r.ExitCode == 0, r.ToString());
        using JsonDocument j = JsonDocument.Parse(r.Stdout);
        double rmse = j.RootElement.GetProperty("metrics").GetProperty("als").GetProperty("rmse").GetDouble();
        // ALS-WR on ml-100k reaches ~0.92 RMSE; the global mean alone gives ~1.13, an overfitted model more.
        Assert.InRange(rmse, 0.8, 1.0);
        Assert.Equal(100_000, j.RootElement.GetProperty("trainInteractions").GetInt64() + j.RootElement.GetProperty("testInteractions").GetInt64());
    }

    [SkippableFact]
    public void Evaluate_movielens_plain_explicit_with_library_defaults_and_each_cold_start_choice()
    {
        string? path = SharedData(Path.Combine("ml-100k", "u.data"));
        Skip.If(path is null, "shared/data/ml-100k/u.data not found (set FASTALS_SHARED_DATA)");
        var rmse = new Dictionary<string, double>();
        foreach (string cold in new[] { "score", "global-mean", "drop" })
        {
            // no -l / --reg-scaling: the explicit kind's defaults come from the library (lambda 0.1 by count)
            CliResult r = CliRunner.InProcess("evaluate", path!, "--no-header", "--value-col", "rating", "--kind", "explicit", "-k", "16",
                "--iterations", "6", "--final-only", "--cold-start", cold, "--json", "-q");
            Assert.True(r.ExitCode == 0, r.ToString());
            using JsonDocument j = JsonDocument.Parse(r.Stdout);
            rmse[cold] = j.RootElement.GetProperty("metrics").GetProperty("als").GetProperty("rmse").GetDouble();
            Assert.Equal("by_count", j.RootElement.GetProperty("options").GetProperty("regularizationScaling").GetString());
        }

        // A random 20 % split leaves some test items without training ratings: the plain model scores them 0.
        Assert.True(rmse["global-mean"] < rmse["score"], $"{rmse["global-mean"]} vs {rmse["score"]}");
        Assert.True(rmse["drop"] < rmse["score"], $"{rmse["drop"]} vs {rmse["score"]}");
        Assert.InRange(rmse["drop"], 0.8, 1.0);
        CliResult bad = CliRunner.InProcess("evaluate", path!, "--no-header", "--kind", "explicit", "--cold-start", "mean");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("score, nan, drop, global-mean", bad.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Train_lastfm_with_header_crlf_and_recommend()
    {
        string? path = SharedData(Path.Combine("lastfm-2k", "user_artists.dat"));
        Skip.If(path is null, "shared/data/lastfm-2k/user_artists.dat not found (set FASTALS_SHARED_DATA)");
        using var tmp = new TempDir();
        string model = tmp["lastfm.fals"];
        CliResult t = CliRunner.InProcess("train", path!, "--user-col", "userID", "--item-col", "artistID", "--value-col", "weight",
            "--kind", "implicit", "--confidence", "log", "--alpha", "2", "-k", "16", "--iterations", "4", "-o", model, "-q");
        Assert.True(t.ExitCode == 0, t.ToString());
        CliResult r = CliRunner.InProcess("recommend", "-m", model, "-d", path!, "--user-col", "userID", "--item-col", "artistID", "--value-col", "weight",
            "--user", "2", "-n", "5", "-q");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(6, r.Stdout.Trim().Split('\n').Length);
        Assert.StartsWith("2 ", r.Stdout.Trim().Split('\n')[1], StringComparison.Ordinal);
    }
}
