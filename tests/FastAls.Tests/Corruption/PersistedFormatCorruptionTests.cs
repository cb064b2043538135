using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastAls.Internals.IO;
using FastAls.IO;

namespace FastAls.Tests.Data.Corruption;

/// <summary>
/// Corrupted variants of the formats FastAls writes and reads back: the <c>.fcsr</c> CSR cache, <c>.fals</c>
/// model files (format 2, and the checked-in format 1 fixture) and the Spark layout (metadata JSON and Parquet
/// factor files), from fixed seeds, through <see cref="CorruptionHarness"/>. Two kinds of run per binary format:
/// plain variants (truncations, bit and byte flips, forged 32-bit counts and offsets, deleted and inserted bytes)
/// anywhere in the file, and forgeries of the counts and offsets that are then resealed (every checksum
/// recomputed, as a buggy writer that believed its data would), which only the structural checks can catch.
/// The resealed edits avoid the fields whose change is a valid file with other data (a value, an id, the source
/// fingerprint, the global mean), since no reader could tell those from the original.
/// Default: a few hundred variants in all; FASTALS_CORRUPTION_VARIANTS sets the variants per run.
/// </summary>
[Collection("corruption")]
public class PersistedFormatCorruptionTests
{
    private const int CacheTable = 56;

    // ---------------------------------------------------------------- .fcsr

    private static string CacheCanonical(string path, CsrCacheValidation validation)
    {
        CsrCacheInfo info = CsrCache.ReadInfo(path);
        using Dataset ds = CsrCache.Open(path, validation);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{info.Users} {info.Items} {info.Nnz} {info.UserIdKind} {info.ItemIdKind} {info.SourcePath}|{info.SourceSize}|{info.SourceModifiedUtc.Ticks}|{info.OptionsFingerprint}\n");
        sb.Append(InputCorruptionTests.Canonical(ds));
        for (int i = 0; i < ds.Items; i++)
        {
            sb.Append(ds.ItemIds.Format(i)).Append(':');
            ReadOnlySpan<int> cols = ds.ItemUsers.RowIndices(i);
            ReadOnlySpan<float> vals = ds.ItemUsers.RowValues(i);
            for (int k = 0; k < cols.Length; k++)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {cols[k]}={BitConverter.SingleToInt32Bits(vals[k]):X8}");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static (string Path, byte[] Bytes) WriteCache(TempDir dir)
    {
        // String ids (offsets and UTF-8 text), a source fingerprint and an options fingerprint in the meta section.
        using var b = new InteractionBuilder(IdKind.String, IdKind.String);
        var rng = new Random(21);
        for (int k = 0; k < 400; k++)
        {
            b.Add($"u{rng.Next(45) * 1000}", $"item-é{rng.Next(33)}", rng.Next(1, 9));
        }

        using Dataset ds = b.Build();
        string source = dir.Write("source.csv", "user,item\n1,2\n");
        string path = dir.File("data.fcsr");
        CsrCache.Write(ds, path, source, "opts=1");
        return (path, File.ReadAllBytes(path));
    }

    private static long CacheField(byte[] b, int section, int field) =>
        BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(CacheTable + (section * 24) + (field * 8)));

    /// <summary>Recomputes every section checksum that still fits the file, then the header checksum.</summary>
    private static byte[] ResealCache(byte[] b)
    {
        if (b.Length < 512)
        {
            return b;
        }

        for (int s = 0; s < 9; s++)
        {
            long offset = CacheField(b, s, 0), length = CacheField(b, s, 1);
            if (offset >= 0 && length >= 0 && offset <= b.Length && length <= b.Length - offset)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(CacheTable + (s * 24) + 16), ContentHash.Of(b.AsSpan((int)offset, (int)length)));
            }
        }

        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(504), ContentHash.Of(b.AsSpan(0, 504)));
        return b;
    }

    [Fact]
    public void CsrCache_variants_are_rejected_naming_the_file()
    {
        using var dir = new TempDir();
        (string path, byte[] bytes) = WriteCache(dir);
        string expected = CacheCanonical(path, CsrCacheValidation.Checksum);

        // The header and both row-offset sections get a third of the edits each way; the rest fall anywhere.
        var focus = new List<(long, long)> { (0, 512), (CacheField(bytes, 0, 0), CacheField(bytes, 0, 1)), (CacheField(bytes, 3, 0), CacheField(bytes, 3, 1)) };
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(90), seed: 2101, focus);
        CorruptionHarness.Report r = CorruptionHarness.Run(dir.Path, "data.fcsr", variants, p => CacheCanonical(p, CsrCacheValidation.Checksum), expected);
        Assert.True(r.Rejected > r.Variants / 2, $"only {r.Rejected} of {r.Variants} rejected");
    }

    [Theory]
    [InlineData(CsrCacheValidation.Checksum)]
    [InlineData(CsrCacheValidation.Structure)]
    public void CsrCache_forged_counts_and_offsets_with_consistent_checksums_are_rejected(CsrCacheValidation validation)
    {
        using var dir = new TempDir();
        (string path, byte[] bytes) = WriteCache(dir);
        string expected = CacheCanonical(path, validation);

        // Counts, kinds, the file length and the section table [8, 272), kept clear of the source fingerprint at
        // 272, and the row offsets of both halves. Edits write at most 5 bytes from their start.
        var focus = new List<(long, long)> { (8, 258), (CacheField(bytes, 0, 0), CacheField(bytes, 0, 1) - 4), (CacheField(bytes, 3, 0), CacheField(bytes, 3, 1) - 4) };
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(45), seed: 2102 + (int)validation, focus, focusOnly: true)
            .Where(v => v.Bytes.Length == bytes.Length) // a resealed truncation or shift is the plain run's business
            .Select(v => v with { Description = "resealed, " + v.Description, Bytes = ResealCache(v.Bytes) });
        CorruptionHarness.Report r = CorruptionHarness.Run(dir.Path, "forged.fcsr", variants, p => CacheCanonical(p, validation), expected);
        Assert.True(r.Rejected > 0);
    }

    /// <summary>
    /// A section table that points a section at another one of the same length (the item ids at the user ids,
    /// here both int64 and as many), resealed: every section is in bounds and checksummed, but the file holds
    /// other data than was written. The sections must lie in the writer's order, each at the first aligned
    /// offset after the one before, ending at the end of the file.
    /// </summary>
    [Theory]
    [InlineData(7, 6, CsrCacheValidation.Checksum)]
    [InlineData(7, 6, CsrCacheValidation.Structure)]
    [InlineData(6, 7, CsrCacheValidation.Checksum)]
    public void CsrCache_aliased_sections_with_consistent_checksums_are_rejected(int section, int aliasOf, CsrCacheValidation validation)
    {
        using var dir = new TempDir();
        using (var b = new InteractionBuilder())
        {
            b.AddRange([10, 11, 12, 13, 14, 10], [900, 901, 902, 903, 904, 904], [1, 2, 3, 4, 5, 6]);
            using Dataset ds = b.Build();
            Assert.Equal(ds.Users, ds.Items);
            CsrCache.Write(ds, dir.File("a.fcsr"));
        }

        byte[] bytes = File.ReadAllBytes(dir.File("a.fcsr"));
        Assert.Equal(CacheField(bytes, section, 1), CacheField(bytes, aliasOf, 1));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(CacheTable + (section * 24)), CacheField(bytes, aliasOf, 0));
        string path = dir.File("aliased.fcsr");
        File.WriteAllBytes(path, ResealCache(bytes));
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => CsrCache.Open(path, validation).Dispose());
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"section {section}", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// nnz + 2^62 makes nnz × 4 wrap to the same section lengths; the header check rejects the count against the
    /// file size, naming it, before any length is computed from it.
    /// </summary>
    [Fact]
    public void CsrCache_nnz_that_overflows_the_section_lengths_is_rejected_by_the_header()
    {
        using var dir = new TempDir();
        (_, byte[] bytes) = WriteCache(dir);
        long nnz = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), nnz + (1L << 62));
        string path = dir.File("overflow.fcsr");
        File.WriteAllBytes(path, ResealCache(bytes));
        foreach (CsrCacheValidation v in Enum.GetValues<CsrCacheValidation>())
        {
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => CsrCache.Open(path, v).Dispose());
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("interactions", e.Message, StringComparison.Ordinal);
        }
    }

    // ---------------------------------------------------------------- .fals

    private static string ModelCanonical(string path)
    {
        using AlsModel m = AlsModel.Load(path);
        var sb = new StringBuilder();
        using (var ms = new MemoryStream())
        {
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                m.Options.WriteJsonProperties(w);
                w.WriteEndObject();
            }

            sb.Append(Encoding.UTF8.GetString(ms.ToArray())).Append('\n');
        }

        sb.Append(CultureInfo.InvariantCulture, $"{m.Users}x{m.Items} mu={BitConverter.SingleToInt32Bits(m.GlobalMean):X8} rm={BitConverter.SingleToInt32Bits(m.RatingMean):X8}\n");
        foreach ((ReadOnlyFactorMatrix f, IdMap ids, float[] biases) in new[] { (m.UserFactors, m.UserIds, m.UserBiases.ToArray()), (m.ItemFactors, m.ItemIds, m.ItemBiases.ToArray()) })
        {
            sb.Append(ids.Kind).Append('\n');
            for (int r = 0; r < f.Rows; r++)
            {
                sb.Append(ids.Format(r)).Append(':');
                foreach (float x in f.Row(r))
                {
                    sb.Append(CultureInfo.InvariantCulture, $" {BitConverter.SingleToInt32Bits(x):X8}");
                }

                if (biases.Length > 0)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" b={BitConverter.SingleToInt32Bits(biases[r]):X8}");
                }

                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    private static (string Path, byte[] Bytes) WriteModel(TempDir dir)
    {
        var users = IdMap.CreateString();
        for (int u = 0; u < 23; u++)
        {
            users.GetOrAdd($"user-é{u}");
        }

        var items = IdMap.CreateInt64();
        for (int i = 0; i < 17; i++)
        {
            items.GetOrAdd((i * 7919L) - 50);
        }

        using AlsModel random = Tests.Model.ModelTestUtil.Random(AlsModelKind.BiasedExplicit, 23, 17, 5, seed: 3);
        using var m = new AlsModel(random.Options with { Iterations = 7, Regularization = 0.25f }, 23, 17, users, items);
        m.SetUserFactors(random.UserFactors.ToArray());
        m.SetItemFactors(random.ItemFactors.ToArray());
        m.SetUserBiases(random.UserBiases);
        m.SetItemBiases(random.ItemBiases);
        m.SetGlobalMean(3.25f);
        string path = dir.File("model.fals");
        m.Save(path);
        return (path, File.ReadAllBytes(path));
    }

    private static string V1Fixture => Path.Combine(AppContext.BaseDirectory, "Model", "Persistence", "Fixtures", "biased-explicit-v1.fals");

    /// <summary>Recomputes the checksums of a model file as its writer would (options section, header, whole file).</summary>
    private static byte[] ResealModel(byte[] b)
    {
        if (b.Length < 136)
        {
            return b;
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8));
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(120), LegacyModelChecksum.Of(b.AsSpan(0, 120)));
            var sum = new LegacyModelChecksum();
            sum.Append(b.AsSpan(0, b.Length - 8));
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(b.Length - 8), ContentHash.Current(sum));
            return b;
        }

        int meta = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(32));
        if (meta >= 0 && meta <= b.Length - 136)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(40), ContentHash.Of(b.AsSpan(128, meta)));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(120), ContentHash.Of(b.AsSpan(0, 120)));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(b.Length - 8), ContentHash.Of(b.AsSpan(0, b.Length - 8)));
        return b;
    }

    public static TheoryData<string> ModelFiles() => ["v2", "v1"];

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void Model_variants_are_rejected_naming_the_file(string which)
    {
        using var dir = new TempDir();
        (string path, byte[] bytes) = which == "v2" ? WriteModel(dir) : (V1Fixture, File.ReadAllBytes(V1Fixture));
        string expected = ModelCanonical(path);
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(which == "v2" ? 80 : 50), seed: which == "v2" ? 2201 : 2202, [(0, 128)])
            .Where(v => !v.Bytes.AsSpan().SequenceEqual(bytes)); // a forged value can equal the bytes it replaces
        CorruptionHarness.Report r = CorruptionHarness.Run(dir.Path, "model.fals", variants, ModelCanonical, expected);
        Assert.Equal(r.Variants, r.Rejected); // every byte of a model file is under a checksum
    }

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void Model_forged_header_with_consistent_checksums_is_rejected(string which)
    {
        using var dir = new TempDir();
        (string path, byte[] bytes) = which == "v2" ? WriteModel(dir) : (V1Fixture, File.ReadAllBytes(V1Fixture));
        string expected = ModelCanonical(path);

        // Format 2: kind, k, counts, options-section size, reserved bytes [8, 84), then the bias flag, id kinds
        // and id-section sizes [92, 120). The global mean at 88 is a value. Format 1 keeps its options in the
        // header as values (a forged kind or regularization is a valid file), so only the counts and sizes there.
        IReadOnlyList<(long, long)> focus = which == "v2" ? [(8, 72), (92, 24)] : [(24, 4), (92, 24)];
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(which == "v2" ? 50 : 30), seed: which == "v2" ? 2203 : 2204, focus, focusOnly: true)
            .Where(v => v.Bytes.Length == bytes.Length)
            .Select(v => v with { Description = "resealed, " + v.Description, Bytes = ResealModel(v.Bytes) });
        CorruptionHarness.Run(dir.Path, "forged.fals", variants, ModelCanonical, expected);
    }

    // ---------------------------------------------------------------- Spark layout

    private static string SparkCanonical(string folder)
    {
        using AlsModel m = SparkAlsFormat.Import(folder);
        string file = Path.Combine(folder, "..", "canonical.fals");
        m.Save(file);
        try
        {
            return ModelCanonical(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string ExportSpark(TempDir dir, bool sidecar)
    {
        (string path, _) = WriteModel(dir);
        using AlsModel m = AlsModel.Load(path);
        string folder = dir.File("spark");
        SparkAlsFormat.Export(m, folder, new SparkExportOptions { RowGroupSize = 10, ExtrasInSidecar = sidecar });
        return folder;
    }

    [Fact]
    public void Spark_metadata_variants_fail_naming_a_file_of_the_model()
    {
        using var dir = new TempDir();
        string folder = ExportSpark(dir, sidecar: false);
        string meta = Path.Combine(folder, "metadata", "part-00000");
        string expected = SparkCanonical(folder);
        byte[] bytes = File.ReadAllBytes(meta);
        File.Delete(meta);

        // The metadata is text without a checksum: a changed digit is a valid metadata file with other options,
        // so only hangs, crashes, other exceptions and runaway allocation are violations. A change the factor
        // files then contradict (the rank) is reported naming the factor file, so any file of the model will do.
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(40), seed: 2301);
        CorruptionHarness.Run(Path.Combine(folder, "metadata"), "part-00000", variants, p =>
        {
            File.Move(p, meta);
            try
            {
                return SparkCanonical(folder);
            }
            finally
            {
                File.Move(meta, p);
            }
        }, expected, differentDataAllowed: true, namesFile: (p, message) => message.Contains(folder, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("userFactors", false)]
    [InlineData("itemFactors", true)]
    [InlineData("fastalsExtras/userFactors", true)]
    public void Spark_factor_file_variants_are_rejected_naming_the_file(string side, bool sidecar)
    {
        using var dir = new TempDir();
        string folder = ExportSpark(dir, sidecar);
        string sideDir = Path.Combine(folder, side);
        string part = Directory.GetFiles(sideDir, "*.parquet").Single();
        string expected = SparkCanonical(folder);
        byte[] bytes = File.ReadAllBytes(part);
        File.Delete(part);

        // The export adds page checksums, so edits anywhere count (two thirds on the footer and page headers).
        var variants = CorruptionHarness.Variants(bytes, CorruptionHarness.VariantsPerFile(40), seed: 2302 + side.Length, InputCorruptionTests.ParquetStructure(bytes));
        CorruptionHarness.Report r = CorruptionHarness.Run(sideDir, "part.parquet", variants, _ => SparkCanonical(folder), expected);
        Assert.True(r.Rejected > 0);
    }
}
