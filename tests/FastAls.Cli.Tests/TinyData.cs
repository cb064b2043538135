namespace FastAls.Cli.Tests;

/// <summary>A tiny generated dataset (Parquet and CSV) and a model trained on it, shared by the command tests.</summary>
public sealed class TinyData : IDisposable
{
    private readonly TempDir _dir = new();

    public TinyData()
    {
        string[] gen = ["--users", "400", "--items", "200", "--interactions", "12k", "--factors", "4", "--seed", "5", "-q"];
        Check(CliRunner.InProcess(["generate", "-o", Parquet, .. gen]));
        Check(CliRunner.InProcess(["generate", "-o", Csv, .. gen]));
        Check(CliRunner.InProcess("train", Parquet, "-o", Model, "--kind", "biased-implicit", "-k", "8", "--iterations", "4", "-q"));
    }

    public string Dir => _dir.Path;

    public string Parquet => _dir["data.parquet"];

    public string Csv => _dir["data.csv"];

    public string Model => _dir["model.fals"];

    public string this[string name] => _dir[name];

    public static CliResult Check(CliResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>Asserts a failure with one "fastals: error:" line on stderr containing <paramref name="fragment"/>.</summary>
    public static void Fails(CliResult r, int code, string fragment)
    {
        Assert.True(r.ExitCode == code, $"expected exit {code}: {r}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("fastals: error: ", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, r.ToString());
        Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
