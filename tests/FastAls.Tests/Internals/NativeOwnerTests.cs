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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4096 * 80)]
    public void AlignedFloats_start_on_a_cache_line_hold_zeros_and_keep_what_is_written(int length)
    {
        // Several at once: the pinned heap hands out starts 8 bytes apart, so most would not be aligned by chance.
        var buffers = Enumerable.Range(0, 8).Select(_ => AlignedFloats.Allocate(length)).ToArray();
        foreach (AlignedFloats b in buffers)
        {
            Span<float> span = b.Span;
            Assert.Equal(length, span.Length);
            fixed (float* p = span)
            {
                Assert.True(length == 0 || (nuint)p % 64 == 0, $"starts at {(nuint)p % 64} past a 64-byte boundary");
            }

            Assert.True(span.IndexOfAnyExcept(0f) < 0, "a new buffer holds a non-zero value");
            for (int i = 0; i < length; i++)
            {
                span[i] = i;
            }
        }

        GC.Collect(); // pinned: nothing moves, nothing is lost
        foreach (AlignedFloats b in buffers)
        {
            Span<float> span = b.Span;
            for (int i = 0; i < length; i += 97)
            {
                Assert.Equal(i, span[i]);
            }

            if (length >= 17)
            {
                Assert.Equal(new float[] { 3, 4, 5 }, b.Slice(3, 3).ToArray());
            }
        }
    }

    [Theory]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(100, true)]
    public void RowWorkspace_blocks_and_vectors_start_on_a_cache_line(int k, bool biased)
    {
        var options = new AlsOptions { Factors = k, Kind = biased ? AlsModelKind.BiasedImplicit : AlsModelKind.Implicit };
        var ws = new FastAls.Internals.Solvers.RowWorkspace(FastAls.Internals.Solvers.AlsLayout.For(options), 300);
        Aligned(ws.U);
        Aligned(ws.S);
        Aligned(ws.B);
        Aligned(ws.Z);
        Aligned(ws.R);
        Aligned(ws.P);
        Aligned(ws.Ap);
        Aligned(ws.M);

        static void Aligned(Span<float> s)
        {
            fixed (float* p = s)
            {
                Assert.Equal(0u, (nuint)p % 64);
            }
        }
    }
}
