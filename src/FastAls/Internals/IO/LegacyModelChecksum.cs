using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;

namespace FastAls.Internals.IO;

/// <summary>
/// The checksum of model files of format version 1 (word-wise FNV-style multiply-xor with a rotation), kept only
/// so that version-1 files written by earlier builds still load: they are read and verified with it, never written.
/// Version 2 and later use XXH64 (<see cref="ContentHash"/>).
/// </summary>
internal sealed class LegacyModelChecksum : NonCryptographicHashAlgorithm
{
    private const ulong Prime = 0x100000001B3UL;
    private const ulong Basis = 0xCBF29CE484222325UL;
    private ulong _h = Basis;
    private long _length;
    private ulong _carry;
    private int _carryBytes;

    public LegacyModelChecksum()
        : base(sizeof(ulong))
    {
    }

    /// <summary>The checksum of <paramref name="data"/> (the version-1 header checksum).</summary>
    public static ulong Of(ReadOnlySpan<byte> data)
    {
        var c = new LegacyModelChecksum();
        c.Append(data);
        return c.Final();
    }

    public override void Append(ReadOnlySpan<byte> source)
    {
        _length += source.Length;
        while (_carryBytes != 0 && !source.IsEmpty)
        {
            _carry |= (ulong)source[0] << (8 * _carryBytes);
            source = source[1..];
            if (++_carryBytes == 8)
            {
                Mix(_carry);
                _carry = 0;
                _carryBytes = 0;
            }
        }

        while (source.Length >= 8)
        {
            Mix(BinaryPrimitives.ReadUInt64LittleEndian(source));
            source = source[8..];
        }

        for (int i = 0; i < source.Length; i++)
        {
            _carry |= (ulong)source[i] << (8 * _carryBytes++);
        }
    }

    public override void Reset()
    {
        _h = Basis;
        _length = 0;
        _carry = 0;
        _carryBytes = 0;
    }

    /// <summary>Written big-endian, as <see cref="XxHash64"/> writes its hash, so <see cref="ContentHash.Current"/> reads either.</summary>
    protected override void GetCurrentHashCore(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, Final());

    private ulong Final()
    {
        ulong h = _h;
        if (_carryBytes != 0)
        {
            h = BitOperations.RotateLeft((h ^ _carry) * Prime, 29);
        }

        h = BitOperations.RotateLeft((h ^ (ulong)_length) * Prime, 29);
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return h;
    }

    private void Mix(ulong w) => _h = BitOperations.RotateLeft((_h ^ w) * Prime, 29);
}
