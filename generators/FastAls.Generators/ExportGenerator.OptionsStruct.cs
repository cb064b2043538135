using System.Collections.Generic;
using System.Linq;
using System.Threading;
using FastAls.Generators.Diagnostics;
using FastAls.Generators.Helpers;
using FastAls.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FastAls.Generators;

/// <summary>
/// <c>[FastAlsOptionsStruct(typeof(TOptions), Tail = typeof(TTail))]</c> on a partial struct without instance fields:
/// the struct is the C form of the options record, and its fields are generated from the record, so adding an option
/// to the record needs no edit of the struct. The fields are the record's settable public properties in declaration
/// order (name, type, and the description of their <c>[Description]</c>), then the tail struct's fields. The exports
/// see the same field list (<see cref="OptionsFields"/>), so the C header and the Python ctypes struct follow.
/// </summary>
public sealed partial class ExportGenerator
{
    internal const string OptionsStructAttributeName = "FastAls.Interop.FastAlsOptionsStructAttribute";
    private const string DescriptionAttributeName = "System.ComponentModel.DescriptionAttribute";

    private static void InitializeOptionsStructs(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<OptionsStructModel> structs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                OptionsStructAttributeName,
                predicate: static (node, _) => node is StructDeclarationSyntax,
                transform: static (ctx, ct) => BuildOptionsStruct(ctx, ct));
        context.RegisterSourceOutput(structs, static (spc, m) => ExecuteOptionsStruct(spc, m));
    }

    /// <summary>One generated field: C# name and type, the C/Python type, and its doc.</summary>
    private sealed record OptionsField(string Name, string ManagedType, TypeRef Abi, string Doc, bool IsOption);

    /// <summary>
    /// The fields of an options struct (options then tail), or null when <paramref name="st"/> has no
    /// <c>[FastAlsOptionsStruct]</c>; problems go to <paramref name="diags"/> (then the list is incomplete).
    /// </summary>
    private static List<OptionsField>? OptionsFields(INamedTypeSymbol st, List<DiagnosticInfo> diags, out INamedTypeSymbol? target)
    {
        target = ReadOptionsStruct(st, diags, out List<OptionsField>? fields);
        return fields;
    }

    /// <summary>The record an options struct is generated from (null without the attribute), and its fields in <paramref name="result"/>.</summary>
    private static INamedTypeSymbol? ReadOptionsStruct(INamedTypeSymbol st, List<DiagnosticInfo> diags, out List<OptionsField>? result)
    {
        result = null;
        INamedTypeSymbol? target = null;
        AttributeData? attr = st.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == OptionsStructAttributeName);
        if (attr is null)
        {
            return null;
        }

        LocationInfo? loc = LocationOf(st.Locations.FirstOrDefault());
        void Fail(string why) =>
            diags.Add(new DiagnosticInfo(DiagnosticDescriptors.OptionsStructInvalid, loc, EquatableArray.From(new[] { st.Name, target?.Name ?? "?", why })));

        var fields = new List<OptionsField>();
        result = fields;
        target = attr.ConstructorArguments.FirstOrDefault().Value as INamedTypeSymbol;
        if (target is null)
        {
            Fail("the attribute needs typeof(an options type)");
            return target;
        }

        foreach (IFieldSymbol own in st.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst && !f.IsImplicitlyDeclared))
        {
            Fail("it declares the field '" + own.Name + "' itself (the generator writes every field; put extra fields in the Tail struct)");
        }

        foreach (IPropertySymbol p in target.GetMembers().OfType<IPropertySymbol>())
        {
            if (p.IsStatic || p.IsIndexer || p.DeclaredAccessibility != Accessibility.Public || p.SetMethod is null
                || p.SetMethod.DeclaredAccessibility != Accessibility.Public)
            {
                continue;
            }

            if (MapScalar(p.Type) is not { Kind: AbiKind.Primitive or AbiKind.Enum } abi)
            {
                Fail("its option " + p.Name + " has type '" + p.Type.ToDisplayString() + "', which cannot be a C struct field (use a number or an enum)");
                continue;
            }

            string doc = p.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DescriptionAttributeName)
                ?.ConstructorArguments.FirstOrDefault().Value as string ?? Docs.Parse(p.GetDocumentationCommentXml()).Summary;
            fields.Add(new OptionsField(p.Name, p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), abi, doc, IsOption: true));
        }

        TypedConstant tailArg = attr.NamedArguments.FirstOrDefault(a => a.Key == "Tail").Value;
        if (tailArg.Value is INamedTypeSymbol tail)
        {
            if (tail.TypeKind != Microsoft.CodeAnalysis.TypeKind.Struct)
            {
                Fail("Tail must be a struct");
                return target;
            }

            foreach (IFieldSymbol f in tail.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst))
            {
                TypeRef? ft = MapFieldType(f.Type, diags);
                if (ft is null)
                {
                    diags.Add(new DiagnosticInfo(DiagnosticDescriptors.UnsupportedFieldType, LocationOf(f.Locations.FirstOrDefault()) ?? loc,
                        EquatableArray.From(new[] { f.Name, tail.Name, f.Type.ToDisplayString() })));
                    continue;
                }

                fields.Add(new OptionsField(f.Name, f.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), ft, Docs.Parse(f.GetDocumentationCommentXml()).Summary, IsOption: false));
            }
        }

        return target;
    }

    private static OptionsStructModel BuildOptionsStruct(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        var st = (INamedTypeSymbol)ctx.TargetSymbol;
        var diags = new List<DiagnosticInfo>();
        List<OptionsField> fields = OptionsFields(st, diags, out INamedTypeSymbol? target)!;
        ct.ThrowIfCancellationRequested();
        var options = new List<string>();
        var declarations = new List<GeneratedField>();
        foreach (OptionsField f in fields)
        {
            declarations.Add(new GeneratedField(f.Name, f.ManagedType, f.Doc));
            if (f.IsOption)
            {
                options.Add(f.Name);
            }
        }

        string targetName = target?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) ?? "";
        bool validates = false;
        string? defaultsParam = null;
        string? defaultsType = null;
        if (target is not null)
        {
            validates = target.GetMembers("Validate").OfType<IMethodSymbol>()
                .Any(m => !m.IsStatic && m.Parameters.Length == 0 && m.DeclaredAccessibility == Accessibility.Public);
            IMethodSymbol? factory = target.GetMembers("For").OfType<IMethodSymbol>()
                .FirstOrDefault(m => m.IsStatic && m.Parameters.Length == 1 && m.DeclaredAccessibility == Accessibility.Public
                    && SymbolEqualityComparer.Default.Equals(m.ReturnType, target));
            if (factory is not null)
            {
                defaultsParam = factory.Parameters[0].Name;
                defaultsType = factory.Parameters[0].Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            }
        }

        string ns = st.ContainingNamespace.IsGlobalNamespace ? "" : st.ContainingNamespace.ToDisplayString();
        return new OptionsStructModel(ns, st.Name, targetName, EquatableArray.From(declarations), EquatableArray.From(options),
            validates, defaultsType, defaultsParam, EquatableArray.From(diags));
    }

    private static void ExecuteOptionsStruct(SourceProductionContext spc, OptionsStructModel m)
    {
        foreach (DiagnosticInfo d in m.Diagnostics)
        {
            Report(spc, d);
        }

        if (m.Diagnostics.Count > 0)
        {
            return;
        }

        spc.AddSource(m.Struct + ".OptionsStruct.g.cs", EmitOptionsStruct(m));
    }

    internal static string EmitOptionsStruct(OptionsStructModel m)
    {
        var w = new IndentedWriter();
        w.Line("// <auto-generated/>");
        w.Line("#nullable enable");
        w.Line();
        if (m.Namespace.Length > 0)
        {
            w.Line("namespace " + m.Namespace);
            w.Open();
        }

        w.Line("unsafe partial struct " + m.Struct);
        w.Open();
        foreach (GeneratedField f in m.Fields)
        {
            if (f.Doc.Length > 0)
            {
                w.Line("/// <summary>" + Escape(f.Doc) + "</summary>");
            }

            w.Line("public " + f.ManagedType + " " + f.Name + ";");
            w.Line();
        }

        w.Line("/// <summary>The fields of <paramref name=\"options\"/> (one per option); the other fields are zero.</summary>");
        w.Line("public static " + m.Struct + " From(" + m.Target + " options)");
        w.Open();
        w.Line("global::System.ArgumentNullException.ThrowIfNull(options);");
        w.Line("return new " + m.Struct);
        w.Open();
        foreach (string n in m.Options)
        {
            w.Line(n + " = options." + n + ",");
        }

        w.Close("};");
        w.Close();
        w.Line();
        w.Line("/// <summary>The options these fields describe (not validated).</summary>");
        w.Line("public readonly " + m.Target + " ToOptionsUnvalidated() => new " + m.Target);
        w.Open();
        foreach (string n in m.Options)
        {
            w.Line(n + " = " + n + ",");
        }

        w.Close("};");
        if (m.Validates)
        {
            w.Line();
            w.Line("/// <summary>The options these fields describe, validated (<c>Validate()</c> throws naming the first bad option).</summary>");
            w.Line("public readonly " + m.Target + " ToOptions()");
            w.Open();
            w.Line(m.Target + " options = ToOptionsUnvalidated();");
            w.Line("options.Validate();");
            w.Line("return options;");
            w.Close();
        }

        if (m.DefaultsType is { } dt && m.DefaultsParam is { } dp)
        {
            string p = Naming.CSharpIdentifier(dp);
            w.Line();
            w.Line("/// <summary>The fields of <c>For(" + Escape(dp) + ")</c>, the record's defaults; the other fields are zero.</summary>");
            w.Line("public static " + m.Struct + " Defaults(" + dt + " " + p + ") => From(" + m.Target + ".For(" + p + "));");
        }

        w.Close();
        if (m.Namespace.Length > 0)
        {
            w.Close();
        }

        return w.ToString();
    }
}
