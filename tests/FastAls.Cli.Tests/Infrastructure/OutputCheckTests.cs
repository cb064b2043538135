using System.Diagnostics;
using System.Text.Json;

namespace FastAls.Cli.Tests;

/// <summary>Outputs checked before the work starts, inputs never overwritten, and summaries that say what was done.</summary>
public class OutputCheckTests : IClassFixture<TinyData>
{
    private readonly TinyData _d;

    public OutputCheckTests(TinyData d) => _d = d;

    [Fact]
    public void Every_output_path_is_checked_before_loading_or_training()
    {
        using var dir = new TempDir();
        string missing = Path.Combine(dir.Path, "no", "such");
        string[] train = ["train", _d.Parquet, "-o", dir["m.fals"], "-k", "4", "--iterations", "1", "-q"];
        // Each of these used to train (or score) first and fail at the end, or not at all.
        TinyData.Fails(CliRunner.InProcess([.. train, "--report", Path.Combine(missing, "r.html")]), 1, "--report");
        TinyData.Fails(CliRunner.InProcess([.. train, "--spark", Path.Combine(missing, "spark")]), 1, "does not exist");
        TinyData.Fails(CliRunner.InProcess([.. train, "--cache", Path.Combine(missing, "c.fcsr")]), 1, "--cache");
        TinyData.Fails(CliRunner.InProcess("train", _d.Parquet, "-o", Path.Combine(missing, "m.fals")), 1, "does not exist");
        TinyData.Fails(CliRunner.InProcess("train", _d.Parquet, "-o", dir.Path), 1, "is a directory");
        TinyData.Fails(CliRunner.InProcess("evaluate", _d.Parquet, "--report", Path.Combine(missing, "e.html")), 1, "--report");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d.Model, "--include-seen", "--all", "-o", Path.Combine(missing, "r.csv")), 1, "does not exist");
        TinyData.Fails(CliRunner.InProcess("similar", "-m", _d.Model, "--all-items", "-o", dir.Path), 1, "is a directory");
        TinyData.Fails(CliRunner.InProcess("generate", "-o", Path.Combine(missing, "g.csv")), 1, "does not exist");
        TinyData.Fails(CliRunner.InProcess("export", _d.Model, Path.Combine(missing, "spark")), 1, "does not exist");
        TinyData.Fails(CliRunner.InProcess("import", _d.Dir, "-o", Path.Combine(missing, "m.fals")), 1, "does not exist");
        TinyData.Fails(CliRunner.InProcess([.. train, "--report", dir["m.fals"]]), 2, "the same file");
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void No_output_may_overwrite_an_input_even_through_a_link()
    {
        using var dir = new TempDir();
        File.Copy(_d.Csv, dir["data.csv"]);
        byte[] source = File.ReadAllBytes(dir["data.csv"]);
        File.CreateSymbolicLink(dir["alias.csv"], dir["data.csv"]);
        Directory.CreateSymbolicLink(dir["linkdir"], dir.Path);
        string[] via = [dir["data.csv"], dir["alias.csv"], Path.Combine(dir["linkdir"], "data.csv")];
        foreach (string cache in via)
        {
            TinyData.Fails(CliRunner.InProcess("train", dir["data.csv"], "--cache", cache, "-o", dir["m.fals"], "-k", "4", "--iterations", "1"), 1, "is the input");
            TinyData.Fails(CliRunner.InProcess("evaluate", dir["data.csv"], "--cache", cache, "-k", "4", "--iterations", "1"), 1, "is the input");
            TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d.Model, "-d", dir["data.csv"], "--cache", cache, "--user", "1"), 1, "is the input");
        }

        TinyData.Fails(CliRunner.InProcess("train", dir["data.csv"], "-o", dir["alias.csv"], "-k", "4", "--iterations", "1"), 1, "is the input");
        TinyData.Fails(CliRunner.InProcess("train", dir["data.csv"], "-o", dir["m.fals"], "--report", dir["data.csv"], "-k", "4", "--iterations", "1"), 1, "is the input");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d.Model, "--include-seen", "--all", "-o", _d.Model), 1, "is the input");
        TinyData.Fails(CliRunner.InProcess("export", _d.Model, _d.Dir, "--overwrite"), 1, "contains the input");
        Assert.Equal(source, File.ReadAllBytes(dir["data.csv"]));
        Assert.True(File.Exists(_d.Model));
        Assert.False(File.Exists(dir["m.fals"]));
    }

    [Fact]
    public void Validation_summary_states_which_data_the_saved_model_saw()
    {
        using var dir = new TempDir();
        string[] common = ["train", _d.Parquet, "-k", "4", "--iterations", "3", "--validation", "0.2", "--json", "-q"];

        // Default: refit on all the data, as Spark's TrainValidationSplit does; the final cost is the refit's.
        using (JsonDocument j = JsonDocument.Parse(TinyData.Check(CliRunner.InProcess([.. common, "-o", dir["refit.fals"]])).Stdout))
        {
            JsonElement r = j.RootElement;
            Assert.True(r.GetProperty("refit").GetBoolean());
            Assert.Equal(12_000, r.GetProperty("modelInteractions").GetInt64());
            double[] refit = r.GetProperty("refitCosts").EnumerateArray().Select(c => c.GetDouble()).ToArray();
            Assert.Equal(3, refit.Length);
            Assert.Equal(refit[^1], r.GetProperty("finalCost").GetDouble());
            Assert.NotEqual(r.GetProperty("costs")[2].GetDouble(), refit[^1]); // the validation run saw less data
        }

        // --no-refit: the saved model is the validation run's, trained on the training share only.
        using (JsonDocument j = JsonDocument.Parse(TinyData.Check(CliRunner.InProcess([.. common, "--no-refit", "-o", dir["share.fals"]])).Stdout))
        {
            JsonElement r = j.RootElement;
            Assert.False(r.GetProperty("refit").GetBoolean());
            long saw = r.GetProperty("modelInteractions").GetInt64();
            Assert.InRange(saw, 8_000, 11_999);
            Assert.False(r.TryGetProperty("refitCosts", out _));
            Assert.Equal(r.GetProperty("costs")[2].GetDouble(), r.GetProperty("finalCost").GetDouble());
        }

        CliResult text = TinyData.Check(CliRunner.InProcess("train", _d.Parquet, "-k", "4", "--iterations", "2", "--validation", "0.2", "--no-refit", "-o", dir["t.fals"], "-q"));
        Assert.Contains("of 12000 interactions (the training share", text.Stdout, StringComparison.Ordinal);
        text = TinyData.Check(CliRunner.InProcess("train", _d.Parquet, "-k", "4", "--iterations", "2", "--validation", "0.2", "-o", dir["t.fals"], "-q"));
        Assert.Contains("all 12000 interactions", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("refit after validation", text.Stdout, StringComparison.Ordinal);
        TinyData.Fails(CliRunner.InProcess("train", _d.Parquet, "-o", dir["t.fals"], "--validation", "0.2", "--refit", "--no-refit"), 2, "contradict");
    }

    [Fact]
    public void Zero_iterations_print_no_cost()
    {
        using var dir = new TempDir();
        CliResult r = TinyData.Check(CliRunner.InProcess("train", _d.Parquet, "-o", dir["zero.fals"], "-k", "4", "--iterations", "0", "-q"));
        Assert.Contains("no cost (no iteration ran)", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", r.Stdout, StringComparison.Ordinal);
        r = TinyData.Check(CliRunner.InProcess("train", _d.Parquet, "-o", dir["zero.fals"], "-k", "4", "--iterations", "0", "-q", "--json"));
        using JsonDocument j = JsonDocument.Parse(r.Stdout);
        Assert.Equal(JsonValueKind.Null, j.RootElement.GetProperty("finalCost").ValueKind);
    }

    [Fact]
    public void Splits_with_an_empty_test_set_are_errors()
    {
        TinyData.Fails(CliRunner.InProcess("evaluate", _d.Parquet, "--split", "leave-k-out", "--leave", "1000", "-k", "4", "--iterations", "1"), 1, "no user has more than 1000 interactions");
        using var dir = new TempDir();
        File.WriteAllText(dir["three.csv"], "user,item,value\n1,1,1\n1,2,1\n2,1,1\n");
        TinyData.Fails(CliRunner.InProcess("evaluate", dir["three.csv"], "--test-fraction", "0.000001", "-k", "2", "--iterations", "1"), 1, "holds out none");
        TinyData.Fails(CliRunner.InProcess("train", dir["three.csv"], "-o", dir["m.fals"], "--validation", "0.000001", "-k", "2", "--iterations", "1"), 1, "both must be non-empty");
        Assert.False(File.Exists(dir["m.fals"]));
    }

    [SkippableFact]
    public void Full_disk_during_recommend_all_leaves_no_temp_and_one_line()
    {
        // A 64 KiB tmpfs (needs root; skipped elsewhere) that the 80,000-row result cannot fit.
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "mounting a small tmpfs needs root");
        using var dir = new TempDir();
        string mnt = dir["full"];
        Directory.CreateDirectory(mnt);
        Skip.IfNot(Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt) == 0, "tmpfs mount not permitted here");
        try
        {
            foreach (string name in new[] { "recs.csv", "recs.parquet" })
            {
                CliResult r = CliRunner.Process("recommend", "-m", _d.Model, "--include-seen", "--all", "-n", "200", "-o", Path.Combine(mnt, name));
                TinyData.Fails(r, 1, name + ": cannot write: No space left on device");
                Assert.Empty(Directory.GetFileSystemEntries(mnt));
            }

            // The CSR cache (about 200 KB here) is a written output too.
            CliResult c = CliRunner.Process("train", _d.Parquet, "--cache", Path.Combine(mnt, "c.fcsr"), "-o", dir["m.fals"], "-k", "2", "--iterations", "1");
            TinyData.Fails(c, 1, "No space left on device");
            Assert.Empty(Directory.GetFileSystemEntries(mnt));
            Assert.False(File.Exists(dir["m.fals"]));
        }
        finally
        {
            Run("umount", mnt);
        }
    }

    private static int Run(string file, params string[] args)
    {
        using Process p = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardError = true })!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
