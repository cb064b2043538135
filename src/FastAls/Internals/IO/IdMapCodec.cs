using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace FastAls.Internals.IO;

/// <summary>How a binary id section lays out string ids (int64 ids are the same in every layout: i64 x n).</summary>
internal enum IdSectionLayout
{
    /// <summary>The CSR cache: i64 x (n + 1) byte offsets into the text, then the UTF-8 bytes of every id.</summary>
    OffsetTable,

    /// <summary>The model file: for each id an i32 byte length, then its UTF-8 bytes.</summary>
    LengthPrefixed,
}

/// <summary>
/// The one binary encoding of an <see cref="IdMap"/>, used by the CSR cache and the model file (each in its own
/// frozen <see cref="IdSectionLayout"/>). All numbers are little-endian. The decoder trusts nothing in the section:
/// <see cref="CheckSize"/> bounds the id count by the section's length before anything is allocated, every offset
/// or length is checked against the bytes left, the text must be strict UTF-8, and an id may occur only once.
/// </summary>
internal static class IdMapCodec
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The bytes of <paramref name="map"/>'s id section in <paramref name="layout"/>.</summary>
    /// <exception cref="ArgumentException">A string id holds a lone surrogate (it has no UTF-8 form).</exception>
    public static byte[] Encode(IdMap map, IdSectionLayout layout)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Kind == IdKind.Int64)
        {
            ReadOnlySpan<long> ids = map.Int64Ids;
            var bytes = new byte[checked(ids.Length * sizeof(long))];
            for (int i = 0; i < ids.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), ids[i]);
            }

            return bytes;
        }

        IReadOnlyList<string> s = map.StringIds;
        long text = 0;
        for (int i = 0; i < s.Count; i++)
        {
            try
            {
                text += s_strictUtf8.GetByteCount(s[i]);
            }
            catch (EncoderFallbackException e)
            {
                // A lone surrogate has no UTF-8 form; writing U+FFFD instead would store another id.
                throw new ArgumentException($"String id {i} is not valid Unicode (it holds a lone surrogate), so it cannot be written as UTF-8.", nameof(map), e);
            }
        }

        long head = layout == IdSectionLayout.OffsetTable ? ((long)s.Count + 1) * sizeof(long) : (long)s.Count * sizeof(int);
        long total = head + text;
        if (total > Array.MaxLength)
        {
            throw new InvalidOperationException($"{s.Count} string ids need an id section of {total} bytes, more than one section can hold ({Array.MaxLength}).");
        }

        var buf = new byte[total];
        if (layout == IdSectionLayout.OffsetTable)
        {
            int at = (int)head;
            for (int i = 0; i < s.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(buf.AsSpan(i * sizeof(long)), at - head);
                at += s_strictUtf8.GetBytes(s[i], buf.AsSpan(at));
            }

            BinaryPrimitives.WriteInt64LittleEndian(buf.AsSpan(s.Count * sizeof(long)), at - head);
        }
        else
        {
            int at = 0;
            for (int i = 0; i < s.Count; i++)
            {
                int n = s_strictUtf8.GetBytes(s[i], buf.AsSpan(at + sizeof(int)));
                BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(at), n);
                at += sizeof(int) + n;
            }
        }

        return buf;
    }

    /// <summary>
    /// Checks that a section of <paramref name="bytes"/> bytes can hold <paramref name="count"/> ids of
    /// <paramref name="kind"/> in <paramref name="layout"/> (exactly, for int64 ids; at least the fixed part, for
    /// strings), so that a forged count cannot make the reader allocate more than the section holds.
    /// <paramref name="what"/> names the section in messages ("user", "item").
    /// </summary>
    /// <exception cref="InvalidDataException">It cannot.</exception>
    public static void CheckSize(IdKind kind, int count, long bytes, IdSectionLayout layout, string what)
    {
        if (count < 0 || !Enum.IsDefined(kind))
        {
            throw Bad(what, $"claims {count} ids of kind {(int)kind}");
        }

        if (kind == IdKind.Int64)
        {
            if (bytes != (long)count * sizeof(long) || bytes > Array.MaxLength)
            {
                throw Bad(what, $"has {bytes} bytes; {count} int64 ids need {(long)count * sizeof(long)} (at most {Array.MaxLength} in one section)");
            }

            return;
        }

        long head = layout == IdSectionLayout.OffsetTable ? ((long)count + 1) * sizeof(long) : (long)count * sizeof(int);
        if (bytes < head || bytes > Array.MaxLength)
        {
            throw Bad(what, $"has {bytes} bytes, which cannot hold {count} string ids ({head} to {Array.MaxLength} bytes)");
        }
    }

    /// <summary>
    /// Decodes an id section of <paramref name="count"/> ids of <paramref name="kind"/> in <paramref name="layout"/>:
    /// index <c>i</c> of the map is the <c>i</c>-th id. <paramref name="what"/> names the section in messages.
    /// </summary>
    /// <exception cref="InvalidDataException">The section does not hold exactly that many valid, distinct ids;
    /// the message names the section and the id (the caller adds the file).</exception>
    public static IdMap Decode(ReadOnlySpan<byte> section, IdKind kind, int count, IdSectionLayout layout, string what)
    {
        CheckSize(kind, count, section.Length, layout, what);
        if (kind == IdKind.Int64)
        {
            var map = IdMap.CreateInt64(count);
            for (int i = 0; i < count; i++)
            {
                long id = BinaryPrimitives.ReadInt64LittleEndian(section[(i * sizeof(long))..]);
                int at = map.GetOrAdd(id);
                if (at != i)
                {
                    throw Bad(what, string.Create(CultureInfo.InvariantCulture, $"holds id {id} twice (ids {at} and {i})"));
                }
            }

            return map;
        }

        return layout == IdSectionLayout.OffsetTable ? DecodeOffsetTable(section, count, what) : DecodeLengthPrefixed(section, count, what);
    }

    private static IdMap DecodeOffsetTable(ReadOnlySpan<byte> section, int count, string what)
    {
        int head = (count + 1) * sizeof(long);
        ReadOnlySpan<byte> text = section[head..];
        long first = BinaryPrimitives.ReadInt64LittleEndian(section);
        long last = BinaryPrimitives.ReadInt64LittleEndian(section[(count * sizeof(long))..]);
        if (first != 0 || last != text.Length)
        {
            throw Bad(what, $"has string offsets that do not span the text ({first}..{last} of {text.Length} bytes)");
        }

        var map = IdMap.CreateString(count);
        long start = first;
        for (int i = 0; i < count; i++)
        {
            long end = BinaryPrimitives.ReadInt64LittleEndian(section[((i + 1) * sizeof(long))..]);
            if (end < start || end > text.Length)
            {
                throw Bad(what, $"has string offsets out of order at id {i} ({start}..{end} of {text.Length} bytes)");
            }

            Add(map, text[(int)start..(int)end], i, what);
            start = end;
        }

        return map;
    }

    private static IdMap DecodeLengthPrefixed(ReadOnlySpan<byte> section, int count, string what)
    {
        var map = IdMap.CreateString(count);
        int pos = 0;
        for (int i = 0; i < count; i++)
        {
            if (section.Length - pos < sizeof(int))
            {
                throw Bad(what, $"ends inside id {i}");
            }

            int len = BinaryPrimitives.ReadInt32LittleEndian(section[pos..]);
            pos += sizeof(int);
            if (len < 0 || len > section.Length - pos)
            {
                throw Bad(what, $"says id {i} has {len} bytes; {section.Length - pos} are left");
            }

            Add(map, section.Slice(pos, len), i, what);
            pos += len;
        }

        if (pos != section.Length)
        {
            throw Bad(what, $"has {section.Length - pos} bytes after its last id");
        }

        return map;
    }

    private static void Add(IdMap map, ReadOnlySpan<byte> utf8, int i, string what)
    {
        string id;
        try
        {
            id = s_strictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"the {what} id section: id {i} is not valid UTF-8.", e);
        }

        int at = map.GetOrAdd(id);
        if (at != i)
        {
            throw Bad(what, $"holds id '{id}' twice (ids {at} and {i})");
        }
    }

    private static InvalidDataException Bad(string what, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the {what} id section {problem}."));
}
