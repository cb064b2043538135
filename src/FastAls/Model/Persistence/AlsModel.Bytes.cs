using System.Diagnostics.CodeAnalysis;

namespace FastAls;

/// <summary>The model file format held in memory (the C ABI's save/load to a caller buffer; Python's pickling).</summary>
public sealed partial class AlsModel
{
    /// <summary>The exact number of bytes <see cref="Save"/> writes for this model (the file format, counted, not stored).</summary>
    internal long SavedLength()
    {
        using var counter = new CountingStream();
        WriteTo(counter);
        return counter.Length;
    }

    /// <summary>Writes the model file's bytes into <paramref name="buffer"/> (capacity bytes); returns the length written.</summary>
    /// <exception cref="ArgumentException">The buffer is smaller than the model's bytes.</exception>
    internal unsafe long SaveTo(byte* buffer, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        long needed = SavedLength();
        if (capacity < needed)
        {
            throw new ArgumentException($"buffer: capacity {capacity} bytes is less than the {needed} bytes of the model; ask fastals_model_saved_size first.", "capacity");
        }

        using var s = new UnmanagedMemoryStream(buffer, 0, capacity, FileAccess.Write);
        WriteTo(s);
        return s.Position;
    }

    /// <summary>Reads a model from the bytes of a model file held in memory; validated exactly as <see cref="Load"/> validates a file.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid model file; the message starts with <paramref name="what"/>.</exception>
    internal static unsafe AlsModel LoadFrom(byte* data, long length, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using var s = new UnmanagedMemoryStream(data, length, length, FileAccess.Read);
        try
        {
            return ReadFrom(s, length);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{what}: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{what}: the bytes end early (truncated).", e);
        }
    }

    /// <summary>A write-only stream that only counts the bytes written.</summary>
    [SuppressMessage("Design", "CA1812", Justification = "Instantiated above.")]
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override void WriteByte(byte value) => _length++;
    }
}
