using System.Globalization;
using System.Text;
using FastAls.Internals.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>
/// Streams batch recommendations as delimited text: a header <c>user,rank,item,score</c> (id column names
/// configurable), external ids (quoted when they hold the separator, a quote or a line break), invariant culture,
/// scores round-trippable. To a file (temporary name and rename as <see cref="ParquetRecommendationWriter"/>) or to
/// any <see cref="TextWriter"/> (standard output).
/// </summary>
public sealed class CsvRecommendationWriter : IRecommendationSink, IDisposable
{
    private readonly AtomicTextFile? _text;
    private readonly TextWriter _writer;
    private readonly IdMap _users;
    private readonly IdMap _items;
    private readonly char _separator;
    private readonly string _needsQuotes;
    private bool _done;

    /// <summary>Starts a file whose ids come from <paramref name="userIds"/> and <paramref name="itemIds"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="userIds">Id map of the users (the queries).</param>
    /// <param name="itemIds">Id map of the items (the results).</param>
    /// <param name="separator">Field separator: ',' (CSV) or '\t' (TSV).</param>
    /// <param name="userColumn">Header of the query id column.</param>
    /// <param name="itemColumn">Header of the result id column.</param>
    public CsvRecommendationWriter(string path, IdMap userIds, IdMap itemIds, char separator = ',', string userColumn = "user", string itemColumn = "item")
        : this(Open(path, userIds, itemIds), null, userIds, itemIds, separator, userColumn, itemColumn)
    {
    }

    /// <summary>Writes to <paramref name="output"/> (for example standard output), which is flushed but not closed by <see cref="Complete"/>.</summary>
    /// <param name="output">Where the text goes.</param>
    /// <param name="userIds">Id map of the users (the queries).</param>
    /// <param name="itemIds">Id map of the items (the results).</param>
    /// <param name="separator">Field separator: ',' (CSV) or '\t' (TSV).</param>
    /// <param name="userColumn">Header of the query id column.</param>
    /// <param name="itemColumn">Header of the result id column.</param>
    public CsvRecommendationWriter(TextWriter output, IdMap userIds, IdMap itemIds, char separator = ',', string userColumn = "user", string itemColumn = "item")
        : this(null, output ?? throw new ArgumentNullException(nameof(output)), userIds, itemIds, separator, userColumn, itemColumn)
    {
    }

    private CsvRecommendationWriter(AtomicTextFile? text, TextWriter? output, IdMap userIds, IdMap itemIds, char separator, string userColumn, string itemColumn)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        _text = text;
        _writer = text?.Writer ?? output!;
        _users = userIds;
        _items = itemIds;
        _separator = separator;
        _needsQuotes = "\"\r\n" + separator;
        try
        {
            WriteHeader(userColumn, itemColumn);
        }
        catch
        {
            text?.Dispose();
            throw;
        }
    }

    /// <summary>Rows written so far.</summary>
    public long RowCount { get; private set; }

    /// <inheritdoc/>
    public void Write(in RecommendationBlock block)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        Span<char> buf = stackalloc char[32];
        for (int q = 0; q < block.Queries.Length; q++)
        {
            string user = Escape(_users.Format(block.Queries[q]));
            for (int r = 0; r < block.Counts[q]; r++)
            {
                _writer.Write(user);
                _writer.Write(_separator);
                (r + 1).TryFormat(buf, out int len, default, CultureInfo.InvariantCulture);
                _writer.Write(buf[..len]);
                _writer.Write(_separator);
                _writer.Write(Escape(_items.Format(block.Items[(q * block.N) + r])));
                _writer.Write(_separator);
                block.Scores[(q * block.N) + r].TryFormat(buf, out len, "R", CultureInfo.InvariantCulture);
                _writer.Write(buf[..len]);
                _writer.Write('\n');
                RowCount++;
            }
        }
    }

    /// <summary>
    /// Flushes; for a file, flushes it to disk and renames it into place, <paramref name="cancellationToken"/> being
    /// checked last before the rename (cancelled: the file is deleted).
    /// </summary>
    public void Complete(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        if (_text is null)
        {
            _writer.Flush();
            return;
        }

        _text.Commit(cancellationToken);
    }

    /// <summary>Abandons an incomplete file (deleting the temporary file); no-op after <see cref="Complete"/> or for a <see cref="TextWriter"/>.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        _text?.Dispose();
    }

    /// <summary>Checks the arguments that the file constructor needs before creating the temporary file.</summary>
    private static AtomicTextFile Open(string path, IdMap userIds, IdMap itemIds)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        return new AtomicTextFile(path);
    }

    private void WriteHeader(string userColumn, string itemColumn)
    {
        ArgumentException.ThrowIfNullOrEmpty(userColumn);
        ArgumentException.ThrowIfNullOrEmpty(itemColumn);
        _writer.Write(string.Join(_separator, userColumn, "rank", itemColumn, "score"));
        _writer.Write('\n');
    }

    private string Escape(string s) => s.AsSpan().IndexOfAny(_needsQuotes) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
