using System.Globalization;
using FastAls.Internals.IO;

namespace FastAls.IO;

/// <summary>
/// Writes (user, item, value) interactions with int64 ids as delimited text (CSV or TSV, a header line, invariant
/// culture, values round-trippable), streaming: the text counterpart of <see cref="InteractionParquetWriter"/>,
/// readable by <see cref="InteractionLoader"/>. The file is written under a temporary name and renamed into place by
/// <see cref="Complete"/>; disposing without completing deletes it.
/// </summary>
public sealed class InteractionTextWriter : IDisposable
{
    private readonly AtomicTextFile _text;
    private readonly StreamWriter _writer;
    private readonly char _separator;
    private bool _done;

    /// <summary>Starts writing <paramref name="path"/> (through a temporary file beside it) and writes the header.</summary>
    /// <param name="path">The final file name.</param>
    /// <param name="separator">Field separator: ',' or '\t'.</param>
    /// <param name="userColumn">Header of the user column.</param>
    /// <param name="itemColumn">Header of the item column.</param>
    /// <param name="valueColumn">Header of the value column.</param>
    public InteractionTextWriter(string path, char separator = ',', string userColumn = "user", string itemColumn = "item", string valueColumn = InteractionLoadOptions.DefaultValueColumn)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(userColumn);
        ArgumentException.ThrowIfNullOrEmpty(itemColumn);
        ArgumentException.ThrowIfNullOrEmpty(valueColumn);
        if (separator is '"' or '\r' or '\n' || char.IsAsciiDigit(separator) || separator is '-' or '.')
        {
            throw new ArgumentException($"'{separator}' cannot separate numeric fields.", nameof(separator));
        }

        _separator = separator;
        _text = new AtomicTextFile(path);
        _writer = _text.Writer;
        _writer.Write(string.Join(separator, userColumn, itemColumn, valueColumn));
        _writer.Write('\n');
    }

    /// <summary>Rows written so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>Writes rows (<paramref name="users"/>, <paramref name="items"/> and <paramref name="values"/> of equal length).</summary>
    public void Write(ReadOnlySpan<long> users, ReadOnlySpan<long> items, ReadOnlySpan<float> values)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (users.Length != items.Length || values.Length != users.Length)
        {
            throw new ArgumentException($"users ({users.Length}), items ({items.Length}) and values ({values.Length}) must have the same length.");
        }

        Span<char> buf = stackalloc char[32];
        for (int j = 0; j < users.Length; j++)
        {
            users[j].TryFormat(buf, out int n, default, CultureInfo.InvariantCulture);
            _writer.Write(buf[..n]);
            _writer.Write(_separator);
            items[j].TryFormat(buf, out n, default, CultureInfo.InvariantCulture);
            _writer.Write(buf[..n]);
            _writer.Write(_separator);
            values[j].TryFormat(buf, out n, default, CultureInfo.InvariantCulture);
            _writer.Write(buf[..n]);
            _writer.Write('\n');
        }

        RowCount += users.Length;
    }

    /// <summary>
    /// Flushes the file to disk and renames it into place (replacing an existing file); <paramref name="cancellationToken"/>
    /// is checked last before the rename (cancelled: the file is deleted).
    /// </summary>
    public void Complete(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        _text.Commit(cancellationToken);
    }

    /// <summary>Abandons an unfinished file (deleting the temporary file); no-op after <see cref="Complete"/>.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        _text.Dispose();
    }
}
