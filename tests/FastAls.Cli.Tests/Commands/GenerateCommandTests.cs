using System.Text.Json;

namespace FastAls.Cli.Tests;

public class GenerateCommandTests
{
    [Fact]
    public void Child_process_writes_deterministic_csv_and_json_summary()
    {
        using var tmp = new TempDir();
        string[] common = ["--users", "300", "--items", "200", "--interactions", "5k", "--factors", "4", "--seed", "3"];
        CliResult a = CliRunner.Process(["generate", "-o", tmp["a.csv"], "--threads", "1", "--json", .. common]);
        Assert.True(a.ExitCode == 0, a.ToString());
        using (JsonDocument j = JsonDocument.Parse(a.Stdout))
        {
            Assert.Equal(5000, j.RootElement.GetProperty("interactions").GetInt64());
            Assert.Equal("csv", j.RootElement.GetProperty("format").GetString());
        }

        CliResult b = CliRunner.InProcess(["generate", "-o", tmp["b.csv"], "--threads", "2", .. common]);
        Assert.True(b.ExitCode == 0, b.ToString());
        Assert.StartsWith("wrote 5000 interactions", b.Stdout, StringComparison.Ordinal);
        string[] lines = File.ReadAllLines(tmp["a.csv"]);
        Assert.Equal("user,item,value", lines[0]);
        Assert.Equal(5001, lines.Length);
        Assert.Equal(File.ReadAllBytes(tmp["a.csv"]), File.ReadAllBytes(tmp["b.csv"]));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path, "*.fastals-tmp"));
    }

    [Fact]
    public async Task Writes_parquet_row_groups()
    {
        using var tmp = new TempDir();
        CliResult r = CliRunner.InProcess("generate", "-o", tmp["d.parquet"], "--users", "1000", "--items", "300", "--interactions", "30k", "--row-group", "5000", "--explicit", "--value-col", "rating");
        Assert.True(r.ExitCode == 0, r.ToString());
        await using Stream s = File.OpenRead(tmp["d.parquet"]);
        await using Parquet.ParquetReader reader = await Parquet.ParquetReader.CreateAsync(s);
        Assert.True(reader.RowGroupCount >= 5, $"{reader.RowGroupCount} row groups");
        Assert.Equal(["user", "item", "rating"], reader.Schema.DataFields.Select(f => f.Name).ToArray());
        long rows = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using Parquet.ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
            rows += rg.RowCount;
        }

        Assert.Equal(30_000, rows);
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "generate", "--users", "10")] // no output
    [InlineData(ExitCodes.Usage, "generate", "-o", "x.xyz")]
    [InlineData(ExitCodes.Usage, "generate", "-o", "x.csv", "--users", "10", "--interactions", "5")]
    [InlineData(ExitCodes.Usage, "generate", "-o", "x.csv", "--users", "many")]
    [InlineData(ExitCodes.BadInput, "generate", "-o", "/nonexistent-dir/x.csv", "--users", "10", "--items", "10", "--interactions", "20", "--factors", "2")]
    public void Bad_arguments_fail_with_one_line(int code, params string[] args)
    {
        CliResult r = CliRunner.InProcess(args);
        Assert.Equal(code, r.ExitCode);
        Assert.Empty(r.Stdout);
        string[] lines = r.Stderr.Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("fastals: error: ", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        CliResult r = CliRunner.Process("generate", "-o", "/nonexistent-dir/x.csv", "--users", "10", "--items", "10", "--interactions", "20", "--factors", "2", "--verbose");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("   at ", r.Stderr, StringComparison.Ordinal);
    }
}
