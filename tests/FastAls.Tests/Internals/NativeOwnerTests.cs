using FastAls.Internals;

namespace FastAls.Tests.Engine;

/// <summary>
/// The native blocks behind CSR matrices and factor matrices (<see cref="NativeOwner"/>): 64-byte aligned, zeroed when
/// asked; blocks from <see cref="NativeOwner.HugePageMinBytes"/> on start at a 2 MiB boundary and are advised to Linux for
/// transparent huge pages, which must change nothing but the page size.
/// </summary>
public unsafe class NativeOwnerTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(1000L)]
    [InlineData((long)(NativeOwner.HugePageMinBytes / sizeof(float)) - 1)]
    [InlineData((long)(NativeOwner.HugePageMinBytes / sizeof(float)) + 12345)]
    public void Blocks_are_aligned_zeroed_when_asked_and_hold_what_is_written(long count)
    {
        using var owner = new NativeOwner();
        float* p = owner.Alloc<float>(count, zero: true);
        nuint address = (nuint)p;
        bool large = (nuint)count * sizeof(float) >= NativeOwner.HugePageMinBytes;
        Assert.Equal(0u, address % (large && OperatingSystem.IsLinux() ? 2u << 20 : 64u));
        var span = new Span<float>(p, (int)count);
        Assert.True(span.IndexOfAnyExcept(0f) < 0, "a zeroed block holds a non-zero value");

        // Write every element and a pattern across page boundaries; read it back.
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = i * 0.5f;
        }

        for (int i = 0; i < span.Length; i += 1021)
        {
            Assert.Equal(i * 0.5f, span[i]);
        }

        Assert.Equal((count - 1) * 0.5f, span[^1]);
    }
}
