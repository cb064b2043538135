using System.Text;

namespace FastAls.Generators.Helpers;

internal static class Naming
{
    /// <summary><c>RowOffsets</c> / <c>rowOffsets</c> -> <c>row_offsets</c>; <c>FastAlsFitOptions</c> keeps its words.</summary>
    public static string ToSnake(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool prevLower = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool nextLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                bool prevUpper = i > 0 && char.IsUpper(name[i - 1]);
                if (i > 0 && name[i - 1] != '_' && (prevLower || (prevUpper && nextLower)))
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

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
