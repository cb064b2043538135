namespace FastAls.Internals.IO;

/// <summary>Path identity: whether two names reach the same file.</summary>
internal static class FilePaths
{
    /// <summary>
    /// The absolute path of <paramref name="path"/> with every symbolic link along it resolved (like realpath(3));
    /// the parts that do not exist yet are kept as given.
    /// </summary>
    public static string RealPath(string path) => RealPath(path, 0);

    private static string RealPath(string path, int depth)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (depth > 40)
        {
            throw new IOException($"{path}: too many levels of symbolic links.");
        }

        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full) ?? string.Empty;
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            current = info.LinkTarget is { } target
                ? RealPath(Path.GetFullPath(target, current), depth + 1) // relative targets are relative to the link's folder
                : next;
        }

        return current;
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> name the same file after resolving links.</summary>
    public static bool Same(string a, string b) => string.Equals(RealPath(a), RealPath(b), StringComparison.Ordinal);

    /// <summary>True when <paramref name="path"/> is inside the folder <paramref name="folder"/> (links resolved).</summary>
    public static bool IsInside(string path, string folder)
    {
        string f = RealPath(folder);
        string p = RealPath(path);
        return p.StartsWith(f.EndsWith(Path.DirectorySeparatorChar) ? f : f + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
