namespace FastAls.Cli.Tests;

/// <summary>
/// SIGKILL while a command writes its output (held in the window between a complete temporary file and its rename by
/// the FASTALS_TEST_PAUSE_BEFORE_RENAME hook): the target is absent or intact, the killed writer's temporary file is
/// left (SIGKILL cannot be caught) and the next run to the same target removes it.
/// </summary>
public class AtomicOutputTests : IClassFixture<TinyData>
{
    private readonly TinyData _d;

    public AtomicOutputTests(TinyData d) => _d = d;

    internal static string[] Temps(string dir) =>
        Directory.GetFileSystemEntries(dir, "*.fastals-tmp").Concat(Directory.GetFileSystemEntries(dir, "*.fastals-old")).ToArray();

    /// <summary>A complete temporary file of <paramref name="name"/> (not the empty probe of the start-up checks), or a temporary folder with files.</summary>
    internal static bool PendingTemp(string dir, string name) =>
        Directory.GetFileSystemEntries(dir, "." + name + ".*.fastals-tmp").Any(e =>
        {
            try
            {
                return Directory.Exists(e) ? Directory.GetFiles(e, "*", SearchOption.AllDirectories).Length > 0 : new FileInfo(e).Length > 0;
            }
            catch (IOException)
            {
                return false; // removed between the listing and the look (the empty probe of the start-up checks)
            }
        });

    [Fact]
    public void Train_killed_while_saving_keeps_the_old_model()
    {
        using var dir = new TempDir();
        File.Copy(_d.Model, dir["m.fals"]);
        KillWhileWriting(dir, "m.fals", ["train", _d.Parquet, "-o", dir["m.fals"], "-k", "4", "--iterations", "1", "-q"]);
    }

    [Fact]
    public void Train_killed_while_writing_the_report_leaves_no_report()
    {
        using var dir = new TempDir();
        KillWhileWriting(dir, "r.html", ["train", _d.Parquet, "-o", dir["m.fals"], "-k", "4", "--iterations", "1", "-q", "--report", dir["r.html"]]);
    }

    [Fact]
    public void Cache_build_killed_leaves_no_cache_and_the_source_intact()
    {
        using var dir = new TempDir();
        File.Copy(_d.Csv, dir["data.csv"]);
        byte[] source = File.ReadAllBytes(dir["data.csv"]);
        KillWhileWriting(dir, "c.fcsr", ["train", dir["data.csv"], "--cache", dir["c.fcsr"], "-o", dir["m.fals"], "-k", "4", "--iterations", "1", "-q"]);
        Assert.Equal(source, File.ReadAllBytes(dir["data.csv"]));
    }

    [Fact]
    public void Export_killed_keeps_the_old_folder()
    {
        using var dir = new TempDir();
        TinyData.Check(CliRunner.InProcess("export", _d.Model, dir["spark"]));
        KillWhileWriting(dir, "spark", ["export", _d.Model, dir["spark"], "--overwrite"]);
    }

    [Fact]
    public void Recommend_all_killed_leaves_no_output()
    {
        using var dir = new TempDir();
        KillWhileWriting(dir, "recs.parquet", ["recommend", "-m", _d.Model, "--include-seen", "--all", "-n", "3", "-o", dir["recs.parquet"]]);
    }

    [Fact]
    public void Similar_all_items_killed_leaves_no_output()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["sim.csv"], "old results\n");
        KillWhileWriting(dir, "sim.csv", ["similar", "-m", _d.Model, "--all-items", "-n", "3", "-o", dir["sim.csv"]]);
    }

    [Fact]
    public void Generate_killed_leaves_no_output()
    {
        using var dir = new TempDir();
        KillWhileWriting(dir, "g.csv", ["generate", "-o", dir["g.csv"], "--users", "300", "--items", "100", "--interactions", "5k", "-q"]);
    }

    [Fact]
    public void Import_killed_leaves_no_model()
    {
        using var dir = new TempDir();
        TinyData.Check(CliRunner.InProcess("export", _d.Model, dir["spark"]));
        KillWhileWriting(dir, "back.fals", ["import", dir["spark"], "-o", dir["back.fals"]]);
    }

    [Fact]
    public void Demo_killed_while_writing_its_data_leaves_no_partial_file()
    {
        using var dir = new TempDir();
        KillWhileWriting(dir, "interactions.parquet", ["demo", "--quick", "--iterations", "1", "--show", "0", "--dir", dir.Path]);
    }

    /// <summary>
    /// Runs <paramref name="args"/> with the rename pause, kills it (SIGKILL) once the temporary file of
    /// <paramref name="target"/> is complete, checks the target is absent or unchanged and the temporary file was
    /// left, then runs the command again without the pause and checks it succeeds and leaves no temporary file.
    /// </summary>
    private static void KillWhileWriting(TempDir dir, string target, string[] args)
    {
        string path = dir[target];
        Dictionary<string, byte[]> before = Snapshot(path);
        CliResult killedRun;
        using (CliChild c = CliChild.StartPaused(target, args))
        {
            c.WaitUntil(() => PendingTemp(dir.Path, target), "a complete temporary file of " + target);
            Assert.False(c.HasExited);
            c.Kill();
            killedRun = new CliResult(-9, string.Empty, c.Stderr);
        }

        Assert.True(Snapshot(path).Count == before.Count && Snapshot(path).All(kv => before.TryGetValue(kv.Key, out byte[]? b) && b.AsSpan().SequenceEqual(kv.Value)),
            $"{target} changed although the writer was killed before the rename\n{killedRun}");
        string leftover = Assert.Single(Temps(dir.Path), t => Path.GetFileName(t).StartsWith("." + target + ".", StringComparison.Ordinal)); // the kill hit the window
        CliResult info = CliRunner.InProcess("info", leftover);
        Assert.Contains($"is a temporary file of a fastals write of {target} by process", info.Stderr, StringComparison.Ordinal);
        Assert.Contains("no longer running", info.Stderr, StringComparison.Ordinal);

        TinyData.Check(CliRunner.Process(args));
        Assert.Empty(Temps(dir.Path));
        Assert.True(File.Exists(path) || Directory.Exists(path));
    }

    /// <summary>The bytes of a file, or of every file of a folder by relative path; empty when absent.</summary>
    private static Dictionary<string, byte[]> Snapshot(string path)
    {
        if (File.Exists(path))
        {
            return new Dictionary<string, byte[]> { [string.Empty] = File.ReadAllBytes(path) };
        }

        return Directory.Exists(path)
            ? Directory.GetFiles(path, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(path, f), File.ReadAllBytes)
            : [];
    }
}
