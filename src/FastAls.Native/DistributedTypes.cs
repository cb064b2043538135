using System.Text;
using FastAls.IO;

namespace FastAls.Native;

/// <summary>
/// The raw interactions of one Parquet part file (a distributed load's unit of reading): input order, duplicates
/// not merged, user and item indices into the part's own id lists (first-seen order within the file; int64 or
/// string ids, as the file's id columns hold). A driver merges the parts' id lists into one shared dictionary so
/// every worker agrees on dense indices.
/// </summary>
internal sealed class PartData
{
    public PartData(string file, InteractionLoadOptions options)
    {
        InteractionBuilder b = ParquetInteractionReader.ReadPartAsync(file, options, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            UserColumn = options.UserColumn;
            ItemColumn = options.ItemColumn;
            UserIds = IdList.Of(b.UserIds);
            ItemIds = IdList.Of(b.ItemIds);
            Users = new int[b.Count];
            Items = new int[b.Count];
            Values = new float[b.Count];
            b.CopyRaw(Users, Items, Values);
        }
        finally
        {
            b.Dispose();
        }
    }

    /// <summary>The user id column read (named for errors about it).</summary>
    public string UserColumn { get; }

    /// <summary>The item id column read.</summary>
    public string ItemColumn { get; }

    public IdList UserIds { get; }

    public IdList ItemIds { get; }

    public int[] Users { get; }

    public int[] Items { get; }

    public float[] Values { get; }
}

/// <summary>
/// One side's external ids as they cross the C ABI: int64 ids, or string ids packed as UTF-8 bytes with count + 1
/// byte offsets (from 0). The single encoding of text id lists for the part, model and Spark part exports.
/// </summary>
internal sealed class IdList
{
    private IdList(long[]? ints, string[]? strings)
    {
        Ints = ints;
        Strings = strings;
    }

    /// <summary>The int64 ids (null for string ids).</summary>
    public long[]? Ints { get; }

    /// <summary>The string ids (null for int64 ids).</summary>
    public string[]? Strings { get; }

    public bool IsText => Strings is not null;

    public int Count => Strings?.Length ?? Ints!.Length;

    public static IdList Of(IdMap map) => map.Kind == IdKind.String ? new(null, [.. map.StringIds]) : new(map.Int64Ids.ToArray(), null);

    /// <summary>The UTF-8 size of string ids (0 for int64 ids).</summary>
    public long TextBytes()
    {
        long n = 0;
        foreach (string s in Strings ?? [])
        {
            n += Encoding.UTF8.GetByteCount(s);
        }

        return n;
    }

    /// <summary>Packs string ids into UTF-8 bytes and count + 1 offsets.</summary>
    public void Pack(Span<byte> text, Span<long> offsets, string side)
    {
        if (Strings is null)
        {
            throw new ArgumentException($"The {side} ids are int64, not strings (see the int64 variant of this call).", nameof(side));
        }

        long at = 0;
        offsets[0] = 0;
        for (int i = 0; i < Strings.Length; i++)
        {
            at += Encoding.UTF8.GetBytes(Strings[i], text[(int)at..]);
            offsets[i + 1] = at;
        }
    }

    /// <summary>
    /// An id map from the ABI encoding: string ids when offsets are given (count + 1 non-decreasing byte offsets
    /// into text, from 0, each id valid UTF-8), else the int64 ids. Ids must be distinct.
    /// </summary>
    public static IdMap ToMap(ReadOnlySpan<long> ids, ReadOnlySpan<byte> text, ReadOnlySpan<long> offsets, string name)
    {
        if (offsets.Length == 0)
        {
            if (text.Length != 0)
            {
                throw new ArgumentException($"{name}: text without offsets (string ids need count + 1 offsets).", name);
            }

            return IdMap.FromInt64(ids);
        }

        if (ids.Length != 0)
        {
            throw new ArgumentException($"{name}: give either int64 ids or string ids (text and offsets), not both.", name);
        }

        return IdMap.FromStrings(Unpack(text, offsets, name));
    }

    /// <summary>Decodes packed UTF-8 ids (strictly: invalid UTF-8 is an error naming the id).</summary>
    public static string[] Unpack(ReadOnlySpan<byte> text, ReadOnlySpan<long> offsets, string name)
    {
        if (offsets.Length == 0 || offsets[0] != 0 || offsets[^1] != text.Length)
        {
            throw new ArgumentException($"{name}: offsets must have count + 1 entries, start at 0 and end at the text's length ({text.Length} bytes).", name);
        }

        var strict = new UTF8Encoding(false, true);
        var result = new string[offsets.Length - 1];
        for (int i = 0; i < result.Length; i++)
        {
            long s = offsets[i], e = offsets[i + 1];
            if (e < s)
            {
                throw new ArgumentException($"{name}: offsets[{i + 1}] ({e}) is below offsets[{i}] ({s}).", name);
            }

            if (e > text.Length)
            {
                throw new ArgumentException($"{name}: offsets[{i + 1}] ({e}) is past the end of the text ({text.Length} bytes).", name);
            }

            try
            {
                result[i] = strict.GetString(text[(int)s..(int)e]);
            }
            catch (DecoderFallbackException)
            {
                throw new ArgumentException($"{name}: id {i} is not valid UTF-8.", name);
            }
        }

        return result;
    }
}
