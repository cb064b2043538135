namespace FastAls.IO.ParquetSafety;

/// <summary>
/// Adds the optional CRC-32 of each page (<c>PageHeader.crc</c>, computed over the page bytes as stored,
/// after compression) to a Parquet file that Parquet.Net wrote without them, so that a later read detects
/// any changed byte of the data. Parquet.Net 6.1 neither writes nor verifies page checksums; FastAls's
/// reader verifies them (<see cref="ParquetFileCheck"/>).
/// </summary>
internal static class ParquetPageChecksums
{
    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="target"/> with a checksum in every page header, and
    /// the column chunk offsets and sizes in the footer moved accordingly.
    /// </summary>
    public static void Add(string source, string target)
    {
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        Add(input, source, output);
    }

    /// <summary>
    /// Copies the Parquet file in <paramref name="input"/> (named <paramref name="source"/> in messages) to
    /// <paramref name="output"/> with a checksum in every page header, and flushes the output to disk.
    /// </summary>
    public static void Add(Stream input, string source, FileStream output)
    {
        ParquetFileCheck check = ParquetFileCheck.ReadFooter(input, source);
        output.Write("PAR1"u8);
        long expected = 4;
        List<ThriftValue> groups = check.Meta.List(4)!;
        for (int g = 0; g < check.RowGroups.Count; g++)
        {
            ThriftStruct rg = groups[g].Struct!;
            List<ThriftValue> columns = rg.List(1)!;
            long groupStart = output.Position;
            long groupGrowth = 0;
            for (int c = 0; c < columns.Count; c++)
            {
                ParquetFileCheck.ChunkInfo chunk = check.RowGroups[g].Chunks[c];
                ThriftStruct cc = columns[c].Struct!;
                ThriftStruct md = chunk.MetaData;
                if (chunk.Start != expected || chunk.Length > int.MaxValue || md.Get(10) is not null || md.Get(14) is not null || cc.Get(4) is not null || cc.Get(6) is not null)
                {
                    throw new InvalidOperationException($"{source}: unexpected layout for adding page checksums (row group {g}, column {c}).");
                }

                byte[] bytes = new byte[chunk.Length];
                input.Position = chunk.Start;
                input.ReadExactly(bytes);
                long newStart = output.Position;
                long newData = -1;
                long oldData = md.Int(9)!.Value;
                int pos = 0;
                long growth = 0;
                while (pos < bytes.Length)
                {
                    var r = new ThriftCompactReader(bytes.AsMemory(pos));
                    ThriftStruct ph = r.ReadStruct();
                    int headerLen = r.Position;
                    int cs = checked((int)ph.Int(3)!.Value);
                    if (chunk.Start + pos == oldData)
                    {
                        newData = output.Position;
                    }

                    ReadOnlySpan<byte> payload = bytes.AsSpan(pos + headerLen, cs);
                    ph.Set(4, new ThriftValue { Type = ThriftType.I32, Int = (int)Crc32.Compute(payload) });
                    byte[] header = ThriftCompactWriter.Write(ph);
                    output.Write(header);
                    output.Write(payload);
                    growth += header.Length - headerLen;
                    pos += headerLen + cs;
                }

                if (newData < 0)
                {
                    throw new InvalidOperationException($"{source}: the data page offset of row group {g}, column {c} is not at a page.");
                }

                Set(md, 9, newData);
                if (md.Get(11) is not null)
                {
                    Set(md, 11, newStart);
                }

                Set(md, 7, output.Position - newStart);
                Set(md, 6, md.Int(6)!.Value + growth);
                if (cc.Int(2) is long fo)
                {
                    Set(cc, 2, fo == chunk.Start ? newStart : fo == oldData ? newData : fo + (newStart - chunk.Start));
                }

                groupGrowth += growth;
                expected = chunk.Start + chunk.Length;
            }

            if (rg.Get(5) is not null)
            {
                Set(rg, 5, groupStart);
            }

            if (rg.Int(6) is long tcs)
            {
                Set(rg, 6, tcs + groupGrowth);
            }

            if (rg.Int(2) is long tbs)
            {
                Set(rg, 2, tbs + groupGrowth);
            }
        }

        if (expected != check.FooterStart && check.RowGroups.Count > 0)
        {
            throw new InvalidOperationException($"{source}: bytes between the column data and the footer.");
        }

        byte[] footer = ThriftCompactWriter.Write(check.Meta);
        output.Write(footer);
        output.Write(BitConverter.GetBytes(footer.Length));
        output.Write("PAR1"u8);
        output.Flush(flushToDisk: true);
    }

    private static void Set(ThriftStruct s, short id, long value) =>
        s.Set(id, new ThriftValue { Type = ThriftType.I64, Int = value });
}
