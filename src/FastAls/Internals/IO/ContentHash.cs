using System.IO.Hashing;

namespace FastAls.Internals.IO;

/// <summary>
/// The checksum of FastAls's own files: XXH64 (seed 0) from <c>System.IO.Hashing</c>, stored as the
/// <see cref="ulong"/> that <see cref="XxHash64.HashToUInt64"/> returns (little-endian on disk).
/// Used for the CSR cache sections and header, the source fingerprint, and model files from format version 2 on.
/// Not cryptographic: it detects corruption, not tampering.
/// </summary>
internal static unsafe class ContentHash
{
    /// <summary>Longest span handed to <see cref="XxHash64.Append(ReadOnlySpan{byte})"/> at once (spans hold at most 2^31 - 1 bytes).</summary>
    private const int Chunk = 1 << 30;

    /// <summary>The XXH64 of <paramref name="data"/>.</summary>
    public static ulong Of(ReadOnlySpan<byte> data) => XxHash64.HashToUInt64(data);

    /// <summary>The XXH64 of <paramref name="length"/> bytes at <paramref name="p"/> (which may exceed a span's 2 GiB).</summary>
    /// <remarks>The caller guarantees that <c>[p, p + length)</c> is readable (a validated section of a mapped file).</remarks>
    public static ulong Of(byte* p, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= int.MaxValue)
        {
            return XxHash64.HashToUInt64(new ReadOnlySpan<byte>(p, (int)length));
        }

        var h = new XxHash64();
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(Chunk, length - done);
            h.Append(new ReadOnlySpan<byte>(p + done, n));
            done += n;
        }

        return h.GetCurrentHashAsUInt64();
    }

    /// <summary>The 64-bit value of a streaming hash (<see cref="XxHash64"/> or <see cref="LegacyModelChecksum"/>), as stored in files.</summary>
    /// <remarks>Both write their current hash big-endian through <see cref="NonCryptographicHashAlgorithm.GetCurrentHash(Span{byte})"/>.</remarks>
    public static ulong Current(NonCryptographicHashAlgorithm hash)
    {
        Span<byte> b = stackalloc byte[8];
        hash.GetCurrentHash(b);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b);
    }
}
