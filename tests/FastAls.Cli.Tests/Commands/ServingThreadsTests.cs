using System.Text.Json;

namespace FastAls.Cli.Tests;

/// <summary>
/// <c>recommend</c> and <c>similar</c> with one query and <c>-t</c> above 1 split the catalogue across threads: the same
/// output (JSON floats round-trip, so the same score bits) as with one thread.
/// </summary>
public sealed class ServingThreadsTests : IDisposable
{
    // More than the 8,192 items a split needs; rows 1024, 2048, 4096 and 16384 tie exactly across chunk borders.
    private const int Items = 20_037;
    private readonly TempDir _dir = new();
    private readonly string _model;

    public ServingThreadsTests()
    {
        var rng = new Random(3);
        using var m = new AlsModel(new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 8 }, 50, Items);
        float[] uf = [.. Enumerable.Range(0, 50 * 8).Select(_ => (float)(rng.NextDouble() - 0.5))];
        float[] itf = [.. Enumerable.Range(0, Items * 8).Select(_ => (float)(rng.NextDouble() - 0.5))];
        foreach (int twin in new[] { 1024, 2048, 4096, 16384 })
        {
            for (int f = 0; f < 8; f++)
            {
                itf[(twin * 8) + f] = 0.9f - (0.1f * f);
                uf[(3 * 8) + f] = 0.9f - (0.1f * f);
            }
        }

        m.SetUserFactors(uf);
        m.SetItemFactors(itf);
        _model = _dir["big.fals"];
        m.Save(_model);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void One_query_gives_the_same_output_on_any_thread_count()
    {
        string[][] calls =
        [
            ["similar", "-m", _model, "--item", "2048", "-n", "40", "--json"],
            ["similar", "-m", _model, "--item", "9000", "-n", "25", "--exclude", "1024,17000", "--json"],
            ["recommend", "-m", _model, "--user", "3", "--include-seen", "-n", "40", "--json"],
            ["recommend", "-m", _model, "--user", "3", "--include-seen", "-n", "30", "--candidates", "1024,2048,4096,16384,5,19999,20036", "--json"],
        ];
        foreach (string[] call in calls)
        {
            string want = TinyData.Check(CliRunner.InProcess([.. call, "-t", "1"])).Stdout;
            foreach (string t in new[] { "0", "2", "3", "7" })
            {
                Assert.Equal(want, TinyData.Check(CliRunner.InProcess([.. call, "-t", t])).Stdout);
            }
        }

        // the ties come in index order
        using JsonDocument j = JsonDocument.Parse(TinyData.Check(CliRunner.InProcess("recommend", "-m", _model, "--user", "3", "--include-seen", "-n", "4", "-t", "3", "--json")).Stdout);
        Assert.Equal(["1024", "2048", "4096", "16384"], j.RootElement[0].GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").ToString()).ToArray());
        TinyData.Fails(CliRunner.InProcess("similar", "-m", _model, "--item", "5", "-t", "-1"), 2, "--threads");
    }
}
