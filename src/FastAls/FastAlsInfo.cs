using System.Reflection;

namespace FastAls;

/// <summary>Facts about this build of the FastAls library.</summary>
public static class FastAlsInfo
{
    /// <summary>
    /// The library's version (<c>major.minor.patch</c>, with any pre-release suffix, without build metadata): the
    /// <c>Version</c> of the repository's <c>Directory.Build.props</c>, the same text that <c>fastals --version</c>,
    /// the C ABI's <c>fastals_version</c> and the NuGet packages carry.
    /// </summary>
    public static string Version { get; } =
        typeof(FastAlsInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? throw new InvalidOperationException("the FastAls assembly carries no informational version.");
}
