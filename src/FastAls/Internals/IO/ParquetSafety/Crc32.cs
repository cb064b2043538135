using System.Buffers.Binary;

namespace FastAls.IO.ParquetSafety;

/// <summary>
/// The standard CRC-32 (polynomial 0x04C11DB7, reflected, as in zlib and gzip), which Parquet page
/// checksums use (<c>PageHeader.crc</c>); slicing by 8 bytes.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<uint> t = Table;
        while (data.Length >= 8)
        {
            uint a = crc ^ BinaryPrimitives.ReadUInt32LittleEndian(data);
            uint b = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t[(7 * 256) + (int)(a & 0xFF)] ^ t[(6 * 256) + (int)((a >> 8) & 0xFF)]
                ^ t[(5 * 256) + (int)((a >> 16) & 0xFF)] ^ t[(4 * 256) + (int)(a >> 24)]
                ^ t[(3 * 256) + (int)(b & 0xFF)] ^ t[(2 * 256) + (int)((b >> 8) & 0xFF)]
                ^ t[256 + (int)((b >> 16) & 0xFF)] ^ t[(int)(b >> 24)];
            data = data[8..];
        }

        foreach (byte x in data)
        {
            crc = t[(int)((crc ^ x) & 0xFF)] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            t[i] = c;
        }

        for (int s = 1; s < 8; s++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint prev = t[((s - 1) * 256) + i];
                t[(s * 256) + i] = (prev >> 8) ^ t[(int)(prev & 0xFF)];
            }
        }

        return t;
    }
}
