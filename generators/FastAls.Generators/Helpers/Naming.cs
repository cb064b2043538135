namespace FastAls.Generators.Helpers;

internal static class Naming
{
    /// <summary><c>RowOffsets</c> / <c>rowOffsets</c> -> <c>row_offsets</c> (the shared rule, <see cref="FastAls.Shared.SnakeCase"/>).</summary>
    public static string ToSnake(string name) => FastAls.Shared.SnakeCase.Of(name);

    /// <summary>C name of a struct or enum: <c>FastAlsFitOptions</c> -> <c>fastals_fit_options_t</c>, <c>AlsSolver</c> -> <c>fastals_als_solver_t</c>.</summary>
    public static string CTypeName(string managedName)
    {
        string snake = ToSnake(managedName);
        return (snake.StartsWith("fast_als_") ? "fastals_" + snake.Substring("fast_als_".Length) : "fastals_" + snake) + "_t";
    }

    public static bool IsValidEntryPoint(string name)
    {
        if (!name.StartsWith("fastals_") || name.Length == "fastals_".Length)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static readonly string[] s_keywords =
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>A C# identifier for a snake_case name (keywords get an <c>@</c>).</summary>
    public static string CSharpIdentifier(string name) => System.Array.IndexOf(s_keywords, name) >= 0 ? "@" + name : name;
}
