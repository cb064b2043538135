using System.IO.Compression;
using System.Reflection.Metadata;
using System.Xml.Linq;

namespace FastAls.Cli.Tests;

/// <summary>
/// The NuGet packages <c>dotnet pack</c> makes: FastAls, FastAls.DataFrame and the FastAls.Cli .NET tool. Their metadata
/// and symbols are checked, the tool is installed from the local package folder and run, and a console project
/// outside the repository builds against the FastAls package and trains a model. tests/run.sh packs once into
/// tests/.out/packages and names that folder in FASTALS_PACKAGES; without it the test packs the three projects itself.
/// NuGet sees only that folder and this machine's package cache (no network), through a private package folder, so a
/// package of the same version installed earlier cannot stand in for the one just packed.
/// </summary>
public class PackageTests
{
    private static readonly string[] s_packageIds = ["FastAls", "FastAls.DataFrame", "FastAls.Cli"];

    private const string EmbeddedSourceKind = "0e8a571b-6926-466e-b4ad-8ab04611f5fe";

    [SkippableFact]
    public void Packages_install_the_tool_and_build_a_console_project()
    {
        string? dotnet = DotnetWithSdk();
        Skip.If(dotnet is null, "the dotnet SDK is not installed (dotnet --list-sdks lists none)");
        using var tmp = new TempDir();
        string version = FastAlsInfo.Version;
        string packages = PackagesFolder(dotnet, tmp);
        foreach (string id in s_packageIds)
        {
            CheckPackage(packages, id, version);
        }

        Dictionary<string, string?> env = IsolatedNuGet(dotnet, tmp, packages);

        // The tool, from the local folder only.
        string tools = tmp["tools"];
        ShellResult install = Shell.Exec(dotnet, ["tool", "install", "--tool-path", tools, "--configfile", tmp["nuget.config"], "FastAls.Cli", "--version", version], tmp.Path, 300, env);
        Assert.True(install.ExitCode == 0, install.ToString());
        string fastals = Path.Combine(tools, "fastals");
        ShellResult v = Shell.Exec(fastals, ["--version"], tmp.Path, 120, env);
        Assert.True(v.ExitCode == 0, v.ToString());
        Assert.Equal($"fastals {version}", v.Stdout.Trim());

        // The installed tool's demo prints hints that run as printed: its own path, since --tool-path is not on PATH.
        ShellResult demo = Shell.Exec(fastals, ["demo", "--quick", "--show", "0", "--dir", tmp["demo"]], tmp.Path, 300, env);
        Assert.True(demo.ExitCode == 0, demo.ToString());
        string[] hints = InvocationTests.HintLines(demo.Stdout);
        Assert.Equal(3, hints.Length);
        Assert.All(hints, h => Assert.StartsWith(fastals + " ", h, StringComparison.Ordinal));
        ShellResult info = Shell.Run(hints[2], tmp.Path, 120, env);
        Assert.True(info.ExitCode == 0, $"{hints[2]}\n{info}");
        Assert.Contains($"FastAls model (format version", info.Stdout, StringComparison.Ordinal);

        // A console project that references the FastAls package and trains on inline data.
        string app = tmp["app"];
        Directory.CreateDirectory(app);
        File.Copy(tmp["nuget.config"], Path.Combine(app, "nuget.config"));
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="FastAls" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using FastAls;
            using FastAls.IO;

            // Two taste groups (a, b) of four users and five items; user N of a group lacks item N of its group.
            using var builder = new InteractionBuilder(IdKind.String, IdKind.String);
            foreach (char g in "ab")
            {
                for (int u = 0; u < 4; u++)
                {
                    for (int i = 0; i < 5; i++)
                    {
                        if (i != u)
                        {
                            builder.Add($"{g}-user{u}", $"{g}-item{i}");
                        }
                    }
                }
            }

            using Dataset data = builder.Build();
            using AlsModel model = AlsModel.Fit(data, new AlsOptions { Kind = AlsModelKind.Implicit, Factors = 4, Iterations = 10, Seed = 1, Threads = 1 });
            Console.WriteLine($"FastAls {FastAlsInfo.Version}: {model.Users} users, {model.Items} items");
            for (int u = 0; u < model.Users; u++)
            {
                Recommendations top = model.Recommend(u, 1, data.UserItems);
                Console.WriteLine($"{model.UserIds.Format(u)} -> {top.GetStringId(0)}");
            }
            """);
        ShellResult run = Shell.Exec(dotnet, ["run", "--project", app, "-c", "Release"], app, 600, env);
        Assert.True(run.ExitCode == 0, run.ToString());
        string[] lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains($"FastAls {version}: 8 users, 10 items", lines);
        foreach (char g in "ab")
        {
            for (int u = 0; u < 4; u++)
            {
                Assert.Contains($"{g}-user{u} -> {g}-item{u}", lines); // the one unseen item of the user's own group
            }
        }
    }

    /// <summary>Id, version, description, licence, README, dependencies, the tool's command, and symbols with embedded sources.</summary>
    private static void CheckPackage(string folder, string id, string version)
    {
        string nupkg = Path.Combine(folder, $"{id}.{version}.nupkg");
        string snupkg = Path.Combine(folder, $"{id}.{version}.snupkg");
        Assert.True(File.Exists(nupkg), $"{nupkg} is missing; the folder holds: {string.Join(", ", Directory.GetFiles(folder).Select(Path.GetFileName))}");
        Assert.True(File.Exists(snupkg), $"{snupkg} is missing");
        using (ZipArchive z = ZipFile.OpenRead(nupkg))
        {
            XElement meta = XDocument.Load(z.Entries.Single(e => e.FullName == id + ".nuspec").Open()).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Get(string name) => meta.Elements().Single(e => e.Name.LocalName == name).Value;
            Assert.Equal(id, Get("id"));
            Assert.Equal(version, Get("version"));
            Assert.True(Get("description").Length > 40, $"{id}: description '{Get("description")}'");
            Assert.Equal("FastAls developers", Get("authors"));
            XElement license = meta.Elements().Single(e => e.Name.LocalName == "license");
            Assert.Equal("expression", license.Attribute("type")?.Value);
            Assert.Equal("MIT", license.Value);
            Assert.Equal("README.md", Get("readme"));
            using (var readme = new StreamReader(z.GetEntry("README.md")!.Open()))
            {
                Assert.StartsWith("# FastAls", readme.ReadToEnd(), StringComparison.Ordinal);
            }

            string[] deps = meta.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value + " " + e.Attribute("version")!.Value).ToArray();
            string[] files = z.Entries.Select(e => e.FullName).ToArray();
            switch (id)
            {
                case "FastAls":
                    Assert.Contains("lib/net10.0/FastAls.dll", files);
                    Assert.Contains("lib/net10.0/FastAls.xml", files);
                    Assert.Contains(deps, d => d.StartsWith("Parquet.Net ", StringComparison.Ordinal));
                    Assert.Contains(deps, d => d.StartsWith("System.IO.Hashing ", StringComparison.Ordinal));
                    break;
                case "FastAls.DataFrame":
                    Assert.Contains("lib/net10.0/FastAls.DataFrame.dll", files);
                    Assert.Contains($"FastAls {version}", deps);
                    Assert.Contains(deps, d => d.StartsWith("Microsoft.Data.Analysis ", StringComparison.Ordinal));
                    break;
                default:
                    Assert.Equal("DotnetTool", meta.Descendants().Single(e => e.Name.LocalName == "packageType").Attribute("name")?.Value);
                    Assert.Empty(deps); // a tool carries its dependencies inside
                    XDocument settings = XDocument.Load(z.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open());
                    XElement command = settings.Descendants("Command").Single();
                    Assert.Equal("fastals", command.Attribute("Name")?.Value);
                    Assert.Equal("FastAls.Cli.dll", command.Attribute("EntryPoint")?.Value);
                    Assert.Contains("tools/net10.0/any/FastAls.dll", files);
                    break;
            }
        }

        // Symbols: a portable PDB per assembly of the package, every source document embedded in it.
        using ZipArchive symbols = ZipFile.OpenRead(snupkg);
        ZipArchiveEntry pdb = symbols.Entries.Single(e => e.Name == id + ".pdb");
        using var ms = new MemoryStream();
        using (Stream s = pdb.Open())
        {
            s.CopyTo(ms);
        }

        ms.Position = 0;
        using MetadataReaderProvider provider = MetadataReaderProvider.FromPortablePdbStream(ms);
        MetadataReader reader = provider.GetMetadataReader();
        Assert.True(reader.Documents.Count > 0, $"{id}.pdb lists no source documents");
        var embedded = new Guid(EmbeddedSourceKind);
        foreach (DocumentHandle d in reader.Documents)
        {
            string name = reader.GetString(reader.GetDocument(d).Name);
            bool hasSource = reader.GetCustomDebugInformation(d).Any(h => reader.GetGuid(reader.GetCustomDebugInformation(h).Kind) == embedded);
            Assert.True(hasSource, $"{id}.pdb does not embed {name}");
        }
    }

    /// <summary>FASTALS_PACKAGES (tests/run.sh packs there once), or the three projects packed into a temporary folder.</summary>
    private static string PackagesFolder(string dotnet, TempDir tmp)
    {
        if (Environment.GetEnvironmentVariable("FASTALS_PACKAGES") is { Length: > 0 } given)
        {
            Assert.True(Directory.Exists(given), $"FASTALS_PACKAGES names {given}, which does not exist");
            return given;
        }

        string root = RepositoryRoot();
        string folder = tmp["packages"];
        foreach (string project in (string[])["src/FastAls/FastAls.csproj", "src/FastAls.DataFrame/FastAls.DataFrame.csproj", "src/FastAls.Cli/FastAls.Cli.csproj"])
        {
            ShellResult pack = Shell.Exec(dotnet, ["pack", Path.Combine(root, project), "-c", "Release", "-o", folder, "-nologo", "-v", "q"], root, 600);
            Assert.True(pack.ExitCode == 0, $"dotnet pack {project}\n{pack}");
        }

        return folder;
    }

    /// <summary>
    /// A nuget.config with two sources, the package folder (for FastAls*) and this machine's package cache (for
    /// everything else, such as Parquet.Net: restored there when the solution was built), and a private package folder.
    /// </summary>
    private static Dictionary<string, string?> IsolatedNuGet(string dotnet, TempDir tmp, string packages)
    {
        ShellResult locals = Shell.Exec(dotnet, ["nuget", "locals", "global-packages", "--list"], tmp.Path, 120);
        Assert.True(locals.ExitCode == 0, locals.ToString());
        string cache = locals.Stdout.Trim().Split(": ", 2)[1].Trim();
        Assert.True(Directory.Exists(cache), $"the machine's NuGet package folder {cache} does not exist");
        var config = new XDocument(new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "fastals-packages"), new XAttribute("value", packages)),
                new XElement("add", new XAttribute("key", "machine-cache"), new XAttribute("value", cache))),
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "fastals-packages"),
                    new XElement("package", new XAttribute("pattern", "FastAls")),
                    new XElement("package", new XAttribute("pattern", "FastAls.*"))),
                new XElement("packageSource", new XAttribute("key", "machine-cache"),
                    new XElement("package", new XAttribute("pattern", "*"))))));
        config.Save(tmp["nuget.config"]);
        var env = new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = tmp["nuget-packages"],
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            // MSBuild variables of the `dotnet test` running this test would leak into the child builds.
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
        };
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is not { Length: > 0 })
        {
            // The tool's launcher finds the runtime through DOTNET_ROOT when dotnet is not in a default location.
            env["DOTNET_ROOT"] = Path.GetDirectoryName(new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet);
        }

        return env;
    }

    /// <summary>The dotnet host when it has an SDK, else null.</summary>
    private static string? DotnetWithSdk()
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? string.Empty;
        if (host.Length == 0)
        {
            return null;
        }

        ShellResult sdks = Shell.Exec(host, ["--list-sdks"], Path.GetTempPath(), 60);
        return sdks.ExitCode == 0 && sdks.Stdout.Trim().Length > 0 ? Path.GetFullPath(host) : null;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "FastAls.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException($"no FastAls.sln above {AppContext.BaseDirectory} to pack from; set FASTALS_PACKAGES to a folder of packages");
    }
}
