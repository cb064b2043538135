namespace FastAls.Cli.Tests;

/// <summary>
/// SIGINT exits 130 and SIGTERM 143 from every long command, through the one cancellation token that loading,
/// training, the batch writers and exports honour; the temporary file is deleted and the target untouched.
/// </summary>
public class SignalTests : IClassFixture<TinyData>
{
    private readonly TinyData _d;

    public SignalTests(TinyData d) => _d = d;

    [Theory]
    [InlineData("INT", ExitCodes.Interrupted, "interrupted")]
    [InlineData("TERM", ExitCodes.Terminated, "terminated")]
    public void Train_stops_between_iterations(string signal, int code, string word)
    {
        using var dir = new TempDir();
        using CliChild c = CliChild.Start(null, "train", _d.Parquet, "-o", dir["m.fals"], "-k", "4", "--iterations", "100000", "--report", dir["r.html"]);
        c.WaitUntil(() => c.Stderr.Contains("iter ", StringComparison.Ordinal), "a progress line");
        Expect(c.Signal(signal), code, word);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("INT", ExitCodes.Interrupted, "interrupted")]
    [InlineData("TERM", ExitCodes.Terminated, "terminated")]
    public void Recommend_all_to_a_file_is_cancelled_and_leaves_nothing(string signal, int code, string word)
    {
        using var dir = new TempDir();
        using CliChild c = CliChild.StartPaused("recs.csv", "recommend", "-m", _d.Model, "-d", _d.Parquet, "--all", "-n", "5", "-o", dir["recs.csv"]);
        c.WaitUntil(() => AtomicOutputTests.PendingTemp(dir.Path, "recs.csv"), "the temporary output");
        Expect(c.Signal(signal), code, word);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("INT", ExitCodes.Interrupted, "interrupted")]
    [InlineData("TERM", ExitCodes.Terminated, "terminated")]
    public void Similar_all_items_is_cancelled_and_leaves_nothing(string signal, int code, string word)
    {
        using var dir = new TempDir();
        using CliChild c = CliChild.StartPaused("sim.parquet", "similar", "-m", _d.Model, "--all-items", "-o", dir["sim.parquet"]);
        c.WaitUntil(() => AtomicOutputTests.PendingTemp(dir.Path, "sim.parquet"), "the temporary output");
        Expect(c.Signal(signal), code, word);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("INT", ExitCodes.Interrupted, "interrupted")]
    [InlineData("TERM", ExitCodes.Terminated, "terminated")]
    public void Export_is_cancelled_and_keeps_the_old_folder(string signal, int code, string word)
    {
        using var dir = new TempDir();
        TinyData.Check(CliRunner.InProcess("export", _d.Model, dir["spark"]));
        string[] before = Directory.GetFiles(dir["spark"], "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        using CliChild c = CliChild.StartPaused("spark", "export", _d.Model, dir["spark"], "--overwrite");
        c.WaitUntil(() => AtomicOutputTests.PendingTemp(dir.Path, "spark"), "the temporary folder");
        Expect(c.Signal(signal), code, word);
        Assert.Equal(before, Directory.GetFiles(dir["spark"], "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray());
        Assert.Empty(AtomicOutputTests.Temps(dir.Path));
    }

    [Fact]
    public void Generate_is_cancelled_and_leaves_nothing()
    {
        using var dir = new TempDir();
        using CliChild c = CliChild.StartPaused("g.parquet", "generate", "-o", dir["g.parquet"], "--users", "300", "--items", "100", "--interactions", "5k");
        c.WaitUntil(() => AtomicOutputTests.PendingTemp(dir.Path, "g.parquet"), "the temporary output");
        Expect(c.Signal("TERM"), ExitCodes.Terminated, "terminated");
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Batch_scoring_honours_the_token_between_blocks()
    {
        // In-process, the token already cancelled: recommend --all and similar --all-items must stop in the scoring
        // loop (nothing before it checks the token), not finish and exit 0 as they used to.
        using var dir = new TempDir();
        foreach (string[] args in new[]
        {
            new[] { "recommend", "-m", _d.Model, "--include-seen", "--all", "-o", dir["r.csv"] },
            new[] { "similar", "-m", _d.Model, "--all-items", "-o", dir["s.csv"] },
        })
        {
            using var interruption = new Infrastructure.Interruption();
            interruption.Raise(Infrastructure.ExitCodes.Terminated);
            var o = new StringWriter();
            var e = new StringWriter();
            int code = CliApp.Run(args, o, e, false, interruption);
            Expect(new CliResult(code, o.ToString(), e.ToString()), ExitCodes.Terminated, "terminated");
        }

        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    private static void Expect(CliResult r, int code, string word)
    {
        TinyData.Fails(r, code, word);
    }
}
