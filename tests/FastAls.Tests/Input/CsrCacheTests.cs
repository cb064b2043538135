using System.Text;
using FastAls.Internals.IO;
using FastAls.IO;

namespace FastAls.Tests.Data;

public class CsrCacheTests
{
    [Fact]
    public void ContentHash_is_xxh64_known_vectors()
    {
        // Published XXH64 vectors (seed 0).
        Assert.Equal(0xEF46DB3751D8E999UL, ContentHash.Of([]));
        Assert.Equal(0xD24EC4F1A98C6E5BUL, ContentHash.Of("a"u8));
        Assert.Equal(0x44BC2CF5AD770999UL, ContentHash.Of("abc"u8));
    }

    [Theory]
    // Values of the hand-written XXH64 that wrote the caches of earlier builds (stripe loop, 8/4/1-byte tails).
    [InlineData(31, 0xB1F705FAA66F113EUL)]
    [InlineData(32, 0xE4D66D9393E3A596UL)]
    [InlineData(33, 0x2F77E96907A9337BUL)]
    [InlineData(100, 0x03E12A53974CDCD9UL)]
    [InlineData(1000, 0xE04669F618D13C00UL)]
    [InlineData(4099, 0xAA3159C1DC4E02FBUL)]
    public unsafe void ContentHash_MatchesTheEarlierHandWrittenXxh64(int length, ulong expected)
    {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            b[i] = (byte)(((i * 131) + 7) % 251);
        }

        Assert.Equal(expected, ContentHash.Of(b));
        fixed (byte* p = b)
        {
            Assert.Equal(expected, ContentHash.Of(p, b.LongLength));
        }
    }

    /// <summary>
    /// A format-1 CSR cache written by an earlier build (fastals 0.1.0 with the hand-written XXH64, commit a75ac29):
    /// <c>fastals train d.csv -o x.fals --cache d.fcsr --ids text</c> on <see cref="EarlierCacheSource"/>.
    /// </summary>
    private const string EarlierCacheBase64 =
        "RkFMU0NTUgABAAAAAAIAAAQAAAAEAAAACAAAAAAAAAABAAAAAQAAAJgEAAAAAAAACQAAAAAAAAAAAgAAAAAAACgAAAAAAAAAqEF1" +
        "eCCqd51AAgAAAAAAACAAAAAAAAAABsERsr9U5qmAAgAAAAAAACAAAAAAAAAAITEiF5ESvkrAAgAAAAAAACgAAAAAAAAAqEF1eCCq" +
        "d50AAwAAAAAAACAAAAAAAAAATzM6kuHeD5hAAwAAAAAAACAAAAAAAAAANL3poPlOTjiAAwAAAAAAADQAAAAAAAAARSbQrdSTUufA" +
        "AwAAAAAAADAAAAAAAAAA8/uzGxcGlpYABAAAAAAAAJgAAAAAAAAAuHyxxfZMJXBYAAAAAAAAACkuPd2aT98IAAAAAAAAAAAAAAAA" +
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" +
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" +
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAxqjjUrGVWv4AAAAAAAAAAAIAAAAA" +
        "AAAABAAAAAAAAAAGAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAABAAAAAgAAAAAAAAADAAAA" +
        "AgAAAAMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAoEAAAEBAAACAQAAAgD8AAABAAACgQAAAgEAAAABAAAAA" +
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAAAAAAABAAAAAAAAAAGAAAAAAAAAAgAAAAAAAAAAAAAAAAA" +
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAAAAAAAAQAAAAEAAAADAAAAAgAAAAMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" +
        "AAAAAAAAAAAAoEAAAABAAABAQAAAgEAAAIA/AACAQAAAoEAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" +
        "AAAAAAMAAAAAAAAABgAAAAAAAAAJAAAAAAAAAAwAAAAAAAAAYW5uYm9iY2lkZGVlAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAAAAA" +
        "AAQAAAAAAAAABgAAAAAAAAAIAAAAAAAAAGkxaTJpM2k0AAAAAAAAAAAAAAAAAAAAAC90bXAvdjFmaXgvZC5jc3YAZm9ybWF0PUF1" +
        "dG87dXNlcj11c2VyO2l0ZW09aXRlbTt2YWx1ZT12YWx1ZTtyZXE9RmFsc2U7ZHVwPVN1bTt2YWx1ZXM9S2VlcEFsbDt1a2luZD1T" +
        "dHJpbmc7aWtpbmQ9U3RyaW5nO3NlcD08YXV0bz47aGVhZGVyPWF1dG87cG9zPTAsMSwy";

    private const string EarlierCacheSource = "user,item,value\nann,i1,5\nann,i2,3\nbob,i2,4\nbob,i3,1\ncid,i1,2\ncid,i4,5\ndee,i3,4\ndee,i4,2\n";

    [Fact]
    public void CacheWrittenByEarlierBuild_opens_with_every_checksum_verified()
    {
        using var dir = new TempDir();
        string cache = dir.File("earlier.fcsr");
        File.WriteAllBytes(cache, Convert.FromBase64String(EarlierCacheBase64));
        string src = dir.Write("d.csv", EarlierCacheSource);
        using Dataset expected = InteractionLoader.Load(src, new InteractionLoadOptions { UserIdKind = IdKind.String, ItemIdKind = IdKind.String });

        // Checksum mode verifies the header hash and all nine section hashes the old code stored.
        using (Dataset mapped = CsrCache.Open(cache, CsrCacheValidation.Checksum))
        {
            DataTestHelpers.AssertSame(expected, mapped);
        }

        CsrCacheInfo info = CsrCache.ReadInfo(cache);
        Assert.Equal("/tmp/v1fix/d.csv", info.SourcePath);
        Assert.Equal(8, info.Nnz);

        // A flipped bit in a section is still caught by the new hash against the old stored value.
        byte[] b = File.ReadAllBytes(cache);
        b[^3] ^= 0x04;
        File.WriteAllBytes(cache, b);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache)).Message, StringComparison.Ordinal);
    }

    private static string WriteSource(TempDir dir, int n = 4000, int seed = 1, string name = "src.tsv")
    {
        (long[] u, long[] it, float[] v) = DataTestHelpers.Random(n, 120, 90, seed);
        var sb = new StringBuilder();
        for (int k = 0; k < n; k++)
        {
            sb.Append(u[k]).Append('\t').Append(it[k]).Append('\t').Append(v[k]).Append('\n');
        }

        return dir.Write(name, sb.ToString());
    }

    [Fact]
    public void WriteThenOpen_is_memory_mapped_and_equal()
    {
        using var dir = new TempDir();
        string src = WriteSource(dir);
        using Dataset loaded = InteractionLoader.Load(src);
        string cache = dir.File("c.fcsr");
        CsrCache.Write(loaded, cache, src);
        foreach (CsrCacheValidation mode in Enum.GetValues<CsrCacheValidation>())
        {
            using Dataset mapped = CsrCache.Open(cache, mode);
            Assert.True(mapped.UserItems.IsMemoryMapped);
            Assert.True(mapped.ItemUsers.IsMemoryMapped);
            DataTestHelpers.AssertSame(loaded, mapped);
        }

        CsrCacheInfo info = CsrCache.ReadInfo(cache);
        Assert.Equal(Path.GetFullPath(src), info.SourcePath);
        Assert.Equal(new FileInfo(src).Length, info.SourceSize);
        Assert.Equal(loaded.Nnz, info.Nnz);
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length); // source + cache, no temporary left
    }

    [Fact]
    public void StringIds_round_trip()
    {
        using var dir = new TempDir();
        using var b = new InteractionBuilder(IdKind.String, IdKind.Int64);
        b.AddIndices(b.UserIds.GetOrAdd("žluťoučký"), b.ItemIds.GetOrAdd(5), 1f);
        b.AddIndices(b.UserIds.GetOrAdd("b"), b.ItemIds.GetOrAdd(6), 2f);
        b.AddIndices(b.UserIds.GetOrAdd("xxx"), b.ItemIds.GetOrAdd(5), 3f);
        using Dataset ds = b.Build();
        string cache = dir.File("s.fcsr");
        CsrCache.Write(ds, cache);
        using Dataset back = CsrCache.Open(cache);
        DataTestHelpers.AssertSame(ds, back);
    }

    [Fact]
    public void LoadOrBuild_reuses_current_cache_rebuilds_when_source_or_options_change()
    {
        using var dir = new TempDir();
        string src = WriteSource(dir);
        string cache = dir.File("c.fcsr");
        int builds = 0;
        Dataset Build()
        {
            builds++;
            return InteractionLoader.Load(src);
        }

        using (Dataset a = CsrCache.LoadOrBuild(src, cache, Build, "opts"))
        {
            Assert.True(a.UserItems.IsMemoryMapped);
        }

        using (Dataset b = CsrCache.LoadOrBuild(src, cache, Build, "opts"))
        {
            Assert.Equal(1, builds);
        }

        using (Dataset c = CsrCache.LoadOrBuild(src, cache, Build, "other options"))
        {
            Assert.Equal(2, builds);
        }

        // Change the source: different content and a later modification time.
        File.AppendAllText(src, "99999\t88888\t5\n");
        File.SetLastWriteTimeUtc(src, DateTime.UtcNow.AddMinutes(1));
        using (Dataset d = CsrCache.LoadOrBuild(src, cache, Build, "other options"))
        {
            Assert.Equal(3, builds);
            Assert.True(d.UserIds.TryGetIndex(99999, out _));
        }

        // Through the facade as well.
        using Dataset e = InteractionLoader.LoadOrBuildCache(src, dir.File("f.fcsr"));
        Assert.True(e.UserIds.TryGetIndex(99999, out _));
        Assert.True(CsrCache.IsCurrent(dir.File("f.fcsr"), src, new InteractionLoadOptions().Fingerprint()));
    }

    [Fact]
    public void Fingerprint_modification_time_alone_path_and_part_files_invalidate()
    {
        using var dir = new TempDir();
        string src = WriteSource(dir);
        string cache = dir.File("c.fcsr");
        using (Dataset ds = InteractionLoader.Load(src))
        {
            CsrCache.Write(ds, cache, src, "o");
        }

        Assert.True(CsrCache.IsCurrent(cache, src, "o"));

        // Same bytes, same size, another modification time.
        File.SetLastWriteTimeUtc(src, File.GetLastWriteTimeUtc(src).AddSeconds(-30));
        Assert.False(CsrCache.IsCurrent(cache, src, "o"));

        // The same file under another path is another source.
        string copy = dir.File("copy.tsv");
        File.Copy(src, copy);
        File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(src));
        using (Dataset ds = InteractionLoader.Load(src))
        {
            CsrCache.Write(ds, cache, src, "o");
        }

        Assert.True(CsrCache.IsCurrent(cache, src, "o"));
        Assert.False(CsrCache.IsCurrent(cache, copy, "o"));

        // A directory of part files: another part file invalidates.
        string parts = Path.Combine(dir.Path, "parts");
        Directory.CreateDirectory(parts);
        File.Copy(src, Path.Combine(parts, "part-0.parquet"));
        string dcache = dir.File("d.fcsr");
        using (Dataset ds = InteractionLoader.Load(src))
        {
            CsrCache.Write(ds, dcache, parts, "o");
        }

        Assert.True(CsrCache.IsCurrent(dcache, parts, "o"));
        File.Copy(src, Path.Combine(parts, "part-1.parquet"));
        Assert.False(CsrCache.IsCurrent(dcache, parts, "o"));
    }

    [Fact]
    public void FolderSource_is_fingerprinted_by_the_file_list_it_is_given()
    {
        using var dir = new TempDir();
        string src = WriteSource(dir);
        string parts = Path.Combine(dir.Path, "parts");
        Directory.CreateDirectory(parts);
        string part = Path.Combine(parts, "part-0.parquet");
        File.Copy(src, part);
        string cache = dir.File("c.fcsr");
        using (Dataset ds = InteractionLoader.Load(src))
        {
            CsrCache.Write(ds, cache, parts, "o", [part]);
        }

        Assert.True(CsrCache.IsCurrent(cache, parts, "o", [part]));
        Assert.True(CsrCache.IsCurrent(cache, parts, "o"));

        // A file outside the given list does not count; without a list every file in the folder does.
        File.WriteAllText(Path.Combine(parts, "_SUCCESS"), "");
        Assert.True(CsrCache.IsCurrent(cache, parts, "o", [part]));
        Assert.False(CsrCache.IsCurrent(cache, parts, "o"));

        File.SetLastWriteTimeUtc(part, File.GetLastWriteTimeUtc(part).AddSeconds(-5));
        Assert.False(CsrCache.IsCurrent(cache, parts, "o", [part]));

        // A file source's list can only be that file.
        Assert.Throws<ArgumentException>(() => CsrCache.IsCurrent(cache, src, "o", [part]));
    }

    [Fact]
    public void FailedRebuild_keeps_the_old_cache_and_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        string src = WriteSource(dir);
        string cache = dir.File("c.fcsr");
        using (Dataset first = InteractionLoader.LoadOrBuildCache(src, cache))
        {
        }

        byte[] before = File.ReadAllBytes(cache);
        File.AppendAllText(src, "1\t2\tNaN\n");
        Assert.Throws<InvalidDataException>(() => InteractionLoader.LoadOrBuildCache(src, cache));
        Assert.Equal(before, File.ReadAllBytes(cache));
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length); // the source and the old cache, nothing else
    }

    [Fact]
    public void FailedBuild_leaves_no_file()
    {
        using var dir = new TempDir();
        string src = dir.Write("bad.tsv", "1\t2\t3\n1\t2\tNaN\n");
        string cache = dir.File("c.fcsr");
        Assert.Throws<InvalidDataException>(() => InteractionLoader.LoadOrBuildCache(src, cache));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    private static (string Cache, string Source) BuildCache(TempDir dir)
    {
        string src = WriteSource(dir);
        using Dataset ds = InteractionLoader.Load(src);
        string cache = dir.File("c.fcsr");
        CsrCache.Write(ds, cache, src);
        return (cache, src);
    }

    [Fact]
    public void Corrupted_payload_is_detected_naming_file_and_section()
    {
        using var dir = new TempDir();
        (string cache, string src) = BuildCache(dir);
        byte[] bytes = File.ReadAllBytes(cache);
        long valuesAt = BitConverter.ToInt64(bytes, 56 + (2 * 24)); // section 2: user-item values
        bytes[valuesAt + 5] ^= 0x40;
        File.WriteAllBytes(cache, bytes);
        var e = Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache));
        Assert.Contains(Path.GetFullPath(cache), e.Message, StringComparison.Ordinal);
        Assert.Contains("user-item values", e.Message, StringComparison.Ordinal);

        // A corrupted column index is caught by the structural check too.
        byte[] b2 = File.ReadAllBytes(cache);
        long idxAt = BitConverter.ToInt64(b2, 56 + (1 * 24));
        BitConverter.GetBytes(int.MaxValue).CopyTo(b2, idxAt);
        File.WriteAllBytes(cache, b2);
        var s = Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache, CsrCacheValidation.Structure));
        Assert.Contains("user-item matrix is invalid", s.Message, StringComparison.Ordinal);

        // LoadOrBuild rebuilds a corrupted cache when the source is at hand.
        using Dataset rebuilt = CsrCache.LoadOrBuild(src, cache, () => InteractionLoader.Load(src));
        using Dataset direct = InteractionLoader.Load(src);
        DataTestHelpers.AssertSame(direct, rebuilt);
    }

    [Fact]
    public void Truncated_is_detected()
    {
        using var dir = new TempDir();
        (string cache, _) = BuildCache(dir);
        long len = new FileInfo(cache).Length;
        using (var fs = new FileStream(cache, FileMode.Open))
        {
            fs.SetLength(len - 100);
        }

        var e = Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath(cache), e.Message, StringComparison.Ordinal);

        using (var fs = new FileStream(cache, FileMode.Open))
        {
            fs.SetLength(100);
        }

        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(cache, []);
        Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache));
    }

    [Fact]
    public void WrongVersion_and_not_a_cache_are_detected()
    {
        using var dir = new TempDir();
        (string cache, _) = BuildCache(dir);
        byte[] bytes = File.ReadAllBytes(cache);
        BitConverter.GetBytes(2).CopyTo(bytes, 8);
        File.WriteAllBytes(cache, bytes);
        var e = Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache));
        Assert.Contains("format version 2", e.Message, StringComparison.Ordinal);

        bytes[0] = (byte)'X';
        File.WriteAllBytes(cache, bytes);
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache)).Message, StringComparison.Ordinal);

        // A flipped bit in the header (here: nnz) fails the header checksum.
        using var dir2 = new TempDir();
        (string c2, _) = BuildCache(dir2);
        byte[] b2 = File.ReadAllBytes(c2);
        b2[24] ^= 1;
        File.WriteAllBytes(c2, b2);
        Assert.Contains("header checksum", Assert.Throws<InvalidDataException>(() => CsrCache.Open(c2)).Message, StringComparison.Ordinal);
    }
}
