using System.Buffers.Binary;
using System.Numerics;

namespace FastAls.Internals.IO;

/// <summary>
/// A streaming 64-bit checksum of a byte sequence (word-wise FNV-style multiply-xor with a rotation).
/// Every step is a bijection of the state for a fixed input word, so any single changed word always
/// changes the result. Not cryptographic: it detects corruption, not tampering.
/// </summary>
internal sealed class Checksum64
{
    private const ulong Prime = 0x100000001B3UL;
    private ulong _h = 0xCBF29CE484222325UL;
    private long _length;
    private ulong _carry;
    private int _carryBytes;

    public void Append(ReadOnlySpan<byte> data)
    {
        _length += data.Length;
        while (_carryBytes != 0 && !data.IsEmpty)
        {
            _carry |= (ulong)data[0] << (8 * _carryBytes);
            data = data[1..];
            if (++_carryBytes == 8)
            {
                Mix(_carry);
                _carry = 0;
                _carryBytes = 0;
            }
        }

        while (data.Length >= 8)
        {
            Mix(BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        for (int i = 0; i < data.Length; i++)
        {
            _carry |= (ulong)data[i] << (8 * _carryBytes++);
        }
    }

    public ulong Final()
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

    public static ulong Of(ReadOnlySpan<byte> data)
    {
        var c = new Checksum64();
        c.Append(data);
        return c.Final();
    }

    private void Mix(ulong w) => _h = BitOperations.RotateLeft((_h ^ w) * Prime, 29);
}
