using System.Buffers.Binary;
using System.Runtime.InteropServices;
using FastAls.Internals;
using FastAls.Internals.IO;
using FastAls.IO;

namespace FastAls.Tests.Data;

/// <summary>
/// Cache files whose payload a buggy or hostile writer changed while keeping every checksum consistent: the
/// structural pass runs at every validation level and rejects them, naming the file and the section.
/// </summary>
public class CsrCacheForgeryTests
{
    private const int TableOffset = 56;

    public static TheoryData<string, CsrCacheValidation> Forgeries()
    {
        var d = new TheoryData<string, CsrCacheValidation>();
        foreach (string f in new[] { "column-too-large", "column-negative", "columns-unsorted", "columns-repeated", "offsets-decrease", "value-nan", "transpose-value", "transpose-entry", "item-column-too-large" })
        {
            foreach (CsrCacheValidation v in Enum.GetValues<CsrCacheValidation>())
            {
                d.Add(f, v);
            }
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public void ForgedPayload_with_consistent_checksums_is_rejected_naming_file_and_section(string forgery, CsrCacheValidation validation)
    {
        using var dir = new TempDir();
        string cache = dir.File("forged.fcsr");
        using (Dataset ds = Build())
        {
            CsrCache.Write(ds, cache);
        }

        byte[] b = File.ReadAllBytes(cache);
        int users = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(16));
        Span<long> uiOff = Section<long>(b, 0);
        Span<int> uiIdx = Section<int>(b, 1);
        Span<float> uiVal = Section<float>(b, 2);
        Span<int> iuIdx = Section<int>(b, 4);
        Span<float> iuVal = Section<float>(b, 5);
        int row = FirstRowWithAtLeast(uiOff, users, 2);
        int at = (int)uiOff[row];
        string expect = "sections 0-2";
        switch (forgery)
        {
            case "column-too-large":
                uiIdx[at + 1] = 1_000_000;
                break;
            case "column-negative":
                uiIdx[at] = -5;
                break;
            case "columns-unsorted":
                (uiIdx[at], uiIdx[at + 1]) = (uiIdx[at + 1], uiIdx[at]);
                break;
            case "columns-repeated":
                uiIdx[at + 1] = uiIdx[at];
                break;
            case "offsets-decrease":
                // Still from 0 to nnz, but row `row` ends before it starts.
                uiOff[row + 1] = uiOff[row] - 1;
                expect = "section 0";
                break;
            case "value-nan":
                uiVal[at] = float.NaN;
                break;
            case "transpose-value":
                iuVal[3] += 1f;
                expect = "sections 3-5";
                break;
            case "transpose-entry":
                // A structurally valid item-user half that names another user for one entry.
                iuIdx[0] = iuIdx[0] == 0 ? 1 : iuIdx[0] - 1;
                expect = "sections 3-5";
                break;
            case "item-column-too-large":
                iuIdx[^1] = users + 7;
                expect = "sections 3-5";
                break;
        }

        Reseal(b);
        File.WriteAllBytes(cache, b);
        var e = Assert.Throws<InvalidDataException>(() => CsrCache.Open(cache, validation));
        Assert.Contains(Path.GetFullPath(cache), e.Message, StringComparison.Ordinal);
        Assert.Contains(expect, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CsrCacheValidation.Checksum)]
    [InlineData(CsrCacheValidation.Structure)]
    [InlineData(CsrCacheValidation.Full)]
    public void UntouchedFile_opens_at_every_level(CsrCacheValidation validation)
    {
        using var dir = new TempDir();
        string cache = dir.File("ok.fcsr");
        using Dataset ds = Build();
        CsrCache.Write(ds, cache);
        using Dataset back = CsrCache.Open(cache, validation);
        DataTestHelpers.AssertSame(ds, back);
    }

    private static Dataset Build()
    {
        (long[] u, long[] it, float[] v) = DataTestHelpers.Random(3000, 80, 60, 5);
        using var b = new InteractionBuilder(duplicates: DuplicatePolicy.Sum);
        for (int k = 0; k < u.Length; k++)
        {
            b.Add(u[k], it[k], v[k]);
        }

        return b.Build();
    }

    private static int FirstRowWithAtLeast(Span<long> off, int rows, int n)
    {
        for (int r = 0; r < rows; r++)
        {
            if (off[r + 1] - off[r] >= n)
            {
                return r;
            }
        }

        throw new InvalidOperationException("no row long enough");
    }

    private static Span<T> Section<T>(byte[] b, int s)
        where T : struct
    {
        long offset = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(TableOffset + (s * 24)));
        long length = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(TableOffset + (s * 24) + 8));
        return MemoryMarshal.Cast<byte, T>(b.AsSpan((int)offset, (int)length));
    }

    /// <summary>Recomputes every section checksum and the header checksum, as a writer that believed its data would.</summary>
    private static void Reseal(byte[] b)
    {
        for (int s = 0; s < 9; s++)
        {
            long offset = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(TableOffset + (s * 24)));
            long length = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(TableOffset + (s * 24) + 8));
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(TableOffset + (s * 24) + 16), ContentHash.Of(b.AsSpan((int)offset, (int)length)));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(504), ContentHash.Of(b.AsSpan(0, 504)));
    }
}
