using FastAls.Interop;

namespace FastAls.Generators.Tests;

/// <summary>
/// The checked-in C header and Python signatures are exactly what the generator emits for FastAls.Native
/// (one source of truth). After changing an export run <c>interop/build.sh --sync</c> and commit the files.
/// </summary>
public class InterfaceSyncTests
{
    [Fact]
    public void Checked_in_header_matches_generator_output()
    {
        string path = Path.Combine(GeneratorHarness.RepoRoot(), "interop", "include", "fastals.h");
        Assert.True(File.Exists(path), path + " is missing: run interop/build.sh --sync");
        Assert.True(File.ReadAllText(path) == FastAlsInterface.CHeader, "interop/include/fastals.h differs from the generated header: run interop/build.sh --sync");
    }

    [Fact]
    public void Checked_in_python_signatures_match_generator_output()
    {
        string path = Path.Combine(GeneratorHarness.RepoRoot(), "interop", "python", "fastals", "_signatures.py");
        Assert.True(File.Exists(path), path + " is missing: run interop/build.sh --sync");
        Assert.True(File.ReadAllText(path) == FastAlsInterface.PythonSignatures, "interop/python/fastals/_signatures.py differs from the generated signatures: run interop/build.sh --sync");
    }

    [Fact]
    public void Header_declares_every_export_and_the_status_enum()
    {
        string h = FastAlsInterface.CHeader;
        Assert.StartsWith("/* fastals.h", h, StringComparison.Ordinal);
        Assert.Contains("#ifndef FASTALS_H", h, StringComparison.Ordinal);
        Assert.Contains("#include <stdint.h>", h, StringComparison.Ordinal);
        Assert.Contains("FASTALS_E_INVALID_HANDLE = 2", h, StringComparison.Ordinal);
        foreach (string name in new[] { "fastals_last_error", "fastals_kernel_path", "fastals_dataset_from_csr", "fastals_dataset_free", "fastals_model_free" })
        {
            Assert.Contains(name + "(", h, StringComparison.Ordinal);
            Assert.Contains("\"" + name + "\"", FastAlsInterface.PythonSignatures, StringComparison.Ordinal);
        }
    }
}
