using FastAls.Internals;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using FastAls.Internals.IO;

namespace FastAls;

public sealed partial class AlsModel
{
    /// <summary>The first 8 bytes of a model file.</summary>
    public static ReadOnlySpan<byte> FileMagic => "FALSMODL"u8;

    /// <summary>The model file format version this build writes. It also reads every earlier version.</summary>
    /// <remarks>Version 2 checksums with XXH64 (<c>System.IO.Hashing</c>); version 1 used a home-made 64-bit checksum
    /// and is otherwise identical.</remarks>
    public const int FileFormatVersion = 2;

    /// <summary>The oldest model file format version this build reads.</summary>
    private const int OldestFileFormatVersion = 1;

    private const int HeaderSize = 128;

    /// <summary>Adopts already-filled factor matrices and biases (loading and import).</summary>
    private AlsModel(AlsOptions options, FactorMatrix userFactors, FactorMatrix itemFactors, float[]? userBiases, float[]? itemBiases, IdMap userIds, IdMap itemIds, bool adopt)
    {
        _ = adopt;
        Options = options;
        UserFactors = userFactors;
        ItemFactors = itemFactors;
        UserBiases = userBiases;
        ItemBiases = itemBiases;
        UserIds = userIds;
        ItemIds = itemIds;
    }
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
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, IoChunk);
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
        byte[] uid = EncodeIds(UserIds);
        byte[] iid = EncodeIds(ItemIds);
        var h = new byte[HeaderSize];
        Span<byte> p = h;
        FileMagic.CopyTo(p);
        AlsOptions o = Options;
        BinaryPrimitives.WriteInt32LittleEndian(p[8..], FileFormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(p[12..], HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(p[16..], (int)o.Kind);
        BinaryPrimitives.WriteInt32LittleEndian(p[20..], o.Factors);
        BinaryPrimitives.WriteInt32LittleEndian(p[24..], Users);
        BinaryPrimitives.WriteInt32LittleEndian(p[28..], Items);
        BinaryPrimitives.WriteSingleLittleEndian(p[32..], o.Regularization);
        BinaryPrimitives.WriteInt32LittleEndian(p[36..], (int)o.RegularizationScaling);
        BinaryPrimitives.WriteSingleLittleEndian(p[40..], o.Alpha);
        BinaryPrimitives.WriteSingleLittleEndian(p[44..], o.Epsilon);
        BinaryPrimitives.WriteInt32LittleEndian(p[48..], (int)o.Confidence);
        BinaryPrimitives.WriteInt32LittleEndian(p[52..], o.Iterations);
        BinaryPrimitives.WriteInt32LittleEndian(p[56..], o.Seed);
        BinaryPrimitives.WriteInt32LittleEndian(p[60..], o.Threads);
        BinaryPrimitives.WriteInt32LittleEndian(p[64..], (int)o.Solver);
        BinaryPrimitives.WriteInt32LittleEndian(p[68..], o.CgSteps);
        BinaryPrimitives.WriteSingleLittleEndian(p[72..], o.CgTolerance);
        BinaryPrimitives.WriteSingleLittleEndian(p[76..], o.InitScale);
        BinaryPrimitives.WriteDoubleLittleEndian(p[80..], o.EarlyStopTolerance);
        BinaryPrimitives.WriteSingleLittleEndian(p[88..], GlobalMean);
        BinaryPrimitives.WriteInt32LittleEndian(p[92..], UserBiases is not null ? 1 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(p[96..], (int)UserIds.Kind);
        BinaryPrimitives.WriteInt32LittleEndian(p[100..], (int)ItemIds.Kind);
        BinaryPrimitives.WriteInt64LittleEndian(p[104..], uid.Length);
        BinaryPrimitives.WriteInt64LittleEndian(p[112..], iid.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(p[120..], ContentHash.Of(p[..120]));
        Put(s, sum, h);

        WriteFactors(s, sum, UserFactors);
        WriteFactors(s, sum, ItemFactors);
        if (UserBiases is not null)
        {
            Put(s, sum, MemoryMarshal.AsBytes(UserBiases.AsSpan()));
            Put(s, sum, MemoryMarshal.AsBytes(ItemBiases.AsSpan()));
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

    private static byte[] EncodeIds(IdMap ids)
    {
        if (ids.Kind == IdKind.Int64)
        {
            return MemoryMarshal.AsBytes(ids.Int64Ids).ToArray();
        }

        using var ms = new MemoryStream();
        Span<byte> len = stackalloc byte[4];
        foreach (string id in ids.StringIds)
        {
            byte[] b = Encoding.UTF8.GetBytes(id);
            BinaryPrimitives.WriteInt32LittleEndian(len, b.Length);
            ms.Write(len);
            ms.Write(b);
        }

        return ms.ToArray();
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

        AlsOptions options;
        try
        {
            options = new AlsOptions
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
        long expected = HeaderSize + (rows * options.Factors * 4) + (options.HasBiases ? rows * 4 : 0) + uidBytes + iidBytes + 8;
        if (expected != fileLength)
        {
            throw new InvalidDataException(expected > fileLength
                ? $"the header describes {expected} bytes ({users} users, {items} items, k = {options.Factors}) but the file holds {fileLength}: truncated or corrupted."
                : $"the file holds {fileLength} bytes but the header describes only {expected}: trailing data or corrupted.");
        }

        CheckIdSection(userIdKind, users, uidBytes, "user");
        CheckIdSection(itemIdKind, items, iidBytes, "item");

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
                CheckFinite(ub, "user biases");
                CheckFinite(ib, "item biases");
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

            IdMap uids = DecodeIds(uidRaw, userIdKind, users, "user");
            IdMap iids = DecodeIds(iidRaw, itemIdKind, items, "item");
            var model = new AlsModel(options, uf, itf, ub, ib, uids, iids, adopt: true) { GlobalMean = mu };
            return model;
        }
        catch
        {
            uf.Dispose();
            itf.Dispose();
            throw;
        }
    }

    private static void CheckIdSection(IdKind kind, int count, long bytes, string what)
    {
        bool ok = kind == IdKind.Int64 ? bytes == (long)count * 8 : bytes >= (long)count * 4;
        if (!ok || bytes < 0)
        {
            throw new InvalidDataException($"the {what} id section of {bytes} bytes cannot hold {count} {kind} ids.");
        }
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
    internal static void CheckFinite(ReadOnlySpan<float> values, string part)
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

    private static IdMap DecodeIds(byte[] raw, IdKind kind, int count, string what)
    {
        if (kind == IdKind.Int64)
        {
            var map = IdMap.CreateInt64(count);
            ReadOnlySpan<long> ids = MemoryMarshal.Cast<byte, long>(raw);
            for (int i = 0; i < ids.Length; i++)
            {
                if (map.GetOrAdd(ids[i]) != i)
                {
                    throw new InvalidDataException($"{what} id {ids[i]} appears twice.");
                }
            }

            return map;
        }

        var sm = IdMap.CreateString(count);
        int pos = 0;
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (int i = 0; i < count; i++)
        {
            if (raw.Length - pos < 4)
            {
                throw new InvalidDataException($"the {what} id section ends inside id {i}.");
            }

            int len = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(pos));
            pos += 4;
            if (len < 0 || len > raw.Length - pos)
            {
                throw new InvalidDataException($"{what} id {i} claims {len} bytes; the section has {raw.Length - pos} left.");
            }

            string id;
            try
            {
                id = utf8.GetString(raw, pos, len);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{what} id {i} is not valid UTF-8.", e);
            }

            pos += len;
            if (sm.GetOrAdd(id) != i)
            {
                throw new InvalidDataException($"{what} id '{id}' appears twice.");
            }
        }

        if (pos != raw.Length)
        {
            throw new InvalidDataException($"the {what} id section has {raw.Length - pos} bytes after its last id.");
        }

        return sm;
    }
}
