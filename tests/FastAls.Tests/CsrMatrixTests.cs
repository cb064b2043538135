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
}
