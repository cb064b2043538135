using System.Buffers.Binary;
using FastAls;

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
        c.UserFactors.CopyFrom(m.UserFactors);
        c.ItemFactors.CopyFrom(m.ItemFactors);
        if (m.UserBiases is not null)
        {
            m.UserBiases.CopyTo(c.UserBiases!, 0);
            m.ItemBiases!.CopyTo(c.ItemBiases!, 0);
            c.GlobalMean = m.GlobalMean;
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
        long before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => AlsModel.Load(path));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
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
        m.UserFactors.Dispose(); // writing now fails midway
        Assert.Throws<ObjectDisposedException>(() => m.Save(path));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFileSystemEntries(_dir, "*.fastals-tmp"));
    }

    [Fact]
    public void Every_option_is_in_the_file_format()
    {
        // Fails when AlsOptions gains a property: add it to the model file header (and bump the version)
        // and to the Spark metadata's "fastals" object, then to this list.
        string[] persisted =
        [
            "Kind", "Factors", "Regularization", "RegularizationScaling", "Alpha", "Epsilon", "Confidence", "Iterations",
            "Seed", "Threads", "Solver", "CgSteps", "CgTolerance", "EarlyStopTolerance", "InitScale",
        ];
        string[] derived = ["IsImplicit", "HasBiases", "EqualityContract"];
        string[] all = typeof(AlsOptions).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
            .Select(p => p.Name).Except(derived).Order().ToArray();
        Assert.Equal(persisted.Order().ToArray(), all);
    }

    private static void Rehash(byte[] b)
    {
        ulong h = FastAls.Internals.IO.Checksum64.Of(b.AsSpan(0, 120));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(120), h);
    }
}
