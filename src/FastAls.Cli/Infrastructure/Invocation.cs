using System.Text;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// How to start this same <c>fastals</c> again from a shell, for hints such as the demo's "Next:" lines, which must
/// work when pasted as printed: <c>fastals</c> only when PATH finds this very program.
/// </summary>
internal static class Invocation
{
    private const string ProjectFile = "FastAls.Cli.csproj";

    /// <summary>The command (already shell-quoted) that runs this program as it was started, to be followed by arguments.</summary>
    public static string Command { get; } =
        Describe(Environment.ProcessPath, AppContext.BaseDirectory, Environment.CurrentDirectory, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>
    /// The command for a program whose executable is <paramref name="processPath"/> and whose assemblies are in
    /// <paramref name="baseDirectory"/>, as typed in <paramref name="currentDirectory"/> with <paramref name="pathVariable"/>:
    /// <list type="number">
    /// <item>started as <c>fastals</c> (a .NET tool's command, the NativeAOT executable, the copy next to a build):
    /// <c>fastals</c> when PATH finds this file first, else its full path;</item>
    /// <item>run from a build of the source tree (<c>dotnet run</c>): <c>dotnet run --project src/FastAls.Cli -c CONFIG --</c>;</item>
    /// <item>the <c>FastAls.Cli</c> app host elsewhere: its full path;</item>
    /// <item>otherwise (<c>dotnet FastAls.Cli.dll</c>): <c>dotnet</c> and the full path of the assembly.</item>
    /// </list>
    /// </summary>
    internal static string Describe(string? processPath, string baseDirectory, string currentDirectory, string? pathVariable)
    {
        string? exeName = ExecutableName(processPath);
        if (processPath is not null && exeName == "fastals")
        {
            return FirstOnPath("fastals", pathVariable) is string found && SameFile(found, processPath) ? "fastals" : Quote(Path.GetFullPath(processPath));
        }

        if (SourceProject(baseDirectory) is (string project, string configuration))
        {
            string rel = Path.GetRelativePath(currentDirectory, project);
            string shown = rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) ? project : rel;
            return $"dotnet run --project {Quote(shown)} -c {Quote(configuration)} --";
        }

        if (processPath is not null && exeName == "FastAls.Cli")
        {
            return Quote(Path.GetFullPath(processPath));
        }

        return "dotnet " + Quote(Path.Combine(baseDirectory, "FastAls.Cli.dll"));
    }

    /// <summary>The file name without a Windows <c>.exe</c> (not GetFileNameWithoutExtension: "FastAls.Cli" would lose ".Cli").</summary>
    private static string? ExecutableName(string? path)
    {
        string? name = path is null ? null : Path.GetFileName(path);
        return name is not null && name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? name[..^4] : name;
    }

    /// <summary><paramref name="s"/> as one POSIX shell word: unchanged when it holds only safe characters, else single-quoted.</summary>
    internal static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "_-./:=@+,%".Contains(c, StringComparison.Ordinal)))
        {
            return s;
        }

        return new StringBuilder("'").Append(s.Replace("'", "'\\''", StringComparison.Ordinal)).Append('\'').ToString();
    }

    /// <summary>The project folder and configuration when <paramref name="baseDirectory"/> is <c>PROJECT/bin/CONFIG/...</c> of the CLI's project.</summary>
    private static (string Project, string Configuration)? SourceProject(string baseDirectory)
    {
        DirectoryInfo? below = null;
        for (DirectoryInfo? d = new(Path.TrimEndingDirectorySeparator(Path.GetFullPath(baseDirectory))); d is not null; below = d, d = d.Parent)
        {
            if (below is not null && d.Name == "bin" && d.Parent is { } project && File.Exists(Path.Combine(project.FullName, ProjectFile)))
            {
                return (project.FullName, below.Name);
            }
        }

        return null;
    }

    /// <summary>The file a shell would run for <paramref name="name"/>: the first PATH entry holding it.</summary>
    private static string? FirstOnPath(string name, string? pathVariable)
    {
        foreach (string dir in (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool SameFile(string a, string b) => string.Equals(Resolve(a), Resolve(b), StringComparison.Ordinal);

    private static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
        catch (UnauthorizedAccessException)
        {
            return full;
        }
    }
}
