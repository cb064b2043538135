namespace FastAls.IO.ParquetSafety;

/// <summary>
/// A read-only view of a Parquet file handed to Parquet.Net: reads are allowed only inside the current
/// window (the column chunk being decoded, or the whole file while the footer is read), and the bytes read
/// inside one window are limited to a small multiple of its length. A decoder that runs past its column
/// chunk, past the end of the file, or in circles therefore stops with an error instead of reading -1 as a
/// byte forever or decoding another column's bytes.
/// </summary>
internal sealed class BoundedReadStream : Stream
{
    private readonly Stream _inner;
    private long _start;
    private long _end;
    private long _budget;
    private Func<string> _where = static () => "the file";

    public BoundedReadStream(Stream inner)
    {
        _inner = inner;
        SetWindow(0, inner.Length, static () => "the file");
    }

    /// <summary>Allows reads in [<paramref name="start"/>, <paramref name="end"/>) only; <paramref name="where"/> names it in errors.</summary>
    public void SetWindow(long start, long end, Func<string> where)
    {
        _start = start;
        _end = end;
        _budget = (2 * (end - start)) + 4096;
        _where = where;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set => _inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Allow(buffer.Length);
        int got = _inner.Read(buffer[..n]);
        if (got < n)
        {
            throw Fail($"ends {n - got} bytes short of where its data should be (the file is truncated)");
        }

        return got;
    }

    public override int ReadByte()
    {
        Allow(1);
        int b = _inner.ReadByte();
        if (b < 0)
        {
            throw Fail("ends early (the file is truncated)");
        }

        return b;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = Allow(buffer.Length);
        int got = await _inner.ReadAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
        if (got < n)
        {
            throw Fail($"ends {n - got} bytes short of where its data should be (the file is truncated)");
        }

        return got;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>How many of <paramref name="count"/> bytes may be read at the current position (0 at the window's end).</summary>
    private int Allow(int count)
    {
        if (count == 0)
        {
            return 0;
        }

        long pos = _inner.Position;
        if (pos < _start || pos >= _end)
        {
            throw Fail(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the decoder tried to read byte {pos}, outside the bytes [{_start}, {_end}) that belong to it"));
        }

        int n = (int)Math.Min(count, _end - pos);
        _budget -= n;
        if (_budget < 0)
        {
            throw Fail("the decoder read the same bytes again and again (the page structure is corrupt)");
        }

        return n;
    }

    private InvalidDataException Fail(string what) => new($"{_where()}: {what}.");
}
