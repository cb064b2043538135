using FastAls.Interop;

namespace FastAls.Generators.Tests;

/// <summary>The generated handle table: generations make double free and use-after-free errors, not crashes.</summary>
public class HandleTableTests
{
    [Fact]
    public void Freed_handle_is_reported_and_a_reused_slot_gets_a_new_generation()
    {
        var first = new object();
        ulong h = FastAlsHandles.Add(first);
        Assert.Same(first, FastAlsHandles.Get<object>(h, "h"));
        Assert.Same(first, FastAlsHandles.Take<object>(h, "h"));
        var freed = Assert.Throws<FastAlsHandleException>(() => FastAlsHandles.Take<object>(h, "h"));
        Assert.Contains("already freed", freed.Message, StringComparison.Ordinal);

        ulong h2 = FastAlsHandles.Add(new object());
        Assert.NotEqual(h, h2);
        Assert.Throws<FastAlsHandleException>(() => FastAlsHandles.Get<object>(h, "h"));
        FastAlsHandles.Take<object>(h2, "h2");
    }

    [Fact]
    public void A_handle_in_use_cannot_be_freed_until_the_call_returns()
    {
        ulong h = FastAlsHandles.Add(new object());
        using (FastAlsHandles.Acquire<object>(h, "model"))
        {
            var e = Assert.Throws<InvalidOperationException>(() => FastAlsHandles.Take<object>(h, "model"));
            Assert.Contains("in use", e.Message, StringComparison.Ordinal);
        }

        FastAlsHandles.Take<object>(h, "model");
        Assert.Throws<FastAlsHandleException>(() => FastAlsHandles.Acquire<object>(h, "model"));
    }

    [Fact]
    public void Zero_and_wrong_kind_handles_are_reported()
    {
        Assert.Contains("null handle", Assert.Throws<FastAlsHandleException>(() => FastAlsHandles.Get<object>(0, "model")).Message, StringComparison.Ordinal);
        ulong h = FastAlsHandles.Add("a string");
        var e = Assert.Throws<FastAlsHandleException>(() => FastAlsHandles.Get<AlsModel>(h, "model"));
        Assert.Contains("not a AlsModel", e.Message, StringComparison.Ordinal);
        FastAlsHandles.Take<string>(h, "h");
    }

    [Fact]
    public void Exceptions_map_to_status_codes_with_the_message()
    {
        Assert.Equal((int)FastAlsStatus.InvalidArgument, FastAlsErrors.FromException(new ArgumentException("bad k")));
        Assert.Equal("bad k", FastAlsErrors.LastError);
        Assert.Equal((int)FastAlsStatus.Io, FastAlsErrors.FromException(new FileNotFoundException("no file")));
        Assert.Equal((int)FastAlsStatus.InvalidData, FastAlsErrors.FromException(new InvalidDataException("bad row")));
        Assert.Equal((int)FastAlsStatus.InvalidHandle, FastAlsErrors.FromException(new ObjectDisposedException("m")));
        Assert.Equal((int)FastAlsStatus.Cancelled, FastAlsErrors.FromException(new OperationCanceledException()));
        Assert.Equal((int)FastAlsStatus.InvalidArgument, FastAlsErrors.FromException(new AggregateException(new ArgumentOutOfRangeException("x"))));
        Assert.Equal((int)FastAlsStatus.Internal, FastAlsErrors.FromException(new DivideByZeroException("zero")));
        Assert.StartsWith("DivideByZeroException: ", FastAlsErrors.LastError, StringComparison.Ordinal);
    }
}
