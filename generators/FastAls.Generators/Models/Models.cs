using FastAls.Generators.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace FastAls.Generators.Models;

/// <summary>How a managed type crosses the C ABI.</summary>
internal enum AbiKind
{
    /// <summary>A blittable number: passed as is.</summary>
    Primitive,

    /// <summary><c>bool</c>: an <c>int32_t</c>, non-zero is true.</summary>
    Bool,

    /// <summary>An enum: its underlying integer, checked with <c>Enum.IsDefined</c>.</summary>
    Enum,

    /// <summary><c>T*</c>: passed as is, NULL rejected unless <c>[FastAlsNullable]</c>.</summary>
    Pointer,

    /// <summary><c>in TStruct</c>: a <c>const T*</c> that must not be NULL.</summary>
    InStruct,

    /// <summary><c>ReadOnlySpan&lt;T&gt;</c>: <c>const T* name, int64_t name_len</c>.</summary>
    ReadOnlySpan,

    /// <summary><c>Span&lt;T&gt;</c>: <c>T* name, int64_t name_len</c> (a buffer the caller owns).</summary>
    Span,

    /// <summary><c>string</c>: a NUL-terminated UTF-8 <c>const char*</c>.</summary>
    String,

    /// <summary>A class instance: a <c>fastals_handle</c> looked up in the handle table.</summary>
    Handle,

    /// <summary><c>out T</c> of a number, bool or enum: a <c>T*</c> written on success.</summary>
    Out,

    /// <summary>An unmanaged function pointer (callbacks; NULL allowed).</summary>
    FunctionPointer,

    /// <summary><c>void</c> (return types only).</summary>
    Void,
}

/// <summary>One type as the three languages spell it.</summary>
/// <param name="Kind">How it crosses.</param>
/// <param name="Managed">Fully qualified C# type (element type for spans, pointee for pointers and out).</param>
/// <param name="C">C type (element type for spans; a declarator format with {0} for function pointers).</param>
/// <param name="Py">ctypes type expression.</param>
/// <param name="Struct">The struct behind a pointer or <c>in</c>, when it is one of ours.</param>
/// <param name="Enum">The enum, when the type (or out element) is one.</param>
/// <param name="Element">For <see cref="AbiKind.Out"/>: the kind of the pointed-to value.</param>
internal sealed record TypeRef(AbiKind Kind, string Managed, string C, string Py, StructModel? Struct = null, EnumModel? Enum = null, AbiKind Element = AbiKind.Primitive);

internal sealed record ParamModel(string ManagedName, string CName, TypeRef Type, bool Nullable, bool Release, string Doc);

internal sealed record FieldModel(string ManagedName, string CName, TypeRef Type, string Doc);

internal sealed record StructModel(string Managed, string CName, string PyName, EquatableArray<FieldModel> Fields, string Doc);

internal sealed record EnumMember(string CName, string PyName, long Value, string Doc);

internal sealed record EnumModel(string Managed, string CName, string PyName, string Underlying, EquatableArray<EnumMember> Members, string Doc);

/// <summary>Where a diagnostic goes, without keeping a <c>Location</c> (or its syntax tree) alive.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan);

/// <summary>
/// A diagnostic to report: its descriptor (from <c>DiagnosticDescriptors</c>, so no diagnostic can name an id
/// that has none), where, and the message arguments. Descriptors compare by value, so the record stays equatable.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Args);

/// <summary>A field the generator declares in an options struct.</summary>
internal sealed record GeneratedField(string Name, string ManagedType, string Doc);

/// <summary>
/// A <c>[FastAlsOptionsStruct]</c> struct: its fields (options, then tail), the options' names, and whether the record
/// has <c>Validate()</c> and a <c>For(x)</c> factory (then <c>ToOptions</c> / <c>Defaults</c> are generated).
/// </summary>
internal sealed record OptionsStructModel(
    string Namespace,
    string Struct,
    string Target,
    EquatableArray<GeneratedField> Fields,
    EquatableArray<string> Options,
    bool Validates,
    string? DefaultsType,
    string? DefaultsParam,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Everything the emitters need about one <c>[FastAlsExport]</c> method.</summary>
internal sealed record ExportModel(
    string EntryPoint,
    string ContainingType,
    string MethodName,
    EquatableArray<ParamModel> Params,
    TypeRef Return,
    string ResultName,
    string Summary,
    string ReturnsDoc,
    LocationInfo? Location,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool HasErrors => Diagnostics.Count > 0;
}

/// <summary>Which method exports an entry point (<paramref name="Owner"/> is <c>type.method</c>); models with errors own nothing.</summary>
internal sealed record EntryOwner(string EntryPoint, string Owner, bool HasErrors);

/// <summary>One export as its own output sees it: the model, and the export that already owns its entry point, if any.</summary>
internal sealed record ExportOutput(ExportModel Model, string? DuplicateOf);
