using FastAls.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.Tests.Data;

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastals-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string text)
    {
        string p = File(name);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class DataTestHelpers
{
    /// <summary>The shared data folder (FASTALS_SHARED_DATA, or a <c>shared/data</c> found walking up), or null.</summary>
    public static string? SharedData()
    {
        string? env = Environment.GetEnvironmentVariable("FASTALS_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string? SharedFile(string relative)
    {
        string? root = SharedData();
        if (root is null)
        {
            return null;
        }

        string p = Path.Combine(root, relative);
        return File.Exists(p) ? p : null;
    }

    /// <summary>(user id, item id) -> value, from the user-by-item matrix and the id maps.</summary>
    public static Dictionary<(string User, string Item), float> ToTriplets(Dataset ds)
    {
        var d = new Dictionary<(string, string), float>();
        for (int r = 0; r < ds.Users; r++)
        {
            ReadOnlySpan<int> cols = ds.UserItems.RowIndices(r);
            ReadOnlySpan<float> vals = ds.UserItems.RowValues(r);
            for (int k = 0; k < cols.Length; k++)
            {
                d.Add((ds.UserIds.Format(r), ds.ItemIds.Format(cols[k])), vals[k]);
            }
        }

        return d;
    }

    /// <summary>Checks the structure of both orientations and that one is the transpose of the other.</summary>
    public static void AssertConsistent(Dataset ds)
    {
        ds.UserItems.Validate();
        ds.ItemUsers.Validate();
        using CsrMatrix t = ds.UserItems.Transpose();
        Assert.Equal(t.RowOffsets.ToArray(), ds.ItemUsers.RowOffsets.ToArray());
        Assert.Equal(t.ColIndices.ToArray(), ds.ItemUsers.ColIndices.ToArray());
        Assert.Equal(t.Values.ToArray(), ds.ItemUsers.Values.ToArray());
    }

    public static void AssertSame(Dataset expected, Dataset actual)
    {
        Assert.Equal(expected.Users, actual.Users);
        Assert.Equal(expected.Items, actual.Items);
        Assert.Equal(expected.Nnz, actual.Nnz);
        Assert.Equal(expected.UserIds.Kind, actual.UserIds.Kind);
        Assert.Equal(expected.ItemIds.Kind, actual.ItemIds.Kind);
        for (int i = 0; i < expected.Users; i++)
        {
            Assert.Equal(expected.UserIds.Format(i), actual.UserIds.Format(i));
        }

        for (int i = 0; i < expected.Items; i++)
        {
            Assert.Equal(expected.ItemIds.Format(i), actual.ItemIds.Format(i));
        }

        Assert.Equal(expected.UserItems.RowOffsets.ToArray(), actual.UserItems.RowOffsets.ToArray());
        Assert.Equal(expected.UserItems.ColIndices.ToArray(), actual.UserItems.ColIndices.ToArray());
        Assert.Equal(expected.UserItems.Values.ToArray(), actual.UserItems.Values.ToArray());
        Assert.Equal(expected.ItemUsers.RowOffsets.ToArray(), actual.ItemUsers.RowOffsets.ToArray());
        Assert.Equal(expected.ItemUsers.ColIndices.ToArray(), actual.ItemUsers.ColIndices.ToArray());
        Assert.Equal(expected.ItemUsers.Values.ToArray(), actual.ItemUsers.Values.ToArray());
    }

    /// <summary>Writes one Parquet file with the given columns; each column is one row group slice per entry of <paramref name="groups"/>.</summary>
    public static async Task WriteParquetAsync(string path, DataField[] fields, Func<int, ParquetRowGroupWriter, Task> writeGroup, int groups = 1)
    {
        await using FileStream fs = System.IO.File.Create(path);
        await using ParquetWriter w = await ParquetWriter.CreateAsync(new ParquetSchema(fields), fs);
        for (int g = 0; g < groups; g++)
        {
            using ParquetRowGroupWriter rg = w.CreateRowGroup();
            await writeGroup(g, rg);
        }
    }

    /// <summary>A small random interaction set with duplicates resolved by sum.</summary>
    public static (long[] Users, long[] Items, float[] Values) Random(int n, int users, int items, int seed)
    {
        var rng = new Random(seed);
        var u = new long[n];
        var it = new long[n];
        var v = new float[n];
        for (int k = 0; k < n; k++)
        {
            u[k] = rng.Next(users) * 7L + 1000;
            it[k] = rng.Next(items) * 13L - 50;
            v[k] = rng.Next(1, 6);
        }

        return (u, it, v);
    }
}
