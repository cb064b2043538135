using FastAls.Internals.IO;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// Checks every output of a command before any work starts, so a long run never fails at the end for a path that
/// could have been checked first: the folder exists and is writable, the path is not a folder (or, for folder
/// outputs, not a file), no output is an input (links resolved) or inside an input folder, no output folder holds an
/// input, and no two outputs are the same file.
/// </summary>
internal static class Outputs
{
    /// <summary>One output: the option that names it (for the message), its path (null: not given), whether it is a folder.</summary>
    internal readonly record struct Output(string Option, string? Path, bool IsDirectory = false);

    public static void Check(IReadOnlyList<string> inputs, params Output[] outputs)
    {
        var given = outputs.Where(o => o.Path is not null and not "-").ToArray();
        foreach (Output o in given)
        {
            string path = o.Path!;
            try
            {
                AtomicFile.CheckWritable(path, o.IsDirectory);
            }
            catch (IOException e)
            {
                throw new CliException($"{o.Option} {e.Message.TrimEnd('.')}", e);
            }

            foreach (string input in inputs)
            {
                if (FilePaths.Same(path, input))
                {
                    throw new CliException($"{o.Option} {path}: is the input {input} itself, which it would overwrite; give another name");
                }

                if (Directory.Exists(input) && FilePaths.IsInside(path, input))
                {
                    throw new CliException($"{o.Option} {path}: is inside the input folder {input}, which it would change; write it elsewhere");
                }

                if (o.IsDirectory && FilePaths.IsInside(input, path))
                {
                    throw new CliException($"{o.Option} {path}: contains the input {input}, which replacing the folder would delete; write it elsewhere");
                }
            }
        }

        for (int i = 0; i < given.Length; i++)
        {
            for (int j = i + 1; j < given.Length; j++)
            {
                if (FilePaths.Same(given[i].Path!, given[j].Path!))
                {
                    throw new CliException($"{given[i].Option} and {given[j].Option} name the same file {given[i].Path}; give them different names", ExitCodes.Usage);
                }
            }
        }
    }

    /// <summary>The reason of a failed write in the user's terms (the runtime appends the temporary file's name; drop it).</summary>
    public static string Reason(Exception e)
    {
        string m = e.Message;
        int i = m.IndexOf(" : '", StringComparison.Ordinal);
        return (i > 0 ? m[..i] : m).TrimEnd('.', ' ');
    }

    /// <summary>A failed write of <paramref name="path"/> as one line that names it.</summary>
    public static CliException WriteFailed(string path, Exception e) => new($"{path}: cannot write: {Reason(e)}", e);
}
