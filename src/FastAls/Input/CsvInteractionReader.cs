using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using FastAls.Internals.IO;

namespace FastAls.IO;

/// <summary>
/// Reads delimited text (TSV, CSV, <c>::</c>-separated) into an <see cref="InteractionBuilder"/>: a large
/// buffered read, lines found with vectorized searches, fields parsed straight from the UTF-8 bytes (no
/// string per field for integer ids; a string only for each new text id).
/// </summary>
/// <remarks>
/// Lines end with LF, CRLF or CR; the last line may lack one; blank lines are skipped; a UTF-8 byte order
/// mark is skipped; spaces around fields are trimmed. A field that begins with a double quote is quoted as in
/// RFC 4180 (a doubled quote inside stands for one; the quotes are not part of the value); a quoted field
/// may not span lines. Every line must have as many fields as the first. UTF-16 text and NUL bytes are
/// rejected, and text ids must be valid UTF-8. Columns are found by name or position as
/// <see cref="InteractionLoadOptions.HasHeader"/> describes.
/// <para>
/// Why not Sep (nietras/Sep 0.17.1, evaluated for issue 13): it would replace only the line and field splitting here
/// (quoted fields, which Sep would have added, are already read). The rest stays either way, because Sep
/// (a) takes a single <c>char</c> separator, so MovieLens 1M's <c>::</c> needs this path anyway; (b) parses UTF-16
/// <c>char</c>s from a <c>TextReader</c>, which decodes by byte order mark: UTF-16 input would be read, not
/// rejected, a NUL byte passes as a character, and invalid UTF-8 in a text id becomes U+FFFD (or, with a throwing
/// decoder, an exception with no line); integer ids would be parsed from chars instead of straight from the bytes;
/// (c) lets a quoted field span lines, so one stray quote silently joins the rest of the file into one field, where
/// this reader stops at that line; (d) reports column-count errors as its own message, without the file name. Keeping
/// the byte-level reader keeps one code path with exact file/line/column errors and the hostile-input rules above.
/// </para>
/// </remarks>
internal sealed class CsvInteractionReader
{
    private const int InitialBufferSize = 4 << 20;
    private const int Batch = 1 << 16;
    private const int MaxNamedFields = 4096; // header/first-line fields kept as strings (the rest are only counted)

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
    private bool _sawNul;

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
        using FileStream stream = PathChecks.OpenRead(_path, FileShare.Read, 1, FileOptions.SequentialScan);
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

                if (buffer.AsSpan(filled, n).Contains((byte)0))
                {
                    _sawNul = true;
                }

                filled += n;
                if (first && filled > 0)
                {
                    CheckEncoding(buffer.AsSpan(0, filled));
                }

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
                    int nl = rest.IndexOfAny((byte)'\n', (byte)'\r');
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
                    else if (rest[nl] == (byte)'\r' && nl + 1 == rest.Length && !eof)
                    {
                        break; // CR at the end of the buffer: read on to see whether LF follows
                    }
                    else
                    {
                        line = rest[..nl];
                        pos += nl + (rest[nl] == (byte)'\r' && nl + 1 < rest.Length && rest[nl + 1] == (byte)'\n' ? 2 : 1);
                    }

                    lineNo++;
                    if (_sawNul && line.Contains((byte)0))
                    {
                        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}: a NUL byte (the file is binary or UTF-16; FastAls reads UTF-8 text)."));
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

    /// <summary>Rejects UTF-16/UTF-32 text (by byte order mark, or NUL bytes between ASCII characters) with a message that says so.</summary>
    private void CheckEncoding(ReadOnlySpan<byte> start)
    {
        bool bom = start.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || start.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || start.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]);
        ReadOnlySpan<byte> probe = start[..Math.Min(start.Length, 4096)];
        int nuls = probe.Count((byte)0);
        if (bom || (nuls > 0 && nuls * 4 >= probe.Length))
        {
            throw new InvalidDataException($"{_path}: this file is UTF-16; FastAls reads UTF-8 (convert it first, e.g. iconv -f UTF-16 -t UTF-8).");
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
        List<string> firstFields = SplitToStrings(first, firstNo);
        _fieldCount = _lastSplitCount;

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
                && IsIntegerField(SplitToStrings(second, secondNo), o.UserColumnIndex);
        }

        _headerSkipsFirst = header;
        int u = -1, it = -1, v = -1;
        if (header)
        {
            // The header rule (InteractionLoadOptions.HasHeader): by name, and every name given must be there.
            u = firstFields.IndexOf(o.UserColumn);
            it = firstFields.IndexOf(o.ItemColumn);
            string columns = ListColumns(firstFields);
            if ((u < 0 || it < 0) && (u >= 0 || it >= 0 || o.AnyColumnNamed))
            {
                string missing = u < 0 && it < 0 ? $"'{o.UserColumn}' or '{o.ItemColumn}'" : u < 0 ? $"'{o.UserColumn}'" : $"'{o.ItemColumn}'";
                throw new InvalidDataException($"{_path}, line {firstNo}: the header has no column {missing} (columns: {columns}); name the columns as the header does, or say there is no header.");
            }

            if (o.ValueColumn is not null && u >= 0)
            {
                v = firstFields.IndexOf(o.ValueColumn);
                if (v < 0 && (o.ValueColumnRequired || _fieldCount > 2))
                {
                    throw new InvalidDataException($"{_path}, line {firstNo}: the header has no column '{o.ValueColumn}' (columns: {columns}); name the value column, or say there is none (ValueColumn = null, --value-col none) to use 1.0 for every interaction.");
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
        List<string>? dataFields = dataLine.IsEmpty && header ? null : SplitToStrings(dataLine, header ? secondNo : firstNo);
        IdKind userKind = o.UserIdKind ?? (dataFields is null || IsIntegerField(dataFields, u) ? IdKind.Int64 : IdKind.String);
        IdKind itemKind = o.ItemIdKind ?? (dataFields is null || IsIntegerField(dataFields, it) ? IdKind.Int64 : IdKind.String);
        _builder = new InteractionBuilder(userKind, itemKind, o.Duplicates, o.Values);
        _userMap = _builder.UserIds;
        _itemMap = _builder.ItemIds;
        _setupDone = true;
    }

    private string ListColumns(List<string> fields)
    {
        const int Shown = 20;
        string list = string.Join(", ", fields.Take(Shown).Select(f => $"'{f}'"));
        return _fieldCount > Shown ? string.Create(CultureInfo.InvariantCulture, $"{list}, ... ({_fieldCount} in all)") : list;
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

    /// <summary>The first <see cref="MaxNamedFields"/> fields of a line as strings (a longer line's other fields are only counted).</summary>
    private List<string> SplitToStrings(ReadOnlySpan<byte> line, long lineNo = 0)
    {
        (List<byte[]> kept, int count) = SplitFields(line, lineNo, MaxNamedFields);
        var list = new List<string>(kept.Count);
        foreach (byte[] f in kept)
        {
            list.Add(Encoding.UTF8.GetString(f));
        }

        _lastSplitCount = count;
        return list;
    }

    private int _lastSplitCount;

    /// <summary>
    /// Splits a line into fields, trimming spaces and unquoting fields that begin with a double quote
    /// (RFC 4180: a doubled quote inside is one quote). Keeps the first <paramref name="keep"/> fields and
    /// counts them all.
    /// </summary>
    private (List<byte[]> Kept, int Count) SplitFields(ReadOnlySpan<byte> line, long lineNo, int keep)
    {
        var kept = new List<byte[]>();
        ReadOnlySpan<byte> sep = _separator;
        int count = 0;
        while (true)
        {
            ReadOnlySpan<byte> rest = line.TrimStart((byte)' ');
            byte[]? value = null;
            int next;
            if (!rest.IsEmpty && rest[0] == (byte)'"')
            {
                var sb = new List<byte>();
                int k = 1;
                while (true)
                {
                    int q = rest[k..].IndexOf((byte)'"');
                    if (q < 0)
                    {
                        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}, field {count + 1}: a quoted field is not closed on its line (fields spanning lines are not supported)."));
                    }

                    if (count < keep)
                    {
                        sb.AddRange(rest.Slice(k, q));
                    }

                    k += q + 1;
                    if (k < rest.Length && rest[k] == (byte)'"')
                    {
                        if (count < keep)
                        {
                            sb.Add((byte)'"');
                        }

                        k++;
                        continue;
                    }

                    break;
                }

                ReadOnlySpan<byte> after = rest[k..];
                int s = after.IndexOf(sep);
                ReadOnlySpan<byte> between = s < 0 ? after : after[..s];
                if (!between.Trim((byte)' ').IsEmpty)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}, field {count + 1}: text after the closing quote of a quoted field."));
                }

                value = count < keep ? sb.ToArray() : null;
                next = s < 0 ? -1 : (line.Length - after.Length) + s;
            }
            else
            {
                int s = line.IndexOf(sep);
                if (count < keep)
                {
                    value = (s < 0 ? line : line[..s]).Trim((byte)' ').ToArray();
                }

                next = s;
            }

            if (value is not null)
            {
                kept.Add(value);
            }

            count++;
            if (next < 0)
            {
                return (kept, count);
            }

            line = line[(next + sep.Length)..];
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
        if (line.Contains((byte)'"'))
        {
            // Quoted fields (rare): split with unquoting; the fast loop below handles plain lines.
            (List<byte[]> kept, int count) = SplitFields(line, lineNo, _maxIdx + 1);
            if (count == _fieldCount)
            {
                userField = kept[_userIdx];
                itemField = kept[_itemIdx];
                valueField = _valueIdx >= 0 ? kept[_valueIdx] : default;
            }

            field = count;
        }
        else
        {
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

        if (!System.Text.Unicode.Utf8.IsValid(text))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{_path}, line {lineNo}, column {column}: the id is not valid UTF-8."));
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
