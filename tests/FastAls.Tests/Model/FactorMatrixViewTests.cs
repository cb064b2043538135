namespace FastAls.Tests;

/// <summary>Views share a reference-counted owner with their storage: no access ever reaches freed memory.</summary>
public class FactorMatrixViewTests
{
    [Fact]
    public void AViewOutlivingItsStorage_keeps_the_memory_and_the_storage_throws()
    {
        var storage = new FactorMatrix(10, 3);
        storage.CopyFrom([.. Enumerable.Range(0, 30).Select(i => (float)i)]);
        var view = new FactorMatrix(storage, 4);
        storage.Dispose();
        Assert.Throws<ObjectDisposedException>(() => storage.Row(0).Length);
        Assert.Throws<ObjectDisposedException>(() => storage.ToArray());

        // The view still reads the (live) memory of its rows.
        Assert.Equal([9f, 10f, 11f], view.Row(3).ToArray());
        view.Dispose();
        Assert.Throws<ObjectDisposedException>(() => view.Row(0).Length);
        Assert.Throws<ObjectDisposedException>(() => view.CopyFrom(new float[12]));
    }

    [Fact]
    public void ADisposedView_throws_while_its_storage_lives_on()
    {
        using var storage = new FactorMatrix(5, 2);
        var view = new FactorMatrix(storage, 5);
        view.Row(1)[0] = 7f;
        view.Dispose();
        view.Dispose();
        Assert.Throws<ObjectDisposedException>(() => view.Row(1).Length);
        Assert.Equal(7f, storage.Row(1)[0]);
    }

    [Fact]
    public void AViewOfDisposedStorage_cannot_be_made()
    {
        var storage = new FactorMatrix(3, 2);
        storage.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new FactorMatrix(storage, 2));
    }
}
