namespace FastAls.Tests;

/// <summary>
/// The copies between factor matrices: a whole matrix (<c>CopyFrom</c>), and a range of padded rows
/// (<c>CopyRowsTo</c>, what a continued training's half-step saves and restores chunk by chunk).
/// </summary>
public class FactorMatrixCopyTests
{
    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f)];
    }

    [Fact]
    public void A_range_of_rows_is_copied_with_its_padding_and_nothing_else_is_touched()
    {
        // k = 61 (stride 64): the padding travels with the rows; rows outside [start, end) of the destination keep
        // their values, as do the rows of its storage past a view.
        const int rows = 300, k = 61;
        using var source = new FactorMatrix(rows, k);
        source.CopyFrom(Values(rows * k, 1));
        using var storage = new FactorMatrix(rows + 40, k);
        float[] before = Values((rows + 40) * k, 2);
        storage.CopyFrom(before);
        using var view = new FactorMatrix(storage, rows);

        source.CopyRowsTo(view, 17, 290);

        float[] after = storage.ToArray();
        for (int r = 0; r < rows + 40; r++)
        {
            float[] expected = r is >= 17 and < 290 ? source.Row(r).ToArray() : before.AsSpan(r * k, k).ToArray();
            Assert.Equal(expected, after.AsSpan(r * k, k).ToArray());
            Assert.All(storage.PaddedRow(r)[k..].ToArray(), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void Ranges_and_shapes_that_do_not_fit_are_refused()
    {
        using var a = new FactorMatrix(3, 2);
        a.CopyFrom([1f, 2f, 3f, 4f, 5f, 6f]);
        using var b = new FactorMatrix(3, 2);
        b.CopyFrom(a);
        Assert.Equal(a.ToArray(), b.ToArray());

        using var c = new FactorMatrix(4, 2);
        Assert.Contains("3 x 2", Assert.Throws<ArgumentException>(() => c.CopyFrom(a)).Message);
        using var wider = new FactorMatrix(3, 17);
        Assert.Throws<ArgumentException>(() => a.CopyRowsTo(wider, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.CopyRowsTo(b, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.CopyRowsTo(b, -1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.CopyRowsTo(b, 0, 4));
        Assert.Equal(a.ToArray(), b.ToArray());
    }
}
