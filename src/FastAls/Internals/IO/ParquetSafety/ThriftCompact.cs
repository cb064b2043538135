using System.Globalization;

namespace FastAls.IO.ParquetSafety;

/// <summary>Thrift compact-protocol wire types (the low nibble of a field header).</summary>
internal enum ThriftType : byte
{
    Stop = 0,
    True = 1,
    False = 2,
    Byte = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
}

/// <summary>One decoded Thrift value: a scalar (in <see cref="Int"/>), bytes, a struct or a list.</summary>
internal sealed class ThriftValue
{
    public ThriftType Type { get; init; }

    /// <summary>Integers, booleans (1 or 0) and the bits of a double.</summary>
    public long Int { get; set; }

    public ReadOnlyMemory<byte> Bytes { get; init; }

    public ThriftStruct? Struct { get; init; }

    public ThriftType ElementType { get; init; }

    public List<ThriftValue>? Elements { get; init; }
}

/// <summary>A decoded Thrift struct: its fields in wire order.</summary>
internal sealed class ThriftStruct
{
    public List<(short Id, ThriftValue Value)> Fields { get; } = [];

    public ThriftValue? Get(short id)
    {
        foreach ((short Id, ThriftValue Value) f in Fields)
        {
            if (f.Id == id)
            {
                return f.Value;
            }
        }

        return null;
    }

    public long? Int(short id) => Get(id)?.Int;

    public ThriftStruct? Sub(short id) => Get(id)?.Struct;

    public List<ThriftValue>? List(short id) => Get(id)?.Elements;

    public void Set(short id, ThriftValue value)
    {
        for (int k = 0; k < Fields.Count; k++)
        {
            if (Fields[k].Id == id)
            {
                Fields[k] = (id, value);
                return;
            }
        }

        int at = Fields.FindIndex(f => f.Id > id);
        Fields.Insert(at < 0 ? Fields.Count : at, (id, value));
    }
}

/// <summary>Thrown by <see cref="ThriftCompactReader"/> for malformed bytes; the caller adds the file and section.</summary>
internal sealed class ThriftFormatException(string message) : Exception(message);

/// <summary>
/// A bounded Thrift compact-protocol decoder: every length and count is checked against the bytes left
/// before anything is allocated, nesting is limited, and running out of bytes is an error (never a read of
/// -1 taken as a byte, which is how an unbounded decoder loops forever on a truncated footer).
/// </summary>
internal ref struct ThriftCompactReader
{
    private const int MaxDepth = 32;
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public ThriftCompactReader(ReadOnlyMemory<byte> data)
    {
        _memory = data;
        _data = data.Span;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _pos;

    public ThriftStruct ReadStruct() => ReadStruct(0);

    private ThriftStruct ReadStruct(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ThriftFormatException($"structures nested deeper than {MaxDepth} levels");
        }

        var s = new ThriftStruct();
        short last = 0;
        while (true)
        {
            int at = _pos;
            byte header = NextByte();
            if (header == 0)
            {
                return s;
            }

            var type = (ThriftType)(header & 0x0F);
            int delta = header >> 4;
            short id = delta == 0 ? (short)Zigzag32(Varint(3)) : (short)(last + delta);
            last = id;
            if (type is ThriftType.Stop or > ThriftType.Struct)
            {
                throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"bad field type {(int)type} at byte {at}"));
            }

            if (s.Get(id) is not null)
            {
                throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"field {id} appears twice in one structure (byte {at})"));
            }

            ThriftValue v = type is ThriftType.True or ThriftType.False
                ? new ThriftValue { Type = type, Int = type == ThriftType.True ? 1 : 0 }
                : ReadValue(type, depth);
            s.Fields.Add((id, v));
        }
    }

    private ThriftValue ReadValue(ThriftType type, int depth)
    {
        switch (type)
        {
            case ThriftType.True:
            case ThriftType.False:
                {
                    // A boolean list element: one byte, 1 = true, 2 (or 0) = false.
                    byte b = NextByte();
                    if (b > 2)
                    {
                        throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"bad boolean {b} at byte {_pos - 1}"));
                    }

                    return new ThriftValue { Type = type, Int = b == 1 ? 1 : 0 };
                }

            case ThriftType.Byte:
                return new ThriftValue { Type = type, Int = (sbyte)NextByte() };
            case ThriftType.I16:
                return new ThriftValue { Type = type, Int = (short)Zigzag32(Varint(3)) };
            case ThriftType.I32:
                return new ThriftValue { Type = type, Int = Zigzag32(Varint(5)) };
            case ThriftType.I64:
                {
                    ulong u = Varint(10);
                    return new ThriftValue { Type = type, Int = (long)(u >> 1) ^ -(long)(u & 1) };
                }

            case ThriftType.Double:
                Need(8);
                _pos += 8;
                return new ThriftValue { Type = type, Int = BitConverter.ToInt64(_data.Slice(_pos - 8, 8)) };
            case ThriftType.Binary:
                {
                    int n = Length();
                    Need(n);
                    _pos += n;
                    return new ThriftValue { Type = type, Bytes = _memory.Slice(_pos - n, n) };
                }

            case ThriftType.Struct:
                return new ThriftValue { Type = type, Struct = ReadStruct(depth + 1) };
            case ThriftType.List:
            case ThriftType.Set:
                {
                    int at = _pos;
                    byte h = NextByte();
                    int count = h >> 4;
                    if (count == 15)
                    {
                        count = Length();
                    }

                    var et = (ThriftType)(h & 0x0F);
                    if ((et == ThriftType.Stop && count > 0) || et > ThriftType.Struct)
                    {
                        throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"bad list element type {(int)et} at byte {at}"));
                    }

                    // Every element takes at least one byte: a count beyond the bytes left is a lie.
                    if (count > _data.Length - _pos)
                    {
                        throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"a list at byte {at} claims {count} elements but only {_data.Length - _pos} bytes follow"));
                    }

                    var list = new List<ThriftValue>(count);
                    for (int k = 0; k < count; k++)
                    {
                        list.Add(ReadValue(et, depth + 1));
                    }

                    return new ThriftValue { Type = type, ElementType = et, Elements = list };
                }

            default:
                throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"unsupported field type {type} at byte {_pos}"));
        }
    }

    private int Length()
    {
        int at = _pos;
        ulong n = Varint(5);
        if (n > int.MaxValue)
        {
            throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"length {n} at byte {at} is out of range"));
        }

        return (int)n;
    }

    private void Need(int n)
    {
        if (n > _data.Length - _pos)
        {
            throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"needs {n} more bytes at byte {_pos} but only {_data.Length - _pos} are left"));
        }
    }

    private byte NextByte()
    {
        if (_pos >= _data.Length)
        {
            throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"ends too early (after {_data.Length} bytes)"));
        }

        return _data[_pos++];
    }

    private ulong Varint(int maxBytes)
    {
        int at = _pos;
        ulong result = 0;
        for (int k = 0; k < maxBytes; k++)
        {
            byte b = NextByte();
            result |= (ulong)(b & 0x7F) << (7 * k);
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new ThriftFormatException(string.Create(CultureInfo.InvariantCulture, $"an integer at byte {at} is longer than {maxBytes} bytes"));
    }

    private static int Zigzag32(ulong u) => (int)((uint)u >> 1) ^ -(int)((uint)u & 1);
}

/// <summary>Encodes a <see cref="ThriftStruct"/> in the compact protocol (used to add page checksums).</summary>
internal sealed class ThriftCompactWriter
{
    private readonly MemoryStream _out = new();

    public static byte[] Write(ThriftStruct s)
    {
        var w = new ThriftCompactWriter();
        w.WriteStruct(s);
        return w._out.ToArray();
    }

    private void WriteStruct(ThriftStruct s)
    {
        short last = 0;
        foreach ((short id, ThriftValue v) in s.Fields)
        {
            ThriftType t = v.Type is ThriftType.True or ThriftType.False ? (v.Int != 0 ? ThriftType.True : ThriftType.False) : v.Type;
            int delta = id - last;
            if (delta is > 0 and <= 15)
            {
                _out.WriteByte((byte)((delta << 4) | (int)t));
            }
            else
            {
                _out.WriteByte((byte)t);
                Varint((ulong)(uint)((id << 1) ^ (id >> 31)));
            }

            last = id;
            if (t is not (ThriftType.True or ThriftType.False))
            {
                WriteValue(v);
            }
        }

        _out.WriteByte(0);
    }

    private void WriteValue(ThriftValue v)
    {
        switch (v.Type)
        {
            case ThriftType.True:
            case ThriftType.False:
                _out.WriteByte(v.Int != 0 ? (byte)1 : (byte)2);
                break;
            case ThriftType.Byte:
                _out.WriteByte((byte)v.Int);
                break;
            case ThriftType.I16:
            case ThriftType.I32:
                Varint((uint)(((int)v.Int << 1) ^ ((int)v.Int >> 31)));
                break;
            case ThriftType.I64:
                Varint((ulong)((v.Int << 1) ^ (v.Int >> 63)));
                break;
            case ThriftType.Double:
                _out.Write(BitConverter.GetBytes(v.Int));
                break;
            case ThriftType.Binary:
                Varint((ulong)v.Bytes.Length);
                _out.Write(v.Bytes.Span);
                break;
            case ThriftType.Struct:
                WriteStruct(v.Struct!);
                break;
            case ThriftType.List:
            case ThriftType.Set:
                int n = v.Elements!.Count;
                if (n < 15)
                {
                    _out.WriteByte((byte)((n << 4) | (int)v.ElementType));
                }
                else
                {
                    _out.WriteByte((byte)(0xF0 | (int)v.ElementType));
                    Varint((ulong)n);
                }

                foreach (ThriftValue e in v.Elements)
                {
                    WriteValue(e);
                }

                break;
            default:
                throw new InvalidOperationException($"Cannot write Thrift type {v.Type}.");
        }
    }

    private void Varint(ulong u)
    {
        while (u >= 0x80)
        {
            _out.WriteByte((byte)(u | 0x80));
            u >>= 7;
        }

        _out.WriteByte((byte)u);
    }
}
