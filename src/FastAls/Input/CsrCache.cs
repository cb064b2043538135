using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using FastAls.Internals;
using FastAls.Internals.IO;

namespace FastAls.IO;

/// <summary>
/// A binary file holding a <see cref="Dataset"/> (both CSR orientations and both id maps) that opens by
/// memory-mapping: the matrices point straight into the mapping, nothing is copied.
/// </summary>
/// <remarks>
/// <para>Format (version 1, little-endian), a 512-byte header then 64-byte aligned sections:</para>
/// <code>
/// 0    8  magic "FALSCSR\0"
/// 8    4  format version (1)            12   4  header size (512)
/// 16   4  users                         20   4  items
/// 24   8  nnz
/// 32   4  user id kind (0 int64, 1 string)   36  4  item id kind
/// 40   8  file length
/// 48   4  section count (9)             52   4  reserved (0)
/// 56  216 section table: 9 x (offset i64, length i64, XXH64 of the section u64)
/// 272  8  source size   280  8  source mtime (UTC ticks)   288  8  XXH64 of the part-file list
/// 504  8  XXH64 of header bytes [0, 504)
/// sections: 0 user-item row offsets (i64 x users+1), 1 column indices (i32 x nnz), 2 values (f32 x nnz),
///           3..5 the same for item-user, 6 user ids, 7 item ids, 8 meta (UTF-8 source path, NUL, options).
/// id section: int64 ids (i64 x n), or for strings i64 x (n+1) byte offsets then the UTF-8 bytes.
/// </code>
/// <para>
/// Files are written to a temporary name beside the target and renamed into place, so a reader sees the
/// old file or the complete new one, and a failed write leaves nothing. A truncated, corrupted or
/// other-version file fails to open with an <see cref="InvalidDataException"/> naming the file and the fault.
/// </para>
/// </remarks>
public static unsafe class CsrCache
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int HeaderSize = 512;
    private const int SectionCount = 9;
    private const int Align = 64;
    private const int TableOffset = 56;
    private const int SourceOffset = 272;
    private const int HeaderHashOffset = 504;
    private static readonly byte[] s_magic = "FALSCSR\0"u8.ToArray();
    private static readonly string[] s_sectionNames =
    [
        "user-item row offsets", "user-item column indices", "user-item values",
        "item-user row offsets", "item-user column indices", "item-user values",
        "user ids", "item ids", "meta",
    ];

    /// <summary>
    /// Writes <paramref name="dataset"/> to <paramref name="cachePath"/> (temporary file, then rename),
    /// recording <paramref name="sourcePath"/>'s fingerprint (size and modification time) when given.
    /// </summary>
    /// <param name="dataset">The data to cache.</param>
    /// <param name="cachePath">The cache file.</param>
    /// <param name="sourcePath">The file or folder the data came from; null records no source.</param>
    /// <param name="optionsFingerprint">The load options the data was read with (see <see cref="IsCurrent"/>).</param>
    /// <param name="sourceFiles">
    /// For a folder source, the files it consists of, as its reader lists them (<see cref="InteractionLoader"/> passes the
    /// Parquet part files); null means every file directly in the folder. For a file source, null or that one file.
    /// </param>
    public static void Write(Dataset dataset, string cachePath, string? sourcePath = null, string optionsFingerprint = "", IReadOnlyList<string>? sourceFiles = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrEmpty(cachePath);
        ArgumentNullException.ThrowIfNull(optionsFingerprint);
        SourceFingerprint source = sourcePath is null ? default : SourceFingerprint.Of(sourcePath, sourceFiles);
        WriteCore(dataset, Path.GetFullPath(cachePath), source, optionsFingerprint);
    }

    /// <summary>
    /// Opens a cache file by memory-mapping it. The returned dataset's matrices are views of the mapping
    /// (<see cref="CsrMatrix.IsMemoryMapped"/>); the id maps are read into memory. Dispose it to unmap.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, not a cache or of another version.</exception>
    public static Dataset Open(string cachePath, CsrCacheValidation validation = CsrCacheValidation.Checksum)
    {
        ArgumentException.ThrowIfNullOrEmpty(cachePath);
        string path = Path.GetFullPath(cachePath);
        MappedFile map;
        try
        {
            map = MappedFile.Open(path);
        }
        catch (FileNotFoundException)
        {
            throw;
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"{path}: cannot map the cache file ({e.Message}).", e);
        }

        CsrMatrix? ui = null, iu = null;
        try
        {
            Header h = ReadHeader(path, map.Pointer, map.Length);
            if (validation != CsrCacheValidation.Structure)
            {
                for (int s = 0; s < SectionCount; s++)
                {
                    ulong actual = ContentHash.Of(map.Pointer + h.Offsets[s], h.Lengths[s]);
                    if (actual != h.Hashes[s])
                    {
                        throw Corrupt(path, $"the checksum of section {s} ({s_sectionNames[s]}) does not match (stored {h.Hashes[s]:x16}, computed {actual:x16}); the file is corrupted");
                    }
                }
            }

            // The structural pass (every level; see CsrCacheValidation). ReadHeader checked that each section
            // lies inside the mapping with the length its shape needs (rows + 1 offsets, nnz indices and values),
            // so the offsets can be read; their check comes before any row is walked, and the matrices are made
            // by the trusted constructor only after Validate accepted them.
            byte* b = map.Pointer;
            CheckOffsets(path, (long*)(b + h.Offsets[0]), h.Users, h.Nnz, $"section 0 ({s_sectionNames[0]})");
            CheckOffsets(path, (long*)(b + h.Offsets[3]), h.Items, h.Nnz, $"section 3 ({s_sectionNames[3]})");
            ui = new CsrMatrix(h.Users, h.Items, (long*)(b + h.Offsets[0]), (int*)(b + h.Offsets[1]), (float*)(b + h.Offsets[2]), map.NewOwner());
            iu = new CsrMatrix(h.Items, h.Users, (long*)(b + h.Offsets[3]), (int*)(b + h.Offsets[4]), (float*)(b + h.Offsets[5]), map.NewOwner());
            ValidateMatrix(path, ui, "user-item", "sections 0-2");
            ValidateMatrix(path, iu, "item-user", "sections 3-5");
            try
            {
                ui.ValidateTransposeOf(iu);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(path, $"the item-user matrix (sections 3-5) does not match the user-item matrix (sections 0-2): {e.Message.TrimEnd('.')}");
            }

            IdMap users = ReadIds(path, b + h.Offsets[6], h.Lengths[6], h.Users, h.UserKind, "user");
            IdMap items = ReadIds(path, b + h.Offsets[7], h.Lengths[7], h.Items, h.ItemKind, "item");
            var ds = new Dataset(ui, users, items, iu, trustedTranspose: true);
            map.Release();
            return ds;
        }
        catch
        {
            ui?.Dispose();
            iu?.Dispose();
            map.Release();
            throw;
        }
    }

    /// <summary>Reads the header of a cache file (checking it, but not the payload).</summary>
    /// <exception cref="InvalidDataException">The header is truncated, corrupted or of another version.</exception>
    public static CsrCacheInfo ReadInfo(string cachePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(cachePath);
        string path = Path.GetFullPath(cachePath);
        using FileStream fs = PathChecks.OpenRead(path, FileShare.Read | FileShare.Delete);
        long length = fs.Length;
        var header = new byte[HeaderSize];
        int n = fs.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false);
        fixed (byte* p = header)
        {
            Header h = ReadHeader(path, p, length, n);
            var meta = new byte[h.Lengths[8]];
            fs.Position = h.Offsets[8];
            fs.ReadExactly(meta);
            if (ContentHash.Of(meta) != h.Hashes[8])
            {
                throw Corrupt(path, "the checksum of section 8 (meta) does not match; the file is corrupted");
            }

            (string src, string opts) = SplitMeta(path, meta);
            return new CsrCacheInfo(FormatVersion, h.Users, h.Items, h.Nnz, h.UserKind, h.ItemKind, src, h.SourceSize, new DateTime(h.SourceTicks, DateTimeKind.Utc), opts);
        }
    }

    /// <summary>
    /// True when <paramref name="cachePath"/> exists, has a valid header and was built from
    /// <paramref name="sourcePath"/> as it is now (same full path, size and modification time; for a directory
    /// the same files: <paramref name="sourceFiles"/>, as for <see cref="Write"/>) with the same <paramref name="optionsFingerprint"/>.
    /// </summary>
    public static bool IsCurrent(string cachePath, string sourcePath, string optionsFingerprint = "", IReadOnlyList<string>? sourceFiles = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        if (!File.Exists(cachePath) || (!File.Exists(sourcePath) && !Directory.Exists(sourcePath)))
        {
            return false;
        }

        try
        {
            return Matches(ReadInfo(cachePath), ReadListHash(cachePath), SourceFingerprint.Of(sourcePath, sourceFiles), optionsFingerprint);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>
    /// Opens <paramref name="cachePath"/> when it is current for <paramref name="sourcePath"/> and
    /// <paramref name="optionsFingerprint"/> (see <see cref="IsCurrent"/>) and opens cleanly; otherwise calls
    /// <paramref name="build"/>, writes the cache and opens it. When the source is missing the cache is opened
    /// as it is (there is nothing to rebuild from). <paramref name="sourceFiles"/> is the folder's file list, as for <see cref="Write"/>.
    /// </summary>
    public static Dataset LoadOrBuild(string sourcePath, string cachePath, Func<Dataset> build, string optionsFingerprint = "", CsrCacheValidation validation = CsrCacheValidation.Checksum, IReadOnlyList<string>? sourceFiles = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        ArgumentException.ThrowIfNullOrEmpty(cachePath);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(optionsFingerprint);
        bool sourceAtHand = File.Exists(sourcePath) || Directory.Exists(sourcePath);
        if (!sourceAtHand)
        {
            if (File.Exists(cachePath))
            {
                return Open(cachePath, validation);
            }

            throw new FileNotFoundException($"{sourcePath}: no such file or directory, and no cache at {cachePath}.", sourcePath);
        }

        if (IsCurrent(cachePath, sourcePath, optionsFingerprint, sourceFiles))
        {
            try
            {
                return Open(cachePath, validation);
            }
            catch (InvalidDataException)
            {
                // Corrupted payload: rebuild below.
            }
        }

        SourceFingerprint fingerprint = SourceFingerprint.Of(sourcePath, sourceFiles);
        using (Dataset built = build())
        {
            WriteCore(built, Path.GetFullPath(cachePath), fingerprint, optionsFingerprint);
        }

        return Open(cachePath, validation);
    }

    private static bool Matches(CsrCacheInfo info, ulong listHash, SourceFingerprint now, string options) =>
        info.SourcePath == now.Path && info.SourceSize == now.Size && info.SourceModifiedUtc.Ticks == now.ModifiedTicks
        && listHash == now.ListHash && info.OptionsFingerprint == options;

    private static ulong ReadListHash(string cachePath)
    {
        using FileStream fs = PathChecks.OpenRead(cachePath, FileShare.Read | FileShare.Delete);
        Span<byte> b = stackalloc byte[8];
        fs.Position = SourceOffset + 16;
        fs.ReadExactly(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    private static void WriteCore(Dataset ds, string path, SourceFingerprint source, string options)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("CSR cache files are little-endian; this machine is big-endian.");
        }

        byte[] userIds = IdMapCodec.Encode(ds.UserIds, IdSectionLayout.OffsetTable);
        byte[] itemIds = IdMapCodec.Encode(ds.ItemIds, IdSectionLayout.OffsetTable);
        byte[] meta = Encoding.UTF8.GetBytes((source.Path ?? string.Empty) + "\0" + options);
        CsrMatrix ui = ds.UserItems, iu = ds.ItemUsers;
        long nnz = ui.Nnz;
        var ptrs = new nint[SectionCount];
        var lengths = new long[SectionCount];
        ptrs[0] = (nint)ui.OffsetsPtr;
        lengths[0] = ((long)ui.Rows + 1) * sizeof(long);
        ptrs[1] = (nint)ui.IndicesPtr;
        lengths[1] = nnz * sizeof(int);
        ptrs[2] = (nint)ui.ValuesPtr;
        lengths[2] = nnz * sizeof(float);
        ptrs[3] = (nint)iu.OffsetsPtr;
        lengths[3] = ((long)iu.Rows + 1) * sizeof(long);
        ptrs[4] = (nint)iu.IndicesPtr;
        lengths[4] = nnz * sizeof(int);
        ptrs[5] = (nint)iu.ValuesPtr;
        lengths[5] = nnz * sizeof(float);
        lengths[6] = userIds.Length;
        lengths[7] = itemIds.Length;
        lengths[8] = meta.Length;

        var offsets = new long[SectionCount];
        var hashes = new ulong[SectionCount];
        long at = HeaderSize;
        for (int s = 0; s < SectionCount; s++)
        {
            offsets[s] = at;
            at = AlignUp(at + lengths[s]);
        }

        long fileLength = offsets[SectionCount - 1] + lengths[SectionCount - 1];
        using (AtomicFile file = AtomicFile.Create(path))
        {
            FileStream fs = file.Stream;
            {
                fs.SetLength(fileLength);
                fs.Position = HeaderSize;
                for (int s = 0; s < SectionCount; s++)
                {
                    fs.Position = offsets[s];
                    if (s < 6)
                    {
                        byte* p = (byte*)ptrs[s];
                        hashes[s] = ContentHash.Of(p, lengths[s]);
                        for (long done = 0; done < lengths[s];)
                        {
                            int chunk = (int)Math.Min(1 << 30, lengths[s] - done);
                            fs.Write(new ReadOnlySpan<byte>(p + done, chunk));
                            done += chunk;
                        }
                    }
                    else
                    {
                        byte[] bytes = s == 6 ? userIds : s == 7 ? itemIds : meta;
                        hashes[s] = ContentHash.Of(bytes);
                        fs.Write(bytes);
                    }
                }

                GC.KeepAlive(ds);
                byte[] header = new byte[HeaderSize];
                Span<byte> hd = header;
                s_magic.CopyTo(hd);
                BinaryPrimitives.WriteInt32LittleEndian(hd[8..], FormatVersion);
                BinaryPrimitives.WriteInt32LittleEndian(hd[12..], HeaderSize);
                BinaryPrimitives.WriteInt32LittleEndian(hd[16..], ui.Rows);
                BinaryPrimitives.WriteInt32LittleEndian(hd[20..], ui.Cols);
                BinaryPrimitives.WriteInt64LittleEndian(hd[24..], nnz);
                BinaryPrimitives.WriteInt32LittleEndian(hd[32..], (int)ds.UserIds.Kind);
                BinaryPrimitives.WriteInt32LittleEndian(hd[36..], (int)ds.ItemIds.Kind);
                BinaryPrimitives.WriteInt64LittleEndian(hd[40..], fileLength);
                BinaryPrimitives.WriteInt32LittleEndian(hd[48..], SectionCount);
                for (int s = 0; s < SectionCount; s++)
                {
                    Span<byte> e = hd[(TableOffset + (s * 24))..];
                    BinaryPrimitives.WriteInt64LittleEndian(e, offsets[s]);
                    BinaryPrimitives.WriteInt64LittleEndian(e[8..], lengths[s]);
                    BinaryPrimitives.WriteUInt64LittleEndian(e[16..], hashes[s]);
                }

                BinaryPrimitives.WriteInt64LittleEndian(hd[SourceOffset..], source.Size);
                BinaryPrimitives.WriteInt64LittleEndian(hd[(SourceOffset + 8)..], source.ModifiedTicks);
                BinaryPrimitives.WriteUInt64LittleEndian(hd[(SourceOffset + 16)..], source.ListHash);
                BinaryPrimitives.WriteUInt64LittleEndian(hd[HeaderHashOffset..], ContentHash.Of(hd[..HeaderHashOffset]));
                fs.Position = 0;
                fs.Write(header);
            }

            file.Commit();
        }
    }

    private static IdMap ReadIds(string path, byte* p, long length, int count, IdKind kind, string name)
    {
        try
        {
            IdMapCodec.CheckSize(kind, count, length, IdSectionLayout.OffsetTable, name);
            return IdMapCodec.Decode(new ReadOnlySpan<byte>(p, (int)length), kind, count, IdSectionLayout.OffsetTable, name);
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(path, e.Message.TrimEnd('.'));
        }
    }

    private static (string Source, string Options) SplitMeta(string path, byte[] meta)
    {
        int z = Array.IndexOf(meta, (byte)0);
        if (z < 0)
        {
            throw Corrupt(path, "the meta section has no separator");
        }

        return (Encoding.UTF8.GetString(meta, 0, z), Encoding.UTF8.GetString(meta, z + 1, meta.Length - z - 1));
    }

    private static void CheckOffsets(string path, long* off, int rows, long nnz, string name)
    {
        if (off[0] != 0 || off[rows] != nnz)
        {
            throw Corrupt(path, $"{name}: the offsets run from {off[0]} to {off[rows]}, expected 0 to {nnz}");
        }

        for (int r = 0; r < rows; r++)
        {
            if (off[r + 1] < off[r] || off[r + 1] - off[r] > int.MaxValue)
            {
                throw Corrupt(path, $"{name}: the offsets decrease at row {r} ({off[r]} then {off[r + 1]})");
            }
        }
    }

    private static void ValidateMatrix(string path, CsrMatrix m, string name, string sections)
    {
        try
        {
            m.Validate();
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(path, $"the {name} matrix is invalid ({sections}): {e.Message.TrimEnd('.')}");
        }
    }

    private readonly struct Header
    {
        public int Users { get; init; }

        public int Items { get; init; }

        public long Nnz { get; init; }

        public IdKind UserKind { get; init; }

        public IdKind ItemKind { get; init; }

        public long[] Offsets { get; init; }

        public long[] Lengths { get; init; }

        public ulong[] Hashes { get; init; }

        public long SourceSize { get; init; }

        public long SourceTicks { get; init; }
    }

    private static Header ReadHeader(string path, byte* p, long fileLength, long available = -1)
    {
        if (available < 0)
        {
            available = fileLength;
        }

        if (available < HeaderSize)
        {
            throw Corrupt(path, $"the file has {fileLength} bytes, fewer than the {HeaderSize}-byte header (truncated, or not a cache file)");
        }

        var hd = new ReadOnlySpan<byte>(p, HeaderSize);
        if (!hd[..8].SequenceEqual(s_magic))
        {
            throw Corrupt(path, "not a FastAls CSR cache (bad magic number)");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(hd[8..]);
        if (version != FormatVersion)
        {
            throw Corrupt(path, $"format version {version}; this build reads version {FormatVersion} (rebuild the cache)");
        }

        if (ContentHash.Of(hd[..HeaderHashOffset]) != BinaryPrimitives.ReadUInt64LittleEndian(hd[HeaderHashOffset..]))
        {
            throw Corrupt(path, "the header checksum does not match; the header is corrupted");
        }

        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(hd[12..]);
        int users = BinaryPrimitives.ReadInt32LittleEndian(hd[16..]);
        int items = BinaryPrimitives.ReadInt32LittleEndian(hd[20..]);
        long nnz = BinaryPrimitives.ReadInt64LittleEndian(hd[24..]);
        int uk = BinaryPrimitives.ReadInt32LittleEndian(hd[32..]);
        int ik = BinaryPrimitives.ReadInt32LittleEndian(hd[36..]);
        long length = BinaryPrimitives.ReadInt64LittleEndian(hd[40..]);
        int sections = BinaryPrimitives.ReadInt32LittleEndian(hd[48..]);
        if (headerSize != HeaderSize || sections != SectionCount || users < 0 || items < 0 || nnz < 0 || (uint)uk > 1 || (uint)ik > 1)
        {
            throw Corrupt(path, $"implausible header (header size {headerSize}, sections {sections}, users {users}, items {items}, nnz {nnz}, id kinds {uk}/{ik})");
        }

        if (length != fileLength)
        {
            throw Corrupt(path, fileLength < length
                ? $"the file is truncated: {fileLength} bytes, the header says {length}"
                : $"the file has {fileLength} bytes, the header says {length}");
        }

        if (nnz > length / 16)
        {
            // Each interaction takes 16 bytes (an index and a value in each half); this also keeps nnz * 4 below
            // from overflowing into a length that matches.
            throw Corrupt(path, $"the header claims {nnz} interactions; a file of {length} bytes holds at most {length / 16}");
        }

        var offsets = new long[SectionCount];
        var lengths = new long[SectionCount];
        var hashes = new ulong[SectionCount];
        long[] expected = [((long)users + 1) * 8, nnz * 4, nnz * 4, ((long)items + 1) * 8, nnz * 4, nnz * 4, -1, -1, -1];
        for (int s = 0; s < SectionCount; s++)
        {
            ReadOnlySpan<byte> e = hd[(TableOffset + (s * 24))..];
            offsets[s] = BinaryPrimitives.ReadInt64LittleEndian(e);
            lengths[s] = BinaryPrimitives.ReadInt64LittleEndian(e[8..]);
            hashes[s] = BinaryPrimitives.ReadUInt64LittleEndian(e[16..]);
            if (offsets[s] < HeaderSize || offsets[s] % Align != 0 || lengths[s] < 0 || offsets[s] > length - lengths[s]
                || (expected[s] >= 0 && lengths[s] != expected[s]))
            {
                throw Corrupt(path, $"section {s} ({s_sectionNames[s]}) at offset {offsets[s]} with {lengths[s]} bytes does not fit the file or the shapes");
            }

            // The writer's layout exactly: in order, each at the first aligned offset after the one before. A
            // table that points a section at another one's bytes (same length, consistent checksums) would
            // otherwise load other data than was written.
            long place = s == 0 ? HeaderSize : AlignUp(offsets[s - 1] + lengths[s - 1]);
            if (offsets[s] != place)
            {
                throw Corrupt(path, $"section {s} ({s_sectionNames[s]}) is at offset {offsets[s]}; the layout puts it at {place} (sections overlap or leave gaps)");
            }
        }

        if (offsets[SectionCount - 1] + lengths[SectionCount - 1] != length)
        {
            throw Corrupt(path, $"the sections end at {offsets[SectionCount - 1] + lengths[SectionCount - 1]}, the file at {length}");
        }

        return new Header
        {
            Users = users,
            Items = items,
            Nnz = nnz,
            UserKind = (IdKind)uk,
            ItemKind = (IdKind)ik,
            Offsets = offsets,
            Lengths = lengths,
            Hashes = hashes,
            SourceSize = BinaryPrimitives.ReadInt64LittleEndian(hd[SourceOffset..]),
            SourceTicks = BinaryPrimitives.ReadInt64LittleEndian(hd[(SourceOffset + 8)..]),
        };
    }

    private static long AlignUp(long x) => (x + Align - 1) & ~(long)(Align - 1);

    private static InvalidDataException Corrupt(string path, string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}: {what}."));

    /// <summary>
    /// Identity of a source: full path, size, modification time and, for a folder, its files (name, size and time of each,
    /// hashed). The cache does not know file formats: the folder's file list comes from the caller (the reader's own list),
    /// or is every file directly in the folder.
    /// </summary>
    private readonly record struct SourceFingerprint(string? Path, long Size, long ModifiedTicks, ulong ListHash)
    {
        public static SourceFingerprint Of(string path, IReadOnlyList<string>? files)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (File.Exists(full))
            {
                if (files is not null && (files.Count != 1 || System.IO.Path.GetFullPath(files[0]) != full))
                {
                    throw new ArgumentException($"The source {path} is a file; its file list must be null or that file alone (got {files.Count} files).", nameof(files));
                }

                var fi = new FileInfo(full);
                return new SourceFingerprint(full, fi.Length, fi.LastWriteTimeUtc.Ticks, 0);
            }

            if (!Directory.Exists(full))
            {
                throw new FileNotFoundException($"{path}: no such file or directory.", path);
            }

            if (files is null)
            {
                string[] all = Directory.GetFiles(full);
                Array.Sort(all, StringComparer.Ordinal);
                files = all;
            }

            long size = 0, latest = 0;
            var list = new StringBuilder();
            foreach (string f in files)
            {
                var fi = new FileInfo(f);
                if (!fi.Exists)
                {
                    throw new FileNotFoundException($"{f}: a file of the source {path} does not exist.", f);
                }

                size += fi.Length;
                latest = Math.Max(latest, fi.LastWriteTimeUtc.Ticks);
                list.Append(CultureInfo.InvariantCulture, $"{fi.Name}|{fi.Length}|{fi.LastWriteTimeUtc.Ticks}\n");
            }

            return new SourceFingerprint(full, size, latest, ContentHash.Of(Encoding.UTF8.GetBytes(list.ToString())));
        }
    }
}
