using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Xml.Linq;
using FastAls.Generators.Diagnostics;
using FastAls.Generators.Helpers;
using FastAls.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FastAls.Generators;

/// <summary>
/// Turns each <c>[FastAlsExport("fastals_...")]</c> static method into an <c>[UnmanagedCallersOnly]</c> C export
/// that checks its arguments and maps exceptions to status codes (one generated file per export, so an edit
/// regenerates that export only), and emits the C header and the Python ctypes signatures of all exports as
/// constants (<c>FastAls.Interop.FastAlsInterface.CHeader</c> / <c>.PythonSignatures</c>: the one collected step).
/// The runtime code the exports call (attributes, handle table, last error) is ordinary source in
/// <c>src/FastAls.Native/Interop</c>; the generator adds only the <c>FastAlsStatus</c> enum, from its status table.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ExportGenerator : IIncrementalGenerator
{
    internal const string ExportAttributeName = "FastAls.Interop.FastAlsExportAttribute";
    internal const string NullableAttributeName = "FastAls.Interop.FastAlsNullableAttribute";
    internal const string ReleaseAttributeName = "FastAls.Interop.FastAlsReleaseAttribute";

    /// <summary>Names of the tracked pipeline steps (tests assert their run reasons).</summary>
    public static class StepNames
    {
        public const string BuildModel = nameof(BuildModel);
        public const string EntryPoints = nameof(EntryPoints);
        public const string PerExport = nameof(PerExport);
        public const string Collect = nameof(Collect);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The runtime half (attributes, handle table, last error) is ordinary compiled code in FastAls.Native/Interop;
        // only the status enum is written here, from the one table the C header and Python constants also come from.
        context.RegisterPostInitializationOutput(static ctx => ctx.AddSource(StatusHintName, EmitStatusEnum()));

        IncrementalValuesProvider<ExportModel> exports = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ExportAttributeName,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, ct) => BuildModel(ctx, ct))
            .WithTrackingName(StepNames.BuildModel);

        // Which export owns each entry point (the first one, in source order): the only cross-export fact an export's own
        // output needs. It changes only when an entry point is added, removed or renamed, and the per-export step below
        // then yields unchanged values for every export whose ownership did not change, so their outputs stay cached.
        IncrementalValueProvider<EquatableArray<EntryOwner>> owners = exports
            .Select(static (m, _) => new EntryOwner(m.EntryPoint, m.ContainingType + "." + m.MethodName, m.HasErrors))
            .Collect()
            .Select(static (items, _) => items.ToEquatableArray())
            .WithTrackingName(StepNames.EntryPoints);

        IncrementalValuesProvider<ExportOutput> perExport = exports
            .Combine(owners)
            .Select(static (pair, _) => new ExportOutput(pair.Left, DuplicateOf(pair.Left, pair.Right)))
            .WithTrackingName(StepNames.PerExport);
        context.RegisterSourceOutput(perExport, static (spc, e) => ExecuteExport(spc, e));

        // The C header and the Python ctypes file describe every export at once: the one collected step.
        IncrementalValueProvider<EquatableArray<ExportModel>> all = exports
            .Collect()
            .Select(static (items, _) => items.ToEquatableArray())
            .WithTrackingName(StepNames.Collect);
        context.RegisterSourceOutput(all, static (spc, models) => ExecuteInterface(spc, models));
        InitializeOptionsStructs(context);
    }

    private static ExportModel BuildModel(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        var method = (IMethodSymbol)ctx.TargetSymbol;
        var diags = new List<DiagnosticInfo>();
        LocationInfo? loc = LocationOf(method.Locations.FirstOrDefault());
        AttributeData attr = ctx.Attributes[0];
        string entry = attr.ConstructorArguments.Length > 0 && attr.ConstructorArguments[0].Value is string s ? s : "";
        string resultName = "result";
        foreach (KeyValuePair<string, TypedConstant> named in attr.NamedArguments)
        {
            if (named.Key == "Result" && named.Value.Value is string r && r.Length > 0)
            {
                resultName = r;
            }
        }

        if (!Naming.IsValidEntryPoint(entry))
        {
            diags.Add(new DiagnosticInfo(DiagnosticDescriptors.InvalidEntryPoint, loc, EquatableArray.From(new[] { entry })));
        }

        if (!method.IsStatic)
        {
            diags.Add(new DiagnosticInfo(DiagnosticDescriptors.ExportMustBeStatic, loc, EquatableArray.From(new[] { method.Name })));
        }

        if (method.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal
            || method.IsGenericMethod || method.ContainingType.IsGenericType || IsPrivateNested(method.ContainingType))
        {
            diags.Add(new DiagnosticInfo(DiagnosticDescriptors.ExportNotReachable, loc, EquatableArray.From(new[] { method.Name })));
        }

        ct.ThrowIfCancellationRequested();
        Docs docs = Docs.Parse(method.GetDocumentationCommentXml(cancellationToken: ct));
        var ps = new List<ParamModel>();
        foreach (IParameterSymbol p in method.Parameters)
        {
            string cName = Naming.ToSnake(p.Name);
            bool nullable = HasAttribute(p, NullableAttributeName) || p.NullableAnnotation == NullableAnnotation.Annotated;
            bool release = HasAttribute(p, ReleaseAttributeName);
            TypeRef? t = MapParameter(p, out string why, diags);
            if (t is null)
            {
                diags.Add(new DiagnosticInfo(DiagnosticDescriptors.UnsupportedParameterType, LocationOf(p.Locations.FirstOrDefault()) ?? loc,
                    EquatableArray.From(new[] { p.Name, entry, p.Type.ToDisplayString(), why })));
                continue;
            }

            if (release && t.Kind != AbiKind.Handle)
            {
                diags.Add(new DiagnosticInfo(DiagnosticDescriptors.UnsupportedParameterType, LocationOf(p.Locations.FirstOrDefault()) ?? loc,
                    EquatableArray.From(new[] { p.Name, entry, p.Type.ToDisplayString(), "[FastAlsRelease] applies to class handles only" })));
                continue;
            }

            ps.Add(new ParamModel(p.Name, cName, t, nullable, release, docs.Param(p.Name)));
        }

        TypeRef? ret = MapReturn(method.ReturnType, diags);
        if (ret is null)
        {
            diags.Add(new DiagnosticInfo(DiagnosticDescriptors.UnsupportedReturnType, loc, EquatableArray.From(new[] { entry, method.ReturnType.ToDisplayString() })));
            ret = new TypeRef(AbiKind.Void, "void", "void", "None");
        }

        return new ExportModel(
            entry,
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            method.Name,
            EquatableArray.From(ps),
            ret,
            Naming.ToSnake(resultName),
            docs.Summary,
            docs.Returns,
            loc,
            EquatableArray.From(diags));
    }

    private static bool IsPrivateNested(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected || t.IsGenericType)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAttribute(ISymbol symbol, string fullName) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == fullName);

    private static LocationInfo? LocationOf(Location? location)
    {
        if (location is null || !location.IsInSource)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);
    }

    private static TypeRef? MapParameter(IParameterSymbol p, out string why, List<DiagnosticInfo> diags)
    {
        why = "";
        ITypeSymbol t = p.Type;
        switch (p.RefKind)
        {
            case RefKind.Out:
            {
                TypeRef? inner = MapScalar(t);
                if (inner is null)
                {
                    why = "out parameters must be numbers, bool or enums";
                    return null;
                }

                return inner with { Kind = AbiKind.Out, Element = inner.Kind };
            }

            case RefKind.In or RefKind.RefReadOnlyParameter:
            {
                if (t is INamedTypeSymbol { TypeKind: Microsoft.CodeAnalysis.TypeKind.Struct, SpecialType: SpecialType.None } st && st.IsUnmanagedType
                    && MapStruct(st, diags) is { } sm)
                {
                    return new TypeRef(AbiKind.InStruct, sm.Managed, "const " + sm.CName, "ctypes.POINTER(" + sm.PyName + ")", sm);
                }

                why = "'in' applies to unmanaged structs of plain fields";
                return null;
            }

            case RefKind.None:
                break;
            default:
                why = "ref parameters are not supported; use a pointer, a span or out";
                return null;
        }

        if (MapScalar(t) is { } scalar)
        {
            return scalar;
        }

        switch (t)
        {
            case IPointerTypeSymbol ptr:
                return MapPointer(ptr, diags, ref why);
            case IFunctionPointerTypeSymbol fp:
                return MapFunctionPointer(fp, ref why);
            case INamedTypeSymbol { SpecialType: SpecialType.System_String }:
                return new TypeRef(AbiKind.String, "string", "const char*", "ctypes.c_char_p");
            case INamedTypeSymbol named when named.IsGenericType && named.TypeArguments.Length == 1
                && named.ConstructedFrom.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>":
            {
                bool ro = named.ConstructedFrom.ToDisplayString() == "System.ReadOnlySpan<T>";
                if (MapScalar(named.TypeArguments[0]) is { Kind: AbiKind.Primitive } elem)
                {
                    return new TypeRef(ro ? AbiKind.ReadOnlySpan : AbiKind.Span, elem.Managed, (ro ? "const " : "") + elem.C, "ctypes.POINTER(" + elem.Py + ")");
                }

                why = "span elements must be numbers";
                return null;
            }

            case INamedTypeSymbol { TypeKind: Microsoft.CodeAnalysis.TypeKind.Class, IsGenericType: false, SpecialType: SpecialType.None } cls:
                return new TypeRef(AbiKind.Handle, cls.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), "fastals_handle", "ctypes.c_uint64");
            default:
                why = "supported: numbers, bool, enums, pointers, spans of numbers, string, non-generic class handles, out numbers, in structs, unmanaged function pointers";
                return null;
        }
    }

    private static TypeRef? MapReturn(ITypeSymbol t, List<DiagnosticInfo> diags)
    {
        if (t.SpecialType == SpecialType.System_Void)
        {
            return new TypeRef(AbiKind.Void, "void", "void", "None");
        }

        if (MapScalar(t) is { } scalar)
        {
            return scalar;
        }

        if (t.SpecialType == SpecialType.System_String)
        {
            return new TypeRef(AbiKind.String, "string", "char", "ctypes.c_char_p");
        }

        if (t is INamedTypeSymbol { TypeKind: Microsoft.CodeAnalysis.TypeKind.Class, IsGenericType: false, SpecialType: SpecialType.None } cls)
        {
            return new TypeRef(AbiKind.Handle, cls.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), "fastals_handle", "ctypes.c_uint64");
        }

        return null;
    }

    /// <summary>Numbers, bool and enums; null for anything else.</summary>
    private static TypeRef? MapScalar(ITypeSymbol t)
    {
        if (t.TypeKind == Microsoft.CodeAnalysis.TypeKind.Enum && t is INamedTypeSymbol en && en.EnumUnderlyingType is { } under)
        {
            TypeRef? u = MapScalar(under);
            if (u is null)
            {
                return null;
            }

            EnumModel model = MapEnum(en, u);
            return new TypeRef(AbiKind.Enum, en.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), u.C, u.Py, null, model);
        }

        return t.SpecialType switch
        {
            SpecialType.System_Boolean => new TypeRef(AbiKind.Bool, "bool", "int32_t", "ctypes.c_int32"),
            SpecialType.System_SByte => P("sbyte", "int8_t", "ctypes.c_int8"),
            SpecialType.System_Byte => P("byte", "uint8_t", "ctypes.c_uint8"),
            SpecialType.System_Int16 => P("short", "int16_t", "ctypes.c_int16"),
            SpecialType.System_UInt16 => P("ushort", "uint16_t", "ctypes.c_uint16"),
            SpecialType.System_Int32 => P("int", "int32_t", "ctypes.c_int32"),
            SpecialType.System_UInt32 => P("uint", "uint32_t", "ctypes.c_uint32"),
            SpecialType.System_Int64 => P("long", "int64_t", "ctypes.c_int64"),
            SpecialType.System_UInt64 => P("ulong", "uint64_t", "ctypes.c_uint64"),
            SpecialType.System_Single => P("float", "float", "ctypes.c_float"),
            SpecialType.System_Double => P("double", "double", "ctypes.c_double"),
            SpecialType.System_IntPtr => P("nint", "intptr_t", "ctypes.c_ssize_t"),
            SpecialType.System_UIntPtr => P("nuint", "uintptr_t", "ctypes.c_size_t"),
            _ => null,
        };

        static TypeRef P(string managed, string c, string py) => new(AbiKind.Primitive, managed, c, py);
    }

    private static EnumModel MapEnum(INamedTypeSymbol en, TypeRef underlying)
    {
        string cName = Naming.CTypeName(en.Name);
        var members = new List<EnumMember>();
        foreach (IFieldSymbol f in en.GetMembers().OfType<IFieldSymbol>())
        {
            if (f.HasConstantValue && f.ConstantValue is not null)
            {
                string snake = Naming.ToSnake(f.Name).ToUpperInvariant();
                members.Add(new EnumMember(cName.Substring(0, cName.Length - 2).ToUpperInvariant() + "_" + snake, snake, System.Convert.ToInt64(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture), Docs.Parse(f.GetDocumentationCommentXml()).Summary));
            }
        }

        return new EnumModel(en.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), cName, en.Name, underlying.C, EquatableArray.From(members), Docs.Parse(en.GetDocumentationCommentXml()).Summary);
    }

    private static TypeRef? MapPointer(IPointerTypeSymbol ptr, List<DiagnosticInfo> diags, ref string why)
    {
        ITypeSymbol pointee = ptr.PointedAtType;
        if (pointee.SpecialType == SpecialType.System_Void)
        {
            return new TypeRef(AbiKind.Pointer, "void", "void", "ctypes.c_void_p");
        }

        if (MapScalar(pointee) is { Kind: AbiKind.Primitive } elem)
        {
            string py = elem.Managed == "byte" ? "ctypes.c_char_p" : "ctypes.POINTER(" + elem.Py + ")";
            return new TypeRef(AbiKind.Pointer, elem.Managed, elem.Managed == "byte" ? "char" : elem.C, py);
        }

        if (pointee is INamedTypeSymbol { TypeKind: Microsoft.CodeAnalysis.TypeKind.Struct, SpecialType: SpecialType.None } st && st.IsUnmanagedType)
        {
            StructModel? sm = MapStruct(st, diags);
            if (sm is not null)
            {
                return new TypeRef(AbiKind.Pointer, sm.Managed, sm.CName, "ctypes.POINTER(" + sm.PyName + ")", sm);
            }
        }

        why = "pointers must point to void, a number or an unmanaged struct of plain fields";
        return null;
    }

    private static TypeRef? MapFunctionPointer(IFunctionPointerTypeSymbol fp, ref string why)
    {
        IMethodSymbol sig = fp.Signature;
        if (sig.CallingConvention != System.Reflection.Metadata.SignatureCallingConvention.Unmanaged
            && sig.CallingConvention != System.Reflection.Metadata.SignatureCallingConvention.CDecl)
        {
            why = "function pointers must be 'delegate* unmanaged'";
            return null;
        }

        var cArgs = new List<string>();
        var pyArgs = new List<string>();
        string cRet, pyRet;
        if (sig.ReturnsVoid)
        {
            cRet = "void";
            pyRet = "None";
        }
        else if (MapFnPart(sig.ReturnType) is { } r)
        {
            cRet = r.C;
            pyRet = r.Py;
        }
        else
        {
            why = "function pointer types must use numbers and pointers only";
            return null;
        }

        foreach (IParameterSymbol p in sig.Parameters)
        {
            if (p.RefKind != RefKind.None || MapFnPart(p.Type) is not { } a)
            {
                why = "function pointer types must use numbers and pointers only";
                return null;
            }

            cArgs.Add(a.C);
            pyArgs.Add(a.Py);
        }

        string c = cRet + " (*{0})(" + (cArgs.Count == 0 ? "void" : string.Join(", ", cArgs)) + ")";
        string py = "ctypes.CFUNCTYPE(" + string.Join(", ", new[] { pyRet }.Concat(pyArgs)) + ")";
        return new TypeRef(AbiKind.FunctionPointer, fp.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), c, py);

        static TypeRef? MapFnPart(ITypeSymbol t)
        {
            if (MapScalar(t) is { Kind: AbiKind.Primitive or AbiKind.Enum } s)
            {
                return s;
            }

            if (t is IPointerTypeSymbol)
            {
                return new TypeRef(AbiKind.Pointer, "void", "void*", "ctypes.c_void_p");
            }

            return null;
        }
    }

    private static StructModel? MapStruct(INamedTypeSymbol st, List<DiagnosticInfo> diags)
    {
        var fields = new List<FieldModel>();
        bool ok = true;
        var structDiags = new List<DiagnosticInfo>();
        if (OptionsFields(st, structDiags, out _) is { } generated)
        {
            // An options struct: its fields are the ones the generator writes (the compilation does not hold them yet).
            // Its problems are reported once, by the struct's own output; an export cannot use it then (FALS0002).
            foreach (OptionsField f in generated)
            {
                fields.Add(new FieldModel(f.Name, Naming.ToSnake(f.Name), f.Abi, f.Doc));
            }

            ok = structDiags.Count == 0;
        }
        else
        {
            foreach (IFieldSymbol f in st.GetMembers().OfType<IFieldSymbol>())
            {
                if (f.IsStatic || f.IsConst)
                {
                    continue;
                }

                TypeRef? ft = MapFieldType(f.Type, diags);
                if (ft is null)
                {
                    diags.Add(new DiagnosticInfo(DiagnosticDescriptors.UnsupportedFieldType, LocationOf(f.Locations.FirstOrDefault()),
                        EquatableArray.From(new[] { f.Name, st.Name, f.Type.ToDisplayString() })));
                    ok = false;
                    continue;
                }

                fields.Add(new FieldModel(f.Name, Naming.ToSnake(f.Name), ft, Docs.Parse(f.GetDocumentationCommentXml()).Summary));
            }
        }

        return ok
            ? new StructModel(st.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), Naming.CTypeName(st.Name), st.Name, EquatableArray.From(fields), Docs.Parse(st.GetDocumentationCommentXml()).Summary)
            : null;
    }

    /// <summary>A struct field's type: a number, an enum, a pointer or an unmanaged function pointer (not bool, not a nested struct); else null.</summary>
    private static TypeRef? MapFieldType(ITypeSymbol type, List<DiagnosticInfo> diags)
    {
        string why = "";
        TypeRef? ft = MapScalar(type) is { Kind: not AbiKind.Bool } sc ? sc
            : type is IPointerTypeSymbol p ? MapPointer(p, diags, ref why)
            : type is IFunctionPointerTypeSymbol fp ? MapFunctionPointer(fp, ref why)
            : null;
        return ft is null || ft.Struct is not null ? null : ft;
    }

    /// <summary>The summary, param and returns text of an XML doc comment, flattened to single-spaced text.</summary>
    private readonly struct Docs
    {
        private readonly Dictionary<string, string>? _params;

        private Docs(string summary, string returns, Dictionary<string, string> ps)
        {
            Summary = summary;
            Returns = returns;
            _params = ps;
        }

        public string Summary { get; }

        public string Returns { get; }

        public string Param(string name) => _params is not null && _params.TryGetValue(name, out string? v) ? v : "";

        public static Docs Parse(string? xml)
        {
            var ps = new Dictionary<string, string>();
            if (string.IsNullOrWhiteSpace(xml))
            {
                return new Docs("", "", ps);
            }

            try
            {
                XElement root = XElement.Parse(xml);
                foreach (XElement p in root.Elements("param"))
                {
                    ps[(string?)p.Attribute("name") ?? ""] = Flatten(p);
                }

                return new Docs(Flatten(root.Element("summary")), Flatten(root.Element("returns")), ps);
            }
            catch (System.Xml.XmlException)
            {
                return new Docs("", "", ps);
            }
        }

        private static string Flatten(XElement? e)
        {
            if (e is null)
            {
                return "";
            }

            var parts = new List<string>();
            foreach (XNode n in e.Nodes())
            {
                parts.Add(n switch
                {
                    XText t => t.Value,
                    XElement { Name.LocalName: "see" or "paramref" or "typeparamref" } r =>
                        ((string?)r.Attribute("cref") ?? (string?)r.Attribute("name") ?? (string?)r.Attribute("langword") ?? "").Split(':').Last(),
                    XElement x => x.Value,
                    _ => "",
                });
            }

            return string.Join(" ", string.Concat(parts).Split(new[] { ' ', '\n', '\r', '\t' }, System.StringSplitOptions.RemoveEmptyEntries)).Replace("*/", "* /");
        }
    }
}
