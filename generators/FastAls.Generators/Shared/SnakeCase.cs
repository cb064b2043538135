using System.Text;

namespace FastAls.Shared;

/// <summary>
/// The one rule that turns a C# name into the snake_case spelling of the C ABI, Python and the options schema.
/// This file is compiled into the generator and linked into the FastAls library, so both spell names the same way.
/// </summary>
internal static class SnakeCase
{
    /// <summary><c>RowOffsets</c> / <c>rowOffsets</c> -> <c>row_offsets</c>; <c>ByCount</c> -> <c>by_count</c>.</summary>
    public static string Of(string name)
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
}
