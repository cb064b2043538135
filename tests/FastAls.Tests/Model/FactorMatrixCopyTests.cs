namespace FastAls.Tests;

/// <summary>The trainer's parallel copy of a side (<c>FactorMatrix.CopyFrom(other, threads)</c>) against the plain one.</summary>
public class FactorMatrixCopyTests
{
    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f)];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void The_parallel_copy_gives_every_row_and_leaves_the_storage_past_a_view_alone(int threads)
    {
        // 9,001 rows of k = 61 (stride 64: 256 bytes a row) span two 1 MiB blocks of 4,096 rows and a partial one.
        const int rows = 9001, k = 61;
        using var source = new FactorMatrix(rows, k);
        source.CopyFrom(Values(rows * k, 1));
        using var storage = new FactorMatrix(rows + 500, k);
        float[] before = Values((rows + 500) * k, 2);
        storage.CopyFrom(before);
        using var view = new FactorMatrix(storage, rows);

        view.CopyFrom(source, threads);

        Assert.Equal(source.ToArray(), view.ToArray());
        float[] after = storage.ToArray();
        Assert.Equal(before.AsSpan(rows * k).ToArray(), after.AsSpan(rows * k).ToArray());
    }

    [Fact]
    public void A_small_matrix_is_copied_and_a_shape_mismatch_is_refused()
    {
        using var a = new FactorMatrix(3, 2);
        a.CopyFrom([1f, 2f, 3f, 4f, 5f, 6f]);
        using var b = new FactorMatrix(3, 2);
        b.CopyFrom(a, 4);
        Assert.Equal(a.ToArray(), b.ToArray());

        using var c = new FactorMatrix(4, 2);
        ArgumentException e = Assert.Throws<ArgumentException>(() => c.CopyFrom(a, 4));
        Assert.Contains("3 x 2", e.Message);
    }
}
