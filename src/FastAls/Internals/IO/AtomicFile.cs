using System.Diagnostics;
using System.Globalization;

namespace FastAls.Internals.IO;

/// <summary>
/// The one way FastAls writes an output file: into a temporary file beside the target, flushed to disk, then
/// renamed over the target, so a reader sees the old file or the complete new one, never a partial one.
/// </summary>
/// <remarks>
/// <para>The temporary file is named <c>.&lt;target name&gt;.&lt;pid&gt;.&lt;n&gt;.fastals-tmp</c> (hidden, in the
/// target's folder so the rename stays on one file system; <c>pid</c> is the writing process, <c>n</c> a counter
/// within it). A failed or cancelled write deletes it (<see cref="Dispose"/> without <see cref="Commit"/>).</para>
/// <para>A process killed outright (SIGKILL, power loss) cannot clean up; the next write to the same target then
/// deletes the temporary files of writers that are no longer running (their pid is gone, or now belongs to a
/// process started after the file was last written). Temporary files of running writers are left alone.</para>
/// <para>Folders (the Spark layout) follow the same rule through <see cref="AtomicDirectory"/>.</para>
/// </remarks>
internal sealed class AtomicFile : IDisposable
{
    /// <summary>The suffix of every temporary file or folder FastAls writes.</summary>
    public const string TempSuffix = ".fastals-tmp";

    /// <summary>
    /// Test hook: <c>MS</c> or <c>MS:NAME</c>, milliseconds to wait after the temporary file is complete and flushed,
    /// before the rename (only for targets whose file name is NAME, when given), so that a test can kill or signal the
    /// process in that window deterministically. A cancelled token ends the wait. Unset (the default) means no wait.
    /// </summary>
    public const string PauseVariable = "FASTALS_TEST_PAUSE_BEFORE_RENAME";

    private static readonly (int Ms, string? Name) s_pause = ReadPause();
    private static readonly Lazy<DateTime> s_selfStart = new(() =>
    {
        using Process self = Process.GetCurrentProcess();
        return self.StartTime.ToUniversalTime();
    });
    private static int s_counter;
    private bool _done;

    private AtomicFile(string target, string temp, FileStream stream)
    {
        TargetPath = target;
        TempPath = temp;
        Stream = stream;
    }

    /// <summary>The full path of the file being written.</summary>
    public string TargetPath { get; }

    /// <summary>The temporary file that <see cref="Commit"/> renames to <see cref="TargetPath"/>.</summary>
    public string TempPath { get; }

    /// <summary>The temporary file's stream (owned by this object).</summary>
    public FileStream Stream { get; }

    /// <summary>
    /// Starts writing <paramref name="path"/>: removes stale temporary files of dead writers of the same target and
    /// creates a fresh temporary file.
    /// </summary>
    /// <param name="path">The target file.</param>
    /// <param name="bufferSize">The stream's buffer size.</param>
    /// <param name="access">Write, or ReadWrite for writers that read back what they wrote.</param>
    public static AtomicFile Create(string path, int bufferSize = 1 << 20, FileAccess access = FileAccess.Write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        PathChecks.ThrowUnlessFileTarget(full, full);
        RemoveStale(full);
        for (int attempt = 0; ; attempt++)
        {
            string temp = NewTempPath(full);
            try
            {
                var stream = new FileStream(temp, FileMode.CreateNew, access, FileShare.None, bufferSize);
                return new AtomicFile(full, temp, stream);
            }
            catch (IOException) when (attempt < 100 && File.Exists(temp))
            {
                // A leftover of another process that had this pid and is still considered alive: take the next name.
            }
            catch (UnauthorizedAccessException e)
            {
                throw PathChecks.CannotWrite(full, full, e);
            }
        }
    }

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>.</summary>
    public static void Write(string path, Action<Stream> write, int bufferSize = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(write);
        using AtomicFile f = Create(path, bufferSize);
        write(f.Stream);
        f.Commit();
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            w.Write(text);
        });

    /// <summary>
    /// Checks, before any long work, that <paramref name="path"/> can be written: its folder exists, it is not a
    /// folder itself, and a file can be created in that folder (a temporary file is created and deleted).
    /// </summary>
    /// <exception cref="IOException">The path cannot be written; the message names it and says why.</exception>
    public static void CheckWritable(string path, bool isDirectory = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (!isDirectory)
        {
            PathChecks.ThrowUnlessFileTarget(full, path);
        }
        else
        {
            PathChecks.ThrowIfNoFolder(full, path);
            if (File.Exists(full))
            {
                throw new IOException($"{path}: is a file; give a folder name.");
            }
        }

        string probe = NewTempPath(full);
        while (File.Exists(probe) || Directory.Exists(probe))
        {
            probe = NewTempPath(full);
        }

        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw PathChecks.CannotWrite(full, path, e);
        }
        finally
        {
            TryDelete(probe);
        }
    }

    /// <summary>
    /// Flushes the temporary file to disk and renames it over the target (replacing an existing file);
    /// <paramref name="cancellationToken"/> is checked last before the rename.
    /// </summary>
    public void Commit(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        try
        {
            Stream.Flush(flushToDisk: true);
            Stream.Dispose();
            PauseForTests(TargetPath, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(TempPath, TargetPath, overwrite: true);
        }
        catch
        {
            Stream.Dispose();
            TryDelete(TempPath);
            throw;
        }
    }

    /// <summary>Abandons an uncommitted write: closes and deletes the temporary file. No-op after <see cref="Commit"/>.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            Stream.Dispose();
        }
        catch (IOException)
        {
            // A failed final flush (disk full): the file is deleted below either way.
        }

        TryDelete(TempPath);
    }

    /// <summary>A fresh temporary name for <paramref name="full"/> owned by this process.</summary>
    internal static string NewTempPath(string full, string suffix = TempSuffix)
    {
        int n = Interlocked.Increment(ref s_counter);
        string dir = Path.GetDirectoryName(full) ?? ".";
        return Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{n}{suffix}"));
    }

    /// <summary>
    /// Deletes the temporary files and folders of <paramref name="full"/> whose writer is no longer running.
    /// Returns how many were removed.
    /// </summary>
    internal static int RemoveStale(string full, string suffix = TempSuffix, Action<string>? restore = null)
    {
        string? dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir))
        {
            return 0;
        }

        string prefix = "." + Path.GetFileName(full) + ".";
        int removed = 0;
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(dir, prefix + "*" + suffix).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (string entry in entries)
        {
            string name = Path.GetFileName(entry);
            if (!TryParsePid(name, prefix, suffix, out int pid) || WriterMayBeAlive(pid, entry))
            {
                continue;
            }

            try
            {
                if (restore is not null)
                {
                    restore(entry);
                }
                else if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }

                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else removed it, or we may not: leave it for a later writer.
            }
        }

        return removed;
    }

    /// <summary>
    /// Whether <paramref name="path"/> is a temporary file or folder of a FastAls write (or a folder set aside while
    /// being replaced): the target's name, the writer's pid and whether that writer may still be running.
    /// </summary>
    internal static bool TryDescribe(string path, out string target, out int pid, out bool writerRunning)
    {
        target = string.Empty;
        pid = 0;
        writerRunning = false;
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        string name = Path.GetFileName(full);
        string? suffix = name.EndsWith(TempSuffix, StringComparison.Ordinal) ? TempSuffix
            : name.EndsWith(AtomicDirectory.OldSuffix, StringComparison.Ordinal) ? AtomicDirectory.OldSuffix : null;
        if (suffix is null || !name.StartsWith('.'))
        {
            return false;
        }

        string stem = name[..^suffix.Length]; // .TARGET.PID.N
        int lastDot = stem.LastIndexOf('.');
        int pidDot = lastDot > 0 ? stem.LastIndexOf('.', lastDot - 1) : -1;
        if (pidDot <= 1)
        {
            return false;
        }

        target = stem[1..pidDot];
        if (!TryParsePid(name, "." + target + ".", suffix, out pid))
        {
            return false;
        }

        writerRunning = WriterMayBeAlive(pid, full);
        return true;
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale temporary file is removed by the next writer of the target.
        }
    }

    internal static void PauseForTests(string target, CancellationToken cancellationToken)
    {
        if (s_pause.Ms > 0 && (s_pause.Name is null || s_pause.Name == Path.GetFileName(target)))
        {
            cancellationToken.WaitHandle.WaitOne(s_pause.Ms);
        }
    }

    /// <summary>Parses <c>prefix + "&lt;pid&gt;.&lt;n&gt;" + suffix</c>; anything else is not ours.</summary>
    private static bool TryParsePid(string name, string prefix, string suffix, out int pid)
    {
        pid = 0;
        if (name.Length <= prefix.Length + suffix.Length || !name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> middle = name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length);
        int dot = middle.IndexOf('.');
        return dot > 0
            && middle[(dot + 1)..].Length > 0
            && int.TryParse(middle[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out pid)
            && long.TryParse(middle[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>
    /// False when the process that wrote <paramref name="entry"/> has certainly ended: no process has its pid, or the
    /// process that has it now started after the entry was last written (the pid was reused).
    /// </summary>
    private static bool WriterMayBeAlive(int pid, string entry)
    {
        try
        {
            DateTime written = File.GetLastWriteTimeUtc(entry);
            if (pid == Environment.ProcessId)
            {
                // Another writer in this process, unless the file predates it: an earlier process with the same pid
                // (containers start their processes at the same small pids).
                return s_selfStart.Value <= written.AddSeconds(1);
            }

            using Process p = Process.GetProcessById(pid);
            if (p.HasExited)
            {
                return false;
            }

            DateTime started = p.StartTime.ToUniversalTime();
            return started <= written.AddSeconds(1);
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException or IOException)
        {
            return true; // cannot tell: keep it
        }
    }

    private static (int Ms, string? Name) ReadPause()
    {
        string? v = Environment.GetEnvironmentVariable(PauseVariable);
        if (string.IsNullOrEmpty(v))
        {
            return (0, null);
        }

        int colon = v.IndexOf(':', StringComparison.Ordinal);
        string ms = colon < 0 ? v : v[..colon];
        return int.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out int wait)
            ? (Math.Min(wait, 600_000), colon < 0 ? null : v[(colon + 1)..])
            : (0, null);
    }
}

/// <summary>
/// <see cref="AtomicFile"/>'s rule for an output folder: the folder is built under a temporary name beside the
/// target, then renamed into place. An existing target is first renamed aside
/// (<c>.&lt;name&gt;.&lt;pid&gt;.&lt;n&gt;.fastals-old</c>) and deleted once the new folder is in place; a writer
/// killed between the two renames leaves the old folder under that name, and the next writer puts it back when the
/// target is missing (else deletes it).
/// </summary>
internal sealed class AtomicDirectory : IDisposable
{
    /// <summary>The suffix of a replaced folder waiting to be deleted.</summary>
    public const string OldSuffix = ".fastals-old";

    private bool _done;

    private AtomicDirectory(string target, string temp)
    {
        TargetPath = target;
        TempPath = temp;
    }

    /// <summary>The folder being written.</summary>
    public string TargetPath { get; }

    /// <summary>The temporary folder to fill; <see cref="Commit"/> renames it to <see cref="TargetPath"/>.</summary>
    public string TempPath { get; }

    /// <summary>Cleans stale temporaries of <paramref name="path"/> and creates an empty temporary folder.</summary>
    public static AtomicDirectory Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(full))
        {
            throw new IOException($"{full}: is a file; give a folder name.");
        }

        RemoveStale(full);
        string temp = AtomicFile.NewTempPath(full);
        while (Directory.Exists(temp) || File.Exists(temp))
        {
            temp = AtomicFile.NewTempPath(full); // a leftover of another process that had this pid
        }

        Directory.CreateDirectory(temp);
        return new AtomicDirectory(full, temp);
    }

    /// <summary>Removes stale temporary folders of <paramref name="full"/> and restores or deletes a stale replaced one.</summary>
    internal static void RemoveStale(string full)
    {
        AtomicFile.RemoveStale(full);
        AtomicFile.RemoveStale(full, OldSuffix, old =>
        {
            if (!Directory.Exists(full) && !File.Exists(full))
            {
                Directory.Move(old, full); // the writer died between moving the old folder aside and the new one in
            }
            else
            {
                Directory.Delete(old, recursive: true);
            }
        });
    }

    /// <summary>
    /// Flushes every file of the temporary folder to disk and renames the folder to the target, replacing an existing
    /// folder when <paramref name="overwrite"/>; <paramref name="cancellationToken"/> is checked last before the renames.
    /// </summary>
    public void Commit(bool overwrite, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        string? aside = null;
        try
        {
            foreach (string file in Directory.EnumerateFiles(TempPath, "*", SearchOption.AllDirectories))
            {
                using var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1);
                fs.Flush(flushToDisk: true);
            }

            AtomicFile.PauseForTests(TargetPath, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.Exists(TargetPath))
            {
                if (!overwrite)
                {
                    throw new IOException($"{TargetPath} already exists.");
                }

                aside = AtomicFile.NewTempPath(TargetPath, OldSuffix);
                Directory.Move(TargetPath, aside);
            }

            Directory.Move(TempPath, TargetPath);
        }
        catch
        {
            if (aside is not null && !Directory.Exists(TargetPath))
            {
                Directory.Move(aside, TargetPath);
                aside = null;
            }

            DeleteTree(TempPath);
            throw;
        }

        if (aside is not null)
        {
            DeleteTree(aside);
        }
    }

    /// <summary>Abandons an uncommitted folder (deleting it). No-op after <see cref="Commit"/>.</summary>
    public void Dispose()
    {
        if (!_done)
        {
            _done = true;
            DeleteTree(TempPath);
        }
    }

    private static void DeleteTree(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next writer of the target removes it.
        }
    }
}
