using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace FastAls.Generators.Tests;

/// <summary>Runs <see cref="ExportGenerator"/> over source text (with FastAls.Native's Interop support files), against the running framework's assemblies.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Parse);

    /// <summary>
    /// The runtime half the generated code calls (src/FastAls.Native/Interop: attributes, handle table, last error),
    /// compiled into every test compilation as FastAls.Native compiles it, with the SDK's implicit usings.
    /// </summary>
    private static readonly Lazy<ImmutableArray<SyntaxTree>> s_support = new(() =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "src", "FastAls.Native", "Interop"), "*.cs")
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), ParseOptions, path: "Interop/" + Path.GetFileName(p)))
            .Append(CSharpSyntaxTree.ParseText(
                "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;",
                ParseOptions, path: "Interop/ImplicitUsings.cs"))
            .ToImmutableArray());

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "TestAssembly",
            s_support.Value.Concat(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs"))),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new ExportGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns generator diagnostics, the generated sources by hint name and the compiler's errors on the result.</summary>
    public static (ImmutableArray<Diagnostic> GeneratorDiagnostics, Dictionary<string, string> Sources, ImmutableArray<Diagnostic> CompileErrors) Run(params string[] sources)
    {
        CSharpCompilation compilation = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        var generated = result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        ImmutableArray<Diagnostic> errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return (diagnostics, generated, errors);
    }

    /// <summary>
    /// The repository root (the folder holding FastAls.sln), found by walking up from the test assembly's folder.
    /// (Not from [CallerFilePath]: CI builds with ContinuousIntegrationBuild, which maps source paths to "/_/".)
    /// </summary>
    public static string RepoRoot()
    {
        string start = AppContext.BaseDirectory;
        string? dir = start;
        while (dir is not null && !File.Exists(Path.Combine(dir, "FastAls.sln")))
        {
            dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar));
        }

        return dir ?? throw new InvalidOperationException("FastAls.sln not found above " + start);
    }
}
