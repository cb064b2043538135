using System.Reflection;
using FastAls.Generators.Diagnostics;
using FastAls.Generators.Models;
using FastAls.Interop;
using Microsoft.CodeAnalysis;

namespace FastAls.Generators.Tests;

/// <summary>
/// The status codes come from one table (<see cref="StatusCodes"/>): the managed enum, the C enum and the Python
/// constants agree with it. Every diagnostic the generator can report is a descriptor with a unique id that the
/// analyzer release files list.
/// </summary>
public class StatusAndDescriptorTests
{
    [Fact]
    public void Managed_status_enum_is_the_table()
    {
        Assert.Equal(
            StatusCodes.All.Select(s => (s.Member, s.Value)),
            Enum.GetValues<FastAlsStatus>().Select(v => (v.ToString(), (int)v)));
    }

    [Fact]
    public void C_header_and_python_list_every_status_of_the_table_with_its_value()
    {
        string h = FastAlsInterface.CHeader;
        string py = FastAlsInterface.PythonSignatures;
        foreach ((string member, int value, string doc) in StatusCodes.All)
        {
            string c = StatusCodes.CName(member);
            Assert.Contains($"{c} = {value}, /**< {doc} */", h, StringComparison.Ordinal);
            Assert.Contains($"\n{c} = {value}\n", py, StringComparison.Ordinal);
            Assert.Contains($"    {value}: \"{c}\",", py, StringComparison.Ordinal);
        }

        Assert.Equal("FASTALS_OK", StatusCodes.CName("Ok"));
        Assert.Equal("FASTALS_E_BUFFER_TOO_SMALL", StatusCodes.CName("BufferTooSmall"));
        Assert.Equal("FASTALS_E_IO", StatusCodes.CName("Io"));
    }

    [Fact]
    public void Every_descriptor_has_a_unique_id_listed_in_the_release_files()
    {
        DiagnosticDescriptor[] all = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();
        Assert.NotEmpty(all);
        Assert.Equal(all.Length, all.Select(d => d.Id).Distinct().Count());
        string releases = File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot(), "generators", "FastAls.Generators", "AnalyzerReleases.Shipped.md"))
            + File.ReadAllText(Path.Combine(GeneratorHarness.RepoRoot(), "generators", "FastAls.Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (DiagnosticDescriptor d in all)
        {
            Assert.Matches("^FALS00[0-9]{2}$", d.Id);
            Assert.Contains($"{d.Id} | {d.Category} | {d.DefaultSeverity} |", releases, StringComparison.Ordinal);
        }
    }
}
