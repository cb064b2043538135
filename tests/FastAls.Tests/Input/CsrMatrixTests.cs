namespace FastAls.Tests;

public class CsrMatrixTests
{
    [Fact]
    public void Transpose_RoundTrips_AndSortsColumns()
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

    [Fact]
    public void FromArrays_RejectsUnsortedColumns_NamingTheRow()
    {
        var e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(2, 4, [0, 1, 3], [0, 3, 2], [1f, 1f, 1f]));
        Assert.Contains("row 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposed_Throws()
    {
        var m = CsrMatrix.FromArrays(1, 1, [0, 1], [0], [1f]);
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.RowIndices(0).Length);
    }

    [Fact]
    public void FromArrays_ChecksAllOffsets_BeforeWalkingAnyRow()
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
    public void BadColumn_IsRejected_AtConstruction_SoDatasetNeverTransposesIt(int column)
    {
        // The former FromArrays(..., validate: false) let this through to Transpose, which wrote out of bounds.
        var e = Assert.Throws<InvalidDataException>(() => CsrMatrix.FromArrays(2, 3, [0, 1, 2], [0, column], [1f, 1f]));
        Assert.Contains("row 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublicConstruction_HasNoWayToSkipValidation()
    {
        // Every public factory validates; the trusted path is internal (matrices this library built itself).
        foreach (System.Reflection.MethodInfo m in typeof(CsrMatrix).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            Assert.DoesNotContain(m.GetParameters(), p => p.ParameterType == typeof(bool));
        }

        Assert.Empty(typeof(CsrMatrix).GetConstructors());
    }

    [Fact]
    public void Dataset_RejectsAnItemUserHalf_ThatIsNotTheTranspose()
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
