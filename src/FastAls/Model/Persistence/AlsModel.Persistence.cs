using FastAls.Internals;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FastAls.Internals.IO;

namespace FastAls;

public sealed partial class AlsModel
{
    /// <summary>The first 8 bytes of a model file.</summary>
    internal static ReadOnlySpan<byte> FileMagic => "FALSMODL"u8;

    /// <summary>The model file format version this build writes. It also reads every earlier version.</summary>
    /// <remarks>Version 2 keeps the options as source-generated JSON after the header and checksums with XXH64
    /// (<c>System.IO.Hashing</c>); version 1 held the options as binary header fields and used a home-made 64-bit
    /// checksum.</remarks>
    internal const int FileFormatVersion = 2;

    /// <summary>The oldest model file format version this build reads.</summary>
    private const int OldestFileFormatVersion = 1;

    private const int HeaderSize = 128;

    /// <summary>The largest options section a version 2 file may claim.</summary>
    private const int MaxMetadataBytes = 1 << 20;

    private const int IoChunk = 1 << 16;

    /// <summary>
    /// Writes the model (kind, every hyperparameter, factors, biases, global mean, id maps, checksums) to
    /// <paramref name="path"/>: to a temporary file in the same folder first (<c>.NAME.PID.N.fastals-tmp</c>),
    /// flushed to disk and renamed over the target when complete, so a failed save leaves any existing file untouched.
    /// </summary>
    public void Save(string path)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        ArgumentException.ThrowIfNullOrEmpty(path);
        Internals.IO.AtomicFile.Write(path, WriteTo, IoChunk);
    }

    /// <summary>
    /// Reads a model written by <see cref="Save"/>. The header (magic, version, header checksum, shapes,
    /// option ranges, and the file length it implies) is validated before anything large is allocated;
    /// the whole-file checksum is verified before the model is returned.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a model file, has another format version,
    /// is truncated, corrupted or describes an impossible model; the message names the file and the problem.</exception>
    public static AlsModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream fs = Internals.IO.PathChecks.OpenRead(path, FileShare.Read, IoChunk);
        try
        {
            return ReadFrom(fs, fs.Length);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the file ends early (truncated).", e);
        }
    }

    private void WriteTo(Stream s)
    {
        var sum = new XxHash64();
        byte[] uid = IdMapCodec.Encode(UserIds, IdSectionLayout.LengthPrefixed);
        byte[] iid = IdMapCodec.Encode(ItemIds, IdSectionLayout.LengthPrefixed);
        var h = new byte[HeaderSize];
        Span<byte> p = h;
        FileMagic.CopyTo(p);
        AlsOptions o = Options;
        byte[] meta = JsonSerializer.SerializeToUtf8Bytes(
            new FileMetadata(o, Kind == AlsModelKind.Explicit && float.IsFinite(_ratingMean) ? _ratingMean : null),
            AlsOptionsJsonContext.Default.FileMetadata);
        BinaryPrimitives.WriteInt32LittleEndian(p[8..], FileFormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(p[12..], HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(p[16..], (int)o.Kind);
        BinaryPrimitives.WriteInt32LittleEndian(p[20..], o.Factors);
        BinaryPrimitives.WriteInt32LittleEndian(p[24..], Users);
        BinaryPrimitives.WriteInt32LittleEndian(p[28..], Items);
        BinaryPrimitives.WriteInt32LittleEndian(p[32..], meta.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], ContentHash.Of(meta)); // [36, 40) and [48, 88) reserved, zero
        BinaryPrimitives.WriteSingleLittleEndian(p[88..], _globalMean);
        BinaryPrimitives.WriteInt32LittleEndian(p[92..], HasBiases ? 1 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(p[96..], (int)UserIds.Kind);
        BinaryPrimitives.WriteInt32LittleEndian(p[100..], (int)ItemIds.Kind);
        BinaryPrimitives.WriteInt64LittleEndian(p[104..], uid.Length);
        BinaryPrimitives.WriteInt64LittleEndian(p[112..], iid.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(p[120..], ContentHash.Of(p[..120]));
        Put(s, sum, h);
        Put(s, sum, meta);

        WriteFactors(s, sum, _userFactors);
        WriteFactors(s, sum, _itemFactors);
        if (_userBiases is not null)
        {
            Put(s, sum, MemoryMarshal.AsBytes(_userBiases.AsSpan()));
            Put(s, sum, MemoryMarshal.AsBytes(_itemBiases.AsSpan()));
        }

        Put(s, sum, uid);
        Put(s, sum, iid);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(tail, ContentHash.Current(sum));
        s.Write(tail);
    }

    private static void Put(Stream s, NonCryptographicHashAlgorithm sum, ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Model files are little-endian; big-endian hosts are not supported.");
        }

        sum.Append(bytes);
        s.Write(bytes);
    }

    private static void WriteFactors(Stream s, NonCryptographicHashAlgorithm sum, FactorMatrix m)
    {
        for (int r = 0; r < m.Rows; r++)
        {
            Put(s, sum, MemoryMarshal.AsBytes<float>(m.Row(r)));
        }
    }

    private static AlsModel ReadFrom(Stream s, long fileLength)
    {
        if (fileLength < HeaderSize + 8)
        {
            throw new InvalidDataException($"the file holds {fileLength} bytes, less than a model file header ({HeaderSize + 8}); not a FastAls model or truncated.");
        }

        var h = new byte[HeaderSize];
        s.ReadExactly(h);
        ReadOnlySpan<byte> p = h;
        if (!p[..8].SequenceEqual(FileMagic))
        {
            throw new InvalidDataException("not a FastAls model file (bad magic bytes).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(p[8..]);
        if (version < OldestFileFormatVersion || version > FileFormatVersion)
        {
            throw new InvalidDataException($"model file format version {version} is not supported (this build reads versions {OldestFileFormatVersion} to {FileFormatVersion}).");
        }

        // Version 1 files carry the legacy checksum; the layout is otherwise the same.
        NonCryptographicHashAlgorithm sum = version == 1 ? new LegacyModelChecksum() : new XxHash64();
        sum.Append(h);
        ulong headerSum = version == 1 ? LegacyModelChecksum.Of(p[..120]) : ContentHash.Of(p[..120]);
        if (BinaryPrimitives.ReadUInt64LittleEndian(p[120..]) != headerSum)
        {
            throw new InvalidDataException("the header checksum does not match: the file is corrupted.");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(p[12..]) != HeaderSize)
        {
            throw new InvalidDataException($"header size {BinaryPrimitives.ReadInt32LittleEndian(p[12..])} is not {HeaderSize}.");
        }

        int metaBytes = 0;
        AlsOptions options;
        try
        {
            if (version == 1)
            {
                options = ReadVersion1Options(p);
            }
            else
            {
                metaBytes = BinaryPrimitives.ReadInt32LittleEndian(p[32..]);
                if (metaBytes < 2 || metaBytes > MaxMetadataBytes || metaBytes > fileLength - HeaderSize - 8)
                {
                    throw new InvalidDataException($"the header claims an options section of {metaBytes} bytes; the file holds {fileLength}: corrupted.");
                }

                if (p[36..40].ContainsAnyExcept((byte)0) || p[48..88].ContainsAnyExcept((byte)0))
                {
                    throw new InvalidDataException("the reserved header bytes [36, 40) and [48, 88) are not zero: corrupted or written by another program.");
                }

                // The shape the header states; the options section, read below, must agree with it.
                options = new AlsOptions
                {
                    Kind = (AlsModelKind)BinaryPrimitives.ReadInt32LittleEndian(p[16..]),
                    Factors = BinaryPrimitives.ReadInt32LittleEndian(p[20..]),
                };
            }

            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the header holds invalid options: {e.Message}", e);
        }

        int users = BinaryPrimitives.ReadInt32LittleEndian(p[24..]);
        int items = BinaryPrimitives.ReadInt32LittleEndian(p[28..]);
        float mu = BinaryPrimitives.ReadSingleLittleEndian(p[88..]);
        int flags = BinaryPrimitives.ReadInt32LittleEndian(p[92..]);
        var userIdKind = (IdKind)BinaryPrimitives.ReadInt32LittleEndian(p[96..]);
        var itemIdKind = (IdKind)BinaryPrimitives.ReadInt32LittleEndian(p[100..]);
        long uidBytes = BinaryPrimitives.ReadInt64LittleEndian(p[104..]);
        long iidBytes = BinaryPrimitives.ReadInt64LittleEndian(p[112..]);
        if (users < 0 || items < 0)
        {
            throw new InvalidDataException($"the header claims {users} users and {items} items.");
        }

        if (flags != (options.HasBiases ? 1 : 0))
        {
            throw new InvalidDataException($"the bias flag {flags} does not fit model kind {options.Kind}.");
        }

        if (!Enum.IsDefined(userIdKind) || !Enum.IsDefined(itemIdKind))
        {
            throw new InvalidDataException($"unknown id kinds {(int)userIdKind}/{(int)itemIdKind}.");
        }

        if (!float.IsFinite(mu))
        {
            throw new InvalidDataException($"the global mean {mu} is not finite.");
        }

        if (uidBytes < 0 || iidBytes < 0 || uidBytes > fileLength || iidBytes > fileLength)
        {
            throw new InvalidDataException($"the header claims id sections of {uidBytes} and {iidBytes} bytes but the file holds {fileLength}: corrupted.");
        }
        long rows = (long)users + items;
        long expected = HeaderSize + metaBytes + (rows * options.Factors * 4) + (options.HasBiases ? rows * 4 : 0) + uidBytes + iidBytes + 8;
        if (expected != fileLength)
        {
            throw new InvalidDataException(expected > fileLength
                ? $"the header describes {expected} bytes ({users} users, {items} items, k = {options.Factors}) but the file holds {fileLength}: truncated or corrupted."
                : $"the file holds {fileLength} bytes but the header describes only {expected}: trailing data or corrupted.");
        }

        float ratingMean = float.NaN;
        if (version >= 2)
        {
            (options, ratingMean) = ReadMetadata(s, sum, metaBytes, BinaryPrimitives.ReadUInt64LittleEndian(p[40..]), options);
        }

        IdMapCodec.CheckSize(userIdKind, users, uidBytes, IdSectionLayout.LengthPrefixed, "user");
        IdMapCodec.CheckSize(itemIdKind, items, iidBytes, IdSectionLayout.LengthPrefixed, "item");

        var uf = new FactorMatrix(users, options.Factors);
        var itf = new FactorMatrix(items, options.Factors);
        try
        {
            ReadFactors(s, sum, uf, "user");
            ReadFactors(s, sum, itf, "item");
            float[]? ub = null, ib = null;
            if (options.HasBiases)
            {
                ub = new float[users];
                ib = new float[items];
                Get(s, sum, MemoryMarshal.AsBytes(ub.AsSpan()));
                Get(s, sum, MemoryMarshal.AsBytes(ib.AsSpan()));
                CheckFiniteInFile(ub, "user biases");
                CheckFiniteInFile(ib, "item biases");
            }

            var uidRaw = new byte[uidBytes];
            var iidRaw = new byte[iidBytes];
            Get(s, sum, uidRaw);
            Get(s, sum, iidRaw);
            Span<byte> tail = stackalloc byte[8];
            s.ReadExactly(tail);
            if (BinaryPrimitives.ReadUInt64LittleEndian(tail) != ContentHash.Current(sum))
            {
                throw new InvalidDataException("the checksum does not match the contents: the file is corrupted.");
            }

            IdMap uids = IdMapCodec.Decode(uidRaw, userIdKind, users, IdSectionLayout.LengthPrefixed, "user");
            IdMap iids = IdMapCodec.Decode(iidRaw, itemIdKind, items, IdSectionLayout.LengthPrefixed, "item");
            return new AlsModel(options, uf, itf, ub, ib, uids, iids, mu, ratingMean);
        }
        catch
        {
            uf.Dispose();
            itf.Dispose();
            throw;
        }
    }

    /// <summary>Version 1 kept every option as a binary header field (frozen layout; version 2 writes JSON).</summary>
    private static AlsOptions ReadVersion1Options(ReadOnlySpan<byte> p) => new()
    {
        Kind = (AlsModelKind)BinaryPrimitives.ReadInt32LittleEndian(p[16..]),
        Factors = BinaryPrimitives.ReadInt32LittleEndian(p[20..]),
        Regularization = BinaryPrimitives.ReadSingleLittleEndian(p[32..]),
        RegularizationScaling = (RegularizationScaling)BinaryPrimitives.ReadInt32LittleEndian(p[36..]),
        Alpha = BinaryPrimitives.ReadSingleLittleEndian(p[40..]),
        Epsilon = BinaryPrimitives.ReadSingleLittleEndian(p[44..]),
        Confidence = (ConfidenceKind)BinaryPrimitives.ReadInt32LittleEndian(p[48..]),
        Iterations = BinaryPrimitives.ReadInt32LittleEndian(p[52..]),
        Seed = BinaryPrimitives.ReadInt32LittleEndian(p[56..]),
        Threads = BinaryPrimitives.ReadInt32LittleEndian(p[60..]),
        Solver = (AlsSolver)BinaryPrimitives.ReadInt32LittleEndian(p[64..]),
        CgSteps = BinaryPrimitives.ReadInt32LittleEndian(p[68..]),
        CgTolerance = BinaryPrimitives.ReadSingleLittleEndian(p[72..]),
        InitScale = BinaryPrimitives.ReadSingleLittleEndian(p[76..]),
        EarlyStopTolerance = BinaryPrimitives.ReadDoubleLittleEndian(p[80..]),
    };

    /// <summary>Reads and checks a version 2 options section (its own checksum first, then the JSON, then its agreement with the header).</summary>
    private static (AlsOptions Options, float RatingMean) ReadMetadata(Stream s, NonCryptographicHashAlgorithm sum, int bytes, ulong checksum, AlsOptions header)
    {
        var utf8 = new byte[bytes];
        Get(s, sum, utf8);
        if (ContentHash.Of(utf8) != checksum)
        {
            throw new InvalidDataException("the options section checksum does not match: the file is corrupted.");
        }

        FileMetadata m;
        try
        {
            m = JsonSerializer.Deserialize(utf8, AlsOptionsJsonContext.Default.FileMetadata)
                ?? throw new InvalidDataException("the options section is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the options section is not valid: {e.Message}", e);
        }

        AlsOptions o = m.Options;
        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the options section holds invalid options: {e.Message}", e);
        }

        if (o.Kind != header.Kind || o.Factors != header.Factors)
        {
            throw new InvalidDataException($"the options say {o.Kind} with k = {o.Factors} but the header says {header.Kind} with k = {header.Factors}.");
        }

        if (m.RatingMean is { } mean && (!float.IsFinite(mean) || o.Kind != AlsModelKind.Explicit))
        {
            throw new InvalidDataException($"the options section holds rating mean {mean} for a {o.Kind} model.");
        }

        return (o, m.RatingMean ?? float.NaN);
    }

    private static void ReadFactors(Stream s, NonCryptographicHashAlgorithm sum, FactorMatrix m, string side)
    {
        for (int r = 0; r < m.Rows; r++)
        {
            Span<float> row = m.Row(r);
            Get(s, sum, MemoryMarshal.AsBytes(row));
            for (int d = 0; d < row.Length; d++)
            {
                if (!float.IsFinite(row[d]))
                {
                    throw new InvalidDataException($"the {side} factors hold a non-finite value ({row[d]}) in row {r}, factor {d}.");
                }
            }
        }
    }

    /// <summary>Rejects a NaN or infinite bias, naming the part and the row (the message gets the file name from the caller).</summary>
    internal static void CheckFiniteInFile(ReadOnlySpan<float> values, string part)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new InvalidDataException($"the {part} hold a non-finite value ({values[i]}) in row {i}.");
            }
        }
    }

    private static void Get(Stream s, NonCryptographicHashAlgorithm sum, Span<byte> dest)
    {
        s.ReadExactly(dest);
        sum.Append(dest);
    }

    /// <summary>The JSON section of a version 2 model file: the options, and the plain explicit model's mean rating.</summary>
    internal sealed record FileMetadata([property: JsonRequired] AlsOptions Options, float? RatingMean);
}
