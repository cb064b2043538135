using System.Diagnostics;
using FastAls.Internals.IO;
using FastAls.IO;

namespace FastAls.Tests.Data;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fastals-atomic-" + Guid.NewGuid().ToString("N"));

    public AtomicFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private string[] Temps() => Directory.GetFileSystemEntries(_dir, "*" + AtomicFile.TempSuffix)
        .Concat(Directory.GetFileSystemEntries(_dir, "*" + AtomicDirectory.OldSuffix)).ToArray();

    [Fact]
    public void Temp_is_hidden_beside_the_target_and_names_it_and_the_pid_and_commit_replaces_the_target()
    {
        string target = P("out.bin");
        File.WriteAllText(target, "old");
        using (AtomicFile f = AtomicFile.Create(target))
        {
            Assert.Equal(_dir, Path.GetDirectoryName(f.TempPath));
            Assert.StartsWith($".out.bin.{Environment.ProcessId}.", Path.GetFileName(f.TempPath), StringComparison.Ordinal);
            Assert.EndsWith(".fastals-tmp", f.TempPath, StringComparison.Ordinal);
            f.Stream.Write("new"u8);
            Assert.Equal("old", File.ReadAllText(target)); // nothing visible before the commit
            f.Commit();
        }

        Assert.Equal("new", File.ReadAllText(target));
        Assert.Empty(Temps());
    }

    [Fact]
    public void A_failed_or_abandoned_write_deletes_the_temp_and_keeps_the_old_target()
    {
        string target = P("keep.bin");
        File.WriteAllText(target, "old");
        // An injected failure mid-write (as a full disk would raise).
        Assert.Throws<IOException>(() => AtomicFile.Write(target, s =>
        {
            s.Write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));
        using (AtomicFile f = AtomicFile.Create(target))
        {
            f.Stream.Write("partial"u8);
        }

        Assert.Equal("old", File.ReadAllText(target));
        Assert.Empty(Temps());
    }

    [Fact]
    public void Cancelled_commit_deletes_the_temp()
    {
        string target = P("c.bin");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using AtomicFile f = AtomicFile.Create(target);
        f.Stream.Write("x"u8);
        Assert.Throws<OperationCanceledException>(() => f.Commit(cts.Token));
        Assert.False(File.Exists(target));
        Assert.Empty(Temps());
    }

    [Fact]
    public void Next_writer_removes_temps_of_dead_writers_and_keeps_those_of_live_ones()
    {
        string target = P("model.fals");
        int dead = DeadPid();
        using Process live = Sleeper();
        string deadTemp = P($".model.fals.{dead}.1.fastals-tmp");
        string deadFolder = P($".model.fals.{dead}.2.fastals-tmp");
        string liveTemp = P($".model.fals.{live.Id}.1.fastals-tmp");
        string reusedPid = P($".model.fals.{live.Id}.2.fastals-tmp"); // written long before the live process started
        string otherTarget = P($".model.fals.bak.{dead}.1.fastals-tmp"); // another target's temp: not ours to judge here
        string notOurs = P($".model.fals.{dead}.fastals-tmp"); // no counter: not a name FastAls writes
        foreach (string f in new[] { deadTemp, liveTemp, reusedPid, otherTarget, notOurs })
        {
            File.WriteAllText(f, "partial");
        }

        Directory.CreateDirectory(Path.Combine(deadFolder, "sub"));
        File.SetLastWriteTimeUtc(reusedPid, DateTime.UtcNow.AddHours(-2));
        try
        {
            AtomicFile.WriteAllText(target, "model");
            Assert.False(File.Exists(deadTemp));
            Assert.False(Directory.Exists(deadFolder));
            Assert.False(File.Exists(reusedPid));
            Assert.True(File.Exists(liveTemp));
            Assert.True(File.Exists(otherTarget));
            Assert.True(File.Exists(notOurs));
            Assert.Equal("model", File.ReadAllText(target));
        }
        finally
        {
            live.Kill();
            live.WaitForExit();
        }

        // The live writer is gone now: the next write removes its temp too.
        AtomicFile.WriteAllText(target, "again");
        Assert.False(File.Exists(liveTemp));
    }

    [Fact]
    public void A_temp_with_this_process_pid_from_before_it_started_is_stale()
    {
        // Containers start processes at the same small pids: a killed earlier run may have had ours.
        string target = P("c.fals");
        string before = P($".c.fals.{Environment.ProcessId}.1.fastals-tmp");
        string ours = P($".c.fals.{Environment.ProcessId}.999999.fastals-tmp");
        File.WriteAllText(before, "partial");
        File.WriteAllText(ours, "being written");
        File.SetLastWriteTimeUtc(before, Process.GetCurrentProcess().StartTime.ToUniversalTime().AddMinutes(-5));
        for (int i = 0; i < 3; i++)
        {
            AtomicFile.WriteAllText(target, "x" + i);
        }

        Assert.False(File.Exists(before));
        Assert.True(File.Exists(ours));
        Assert.Equal("x2", File.ReadAllText(target));
    }

    [Fact]
    public void Directory_commit_replaces_a_folder_and_a_killed_replace_is_restored()
    {
        string target = P("spark");
        using (AtomicDirectory d = AtomicDirectory.Create(target))
        {
            File.WriteAllText(Path.Combine(d.TempPath, "a"), "1");
            d.Commit(overwrite: false);
        }

        using (AtomicDirectory d = AtomicDirectory.Create(target))
        {
            File.WriteAllText(Path.Combine(d.TempPath, "b"), "2");
            Assert.Throws<IOException>(() => d.Commit(overwrite: false));
        }

        Assert.True(File.Exists(Path.Combine(target, "a")));
        Assert.Empty(Temps());
        using (AtomicDirectory d = AtomicDirectory.Create(target))
        {
            File.WriteAllText(Path.Combine(d.TempPath, "b"), "2");
            d.Commit(overwrite: true);
        }

        Assert.Equal(["b"], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Empty(Temps());

        // A writer killed between moving the old folder aside and the new one in: the next writer puts the old one back.
        string aside = P($".spark.{DeadPid()}.7{AtomicDirectory.OldSuffix}");
        Directory.Move(target, aside);
        AtomicDirectory.Create(target).Dispose();
        Assert.Equal(["b"], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Empty(Temps());
    }

    [Fact]
    public void Writable_check_names_missing_folders_and_folder_targets()
    {
        IOException e = Assert.ThrowsAny<IOException>(() => AtomicFile.CheckWritable(P("no/such/dir/x.fals")));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        e = Assert.ThrowsAny<IOException>(() => AtomicFile.CheckWritable(_dir));
        Assert.Contains("is a directory", e.Message, StringComparison.Ordinal);
        AtomicFile.CheckWritable(P("fine.fals"));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Writes_and_reads_name_the_path_given_not_a_temporary_file_or_access_denied()
    {
        using AlsModel m = Model.ModelTestUtil.Random(AlsModelKind.Implicit, 5, 7, 4, 4);
        string target = P("no/such/dir/x.fals");
        var missing = Assert.Throws<DirectoryNotFoundException>(() => m.Save(target));
        Assert.Equal($"{target}: the directory {P("no/such/dir")} does not exist.", missing.Message);
        Assert.DoesNotContain(AtomicFile.TempSuffix, missing.Message, StringComparison.Ordinal);
        missing = Assert.Throws<DirectoryNotFoundException>(() => InteractionParquetWriter.CreateAsync(target).GetAwaiter().GetResult());
        Assert.Equal($"{target}: the directory {P("no/such/dir")} does not exist.", missing.Message);

        // A folder given as a file to read: the runtime said "Access to the path ... is denied".
        string expected = $"{_dir}: is a directory; give a file name.";
        Assert.Equal(expected, Assert.Throws<IOException>(() => AlsModel.Load(_dir)).Message);
        Assert.Equal(expected, Assert.Throws<IOException>(() => CsrCache.ReadInfo(_dir)).Message);
        Assert.Equal(expected, Assert.Throws<IOException>(() => InteractionLoader.Load(_dir, new InteractionLoadOptions { Format = InteractionFormat.Csv })).Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Real_path_resolves_links_anywhere_along_the_path()
    {
        string real = P("real");
        Directory.CreateDirectory(real);
        File.WriteAllText(Path.Combine(real, "data.csv"), "user,item\n1,2\n");
        File.CreateSymbolicLink(P("link.csv"), Path.Combine(real, "data.csv"));
        Directory.CreateSymbolicLink(P("dirlink"), "real"); // relative target
        Assert.True(FilePaths.Same(P("link.csv"), Path.Combine(real, "data.csv")));
        Assert.True(FilePaths.Same(Path.Combine(P("dirlink"), "data.csv"), Path.Combine(real, "data.csv")));
        Assert.True(FilePaths.Same(Path.Combine(P("dirlink"), "..", "real", "data.csv"), P("link.csv")));
        Assert.False(FilePaths.Same(P("link.csv"), P("other.csv")));
        Assert.True(FilePaths.IsInside(Path.Combine(P("dirlink"), "c.fcsr"), real));
    }

    [Fact]
    public void Cache_build_refuses_to_overwrite_its_source()
    {
        string csv = P("data.csv");
        string text = "user,item,value\n1,2,1\n2,3,1\n";
        File.WriteAllText(csv, text);
        File.CreateSymbolicLink(P("alias.csv"), csv);
        Assert.Throws<ArgumentException>(() => InteractionLoader.LoadOrBuildCache(csv, csv));
        Assert.Throws<ArgumentException>(() => InteractionLoader.LoadOrBuildCache(csv, P("alias.csv")));
        Directory.CreateDirectory(P("parts"));
        Assert.Throws<ArgumentException>(() => InteractionLoader.LoadOrBuildCache(P("parts"), Path.Combine(P("parts"), "c.fcsr")));
        Assert.Equal(text, File.ReadAllText(csv));
        using Dataset d = InteractionLoader.LoadOrBuildCache(csv, P("data.fcsr"));
        Assert.Equal(2, d.Nnz);
    }

    [Fact]
    public void Streaming_similar_items_matches_the_in_memory_batch()
    {
        using AlsModel m = Model.ModelTestUtil.Random(AlsModelKind.Implicit, 50, 300, 8, 4);
        int[] all = Enumerable.Range(0, m.Items).ToArray();
        BatchRecommendations want = m.SimilarItemsBatch(all, 7);
        var got = new RecordingSink();
        m.SimilarItemsBatch(all, 7, got);
        Assert.Equal(want.Items, got.Items.ToArray());
        Assert.Equal(want.Scores, got.Scores.ToArray());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => m.SimilarItemsBatch(all, 7, new RecordingSink(), new RecommendOptions { CancellationToken = cts.Token }));
    }

    private static int DeadPid()
    {
        using Process p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    private static Process Sleeper() => Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
}
