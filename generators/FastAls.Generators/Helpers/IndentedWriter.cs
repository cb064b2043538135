using System.Text;

namespace FastAls.Generators.Helpers;

/// <summary>A minimal text writer that tracks indentation (generated text is written, not built from syntax trees).</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _sb = new();
    private readonly string _unit;
    private int _level;

    public IndentedWriter(string unit = "    ")
    {
        _unit = unit;
    }

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            for (int i = 0; i < _level; i++)
            {
                _sb.Append(_unit);
            }

            _sb.Append(text);
        }

        _sb.Append('\n');
        return this;
    }

    public IndentedWriter Open(string brace = "{")
    {
        Line(brace);
        _level++;
        return this;
    }

    public IndentedWriter Close(string brace = "}")
    {
        _level--;
        Line(brace);
        return this;
    }

    public IndentedWriter Indent()
    {
        _level++;
        return this;
    }

    public IndentedWriter Dedent()
    {
        _level--;
        return this;
    }

    public override string ToString() => _sb.ToString();
}
