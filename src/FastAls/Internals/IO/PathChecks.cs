namespace FastAls.Internals.IO;

/// <summary>
/// The checks, and their messages, for a path given as a file to read or write: one wording for every reader and
/// writer, each naming the path the caller gave. Without them a folder given as a file failed with the runtime's
/// "Access to the path ... is denied", and a write into a missing folder named the hidden temporary file.
/// </summary>
internal static class PathChecks
{
    /// <summary>Throws when <paramref name="path"/> is a folder; the message shows <paramref name="shown"/>.</summary>
    /// <exception cref="IOException">The path is a folder.</exception>
    public static void ThrowIfDirectory(string path, string shown)
    {
        if (Directory.Exists(path))
        {
            throw new IOException($"{shown}: is a directory; give a file name.");
        }
    }

    /// <summary>Throws when the folder that would hold <paramref name="fullPath"/> does not exist; the message shows <paramref name="shown"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static void ThrowIfNoFolder(string fullPath, string shown)
    {
        string? dir = Path.GetDirectoryName(fullPath);
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"{shown}: the directory {dir} does not exist.");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="fullPath"/> can name a file to write: its folder exists and it is not a folder
    /// itself (<see cref="ThrowIfNoFolder"/>, <see cref="ThrowIfDirectory"/>); the messages show <paramref name="shown"/>.
    /// </summary>
    public static void ThrowUnlessFileTarget(string fullPath, string shown)
    {
        ThrowIfNoFolder(fullPath, shown);
        ThrowIfDirectory(fullPath, shown);
    }

    /// <summary>
    /// The error for a file that could not be created in the folder of <paramref name="fullPath"/> (<paramref name="e"/>:
    /// what the runtime threw, whose message names the temporary file instead).
    /// </summary>
    public static IOException CannotWrite(string fullPath, string shown, Exception e) =>
        new($"{shown}: cannot write in {Path.GetDirectoryName(fullPath)}: {(e is UnauthorizedAccessException ? "permission denied." : e.Message)}", e);

    /// <summary>
    /// Opens <paramref name="path"/> to read. A folder gets <see cref="ThrowIfDirectory"/>'s message; a missing file the
    /// runtime's <see cref="FileNotFoundException"/>, which names it.
    /// </summary>
    public static FileStream OpenRead(string path, FileShare share = FileShare.Read, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        ThrowIfDirectory(path, path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, share, bufferSize, options);
    }
}
