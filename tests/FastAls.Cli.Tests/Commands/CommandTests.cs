using System.Text.Json;
using FastAls.IO;

namespace FastAls.Cli.Tests;

public class CommandTests : IClassFixture<TinyData>
{
    private readonly TinyData _d;

    public CommandTests(TinyData d) => _d = d;

    [Fact]
    public void Train_as_child_process_logs_one_line_per_iteration_and_prints_json()
    {
        string model = _d["train-child.fals"];
        CliResult r = CliRunner.Process("train", _d.Parquet, "-o", model, "--kind", "implicit", "-k", "6", "--iterations", "3", "--alpha", "2", "--json");
        TinyData.Check(r);
        using JsonDocument j = JsonDocument.Parse(r.Stdout);
        Assert.Equal(3, j.RootElement.GetProperty("iterations").GetInt32());
        double[] costs = j.RootElement.GetProperty("costs").EnumerateArray().Select(c => c.GetDouble()).ToArray();
        Assert.Equal(3, costs.Length);
        Assert.True(costs[2] < costs[0], $"cost did not fall: {string.Join(", ", costs)}");
        Assert.Equal(12_000, j.RootElement.GetProperty("interactions").GetInt64());
        // stderr is not a terminal here: plain lines, no carriage returns.
        Assert.Equal(3, r.Stderr.Split('\n').Count(l => l.StartsWith("iter ", StringComparison.Ordinal)));
        Assert.DoesNotContain('\r', r.Stderr);
        Assert.True(new FileInfo(model).Length > 1000);
    }

    [Fact]
    public void Progress_rewrites_one_line_on_a_terminal()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(["train", _d.Csv, "-o", _d["tty.fals"], "-k", "4", "--iterations", "3"], o, e, stderrIsTerminal: true);
        Assert.Equal(0, code);
        Assert.Equal(3, e.ToString().Split('\r').Count(s => s.StartsWith("iter ", StringComparison.Ordinal)));
        Assert.Contains("eta", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Train_csv_with_validation_early_stopping_report_and_spark()
    {
        string report = _d["train.html"];
        CliResult r = CliRunner.InProcess("train", _d.Csv, "-o", _d["val.fals"], "--kind", "biased-implicit", "-k", "8", "--iterations", "6",
            "--validation", "0.2", "--patience", "2", "--report", report, "--spark", _d["spark-train"]);
        TinyData.Check(r);
        Assert.Contains("most-popular", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("ndcg@10", r.Stderr, StringComparison.Ordinal);
        string html = File.ReadAllText(report);
        Assert.Contains("Validation metrics per iteration", html, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_d["spark-train"], "metadata", "part-00000")));
    }

    [Fact]
    public void Train_bad_input_fails_with_one_line()
    {
        TinyData.Fails(CliRunner.Process("train", _d["missing.parquet"], "-o", _d["x.fals"]), 1, "missing.parquet");
        TinyData.Fails(CliRunner.Process("train", _d.Parquet, "-o", _d["x.fals"], "--user-col", "uid"), 1, "'uid'");
        TinyData.Fails(CliRunner.InProcess("train", _d.Csv, "-o", _d["x.fals"], "--value-col", "plays"), 1, "plays");
        TinyData.Fails(CliRunner.InProcess("train", _d.Parquet, "-o", _d["x.fals"], "--kind", "fancy"), 2, "--kind");
        TinyData.Fails(CliRunner.InProcess("train", _d.Parquet, "-o", _d["x.fals"], "-k", "0"), 2, "--factors");
        TinyData.Fails(CliRunner.InProcess("train", _d.Parquet), 2, "--output");
        TinyData.Fails(CliRunner.InProcess("train", _d.Parquet, "-o", _d["x.fals"], "--patience", "3"), 2, "--validation");
        Assert.False(File.Exists(_d["x.fals"]));
    }

    [Fact]
    public void Named_columns_must_be_in_the_header_and_corrupt_parquet_fails_fast()
    {
        // Header item_id,user_id,plays with other names given: an error listing the columns, not users and
        // items swapped by position.
        string csv = _d["swapped.csv"];
        File.WriteAllText(csv, "item_id,user_id,plays\n10,1,5\n11,2,6\n12,1,1\n");
        CliResult r = CliRunner.InProcess("train", csv, "-o", _d["swapped.fals"], "--user-col", "uid", "--item-col", "iid", "--value-col", "plays", "-k", "2", "--iterations", "1");
        TinyData.Fails(r, 1, "'item_id', 'user_id', 'plays'");
        Assert.False(File.Exists(_d["swapped.fals"]));

        // A footer whose last stop byte is gone: info and train answer with one line (Parquet.Net alone loops forever).
        byte[] bytes = File.ReadAllBytes(_d.Parquet);
        int footerEnd = bytes.Length - 8;
        Assert.Equal(0, bytes[footerEnd - 1]);
        string broken = _d["broken.parquet"];
        File.WriteAllBytes(broken, [.. bytes[..(footerEnd - 1)], .. bytes[footerEnd..]]);
        TinyData.Fails(CliRunner.InProcess("info", broken), 1, "broken.parquet");
        TinyData.Fails(CliRunner.InProcess("train", broken, "-o", _d["broken.fals"]), 1, "broken.parquet");
    }

    [Fact]
    public void Text_ids_after_integer_ones_need_ids_text()
    {
        // The id kind is taken from the first record; a later text id fails and the hint names the CLI option.
        string csv = _d["mixed-ids.csv"];
        File.WriteAllText(csv, "user,item,value\n1,10,1\n1,song-b,2\nann,10,3\nann,song-c,1\n2,song-b,1\n");
        TinyData.Fails(CliRunner.InProcess("train", csv, "-o", _d["mixed.fals"], "-k", "2", "--iterations", "1", "-q"), 1, "line 3, column 'item'");
        TinyData.Fails(CliRunner.InProcess("train", csv, "-o", _d["mixed.fals"], "-k", "2", "--iterations", "1", "-q"), 1, "use --ids text");
        TinyData.Check(CliRunner.InProcess("train", csv, "-o", _d["mixed.fals"], "--ids", "text", "-k", "2", "--iterations", "2", "-q"));
        CliResult r = TinyData.Check(CliRunner.InProcess("recommend", "-m", _d["mixed.fals"], "-d", csv, "--ids", "text", "--user", "ann", "-n", "5", "--json"));
        using JsonDocument j = JsonDocument.Parse(r.Stdout);
        Assert.Equal(["song-b"], j.RootElement[0].GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString() ?? string.Empty).ToArray());
        TinyData.Fails(CliRunner.InProcess("train", csv, "-o", _d["mixed.fals"], "--ids", "words"), 2, "--ids");
    }

    [Fact]
    public void Recommend_one_user_leaves_out_seen_items()
    {
        CliResult r = TinyData.Check(CliRunner.InProcess("recommend", "-m", _d.Model, "-d", _d.Parquet, "--user", "3", "-n", "5"));
        string[] lines = r.Stdout.Trim().Split('\n');
        Assert.Equal(6, lines.Length);
        Assert.StartsWith("user", lines[0], StringComparison.Ordinal);
        long[] items = lines.Skip(1).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        using Dataset data = InteractionLoader.Load(_d.Parquet);
        Assert.True(data.UserIds.TryGetIndex(3L, out int u));
        var seen = data.UserItems.RowIndices(u).ToArray().Select(i => data.ItemIds.GetInt64(i)).ToHashSet();
        Assert.DoesNotContain(items, seen.Contains);
        Assert.Equal(5, items.Distinct().Count());

        // --include-seen may return them; --exclude removes them.
        CliResult ex = TinyData.Check(CliRunner.InProcess("recommend", "-m", _d.Model, "-d", _d.Parquet, "--user", "3", "-n", "5", "--exclude", items[0].ToString(System.Globalization.CultureInfo.InvariantCulture), "--json"));
        using JsonDocument j = JsonDocument.Parse(ex.Stdout);
        long[] again = j.RootElement[0].GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToArray();
        Assert.DoesNotContain(items[0], again);
        Assert.Equal(items[1], again[0]);
    }

    [Fact]
    public void Recommend_list_as_json_and_all_users_streamed_to_parquet()
    {
        CliResult r = TinyData.Check(CliRunner.InProcess("recommend", "-m", _d.Model, "-d", _d.Csv, "--user", "0,1", "--user", "2", "-n", "4", "--json"));
        using (JsonDocument j = JsonDocument.Parse(r.Stdout))
        {
            Assert.Equal(3, j.RootElement.GetArrayLength());
            Assert.All(j.RootElement.EnumerateArray(), e => Assert.Equal(4, e.GetProperty("items").GetArrayLength()));
        }

        string recs = _d["recs.parquet"];
        TinyData.Check(CliRunner.Process("recommend", "-m", _d.Model, "-d", _d.Parquet, "--all", "-n", "3", "-o", recs));
        CliResult info = TinyData.Check(CliRunner.InProcess("info", recs, "--json"));
        using JsonDocument i = JsonDocument.Parse(info.Stdout);
        Assert.Equal(400 * 3, i.RootElement.GetProperty("rows").GetInt64());
        Assert.Equal(["user: Int64", "rank: Int32", "item: Int64", "score: Single"], i.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString() ?? string.Empty).ToArray());

        CliResult csv = TinyData.Check(CliRunner.InProcess("recommend", "-m", _d.Model, "--include-seen", "--all", "-n", "2"));
        string[] rows = csv.Stdout.Trim().Split('\n');
        Assert.Equal(1 + 400 * 2, rows.Length);
        Assert.Equal("user,rank,item,score", rows[0]); // the issue's and the library writer's column order
        Assert.StartsWith("1,", rows[1].Split(',', 2)[1], StringComparison.Ordinal);
        Assert.StartsWith("2,", rows[2].Split(',', 2)[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Recommend_bad_input()
    {
        TinyData.Fails(CliRunner.Process("recommend", "-m", _d.Model, "-d", _d.Parquet, "--user", "999999"), 1, "unknown user '999999'");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d.Model, "--user", "1"), 2, "--data");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d["nope.fals"], "--include-seen", "--user", "1"), 1, "nope.fals");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d.Dir, "--include-seen", "--user", "1"), 1, "is a directory, not a model file");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d.Model, "--include-seen", "--user", "1", "-n", "many"), 2, "--count expects an integer in [1, 100000], got 'many'");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", _d.Model, "--include-seen"), 2, "--user or --all");
        CliResult skipped = TinyData.Check(CliRunner.InProcess("recommend", "-m", _d.Model, "--include-seen", "--user", "1,999999", "--skip-unknown"));
        Assert.Contains("999999", skipped.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupted_model_fails_cleanly_in_every_command()
    {
        string bad = _d["corrupt.fals"];
        byte[] bytes = File.ReadAllBytes(_d.Model);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(bad, bytes);
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", bad, "--include-seen", "--user", "1"), 1, "corrupt.fals");
        TinyData.Fails(CliRunner.InProcess("similar", "-m", bad, "--item", "1"), 1, "corrupt.fals");
        TinyData.Fails(CliRunner.Process("info", bad), 1, "corrupt.fals");
        string truncated = _d["truncated.fals"];
        File.WriteAllBytes(truncated, File.ReadAllBytes(_d.Model)[..200]);
        TinyData.Fails(CliRunner.InProcess("export", truncated, _d["never"]), 1, "truncated.fals");
        string text = _d["notes.txt"];
        File.WriteAllText(text, "hello");
        TinyData.Fails(CliRunner.InProcess("info", text), 1, "not a FastAls model");
        TinyData.Fails(CliRunner.InProcess("recommend", "-m", text, "--include-seen", "--user", "1"), 1, "notes.txt");
    }

    [Fact]
    public void Similar_items_and_users()
    {
        CliResult r = TinyData.Check(CliRunner.Process("similar", "-m", _d.Model, "--item", "7", "-n", "4"));
        string[] lines = r.Stdout.Trim().Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.NotEqual("7", l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]));
        double[] scores = lines.Skip(1).Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(scores.OrderDescending(), scores);
        Assert.All(scores, s => Assert.InRange(s, -1.0001, 1.0001));

        CliResult u = TinyData.Check(CliRunner.InProcess("similar", "-m", _d.Model, "--user", "5", "-n", "3", "--json"));
        using JsonDocument j = JsonDocument.Parse(u.Stdout);
        Assert.Equal(3, j.RootElement[0].GetProperty("users").GetArrayLength());
        TinyData.Fails(CliRunner.Process("similar", "-m", _d.Model, "--item", "abc"), 1, "unknown item 'abc'");
        TinyData.Fails(CliRunner.InProcess("similar", "-m", _d.Model), 2, "--item");
    }

    [Fact]
    public void Evaluate_prints_a_table_and_json_where_the_model_beats_popularity()
    {
        CliResult t = TinyData.Check(CliRunner.InProcess("evaluate", _d.Parquet, "--kind", "biased-implicit", "-k", "8", "--iterations", "4", "--final-only", "-q"));
        Assert.Contains("most-popular", t.Stdout, StringComparison.Ordinal);
        Assert.Contains("ndcg@10", t.Stdout, StringComparison.Ordinal);
        CliResult r = TinyData.Check(CliRunner.Process("evaluate", _d.Csv, "--kind", "biased-implicit", "-k", "8", "--iterations", "5", "--json", "--report", _d["eval.html"]));
        using JsonDocument j = JsonDocument.Parse(r.Stdout);
        JsonElement m = j.RootElement.GetProperty("metrics");
        double als = m.GetProperty("als").GetProperty("ndcg@10").GetDouble();
        double pop = m.GetProperty("most-popular").GetProperty("ndcg@10").GetDouble();
        Assert.True(als > 1.2 * pop, $"als ndcg {als} vs popularity {pop}");
        Assert.True(File.ReadAllText(_d["eval.html"]).Contains("most-popular", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_explicit_reports_rmse()
    {
        string ratings = _d["ratings.csv"];
        TinyData.Check(CliRunner.InProcess("generate", "-o", ratings, "--users", "300", "--items", "150", "--interactions", "6k", "--factors", "4", "--explicit", "-q"));
        CliResult r = TinyData.Check(CliRunner.InProcess("evaluate", ratings, "--kind", "biased-explicit", "-k", "4", "-l", "0.1", "--iterations", "4", "--split", "leave-k-out", "--leave", "2", "--json", "-q"));
        using JsonDocument j = JsonDocument.Parse(r.Stdout);
        double rmse = j.RootElement.GetProperty("metrics").GetProperty("als").GetProperty("rmse").GetDouble();
        Assert.InRange(rmse, 0.1, 1.6);
    }

    [Fact]
    public void Export_import_round_trip_keeps_recommendations()
    {
        string dir = _d["spark"];
        CliResult e = TinyData.Check(CliRunner.Process("export", _d.Model, dir));
        Assert.Contains("exported", e.Stdout, StringComparison.Ordinal);
        TinyData.Fails(CliRunner.InProcess("export", _d.Model, dir), 1, "--overwrite");
        TinyData.Check(CliRunner.InProcess("export", _d.Model, dir, "--overwrite"));
        string back = _d["imported.fals"];
        TinyData.Check(CliRunner.Process("import", dir, "-o", back));
        string[] a = ["recommend", "--include-seen", "--user", "0,9", "-n", "5", "--json", "-m"];
        Assert.Equal(CliRunner.InProcess([.. a, _d.Model]).Stdout, CliRunner.InProcess([.. a, back]).Stdout);
        TinyData.Fails(CliRunner.InProcess("import", _d["no-such-dir"], "-o", back), 1, "no-such-dir");

        // --sidecar: the factor files hold exactly Spark's (id, features); the bias moves to fastalsExtras/.
        string side = _d["spark-sidecar"];
        TinyData.Check(CliRunner.InProcess("export", _d.Model, side, "--sidecar"));
        string part = Directory.GetFiles(Path.Combine(side, "userFactors"), "*.parquet").First();
        using (JsonDocument j = JsonDocument.Parse(TinyData.Check(CliRunner.InProcess("info", part, "--json")).Stdout))
        {
            Assert.Equal(["id: Int32", "features: list<Single>"], j.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString() ?? string.Empty).ToArray());
        }

        Assert.True(Directory.Exists(Path.Combine(side, "fastalsExtras", "userFactors")));
        string back2 = _d["imported-sidecar.fals"];
        TinyData.Check(CliRunner.InProcess("import", side, "-o", back2));
        Assert.Equal(CliRunner.InProcess([.. a, _d.Model]).Stdout, CliRunner.InProcess([.. a, back2]).Stdout);
    }

    [Fact]
    public void Info_describes_model_cache_and_parquet()
    {
        CliResult m = TinyData.Check(CliRunner.InProcess("info", _d.Model));
        Assert.Contains("biased-implicit", m.Stdout, StringComparison.Ordinal);
        Assert.Contains("factors:", m.Stdout, StringComparison.Ordinal);
        foreach (AlsOptionInfo option in AlsOptions.Schema)
        {
            // every option of the schema is shown, under its name
            Assert.Contains(option.Name.Replace('_', ' ') + ":", m.Stdout, StringComparison.Ordinal);
        }

        using (JsonDocument j = JsonDocument.Parse(CliRunner.InProcess("info", "--json", _d.Model).Stdout))
        {
            Assert.Equal("biased_implicit", j.RootElement.GetProperty("kind").GetString());
            Assert.Equal("biased_implicit", j.RootElement.GetProperty("options").GetProperty("kind").GetString());
            Assert.Equal(8, j.RootElement.GetProperty("factors").GetInt32());
            Assert.Equal(400, j.RootElement.GetProperty("users").GetInt32());
            Assert.True(j.RootElement.GetProperty("biases").GetBoolean());
        }

        string cache = _d["data.fcsr"];
        TinyData.Check(CliRunner.InProcess("train", _d.Parquet, "--cache", cache, "-o", _d["cached.fals"], "-k", "4", "--iterations", "1", "-q"));
        CliResult c = TinyData.Check(CliRunner.InProcess("info", cache, "--json"));
        using (JsonDocument j = JsonDocument.Parse(c.Stdout))
        {
            Assert.Equal("csr-cache", j.RootElement.GetProperty("type").GetString());
            Assert.Equal(12_000, j.RootElement.GetProperty("nnz").GetInt64());
        }

        CliResult p = TinyData.Check(CliRunner.InProcess("info", _d.Parquet));
        Assert.Contains("rows:", p.Stdout, StringComparison.Ordinal);
        Assert.Contains("12000", p.Stdout, StringComparison.Ordinal);
        TinyData.Fails(CliRunner.InProcess("info", _d["missing.bin"]), 1, "missing.bin");
    }

    [Fact]
    public void Demo_quick_runs_end_to_end_as_a_process()
    {
        string dir = _d["demo"];
        CliResult r = TinyData.Check(CliRunner.Process("demo", "--quick", "--dir", dir));
        Assert.Contains("most-popular baseline", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("recommended (not yet seen)", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("[6/6]", r.Stderr, StringComparison.Ordinal);
        foreach (string f in (string[])["interactions.parquet", "model.fals", "report.html"])
        {
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        }

        CliResult j = TinyData.Check(CliRunner.InProcess("demo", "--quick", "--dir", dir, "--json", "--show", "0"));
        using JsonDocument doc = JsonDocument.Parse(j.Stdout);
        JsonElement m = doc.RootElement.GetProperty("metrics");
        Assert.True(m.GetProperty("als (biased implicit)").GetProperty("ndcg@10").GetDouble() > m.GetProperty("most-popular baseline").GetProperty("ndcg@10").GetDouble());
    }
}

public class TrainValidationTests : IClassFixture<TinyData>
{
    private readonly TinyData _d;

    public TrainValidationTests(TinyData d) => _d = d;

    [Fact]
    public void Refit_after_early_stopping_saves_the_best_iteration_count()
    {
        string model = _d["refit.fals"];
        CliResult r = TinyData.Check(CliRunner.InProcess("train", _d.Parquet, "-o", model, "-k", "8", "--iterations", "12", "--validation", "0.2",
            "--patience", "1", "--metric", "map", "--refit", "--json", "-q"));
        using var j = System.Text.Json.JsonDocument.Parse(r.Stdout);
        int kept = j.RootElement.GetProperty("modelIteration").GetInt32();
        int ran = j.RootElement.GetProperty("iterations").GetInt32();
        Assert.InRange(kept, 1, ran);
        Assert.True(j.RootElement.TryGetProperty("validation", out _));
        using var info = System.Text.Json.JsonDocument.Parse(CliRunner.InProcess("info", "--json", model).Stdout);
        Assert.Equal(kept, info.RootElement.GetProperty("options").GetProperty("iterations").GetInt32());
    }

    [Fact]
    public void Explicit_validation_uses_rmse_and_tsv_input()
    {
        string ratings = _d["ratings.tsv"];
        TinyData.Check(CliRunner.InProcess("generate", "-o", ratings, "--users", "300", "--items", "150", "--interactions", "6k", "--factors", "4", "--explicit", "-q"));
        Assert.Contains('\t', File.ReadLines(ratings).First());
        CliResult r = TinyData.Check(CliRunner.InProcess("train", ratings, "-o", _d["explicit.fals"], "--kind", "explicit", "-k", "4", "-l", "0.1",
            "--reg-scaling", "count", "--iterations", "3", "--validation", "0.2"));
        Assert.Contains("rmse", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("rmse", r.Stdout, StringComparison.Ordinal);
    }
}
