using System.Buffers.Binary;
using FastAls;
using FastAls.Internals.IO;

namespace FastAls.Tests.Model;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fastals-model-" + Guid.NewGuid().ToString("N"));

    public PersistenceTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AlsModel Sample(AlsModelKind kind, bool stringIds)
    {
        AlsModel m = ModelTestUtil.Random(kind, 7, 11, 5, 3);
        if (!stringIds)
        {
            return m;
        }

        var u = IdMap.CreateString();
        var it = IdMap.CreateInt64();
        for (int i = 0; i < 7; i++)
        {
            u.GetOrAdd("user-é" + i);
        }

        for (int i = 0; i < 11; i++)
        {
            it.GetOrAdd(10_000_000_000L + i);
        }

        var c = new AlsModel(m.Options with { Alpha = 7.5f, Confidence = ConfidenceKind.Log, Seed = 99, RegularizationScaling = RegularizationScaling.ByCount }, 7, 11, u, it);
        c.SetUserFactors(m.UserFactors);
        c.SetItemFactors(m.ItemFactors);
        if (m.HasBiases)
        {
            c.SetUserBiases(m.UserBiases);
            c.SetItemBiases(m.ItemBiases);
            c.SetGlobalMean(m.GlobalMean);
        }

        m.Dispose();
        return c;
    }

    [Theory]
    [InlineData(AlsModelKind.Implicit, false)]
    [InlineData(AlsModelKind.BiasedExplicit, true)]
    [InlineData(AlsModelKind.BiasedImplicit, true)]
    [InlineData(AlsModelKind.Explicit, false)]
    public void Save_then_load_round_trips_everything(AlsModelKind kind, bool stringIds)
    {
        using AlsModel m = Sample(kind, stringIds);
        string path = Path.Combine(_dir, "m.fals");
        m.Save(path);
        Assert.Empty(Directory.GetFileSystemEntries(_dir, "*.fastals-tmp"));
        using AlsModel l = AlsModel.Load(path);
        Assert.Equal(m.Options, l.Options);
        Assert.Equal(m.UserFactors.ToArray(), l.UserFactors.ToArray());
        Assert.Equal(m.ItemFactors.ToArray(), l.ItemFactors.ToArray());
        Assert.Equal(m.UserBiases, l.UserBiases);
        Assert.Equal(m.ItemBiases, l.ItemBiases);
        Assert.Equal(m.GlobalMean, l.GlobalMean);
        Assert.Equal(m.UserIds.Kind, l.UserIds.Kind);
        for (int u = 0; u < m.Users; u++)
        {
            Assert.Equal(m.UserIds.Format(u), l.UserIds.Format(u));
        }

        for (int i = 0; i < m.Items; i++)
        {
            Assert.Equal(m.ItemIds.Format(i), l.ItemIds.Format(i));
        }

        Assert.Equal(m.Predict(3, 4), l.Predict(3, 4));
    }

    private string Saved()
    {
        using AlsModel m = Sample(AlsModelKind.BiasedImplicit, true);
        string path = Path.Combine(_dir, "m.fals");
        m.Save(path);
        return path;
    }

    [Fact]
    public void Truncated_file_is_rejected_with_the_file_name()
    {
        string path = Saved();
        byte[] b = File.ReadAllBytes(path);
        File.WriteAllBytes(path, b[..^20]);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => AlsModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        File.WriteAllBytes(path, b[..50]);
        Assert.Throws<InvalidDataException>(() => AlsModel.Load(path));
    }

    [Fact]
    public void Corrupted_body_fails_the_checksum()
    {
        string path = Saved();
        byte[] b = File.ReadAllBytes(path);
        b[200] ^= 0x10;
        File.WriteAllBytes(path, b);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => AlsModel.Load(path));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Corrupted_header_fails_the_header_checksum()
    {
        string path = Saved();
        byte[] b = File.ReadAllBytes(path);
        b[33] ^= 0x01;
        File.WriteAllBytes(path, b);
        Assert.Contains("header checksum", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);
    }

    [Fact]
    public void Wrong_version_and_magic_are_named()
    {
        string path = Saved();
        byte[] b = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 9);
        File.WriteAllBytes(path, b);
        Assert.Contains("version 9", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);
        b[0] = (byte)'X';
        File.WriteAllBytes(path, b);
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);
    }

    [Fact]
    public void Absurd_shape_is_rejected_before_allocating()
    {
        string path = Saved();
        byte[] b = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(24), int.MaxValue); // users
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(20), 4096); // k
        Rehash(b);
        File.WriteAllBytes(path, b);
        long before = GC.GetAllocatedBytesForCurrentThread();
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => AlsModel.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("but the file holds", e.Message);
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes");

        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(20), 0); // k = 0
        Rehash(b);
        File.WriteAllBytes(path, b);
        Assert.Contains("Factors", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);
    }

    [Fact]
    public void Failed_save_leaves_the_existing_file()
    {
        string path = Saved();
        byte[] before = File.ReadAllBytes(path);
        using AlsModel m = Sample(AlsModelKind.Implicit, false);
        m.UserMatrix.Dispose(); // writing now fails midway
        Assert.Throws<ObjectDisposedException>(() => m.Save(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFileSystemEntries(_dir, "*.fastals-tmp"));
    }

    [Theory]
    [InlineData(AlsModelKind.Implicit)]
    [InlineData(AlsModelKind.BiasedExplicit)]
    public void Every_option_is_in_the_file(AlsModelKind kind)
    {
        // Every option of the schema, set away from its default, comes back (the options section is the record's JSON).
        AlsOptions o = AlsOptions.For(kind);
        foreach (AlsOptionInfo info in AlsOptions.Schema.Where(i => i.Name is not ("kind" or "factors")))
        {
            string changed = info.Values.Count > 0 ? info.Values.First(v => v != info.Format(o)) : info.ValueType == typeof(int) ? "5" : "0.375";
            o = info.Parse(o, changed);
        }

        using AlsModel m = new(o, 3, 4);
        string path = Path.Combine(_dir, "all.fals");
        m.Save(path);
        using AlsModel l = AlsModel.Load(path);
        Assert.Equal(o, l.Options);
        foreach (AlsOptionInfo info in AlsOptions.Schema.Where(i => i.Name is not ("kind" or "factors")))
        {
            Assert.NotEqual(info.DefaultFor(kind), info.GetValue(l.Options));
        }
    }

    [Fact]
    public void Version_1_file_still_loads_and_saves_as_version_2()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Model", "Persistence", "Fixtures", "biased-explicit-v1.fals");
        byte[] raw = File.ReadAllBytes(fixture);
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(8)));
        using AlsModel m = AlsModel.Load(fixture);
        var expected = new AlsOptions
        {
            Kind = AlsModelKind.BiasedExplicit, Factors = 2, Regularization = 0.25f, RegularizationScaling = RegularizationScaling.ByCount,
            Alpha = 3.5f, Epsilon = 0.5f, Confidence = ConfidenceKind.Log, Iterations = 7, Seed = 1234, Threads = 3, Solver = AlsSolver.ConjugateGradient,
            CgSteps = 4, CgTolerance = 1e-4f, EarlyStopTolerance = 1e-3, InitScale = 0.05f,
        };
        Assert.Equal(expected, m.Options);
        Assert.Equal([0.5f, -1f, 1.5f, 2f, -0.25f, 0f], m.UserFactors.ToArray());
        Assert.Equal([1f, 0.75f, -2f, 0.125f], m.ItemFactors.ToArray());
        Assert.Equal([0.1f, -0.2f, 0.3f], m.UserBiases.ToArray());
        Assert.Equal([-0.5f, 0.625f], m.ItemBiases.ToArray());
        Assert.Equal(3.25f, m.GlobalMean);
        Assert.Equal(3.25f, m.RatingMean);
        Assert.Equal(["alice", "bob", "carol"], Enumerable.Range(0, 3).Select(u => m.UserIds.Format(u)));
        Assert.Equal(["101", "202"], Enumerable.Range(0, 2).Select(i => m.ItemIds.Format(i)));

        string path = Path.Combine(_dir, "v2.fals");
        m.Save(path);
        Assert.Equal(AlsModel.FileFormatVersion, BinaryPrimitives.ReadInt32LittleEndian(File.ReadAllBytes(path).AsSpan(8)));
        using AlsModel l = AlsModel.Load(path);
        Assert.Equal(m.Options, l.Options);
        Assert.Equal(m.UserFactors.ToArray(), l.UserFactors.ToArray());
        Assert.Equal(m.ItemBiases.ToArray(), l.ItemBiases.ToArray());
        Assert.Equal(m.GlobalMean, l.GlobalMean);
    }

    [Fact]
    public void Options_section_is_checked_against_its_checksum_and_the_header()
    {
        string path = Saved();
        byte[] b = File.ReadAllBytes(path);
        int metaBytes = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(32));
        Assert.True(metaBytes > 20);
        string json = System.Text.Encoding.UTF8.GetString(b, 128, metaBytes);
        Assert.Contains("\"regularizationScaling\":\"by_count\"", json, StringComparison.Ordinal);

        byte[] flipped = (byte[])b.Clone();
        flipped[128 + (metaBytes / 2)] ^= 0x01;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("options section checksum", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);

        // A well-formed section that disagrees with the header's kind.
        byte[] other = System.Text.Encoding.UTF8.GetBytes(json.Replace("\"kind\":\"biased_implicit\"", "\"kind\":\"biased_explicit\"", StringComparison.Ordinal));
        Assert.Equal(metaBytes, other.Length);
        other.CopyTo(b, 128);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(40), FastAls.Internals.IO.ContentHash.Of(other));
        Rehash(b);
        File.WriteAllBytes(path, b);
        Assert.Contains("but the header says", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);
    }

    [Fact]
    public void Plain_explicit_model_keeps_its_rating_mean()
    {
        using var data = new Dataset(CsrMatrix.FromArrays(3, 3, [0, 2, 3, 3], [0, 1, 2], [4f, 2f, 3f]));
        using AlsModel m = AlsModel.Fit(data, AlsOptions.For(AlsModelKind.Explicit) with { Factors = 2, Iterations = 2 });
        Assert.Equal(3f, m.RatingMean);
        Assert.Equal(0f, m.GlobalMean);
        string path = Path.Combine(_dir, "explicit.fals");
        m.Save(path);
        using AlsModel l = AlsModel.Load(path);
        Assert.Equal(3f, l.RatingMean);
        Assert.Equal(0f, l.GlobalMean);
    }

    /// <summary>
    /// A format-1 model written by an earlier build (fastals 0.1.0, commit a75ac29, with the legacy checksum):
    /// <c>fastals train d.csv -o m.fals --kind biased-explicit -k 3 --iterations 4 --ids text -t 1</c> on the
    /// 8 ratings of users ann, bob, cid, dee and items i1..i4.
    /// </summary>
    private const string EarlierModelBase64 =
        "RkFMU01PREwBAAAAgAAAAAEAAAADAAAABAAAAAQAAADNzMw9AQAAAAAAgD8AAIA/AAAAAAQAAAAqAAAAAQAAAAAAAAADAAAAAAAA" +
        "AM3MzD0AAAAAAAAAAAAAUEABAAAAAQAAAAEAAAAcAAAAAAAAABgAAAAAAAAAyIIvlCIUMYHjRcu+6gUyvzlNob44XFe/BYEDP4aA" +
        "Xz/dCkY/pVEFP4YMOz/G3io8LFp4vixFXr8Bizy/YVRYv4SPJb+Sj4C+NboMP7FhET9cGQs/ZkDbvlP+ab8vPAw/rKMLPz3PkT+L" +
        "C2I+eB7UvqZXaD2Tbxm7XYyQPvctmj2wCm6+dQAdPAMAAABhbm4DAAAAYm9iAwAAAGNpZAMAAABkZWUCAAAAaTECAAAAaTICAAAA" +
        "aTMCAAAAaTRMLyRIOkkpDw==";

    /// <summary>What that build's <c>fastals recommend --all --include-seen -n 4</c> printed for the model above.</summary>
    private static readonly (string User, string Item, float Score)[] s_earlierScores =
    [
        ("ann", "i1", 4.836856f), ("ann", "i3", 3.6083124f), ("ann", "i2", 3.0845337f), ("ann", "i4", 2.5246513f),
        ("bob", "i2", 3.9004097f), ("bob", "i4", 3.659184f), ("bob", "i1", 2.738896f), ("bob", "i3", 1.1281654f),
        ("cid", "i4", 4.856469f), ("cid", "i2", 3.8889782f), ("cid", "i3", 2.6037433f), ("cid", "i1", 2.1066802f),
        ("dee", "i1", 4.288758f), ("dee", "i3", 3.918327f), ("dee", "i2", 2.693927f), ("dee", "i4", 2.141614f),
    ];

    [Fact]
    public void Version1_file_of_an_earlier_build_loads_and_resaves_as_the_current_version()
    {
        byte[] v1 = Convert.FromBase64String(EarlierModelBase64);
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(v1.AsSpan(8)));
        string path = Path.Combine(_dir, "v1.fals");
        File.WriteAllBytes(path, v1);
        using AlsModel m = AlsModel.Load(path);
        Assert.Equal(AlsModelKind.BiasedExplicit, m.Options.Kind);
        Assert.Equal(3, m.Options.Factors);
        Assert.Equal(RegularizationScaling.ByCount, m.Options.RegularizationScaling);
        Assert.Equal(3.25f, m.GlobalMean);
        Assert.Equal(["ann", "bob", "cid", "dee"], Enumerable.Range(0, m.Users).Select(u => m.UserIds.Format(u)));
        Assert.Equal(["i1", "i2", "i3", "i4"], Enumerable.Range(0, m.Items).Select(i => m.ItemIds.Format(i)));
        foreach ((string user, string item, float score) in s_earlierScores)
        {
            Assert.True(m.UserIds.TryGetIndex(user, out int u));
            Assert.True(m.ItemIds.TryGetIndex(item, out int i));
            Assert.Equal(score, m.Predict(u, i), 5);
        }

        // Saving writes the current version, with the XXH64 checksums, holding the same model.
        string resaved = Path.Combine(_dir, "v2.fals");
        m.Save(resaved);
        byte[] v2 = File.ReadAllBytes(resaved);
        Assert.Equal(AlsModel.FileFormatVersion, BinaryPrimitives.ReadInt32LittleEndian(v2.AsSpan(8)));
        Assert.Equal(2, AlsModel.FileFormatVersion);
        // Format 2 moves the options from header fields [32, 88) to a JSON section after the header; the shape,
        // the global mean, the bias flag, the id kinds and sizes keep their places, and the body is the same.
        int meta = BinaryPrimitives.ReadInt32LittleEndian(v2.AsSpan(32));
        Assert.Equal(v1.Length + meta, v2.Length);
        Assert.Equal(v1.AsSpan(12, 20).ToArray(), v2.AsSpan(12, 20).ToArray()); // header size, kind, k, users, items
        Assert.Equal(v1.AsSpan(88, 32).ToArray(), v2.AsSpan(88, 32).ToArray()); // mean, bias flag, id kinds and sizes
        Assert.Equal(v1.AsSpan(128, v1.Length - 136).ToArray(), v2.AsSpan(128 + meta, v2.Length - 136 - meta).ToArray()); // the body
        Assert.Equal(ContentHash.Of(v2.AsSpan(0, 120)), BinaryPrimitives.ReadUInt64LittleEndian(v2.AsSpan(120)));
        Assert.Equal(ContentHash.Of(v2.AsSpan(0, v2.Length - 8)), BinaryPrimitives.ReadUInt64LittleEndian(v2.AsSpan(v2.Length - 8)));
        using AlsModel back = AlsModel.Load(resaved);
        Assert.Equal(m.UserFactors.ToArray(), back.UserFactors.ToArray());
        Assert.Equal(m.ItemFactors.ToArray(), back.ItemFactors.ToArray());
    }

    [Fact]
    public void Version1_file_is_checked_with_its_own_checksum_and_no_other()
    {
        byte[] v1 = Convert.FromBase64String(EarlierModelBase64);
        string path = Path.Combine(_dir, "v1.fals");

        // A flipped bit in the body of a version-1 file fails its (legacy) whole-file checksum.
        byte[] body = (byte[])v1.Clone();
        body[200] ^= 0x10;
        File.WriteAllBytes(path, body);
        Assert.Contains("checksum does not match the contents", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);

        // Relabelling it as version 2 does not pass: version 2 headers are checked with XXH64 only.
        byte[] relabelled = (byte[])v1.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(relabelled.AsSpan(8), 2);
        File.WriteAllBytes(path, relabelled);
        Assert.Contains("header checksum", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);

        // And a current file relabelled as version 1 fails the legacy header checksum.
        string current = Saved();
        byte[] v2 = File.ReadAllBytes(current);
        BinaryPrimitives.WriteInt32LittleEndian(v2.AsSpan(8), 1);
        File.WriteAllBytes(path, v2);
        Assert.Contains("header checksum", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);

        // Version 0 and versions after the current one are named as unsupported.
        foreach (int version in new[] { 0, AlsModel.FileFormatVersion + 1 })
        {
            BinaryPrimitives.WriteInt32LittleEndian(v2.AsSpan(8), version);
            File.WriteAllBytes(path, v2);
            Assert.Contains($"version {version} is not supported", Assert.Throws<InvalidDataException>(() => AlsModel.Load(path)).Message);
        }
    }

    private static void Rehash(byte[] b)
    {
        ulong h = ContentHash.Of(b.AsSpan(0, 120));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(120), h);
    }
}
