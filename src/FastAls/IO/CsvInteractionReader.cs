using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace FastAls.IO;

/// <summary>
/// Reads delimited text (TSV, CSV, <c>::</c>-separated) into an <see cref="InteractionBuilder"/>: a large
/// buffered read, lines found with vectorized searches, fields parsed straight from the UTF-8 bytes (no
/// string per field for integer ids; a string only for each new text id).
/// </summary>
/// <remarks>
/// Lines end with LF or CRLF; the last line may lack one; blank lines are skipped; a UTF-8 byte order mark
/// is skipped; spaces around fields are trimmed. Quoting is not supported (a quote is part of the field).
/// Every line must have as many fields as the first.
/// </remarks>
internal sealed class CsvInteractionReader
{
    private const int InitialBufferSize = 4 << 20;
    private const int Batch = 1 << 16;

    private readonly string _path;
    private readonly InteractionLoadOptions _options;
    private InteractionBuilder? _builder;
    private byte[] _separator = [];
    private byte[]? _firstLine;
    private long _firstLineNo;
    private bool _setupDone;
    private bool _headerSkipsFirst;
    private int _fieldCount;
    private int _userIdx;
    private int _itemIdx;
    private int _valueIdx;
    private int _maxIdx;
    private string _userName = "";
    private string _itemName = "";
    private string _valueName = "";
    private IdMap? _userMap;
    private IdMap? _itemMap;
    private long _nextExpectedLine = -1;

    // Records are parsed into a batch and their int64 ids mapped a batch at a time (all users, then all
    // items): the lookups then touch one hash table at a time, which keeps more of it in cache.
    private readonly long[] _batchUsers = new long[Batch];
    private readonly long[] _batchItems = new long[Batch];
    private readonly float[] _batchValues = new float[Batch];
    private readonly int[] _denseUsers = new int[Batch];
    private readonly int[] _denseItems = new int[Batch];
    private int _pending;

    private CsvInteractionReader(string path, InteractionLoadOptions options)
    {
        _path = path;
        _options = options;
    }

    /// <summary>Reads the file at <paramref name="path"/> and builds the dataset.</summary>
    public static Dataset Read(string path, InteractionLoadOptions options, CancellationToken cancellationToken = default)
    {
        var reader = new CsvInteractionReader(path, options);
        try
        {
            reader.ReadAll(cancellationToken);
            if (reader._builder is null || reader._builder.Count == 0)
            {
                throw new InvalidDataException($"{path}: no interactions (the file is empty or holds only a header).");
            }

            return reader._builder.Build();
        }
        finally
        {
            reader._builder?.Dispose();
        }
    }

    private void ReadAll(CancellationToken cancellationToken)
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        try
        {
            int filled = 0;
            int pos = 0;
            long lineNo = 0;
            bool eof = false;
            bool first = true;
            while (!eof)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (pos > 0)
                {
                    Buffer.BlockCopy(buffer, pos, buffer, 0, filled - pos);
                    filled -= pos;
                    pos = 0;
                }

                if (filled == buffer.Length)
                {
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, bigger, 0, filled);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                int n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0)
                {
                    eof = true;
                }

                filled += n;
                if (first && filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF)
                {
                    pos = 3;
                }

                if (filled > 0)
                {
                    first = false;
                }

                while (pos < filled)
                {
                    ReadOnlySpan<byte> rest = buffer.AsSpan(pos, filled - pos);
                    int nl = rest.IndexOf((byte)'\n');
                    ReadOnlySpan<byte> line;
                    if (nl < 0)
                    {
                        if (!eof)
                        {
                            break;
                        }

                        line = rest;
                        pos = filled;
                    }
                    else
                    {
                        line = rest[..nl];
                        pos += nl + 1;
                    }

                    lineNo++;
                    if (line.Length > 0 && line[^1] == (byte)'\r')
                    {
                        line = line[..^1];
                    }

                    ProcessLine(line, lineNo);
                }
            }

            if (!_setupDone && _firstLine is not null)
            {
                Setup(_firstLine, _firstLineNo, default, -1);
                if (!_headerSkipsFirst)
                {
                    ProcessRecord(_firstLine, _firstLineNo);
                }
            }

            Flush();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line, long lineNo)
    {
        if (line.Trim((byte)' ').IsEmpty)
        {
            return;
        }

        if (_setupDone)
        {
            ProcessRecord(line, lineNo);
            return;
        }

        if (_firstLine is null)
        {
            _firstLine = line.ToArray();
            _firstLineNo = lineNo;
            return;
        }

        Setup(_firstLine, _firstLineNo, line, lineNo);
        if (!_headerSkipsFirst)
        {
            ProcessRecord(_firstLine, _firstLineNo);
        }

        ProcessRecord(line, lineNo);
    }

    private void Setup(ReadOnlySpan<byte> first, long firstNo, ReadOnlySpan<byte> second, long secondNo)
    {
        InteractionLoadOptions o = _options;
        string sepText = o.Separator ?? DetectSeparator(first, firstNo);
        _separator = Encoding.UTF8.GetBytes(sepText);
        List<string> firstFields = SplitToStrings(first);
        _fieldCount = firstFields.Count;

        bool header;
        if (o.HasHeader is bool h)
        {
            header = h;
        }
        else if (firstFields.Contains(o.UserColumn) || firstFields.Contains(o.ItemColumn))
        {
            header = true;
        }
        else
        {
            // Ids that are not integers on line 1 but are on line 2: line 1 is a header.
            header = !IsIntegerField(firstFields, o.UserColumnIndex)
                && secondNo > 0
                && IsIntegerField(SplitToStrings(second), o.UserColumnIndex);
        }

        _headerSkipsFirst = header;
        int u = -1, it = -1, v = -1;
        if (header)
        {
            u = firstFields.IndexOf(o.UserColumn);
            it = firstFields.IndexOf(o.ItemColumn);
            if ((u >= 0) != (it >= 0))
            {
                string missing = u < 0 ? o.UserColumn : o.ItemColumn;
                throw new InvalidDataException($"{_path}, line {firstNo}: the header has no column '{missing}' (columns: {string.Join(", ", firstFields)}).");
            }

            if (o.ValueColumn is not null)
            {
                v = firstFields.IndexOf(o.ValueColumn);
                if (v < 0 && o.ValueColumnRequired && u >= 0)
                {
                    throw new InvalidDataException($"{_path}, line {firstNo}: the header has no column '{o.ValueColumn}' (columns: {string.Join(", ", firstFields)}).");
                }
            }
        }

        bool byName = u >= 0;
        if (!byName)
        {
            u = o.UserColumnIndex;
            it = o.ItemColumnIndex;
            if (u >= _fieldCount || it >= _fieldCount)
            {
                throw new InvalidDataException($"{_path}, line {firstNo}: the line has {_fieldCount} field(s) (separator '{Escape(sepText)}') but the user and item are at positions {u} and {it} (0-based).");
            }

            if (v < 0 && o.ValueColumn is not null && o.ValueColumnIndex >= 0)
            {
                if (o.ValueColumnIndex < _fieldCount)
                {
                    v = o.ValueColumnIndex;
                }
                else if (o.ValueColumnRequired)
                {
                    throw new InvalidDataException($"{_path}, line {firstNo}: the line has {_fieldCount} field(s) but the value is at position {o.ValueColumnIndex} (0-based).");
                }
            }
        }

        _userIdx = u;
        _itemIdx = it;
        _valueIdx = v;
        _maxIdx = Math.Max(u, Math.Max(it, v));
        _userName = ColumnName(header, firstFields, u, "user");
        _itemName = ColumnName(header, firstFields, it, "item");
        _valueName = v >= 0 ? ColumnName(header, firstFields, v, "value") : "(none)";

        // Id kinds: as configured, else from the first data line.
        ReadOnlySpan<byte> dataLine = header ? second : first;
        List<string>? dataFields = dataLine.IsEmpty && header ? null : SplitToStrings(dataLine);
        IdKind userKind = o.UserIdKind ?? (dataFields is null || IsIntegerField(dataFields, u) ? IdKind.Int64 : IdKind.String);
        IdKind itemKind = o.ItemIdKind ?? (dataFields is null || IsIntegerField(dataFields, it) ? IdKind.Int64 : IdKind.String);
        _builder = new InteractionBuilder(userKind, itemKind, o.Duplicates, o.Values);
        _userMap = _builder.UserIds;
        _itemMap = _builder.ItemIds;
        _setupDone = true;
    }

    private static string ColumnName(bool header, List<string> fields, int index, string role) =>
        header && index < fields.Count
            ? string.Create(CultureInfo.InvariantCulture, $"'{fields[index]}' (field {index + 1})")
            : string.Create(CultureInfo.InvariantCulture, $"{index + 1} ({role})");

    private static string Escape(string s) => s.Replace("\t", "\\t", StringComparison.Ordinal);

    private string DetectSeparator(ReadOnlySpan<byte> first, long lineNo)
    {
        if (first.Contains((byte)'\t'))
        {
            return "\t";
        }

        if (first.IndexOf("::"u8) >= 0)
        {
            return "::";
        }

        foreach (char c in ",; ")
        {
            if (first.Contains((byte)c))
            {
                return c.ToString();
            }
        }

        throw new InvalidDataException($"{_path}, line {lineNo}: cannot detect the separator (no tab, '::', ',', ';' or space); set InteractionLoadOptions.Separator.");
    }

    private List<string> SplitToStrings(ReadOnlySpan<byte> line)
    {
        var list = new List<string>();
        while (true)
        {
            int s = line.IndexOf(_separator);
            ReadOnlySpan<byte> f = s < 0 ? line : line[..s];
            list.Add(Encoding.UTF8.GetString(f.Trim((byte)' ')));
            if (s < 0)
            {
                return list;
            }

            line = line[(s + _separator.Length)..];
        }
    }

    private static bool IsIntegerField(List<string> fields, int index) =>
        index < fields.Count && long.TryParse(fields[index], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private void ProcessRecord(ReadOnlySpan<byte> line, long lineNo)
    {
        InteractionBuilder builder = _builder!;
        if (lineNo != _nextExpectedLine)
        {
            builder.BeginBlock(new SourceBlock(_path, -1, lineNo, _userName, _itemName, _valueName, "line"), builder.Count + _pending);
        }

        _nextExpectedLine = lineNo + 1;
        ReadOnlySpan<byte> sep = _separator;
        ReadOnlySpan<byte> userField = default, itemField = default, valueField = default;
        int field = 0;
        ReadOnlySpan<byte> rest = line;
        while (true)
        {
            int s = rest.IndexOf(sep);
            ReadOnlySpan<byte> f = s < 0 ? rest : rest[..s];
            if (field == _userIdx)
            {
                userField = f;
            }
            else if (field == _itemIdx)
            {
                itemField = f;
            }
            else if (field == _valueIdx)
            {
                valueField = f;
            }

            field++;
            if (s < 0)
            {
                break;
            }

            rest = rest[(s + sep.Length)..];
        }

        if (field != _fieldCount)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}: {field} field(s) where the first line has {_fieldCount} (separator '{Escape(Encoding.UTF8.GetString(sep))}')."));
        }

        long u = ParseId(userField.Trim((byte)' '), _userMap!, lineNo, _userName, "UserIdKind");
        long i = ParseId(itemField.Trim((byte)' '), _itemMap!, lineNo, _itemName, "ItemIdKind");
        float value = 1f;
        if (_valueIdx >= 0)
        {
            ReadOnlySpan<byte> vf = valueField.Trim((byte)' ');
            if (Utf8Parser.TryParse(vf, out long whole, out int used) && used == vf.Length)
            {
                value = whole; // integer fast path (counts, ratings)
            }
            else if (double.TryParse(vf, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            {
                value = (float)d;
            }
            else
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}, column {_valueName}: '{Encoding.UTF8.GetString(vf)}' is not a number."));
            }
        }

        if (!builder.Accepts(value))
        {
            // Error path: add what came before, then let the builder reject this record with its line.
            Flush();
            builder.AddIndices(Dense(u, _userMap!), Dense(i, _itemMap!), value);
        }

        _batchUsers[_pending] = u;
        _batchItems[_pending] = i;
        _batchValues[_pending] = value;
        if (++_pending == Batch)
        {
            Flush();
        }
    }

    private static int Dense(long id, IdMap map) => map.Kind == IdKind.Int64 ? map.GetOrAdd(id) : (int)id;

    private void Flush()
    {
        int n = _pending;
        if (n == 0)
        {
            return;
        }

        MapBatch(_batchUsers, _denseUsers, n, _userMap!);
        MapBatch(_batchItems, _denseItems, n, _itemMap!);
        InteractionBuilder builder = _builder!;
        for (int k = 0; k < n; k++)
        {
            builder.AddIndices(_denseUsers[k], _denseItems[k], _batchValues[k]);
        }

        _pending = 0;
    }

    private static void MapBatch(long[] ids, int[] dense, int n, IdMap map)
    {
        if (map.Kind == IdKind.Int64)
        {
            for (int k = 0; k < n; k++)
            {
                dense[k] = map.GetOrAdd(ids[k]);
            }
        }
        else
        {
            for (int k = 0; k < n; k++)
            {
                dense[k] = (int)ids[k]; // text ids are mapped as they are parsed
            }
        }
    }

    /// <summary>An int64 id (mapped later, a batch at a time), or the dense index of a text id.</summary>
    private long ParseId(ReadOnlySpan<byte> text, IdMap map, long lineNo, string column, string kindOption)
    {
        if (text.IsEmpty)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}, column {column}: the id is empty."));
        }

        if (map.Kind == IdKind.Int64)
        {
            if (!Utf8Parser.TryParse(text, out long id, out int consumed) || consumed != text.Length)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}, column {column}: '{Encoding.UTF8.GetString(text)}' is not an integer id (set {kindOption} = IdKind.String for text ids)."));
            }

            return id;
        }

        if (text.Length <= 256)
        {
            Span<char> chars = stackalloc char[256];
            int n = Encoding.UTF8.GetChars(text, chars);
            return map.GetOrAdd((ReadOnlySpan<char>)chars[..n]);
        }

        return map.GetOrAdd(Encoding.UTF8.GetString(text));
    }
}
