using System.Buffers.Binary;
using System.Text;
using FastAls.Internals.IO;

namespace FastAls.Tests.Data;

/// <summary>
/// The one id-section codec of the CSR cache (<see cref="IdSectionLayout.OffsetTable"/>) and the model file
/// (<see cref="IdSectionLayout.LengthPrefixed"/>): the frozen byte layouts, round trips, and every truncated or
/// forged section rejected with an <see cref="InvalidDataException"/> before anything is allocated from it.
/// </summary>
public class IdMapCodecTests
{
    /// <summary>The layouts by name (the enum is internal, so a theory cannot take it as a parameter).</summary>
    public static TheoryData<string> Layouts() => new(Enum.GetNames<IdSectionLayout>());

    private static IdMap Strings(params string[] ids) => IdMap.FromStrings(ids);

    [Fact]
    public void IdentityMap_looks_up_without_a_dictionary_and_grows_like_any_map()
    {
        IdMap m = IdMap.Identity(5);
        Assert.True(m.IsIdentity);
        Assert.Equal(5, m.Count);
        Assert.True(m.TryGetIndex(3L, out int i) && i == 3);
        Assert.False(m.TryGetIndex(5L, out i));
        Assert.Equal(-1, i);
        Assert.False(m.TryGetIndex(-1L, out _));
        Assert.False(m.TryGetIndex(long.MaxValue, out _));
        Assert.Equal("4", m.Format(4));
        Assert.Equal(2, m.GetOrAdd(2));
        Assert.Equal(5, m.GetOrAdd(100));
        Assert.Equal(5, m.GetOrAdd(100));
        Assert.Equal(6, m.Count);
        Assert.True(m.TryGetIndex(100L, out i) && i == 5);
        Assert.True(m.TryGetIndex(4L, out i) && i == 4);
        Assert.False(m.TryGetIndex(5L, out _));
        Assert.False(m.IsIdentity);
    }

    [Fact]
    public void Int64Section_is_little_endian_int64_per_id_in_every_layout()
    {
        IdMap map = IdMap.FromInt64([5, -1, long.MaxValue]);
        byte[] expected = new byte[24];
        BinaryPrimitives.WriteInt64LittleEndian(expected, 5);
        BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(8), -1);
        BinaryPrimitives.WriteInt64LittleEndian(expected.AsSpan(16), long.MaxValue);
        foreach (IdSectionLayout layout in Enum.GetValues<IdSectionLayout>())
        {
            Assert.Equal(expected, IdMapCodec.Encode(map, layout));
        }
    }

    [Fact]
    public void OffsetTableSection_is_the_cache_layout()
    {
        // i64 x (n + 1) offsets into the text, then the UTF-8 text: what format-1 caches hold.
        byte[] bytes = IdMapCodec.Encode(Strings("ab", "", "é"), IdSectionLayout.OffsetTable);
        byte[] expected = [.. Offsets(0, 2, 2, 4), .. "ab"u8, .. "é"u8];
        Assert.Equal(expected, bytes);

        static byte[] Offsets(params long[] o)
        {
            var b = new byte[o.Length * 8];
            for (int i = 0; i < o.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(i * 8), o[i]);
            }

            return b;
        }
    }

    [Fact]
    public void LengthPrefixedSection_is_the_model_file_layout()
    {
        // Per id an i32 byte length, then its UTF-8 bytes: what model files hold.
        byte[] bytes = IdMapCodec.Encode(Strings("ab", "", "é"), IdSectionLayout.LengthPrefixed);
        byte[] expected = [2, 0, 0, 0, .. "ab"u8, 0, 0, 0, 0, 2, 0, 0, 0, .. "é"u8];
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void RoundTrip_keeps_every_id_at_its_index(string layoutName)
    {
        IdSectionLayout layout = Enum.Parse<IdSectionLayout>(layoutName);
        var rng = new Random(13);
        var longs = new long[500];
        var strings = new string[500];
        for (int i = 0; i < longs.Length; i++)
        {
            longs[i] = rng.NextInt64(long.MinValue, long.MaxValue);
            strings[i] = i % 7 == 0 ? string.Empty.PadLeft(i % 3, 'x') + "ü" + i : $"id-{i}-{rng.Next()}";
        }

        strings[1] = string.Empty;
        foreach (IdMap map in new[] { IdMap.FromInt64(longs), IdMap.FromStrings(strings), IdMap.CreateInt64(), IdMap.CreateString() })
        {
            byte[] bytes = IdMapCodec.Encode(map, layout);
            IdMapCodec.CheckSize(map.Kind, map.Count, bytes.Length, layout, "user");
            IdMap back = IdMapCodec.Decode(bytes, map.Kind, map.Count, layout, "user");
            Assert.Equal(map.Kind, back.Kind);
            Assert.Equal(map.Count, back.Count);
            for (int i = 0; i < map.Count; i++)
            {
                Assert.Equal(map.Format(i), back.Format(i));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EveryTruncation_is_rejected(string layoutName)
    {
        IdSectionLayout layout = Enum.Parse<IdSectionLayout>(layoutName);
        foreach (IdMap map in new[] { IdMap.FromInt64([1, 2, 3]), Strings("ann", "bob", "cid") })
        {
            byte[] bytes = IdMapCodec.Encode(map, layout);
            for (int n = 0; n < bytes.Length; n++)
            {
                byte[] cut = bytes[..n];
                var e = Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(cut, map.Kind, map.Count, layout, "item"));
                Assert.Contains("item id section", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void ForgedCounts_are_rejected_by_size_before_any_allocation(string layoutName)
    {
        IdSectionLayout layout = Enum.Parse<IdSectionLayout>(layoutName);
        byte[] strings = IdMapCodec.Encode(Strings("a", "b"), layout);
        byte[] longs = IdMapCodec.Encode(IdMap.FromInt64([1, 2]), layout);
        foreach (int count in new[] { int.MaxValue, 1 << 28, -1 })
        {
            Assert.Throws<InvalidDataException>(() => IdMapCodec.CheckSize(IdKind.String, count, strings.Length, layout, "user"));
            Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(strings, IdKind.String, count, layout, "user"));
            Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(longs, IdKind.Int64, count, layout, "user"));
        }

        Assert.Throws<InvalidDataException>(() => IdMapCodec.CheckSize(IdKind.Int64, 2, 17, layout, "user"));
        Assert.Throws<InvalidDataException>(() => IdMapCodec.CheckSize(IdKind.String, 2, (long)int.MaxValue + 1, layout, "user"));
        Assert.Throws<InvalidDataException>(() => IdMapCodec.CheckSize((IdKind)7, 2, 16, layout, "user"));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void DuplicateIds_are_rejected_naming_the_id(string layoutName)
    {
        IdSectionLayout layout = Enum.Parse<IdSectionLayout>(layoutName);
        byte[] longs = IdMapCodec.Encode(IdMap.FromInt64([4, 5]), layout);
        BinaryPrimitives.WriteInt64LittleEndian(longs.AsSpan(8), 4);
        Assert.Contains("id 4 twice", Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(longs, IdKind.Int64, 2, layout, "user")).Message, StringComparison.Ordinal);

        byte[] strings = IdMapCodec.Encode(Strings("ab", "ac"), layout);
        strings[^1] = (byte)'b';
        Assert.Contains("'ab' twice", Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(strings, IdKind.String, 2, layout, "user")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void InvalidUtf8_is_rejected(string layoutName)
    {
        IdSectionLayout layout = Enum.Parse<IdSectionLayout>(layoutName);
        byte[] bytes = IdMapCodec.Encode(Strings("ab", "cd"), layout);
        bytes[^1] = 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(bytes, IdKind.String, 2, layout, "item"));
        Assert.Contains("id 1 is not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForgedOffsets_are_rejected()
    {
        byte[] good = IdMapCodec.Encode(Strings("ab", "cd", "ef"), IdSectionLayout.OffsetTable);

        // Each offset slot set to values outside the text, backwards, or negative: rejected, never read past the section.
        foreach (int slot in new[] { 0, 1, 2, 3 })
        {
            foreach (long value in new[] { -1L, 7, 1L << 40, long.MinValue, slot == 2 ? 1 : 5 })
            {
                byte[] bad = (byte[])good.Clone();
                BinaryPrimitives.WriteInt64LittleEndian(bad.AsSpan(slot * 8), value);
                Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(bad, IdKind.String, 3, IdSectionLayout.OffsetTable, "user"));
            }
        }
    }

    [Fact]
    public void ForgedLengths_are_rejected()
    {
        byte[] good = IdMapCodec.Encode(Strings("ab", "cd"), IdSectionLayout.LengthPrefixed);
        foreach (int value in new[] { -1, 3, 100, int.MaxValue, int.MinValue, 1 })
        {
            byte[] bad = (byte[])good.Clone();
            BinaryPrimitives.WriteInt32LittleEndian(bad, value);
            Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(bad, IdKind.String, 2, IdSectionLayout.LengthPrefixed, "user"));
        }

        // Trailing bytes after the last id.
        byte[] longer = [.. good, 0];
        Assert.Contains("after its last id", Assert.Throws<InvalidDataException>(() => IdMapCodec.Decode(longer, IdKind.String, 2, IdSectionLayout.LengthPrefixed, "user")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelFile_with_string_ids_holds_the_length_prefixed_sections_and_loads()
    {
        using var dir = new TempDir();
        string path = dir.File("m.fals");
        var users = Strings("ann", "bob");
        var items = Strings("i1", "ï2", "i3");
        using var model = new AlsModel(new AlsOptions { Factors = 2 }, users.Count, items.Count, users, items);
        model.Save(path);
        byte[] file = File.ReadAllBytes(path);
        byte[] uid = [3, 0, 0, 0, .. "ann"u8, 3, 0, 0, 0, .. "bob"u8];
        byte[] iid = [2, 0, 0, 0, .. "i1"u8, 3, 0, 0, 0, .. Encoding.UTF8.GetBytes("ï2"), 2, 0, 0, 0, .. "i3"u8];
        Assert.Equal(uid.Length, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(104)));
        Assert.Equal(iid.Length, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(112)));
        Assert.Equal([.. uid, .. iid], file.AsSpan(file.Length - 8 - uid.Length - iid.Length, uid.Length + iid.Length).ToArray());
        using AlsModel back = AlsModel.Load(path);
        Assert.Equal("ï2", back.ItemIds.GetString(1));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void LoneSurrogate_is_refused_on_write_not_replaced(string layoutName)
    {
        IdSectionLayout layout = Enum.Parse<IdSectionLayout>(layoutName);
        var e = Assert.Throws<ArgumentException>(() => IdMapCodec.Encode(Strings("ok", "bad\ud800"), layout));
        Assert.Contains("String id 1", e.Message, StringComparison.Ordinal);
    }
}
