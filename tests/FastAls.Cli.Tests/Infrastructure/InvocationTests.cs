using FastAls.Cli.Infrastructure;

namespace FastAls.Cli.Tests;

/// <summary>The command the demo's "Next:" hints print must run this same program when pasted into a shell.</summary>
public class InvocationTests
{
    private static string MakeExecutable(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n");
        return path;
    }

    [Fact]
    public void Source_tree_build_prints_dotnet_run_with_the_project_and_configuration()
    {
        using var tmp = new TempDir();
        string project = Path.Combine(tmp.Path, "src", "FastAls.Cli");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "FastAls.Cli.csproj"), "<Project />");
        string bin = Path.Combine(project, "bin", "Debug", "net10.0");
        string apphost = MakeExecutable(Path.Combine(bin, "FastAls.Cli"));

        Assert.Equal("dotnet run --project src/FastAls.Cli -c Debug --", Invocation.Describe(apphost, bin + "/", tmp.Path, "/usr/bin"));
        // `dotnet FastAls.Cli.dll` from the same build, and a RID-specific output folder, say the same.
        Assert.Equal("dotnet run --project src/FastAls.Cli -c Debug --", Invocation.Describe("/usr/bin/dotnet", bin, tmp.Path, null));
        Assert.Equal("dotnet run --project src/FastAls.Cli -c Release --", Invocation.Describe(null, Path.Combine(project, "bin", "Release", "net10.0", "linux-x64"), tmp.Path, null));
        // From outside the repository the project is named by its full path.
        string elsewhere = Path.Combine(tmp.Path, "elsewhere");
        Assert.Equal($"dotnet run --project {project} -c Debug --", Invocation.Describe(apphost, bin, elsewhere, null));
    }

    [Fact]
    public void Fastals_prints_the_bare_name_only_when_PATH_finds_this_very_file()
    {
        using var tmp = new TempDir();
        string tools = Path.Combine(tmp.Path, "tools");
        string exe = MakeExecutable(Path.Combine(tools, "fastals"));
        string other = MakeExecutable(Path.Combine(tmp.Path, "other", "fastals"));
        string baseDir = Path.Combine(tools, ".store", "fastals.cli", "0.1.0", "fastals.cli", "0.1.0", "tools", "net10.0", "any");

        Assert.Equal("fastals", Invocation.Describe(exe, baseDir, tmp.Path, "/nonexistent:" + tools));
        Assert.Equal(exe, Invocation.Describe(exe, baseDir, tmp.Path, "/usr/bin:/bin"));
        Assert.Equal(exe, Invocation.Describe(exe, baseDir, tmp.Path, null));
        // Another fastals earlier on PATH would run instead: print the path of this one.
        Assert.Equal(exe, Invocation.Describe(exe, baseDir, tmp.Path, Path.GetDirectoryName(other) + ":" + tools));
        // A symbolic link on PATH to this executable counts as this file.
        string linkDir = Path.Combine(tmp.Path, "bin");
        Directory.CreateDirectory(linkDir);
        File.CreateSymbolicLink(Path.Combine(linkDir, "fastals"), exe);
        Assert.Equal("fastals", Invocation.Describe(exe, baseDir, tmp.Path, linkDir));
    }

    [Fact]
    public void Other_hosts_print_their_own_path_and_every_word_is_shell_quoted()
    {
        Assert.Equal("'/opt/fast als/FastAls.Cli'", Invocation.Describe("/opt/fast als/FastAls.Cli", "/opt/fast als/", "/", null));
        Assert.Equal("dotnet /opt/app/FastAls.Cli.dll", Invocation.Describe("/usr/share/dotnet/dotnet", "/opt/app/", "/", null));
        Assert.Equal("model.fals", Invocation.Quote("model.fals"));
        Assert.Equal("fastals-demo/model.fals", Invocation.Quote("fastals-demo/model.fals"));
        Assert.Equal("'a b'", Invocation.Quote("a b"));
        Assert.Equal("''", Invocation.Quote(string.Empty));
        Assert.Equal("'it'\\''s'", Invocation.Quote("it's"));
        Assert.Equal("'$HOME;x'", Invocation.Quote("$HOME;x"));
    }

    [Fact]
    public void Demo_hints_run_as_printed()
    {
        using var tmp = new TempDir();
        string dir = Path.Combine(tmp.Path, "demo dir");
        CliResult r = TinyData.Check(CliRunner.Process("demo", "--quick", "--dir", dir, "--show", "0"));
        string[] hints = HintLines(r.Stdout);
        Assert.Equal(3, hints.Length);
        // Run here as `dotnet <test bin>/FastAls.Cli.dll`: the hints name that assembly, quoted where needed.
        Assert.All(hints, h => Assert.StartsWith("dotnet " + Invocation.Quote(CliRunner.CliDll) + " ", h, StringComparison.Ordinal));
        foreach (string hint in hints)
        {
            ShellResult s = Shell.Run(hint, tmp.Path, timeoutSeconds: 120);
            Assert.True(s.ExitCode == 0, $"{hint}\n{s}");
        }

        Assert.Contains("FastAls model", Shell.Run(hints[2], tmp.Path, 120).Stdout, StringComparison.Ordinal);
    }

    /// <summary>The command lines under the demo's "Next:" line.</summary>
    internal static string[] HintLines(string stdout)
    {
        string[] lines = stdout.Split('\n');
        int next = Array.FindIndex(lines, l => l.TrimEnd() == "Next:");
        Assert.True(next >= 0, stdout);
        return lines[(next + 1)..].Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
    }
}
