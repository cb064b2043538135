using Microsoft.CodeAnalysis;

namespace FastAls.Generators.Diagnostics;

/// <summary>The FALS0001-FALS0099 block; ids are stable (see AnalyzerReleases.*.md).</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "FastAls.Interop";

    public static readonly DiagnosticDescriptor ExportMustBeStatic = new(
        "FALS0001", "Export must be static", "[FastAlsExport] method '{0}' must be static",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedParameterType = new(
        "FALS0002", "Parameter type cannot cross the C ABI", "Parameter '{0}' of export '{1}' has type '{2}', which cannot cross the C ABI ({3})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateEntryPoint = new(
        "FALS0003", "Duplicate entry point", "Entry point '{0}' is already exported by '{1}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidEntryPoint = new(
        "FALS0004", "Invalid entry point name", "Entry point '{0}' must start with 'fastals_' and contain only a-z, 0-9 and '_'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedReturnType = new(
        "FALS0005", "Return type cannot cross the C ABI", "Export '{0}' returns '{1}', which cannot cross the C ABI (use void, a number, bool, an enum, string or a class handle)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ExportNotReachable = new(
        "FALS0006", "Export not reachable from generated code", "[FastAlsExport] method '{0}' must be internal or public, non-generic, in a non-generic type",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedFieldType = new(
        "FALS0007", "Struct field type cannot cross the C ABI", "Field '{0}' of struct '{1}' has type '{2}', which cannot cross the C ABI (use a number, an enum, a pointer or an unmanaged function pointer)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OptionsStructInvalid = new(
        "FALS0008", "Options struct cannot be generated", "Options struct '{0}' cannot be generated from '{1}': {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
