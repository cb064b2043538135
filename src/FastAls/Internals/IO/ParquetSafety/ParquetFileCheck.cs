using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace FastAls.IO.ParquetSafety;

/// <summary>
/// Validates a Parquet file's structure before Parquet.Net decodes it: the footer length against the file
/// size, the footer (FileMetaData) with a bounded decoder and against the layout Parquet.Net expects, the
/// schema tree, the row groups and column chunks (counts, types, names, offsets inside the file), and, for
/// each column chunk that is read, every page header (sizes inside the chunk, value counts adding up to the
/// chunk's, dictionary sizes that fit their page, compression sizes consistent with the codec) and the page
/// checksum when the page has one. Every count and offset is checked before it is used, so nothing here or
/// in Parquet.Net allocates more than the file can hold or loops on bytes nobody validated.
/// </summary>
internal sealed class ParquetFileCheck
{
    /// <summary>
    /// The most rows a row group may hold per byte of (uncompressed) data in the columns read. Encodings such
    /// as run-length and delta can pack several rows into one byte; more than this many is taken for a lie.
    /// </summary>
    public const int MaxRowsPerByte = 256;

    /// <summary>The largest ratio of uncompressed to compressed page size accepted for codecs whose streams do not state it (deflate's own limit is 1032).</summary>
    public const int MaxCompressionRatio = 1100;

    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    private ParquetFileCheck(string file, long length, ThriftStruct meta, long footerStart, List<Leaf> leaves, List<RowGroupInfo> rowGroups)
    {
        File = file;
        Length = length;
        Meta = meta;
        FooterStart = footerStart;
        Leaves = leaves;
        RowGroups = rowGroups;
    }

    public string File { get; }

    public long Length { get; }

    public ThriftStruct Meta { get; }

    /// <summary>Offset of the first byte of the footer (the end of the column data).</summary>
    public long FooterStart { get; }

    public List<Leaf> Leaves { get; }

    public List<RowGroupInfo> RowGroups { get; }

    /// <summary>A primitive column of the schema.</summary>
    internal sealed record Leaf(string Path, string[] PathParts, int PhysicalType, int TypeLength, int MaxDefinitionLevel, int MaxRepetitionLevel);

    /// <summary>A row group: its row count and one chunk per leaf.</summary>
    internal sealed record RowGroupInfo(long NumRows, ChunkInfo[] Chunks);

    /// <summary>
    /// A column chunk: <c>Start</c> is where Parquet.Net starts reading pages (the smallest non-zero page
    /// offset), <c>Length</c> the size its metadata states, <c>Limit</c> where the next chunk (or the footer)
    /// starts. Some writers state sizes that do not cover the pages exactly, so pages are walked up to the limit.
    /// </summary>
    internal sealed record ChunkInfo(long Start, long Length, int Codec, long NumValues, ThriftStruct MetaData)
    {
        public long Limit { get; set; }
    }

    /// <summary>Where the pages of a chunk end, once <see cref="CheckChunk"/> walked them.</summary>
    public long PagesEnd(int rowGroup, int leaf) => _pagesEnd[(rowGroup, leaf)];

    private readonly Dictionary<(int, int), long> _pagesEnd = [];

    /// <summary>Reads and validates the footer of <paramref name="stream"/> (named <paramref name="file"/> in errors).</summary>
    public static ParquetFileCheck ReadFooter(Stream stream, string file)
    {
        long len = stream.Length;
        if (len < 12)
        {
            throw Bad(file, "footer", $"not a Parquet file (it has {len} bytes; the smallest Parquet file has 12)");
        }

        Span<byte> head = stackalloc byte[4];
        Span<byte> tail = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(head);
        stream.Position = len - 8;
        stream.ReadExactly(tail);
        if (tail[4..].SequenceEqual("PARE"u8))
        {
            throw Bad(file, "footer", "the file is encrypted (PARE); encrypted Parquet files are not supported");
        }

        if (!head.SequenceEqual(Magic) || !tail[4..].SequenceEqual(Magic))
        {
            throw Bad(file, "footer", "not a Parquet file (it does not begin and end with PAR1)");
        }

        long footerLen = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLen <= 0 || footerLen > len - 12)
        {
            throw Bad(file, "footer", $"the footer length {footerLen} does not fit in a file of {len} bytes");
        }

        long footerStart = len - 8 - footerLen;
        byte[] footer = new byte[footerLen];
        stream.Position = footerStart;
        stream.ReadExactly(footer);
        ThriftStruct meta;
        try
        {
            var r = new ThriftCompactReader(footer);
            meta = r.ReadStruct();
            if (r.Position != footer.Length)
            {
                throw new ThriftFormatException($"the metadata ends at byte {r.Position} of {footer.Length}");
            }
        }
        catch (ThriftFormatException e)
        {
            throw Bad(file, "footer", $"the metadata is corrupt ({e.Message})", e);
        }

        string? layout = ParquetThriftLayout.Check(meta, "FileMetaData");
        if (layout is not null)
        {
            throw Bad(file, "footer", $"the metadata is corrupt or of an unsupported kind ({layout})");
        }

        if (meta.Get(8) is not null)
        {
            throw Bad(file, "footer", "the file is encrypted; encrypted Parquet files are not supported");
        }

        List<Leaf> leaves = ReadSchema(file, meta);
        List<RowGroupInfo> groups = ReadRowGroups(file, meta, leaves, footerStart);
        return new ParquetFileCheck(file, len, meta, footerStart, leaves, groups);
    }

    private static List<Leaf> ReadSchema(string file, ThriftStruct meta)
    {
        List<ThriftValue> schema = meta.List(2) ?? throw Bad(file, "footer", "the metadata has no schema");
        if (schema.Count == 0)
        {
            throw Bad(file, "footer", "the schema is empty");
        }

        var leaves = new List<Leaf>();
        int next = 0;
        Walk(schema, ref next, [], 0, 0, 0);
        if (next != schema.Count)
        {
            throw Bad(file, "schema", $"the schema tree covers {next} of its {schema.Count} elements");
        }

        return leaves;

        void Walk(List<ThriftValue> elements, ref int index, string[] parent, int depth, int def, int rep)
        {
            if (depth > 32)
            {
                throw Bad(file, "schema", "the schema is nested deeper than 32 levels");
            }

            ThriftStruct e = elements[index].Struct!;
            int at = index++;
            string name = e.Get(4) is ThriftValue n ? Utf8(file, "schema", n.Bytes) : throw Bad(file, "schema", $"element {at} has no name");
            long children = e.Int(5) ?? 0;
            long repetition = e.Int(3) ?? 0;
            if (at > 0 && e.Int(3) is null)
            {
                throw Bad(file, "schema", $"column '{name}' has no repetition type");
            }

            if (repetition is < 0 or > 2)
            {
                throw Bad(file, "schema", $"column '{name}' has an unknown repetition type {repetition}");
            }

            if (at > 0)
            {
                def += repetition == 0 ? 0 : 1;
                rep += repetition == 2 ? 1 : 0;
            }

            string[] path = at == 0 ? [] : [.. parent, name];
            if (children < 0 || children > elements.Count - index)
            {
                throw Bad(file, "schema", $"element '{name}' claims {children} children but only {elements.Count - index} elements follow");
            }

            if (children == 0 && at > 0)
            {
                long type = e.Int(1) ?? throw Bad(file, "schema", $"column '{name}' has neither a type nor children");
                if (type is < 0 or > 7)
                {
                    throw Bad(file, "schema", $"column '{name}' has an unknown physical type {type}");
                }

                long typeLength = e.Int(2) ?? 0;
                if (type == 7 && typeLength is < 0 or > 1 << 20)
                {
                    throw Bad(file, "schema", $"column '{name}' is fixed-length with an invalid length {typeLength}");
                }

                leaves.Add(new Leaf(string.Join('.', path), path, (int)type, (int)typeLength, def, rep));
                return;
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (long k = 0; k < children; k++)
            {
                if (index >= elements.Count)
                {
                    throw Bad(file, "schema", $"element '{name}' claims more children than the schema holds");
                }

                ThriftStruct child = elements[index].Struct!;
                string childName = child.Get(4) is ThriftValue cn ? Utf8(file, "schema", cn.Bytes) : string.Empty;
                if (!names.Add(childName))
                {
                    throw Bad(file, "schema", $"two columns are named '{childName}'{(at == 0 ? string.Empty : $" in '{string.Join('.', path)}'")}");
                }

                Walk(elements, ref index, path, depth + 1, def, rep);
            }
        }
    }

    private static List<RowGroupInfo> ReadRowGroups(string file, ThriftStruct meta, List<Leaf> leaves, long footerStart)
    {
        long fileRows = meta.Int(3) ?? throw Bad(file, "footer", "the metadata has no row count");
        List<ThriftValue> groups = meta.List(4) ?? throw Bad(file, "footer", "the metadata has no row group list");
        var result = new List<RowGroupInfo>(groups.Count);
        long total = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            ThriftStruct rg = groups[g].Struct!;
            string part = Inv($"row group {g}");
            long rows = rg.Int(3) ?? throw Bad(file, part, "no row count");
            if (rows < 0 || rows > Array.MaxLength)
            {
                throw Bad(file, part, Inv($"the row count {rows} is out of range (0 to {Array.MaxLength})"));
            }

            total += rows;
            List<ThriftValue> cols = rg.List(1) ?? throw Bad(file, part, "no column chunks");
            if (cols.Count != leaves.Count)
            {
                throw Bad(file, part, Inv($"{cols.Count} column chunks for {leaves.Count} columns in the schema"));
            }

            var chunks = new ChunkInfo[cols.Count];
            for (int c = 0; c < cols.Count; c++)
            {
                chunks[c] = ReadChunk(file, g, rows, leaves[c], cols[c].Struct!, footerStart);
            }

            result.Add(new RowGroupInfo(rows, chunks));
        }

        if (total != fileRows)
        {
            throw Bad(file, "footer", Inv($"the file claims {fileRows} rows but its row groups hold {total}"));
        }

        long[] starts = result.SelectMany(g => g.Chunks).Select(c => c.Start).Distinct().Order().ToArray();
        foreach (ChunkInfo c in result.SelectMany(g => g.Chunks))
        {
            int next = Array.BinarySearch(starts, c.Start) + 1;
            c.Limit = next < starts.Length ? starts[next] : footerStart;
        }

        return result;
    }

    private static ChunkInfo ReadChunk(string file, int g, long rows, Leaf leaf, ThriftStruct chunk, long footerStart)
    {
        string part = Inv($"row group {g}, column '{leaf.Path}'");
        if (chunk.Get(1) is not null)
        {
            throw Bad(file, part, "the column chunk refers to another file; such files are not supported");
        }

        ThriftStruct md = chunk.Sub(3) ?? throw Bad(file, part, "the column chunk has no metadata");
        long type = md.Int(1) ?? -1;
        if (type != leaf.PhysicalType)
        {
            throw Bad(file, part, Inv($"the chunk's type {type} differs from the schema's {leaf.PhysicalType}"));
        }

        List<ThriftValue>? path = md.List(3);
        if (path is null || path.Count != leaf.PathParts.Length || !path.Select(p => Encoding.UTF8.GetString(p.Bytes.Span)).SequenceEqual(leaf.PathParts, StringComparer.Ordinal))
        {
            throw Bad(file, part, "the chunk's column path differs from the schema");
        }

        long codec = md.Int(4) ?? -1;
        if (codec is < 0 or > 7)
        {
            throw Bad(file, part, Inv($"unknown compression codec {codec}"));
        }

        long values = md.Int(5) ?? -1;
        if (values < 0 || (leaf.MaxRepetitionLevel == 0 && values != rows) || values > int.MaxValue)
        {
            throw Bad(file, part, Inv($"the chunk claims {values} values but the row group has {rows} rows"));
        }

        long size = md.Int(7) ?? -1;
        long data = md.Int(9) ?? 0;
        long dict = md.Int(11) ?? 0;
        long index = md.Int(10) ?? 0;

        // Parquet.Net starts at the smallest non-zero of these offsets and reads pages in sequence from there.
        long start = new[] { dict, data, index }.Where(x => x != 0).DefaultIfEmpty(0).Min();
        if (data < 4 || start < 4 || dict < 0 || index < 0 || size < 0 || size > footerStart - start || data >= start + Math.Max(size, 1))
        {
            throw Bad(file, part, Inv($"the chunk's offsets (data {data}, dictionary {dict}, index {index}, {size} bytes) do not lie inside the file's {footerStart} bytes of column data"));
        }

        return new ChunkInfo(start, size, (int)codec, values, md);
    }

    /// <summary>
    /// Walks every page header of a column chunk exactly as Parquet.Net will, and checks each page: its size
    /// inside the chunk, its kind and encoding, its value count (adding up to the chunk's), its dictionary
    /// size, the uncompressed size against the codec, and its checksum when it has one. Returns the
    /// uncompressed bytes of the chunk's pages.
    /// </summary>
    public long CheckChunk(Stream stream, int rowGroup, int leafIndex)
    {
        Leaf leaf = Leaves[leafIndex];
        ChunkInfo chunk = RowGroups[rowGroup].Chunks[leafIndex];
        string part = Inv($"row group {rowGroup}, column '{leaf.Path}'");
        if (chunk.NumValues == 0)
        {
            return 0;
        }

        long extent = chunk.Limit - chunk.Start;
        if (extent > int.MaxValue)
        {
            throw Bad(File, part, Inv($"the column chunk has {extent} bytes; at most {int.MaxValue} are supported"));
        }

        int len = (int)extent;
        byte[] buf = ArrayPool<byte>.Shared.Rent(Math.Max(len, 1));
        try
        {
            stream.Position = chunk.Start;
            stream.ReadExactly(buf, 0, len);
            (long uncompressed, int end) = WalkPages(buf.AsSpan(0, len), buf.AsMemory(0, len), chunk, leaf, part);
            _pagesEnd[(rowGroup, leafIndex)] = chunk.Start + end;
            return uncompressed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private (long Uncompressed, int End) WalkPages(ReadOnlySpan<byte> bytes, ReadOnlyMemory<byte> memory, ChunkInfo chunk, Leaf leaf, string part)
    {
        int pos = 0;
        long values = 0;
        long uncompressedTotal = 0;
        bool dictionary = false;
        int page = 0;
        while (values < chunk.NumValues)
        {
            string where = Inv($"{part}, page {page} (byte {chunk.Start + pos})");
            if (pos >= bytes.Length)
            {
                throw Bad(File, part, Inv($"the pages end after {values} of the chunk's {chunk.NumValues} values"));
            }

            ThriftStruct ph;
            int headerLen;
            try
            {
                var r = new ThriftCompactReader(memory[pos..]);
                ph = r.ReadStruct();
                headerLen = r.Position;
            }
            catch (ThriftFormatException e)
            {
                throw Bad(File, where, $"the page header is corrupt ({e.Message})", e);
            }

            string? layout = ParquetThriftLayout.Check(ph, "PageHeader");
            if (layout is not null)
            {
                throw Bad(File, where, $"the page header is corrupt or of an unsupported kind ({layout})");
            }

            long type = ph.Int(1) ?? -1;
            long us = ph.Int(2) ?? -1;
            long cs = ph.Int(3) ?? -1;
            int payload = pos + headerLen;
            if (us < 0 || cs < 0 || cs > bytes.Length - payload)
            {
                throw Bad(File, where, Inv($"the page claims {cs} bytes ({us} uncompressed) but {bytes.Length - payload} bytes are left before the next column chunk"));
            }

            ReadOnlySpan<byte> data = bytes.Slice(payload, (int)cs);
            if (ph.Int(4) is long crc && Crc32.Compute(data) != (uint)crc)
            {
                throw Bad(File, where, "the page checksum does not match its data (the page is corrupt)");
            }

            long pageValues;
            int levels = 0;
            bool compressed = chunk.Codec != 0;
            switch (type)
            {
                case 2: // DICTIONARY_PAGE
                    {
                        ThriftStruct dh = ph.Sub(7) ?? throw Bad(File, where, "a dictionary page without a dictionary header");
                        if (page != 0 || dictionary)
                        {
                            throw Bad(File, where, "a dictionary page that is not the first page of its chunk");
                        }

                        long n = dh.Int(1) ?? -1;
                        long enc = dh.Int(2) ?? -1;
                        if (enc is not (0 or 2))
                        {
                            throw Bad(File, where, Inv($"the dictionary has encoding {enc}; only PLAIN dictionaries are supported"));
                        }

                        int width = MinPlainWidth(leaf);
                        if (n < 0 || n > us / width)
                        {
                            throw Bad(File, where, Inv($"the dictionary claims {n} entries but its {us} bytes hold at most {us / width}"));
                        }

                        dictionary = true;
                        pageValues = 0;
                        break;
                    }

                case 0: // DATA_PAGE
                case 3: // DATA_PAGE_V2
                    {
                        ThriftStruct dh = (type == 0 ? ph.Sub(5) : ph.Sub(8)) ?? throw Bad(File, where, "a data page without a data page header");
                        long n = dh.Int(1) ?? -1;
                        long enc = (type == 0 ? dh.Int(2) : dh.Int(4)) ?? -1;
                        if (n < 0 || n > chunk.NumValues - values)
                        {
                            throw Bad(File, where, Inv($"the page claims {n} values but only {chunk.NumValues - values} of the chunk's {chunk.NumValues} remain"));
                        }

                        if (enc is not (0 or 2 or 3 or 5 or 6 or 7 or 8 or 9))
                        {
                            throw Bad(File, where, Inv($"the page has encoding {enc}, which FastAls cannot read"));
                        }

                        if (enc is 2 or 8 && !dictionary)
                        {
                            throw Bad(File, where, "a dictionary-encoded page in a chunk without a dictionary");
                        }

                        if (type == 3)
                        {
                            long nulls = dh.Int(2) ?? -1;
                            long defLen = dh.Int(5) ?? -1;
                            long repLen = dh.Int(6) ?? -1;
                            if (nulls < 0 || nulls > n || defLen < 0 || repLen < 0 || defLen + repLen > Math.Min(cs, us))
                            {
                                throw Bad(File, where, Inv($"inconsistent page header ({n} values, {nulls} nulls, level bytes {repLen} + {defLen} of {cs})"));
                            }

                            levels = (int)(defLen + repLen);
                            compressed &= dh.Int(7) is not 0;
                        }

                        if (leaf.MaxDefinitionLevel == 0 && enc == 0 && FixedWidth(leaf) is int w && us - levels != n * w)
                        {
                            throw Bad(File, where, Inv($"the page claims {n} values of {w} bytes but holds {us - levels} bytes of values"));
                        }

                        pageValues = n;
                        break;
                    }

                default:
                    throw Bad(File, where, Inv($"page type {type} cannot be read (only data and dictionary pages are supported)"));
            }

            CheckSizes(data[levels..], us - levels, compressed ? chunk.Codec : 0, where);
            values += pageValues;
            uncompressedTotal += headerLen + us;
            pos = payload + (int)cs;
            page++;
        }

        return (uncompressedTotal, pos);
    }

    private void CheckSizes(ReadOnlySpan<byte> data, long uncompressed, int codec, string where)
    {
        long compressed = data.Length;
        switch (codec)
        {
            case 0:
                if (uncompressed != compressed)
                {
                    throw Bad(File, where, Inv($"an uncompressed page of {compressed} bytes claims {uncompressed}"));
                }

                return;
            case 1: // Snappy: the stream begins with the uncompressed length; a copy of 3 bytes yields at most 64.
                {
                    ulong stated = 0;
                    int k = 0;
                    for (; k < 5 && k < data.Length; k++)
                    {
                        stated |= (ulong)(data[k] & 0x7F) << (7 * k);
                        if ((data[k] & 0x80) == 0)
                        {
                            break;
                        }
                    }

                    if (k >= data.Length || k == 5 || (long)stated != uncompressed || uncompressed > (32 * compressed) + 64)
                    {
                        throw Bad(File, where, Inv($"the page claims {uncompressed} uncompressed bytes but its Snappy data says {stated}"));
                    }

                    return;
                }

            case 2: // gzip: the last four bytes hold the uncompressed size (mod 2^32).
                if (compressed < 18 || BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]) != (uint)uncompressed)
                {
                    throw Bad(File, where, Inv($"the page claims {uncompressed} uncompressed bytes but its gzip data does not agree"));
                }

                break;
            case 6: // zstd: the frame header usually states the content size; when it does, it must agree.
                if (ZstdContentSize(data) is long frameSize)
                {
                    if (frameSize != uncompressed)
                    {
                        throw Bad(File, where, Inv($"the page claims {uncompressed} uncompressed bytes but its zstd frame says {frameSize}"));
                    }

                    return;
                }

                break;
        }

        if (uncompressed > (MaxCompressionRatio * compressed) + 1024)
        {
            throw Bad(File, where, Inv($"the page claims {uncompressed} uncompressed bytes from {compressed} compressed (more than {MaxCompressionRatio} times)"));
        }
    }

    /// <summary>The content size a zstd frame header states, or null when it states none (or is not a zstd frame).</summary>
    private static long? ZstdContentSize(ReadOnlySpan<byte> data)
    {
        if (data.Length < 5 || BinaryPrimitives.ReadUInt32LittleEndian(data) != 0xFD2FB528)
        {
            return null;
        }

        byte fhd = data[4];
        int fcsFlag = fhd >> 6;
        bool single = (fhd & 0x20) != 0;
        int dictBytes = (fhd & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        int fcsBytes = fcsFlag switch { 0 => single ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        int at = 5 + (single ? 0 : 1) + dictBytes;
        if (fcsBytes == 0 || data.Length < at + fcsBytes)
        {
            return null;
        }

        ReadOnlySpan<byte> f = data.Slice(at, fcsBytes);
        return fcsBytes switch
        {
            1 => f[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(f) + 256L,
            4 => BinaryPrimitives.ReadUInt32LittleEndian(f),
            _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(f), long.MaxValue),
        };
    }

    private static int? FixedWidth(Leaf leaf) => leaf.PhysicalType switch
    {
        1 or 4 => 4,
        2 or 5 => 8,
        3 => 12,
        7 when leaf.TypeLength > 0 => leaf.TypeLength,
        _ => null,
    };

    private static int MinPlainWidth(Leaf leaf) => FixedWidth(leaf) ?? (leaf.PhysicalType == 6 ? 4 : 1);

    private static string Utf8(string file, string part, ReadOnlyMemory<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw Bad(file, part, "a column name is not valid UTF-8", e);
        }
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static InvalidDataException Bad(string file, string part, string what, Exception? inner = null) =>
        new($"{file}, {part}: {what}.", inner);
}
