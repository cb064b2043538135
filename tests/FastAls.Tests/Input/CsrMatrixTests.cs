namespace FastAls.Tests;

public class CsrMatrixTests
{
    [Fact]
    public void Transpose_round_trips_and_sorts_columns()
    {
        // 3 x 4: row0 {1:1, 3:2}, row1 {}, row2 {0:3, 1:4}
        using var m = CsrMatrix.FromArrays(3, 4, [0, 2, 2, 4], [1, 3, 0, 1], [1f, 2f, 3f, 4f]);
        using var t = m.Transpose();
        Assert.Equal(4, t.Rows);
        Assert.Equal(3, t.Cols);
        Assert.Equal([2], t.RowIndices(0).ToArray());
        Assert.Equal([0, 2], t.RowIndices(1).ToArray());
        Assert.Equal([1f, 4f], t.RowValues(1).ToArray());
        Assert.Equal(0, t.RowLength(2));
        Assert.Equal(2f, t.Get(3, 0));
        using var tt = t.Transpose();
        Assert.Equal(m.RowOffsets.ToArray(), tt.RowOffsets.ToArray());
        Assert.Equal(m.ColIndices.ToArray(), tt.ColIndices.ToArray());
        Assert.Equal(m.Values.ToArray(), tt.Values.ToArray());
    }

    /// <summary>A random matrix above <see cref="CsrMatrix.ParallelNnz"/> with empty rows and empty last columns.</summary>
    private static (long[] Offsets, int[] Indices, float[] Values) LargeRandom(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        var offsets = new long[rows + 1];
        var indices = new List<int>();
        var values = new List<float>();
        for (int r = 0; r < rows; r++)
        {
            int n = r % 7 == 3 ? 0 : rng.Next(1, 80);
            foreach (int c in Enumerable.Range(0, cols - 5).OrderBy(_ => rng.Next()).Take(n).Order())
            {
                indices.Add(c);
                values.Add((float)rng.NextDouble() * 5f);
            }

            offsets[r + 1] = indices.Count;
        }

        return (offsets, [.. indices], [.. values]);
    }

    [Fact]
    public void ParallelTranspose_has_the_bytes_of_the_serial_transpose()
    {
        const int Rows = 3000, Cols = 700;
        (long[] off, int[] idx, float[] val) = LargeRandom(Rows, Cols, seed: 11);
        using var m = CsrMatrix.FromArrays(Rows, Cols, off, idx, val);
        Assert.True(m.Nnz >= CsrMatrix.ParallelNnz);

        // The reference: every entry sorted by (column, row).
        var entries = Enumerable.Range(0, Rows)
            .SelectMany(r => Enumerable.Range((int)off[r], (int)(off[r + 1] - off[r])).Select(p => (Row: r, Col: idx[p], Value: val[p])))
            .OrderBy(e => e.Col).ThenBy(e => e.Row).ToArray();
        var expectedOffsets = new long[Cols + 1];
        foreach (var e in entries)
        {
            expectedOffsets[e.Col + 1]++;
        }

        for (int c = 0; c < Cols; c++)
        {
            expectedOffsets[c + 1] += expectedOffsets[c];
        }

        foreach (int threads in new[] { 1, 2, 3, 8 })
        {
            Assert.Equal(threads > 1, CsrMatrix.TransposeParts(threads, m.Nnz, Cols) > 1);
            using CsrMatrix t = m.Transpose(threads);
            Assert.Equal(expectedOffsets, t.RowOffsets.ToArray());
            Assert.Equal(entries.Select(e => e.Row), t.ColIndices.ToArray());
            Assert.Equal(entries.Select(e => BitConverter.SingleToInt32Bits(e.Value)), t.Values.ToArray().Select(BitConverter.SingleToInt32Bits));
            m.ValidateTransposeOf(t);
        }
    }

    [Fact]
    public void RowPartition_cuts_contiguous_ranges_of_about_equal_non_zeros()
    {
        (long[] off, int[] idx, float[] val) = LargeRandom(2000, 300, seed: 4);
        using var m = CsrMatrix.FromArrays(2000, 300, off, idx, val);
        int[] bounds = m.RowPartition(5);
        Assert.Equal(0, bounds[0]);
        Assert.Equal(2000, bounds[5]);
        for (int p = 0; p < 5; p++)
        {
            Assert.True(bounds[p] <= bounds[p + 1]);
            long n = off[bounds[p + 1]] - off[bounds[p]];
            Assert.InRange(n, (m.Nnz / 5) - 80, (m.Nnz / 5) + 80);
        }
    }

    [Fact]
    public void Validate_in_parallel_parts_names_the_first_bad_row()
    {
        // Two bad rows far apart (in different parts of the parallel check): the earlier one is named, as a
        // serial pass would, whichever part finishes first.
        (long[] off, int[] idx, float[] val) = LargeRandom(3000, 700, seed: 12);
        int early = Enumerable.Range(1500, 100).First(r => off[r + 1] - off[r] >= 2);
        int late = Enumerable.Range(2900, 100).First(r => off[r + 1] - off[r] >= 2);
        idx[off[late]] = 700;
        int[] swapped = (int[])idx.Clone();
        (swapped[off[early]], swapped[off[early] + 1]) = (swapped[off[early] + 1], swapped[off[early]]);
        var e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(3000, 700, off, swapped, val));
        Assert.Contains($"row {early} has column indices out of order", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(3000, 700, off, idx, val));
        Assert.Contains($"row {late} has column index 700 outside", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromArrays_rejects_unsorted_columns_naming_the_row()
    {
        var e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(2, 4, [0, 1, 3], [0, 3, 2], [1f, 1f, 1f]));
        Assert.Contains("row 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposed_throws()
    {
        var m = CsrMatrix.FromArrays(1, 1, [0, 1], [0], [1f]);
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.RowIndices(0).Length);
    }

    [Fact]
    public void FromArrays_checks_all_offsets_before_walking_any_row()
    {
        // Row 0 claims to end at 1000: a walk of row 0 before the offsets are checked would read far past the
        // two entries. The offsets pass reports the decrease at row 1 instead.
        var e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(2, 3, [0, 1000, 2], [0, 1], [1f, 1f]));
        Assert.Contains("decrease at row 1", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(2, 3, [3, 1, 2], [0, 1], [1f, 1f]));
        Assert.Contains("start at 0", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CsrMatrix.FromArrays(2, 3, [0, 1], [0], [1f]));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void BadColumn_is_rejected_at_construction_so_dataset_never_transposes_it(int column)
    {
        // The former FromArrays(..., validate: false) let this through to Transpose, which wrote out of bounds.
        var e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(2, 3, [0, 1, 2], [0, column], [1f, 1f]));
        Assert.Contains("row 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublicConstruction_has_no_way_to_skip_validation()
    {
        // Every public factory validates; the trusted path is internal (matrices this library built itself).
        foreach (System.Reflection.MethodInfo m in typeof(CsrMatrix).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            Assert.DoesNotContain(m.GetParameters(), p => p.ParameterType == typeof(bool));
        }

        Assert.Empty(typeof(CsrMatrix).GetConstructors());
    }

    [Fact]
    public void Dataset_rejects_an_item_user_half_that_is_not_the_transpose()
    {
        using var ui = CsrMatrix.FromArrays(2, 3, [0, 2, 3], [0, 2, 1], [1f, 2f, 3f]);
        using var good = ui.Transpose();
        using (var ds = new Dataset(ui.Clone(), itemUsers: good.Clone()))
        {
            Assert.Equal(3, ds.Nnz);
        }

        // Same shape and nnz, one value differs.
        using var wrongValue = CsrMatrix.FromArrays(3, 2, [0, 1, 2, 3], [0, 1, 0], [1f, 3f, 2.5f]);
        Assert.Contains("not the transpose", Assert.Throws<InvalidDataException>(() => new Dataset(ui, itemUsers: wrongValue)).Message, StringComparison.Ordinal);

        // Same shape and nnz, one entry moved to another user.
        using var wrongEntry = CsrMatrix.FromArrays(3, 2, [0, 1, 2, 3], [0, 0, 0], [1f, 3f, 2f]);
        Assert.Contains("not the transpose", Assert.Throws<InvalidDataException>(() => new Dataset(ui, itemUsers: wrongEntry)).Message, StringComparison.Ordinal);

        // Different shape.
        using var wrongShape = CsrMatrix.FromArrays(2, 2, [0, 1, 3], [0, 0, 1], [1f, 3f, 2f]);
        Assert.Throws<InvalidDataException>(() => new Dataset(ui, itemUsers: wrongShape));
    }
}
