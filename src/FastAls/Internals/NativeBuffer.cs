using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastAls.Internals;

/// <summary>
/// Owns memory that a <see cref="CsrMatrix"/> (or another span-exposing type) points into.
/// Implementations free their memory on <see cref="Dispose"/> or, as a last resort, when finalized.
/// </summary>
internal abstract class MemoryOwner : IDisposable
{
    private int _disposed;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>True when the memory is a view of a memory-mapped file.</summary>
    public virtual bool IsMemoryMapped => false;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
            GC.SuppressFinalize(this);
        }
    }

    ~MemoryOwner()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    protected abstract void Release();
}

/// <summary>Unmanaged, 64-byte aligned allocations (one or more blocks) freed together.</summary>
internal sealed unsafe class NativeOwner : MemoryOwner
{
    /// <summary>Blocks from this size on start at a 2 MiB boundary and ask Linux for transparent huge pages.</summary>
    internal const nuint HugePageMinBytes = 8 << 20;

    private const nuint HugePageBytes = 2 << 20;

    private readonly List<nint> _blocks = new(4);

    /// <summary>Allocates <paramref name="count"/> elements of <typeparamref name="T"/>, zeroed when asked.</summary>
    public T* Alloc<T>(long count, bool zero = false) where T : unmanaged
    {
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Element count must not be negative.");
        }

        nuint bytes = checked((nuint)count * (nuint)sizeof(T));
        if (bytes == 0)
        {
            bytes = 64;
        }

        bool huge = bytes >= HugePageMinBytes && OperatingSystem.IsLinux();
        void* p = NativeMemory.AlignedAlloc(bytes, huge ? HugePageBytes : 64);
        if (huge)
        {
            HugePages.Advise(p, bytes);
        }

        if (zero)
        {
            NativeMemory.Clear(p, bytes);
        }

        lock (_blocks)
        {
            _blocks.Add((nint)p);
        }

        return (T*)p;
    }

    protected override void Release()
    {
        lock (_blocks)
        {
            foreach (nint p in _blocks)
            {
                NativeMemory.AlignedFree((void*)p);
            }

            _blocks.Clear();
        }
    }
}

/// <summary>Pins caller-supplied managed arrays for the lifetime of the owner (zero-copy wrapping).</summary>
internal sealed class PinnedArraysOwner : MemoryOwner
{
    private readonly GCHandle[] _handles;

    public PinnedArraysOwner(params object[] arrays)
    {
        _handles = new GCHandle[arrays.Length];
        for (int i = 0; i < arrays.Length; i++)
        {
            _handles[i] = GCHandle.Alloc(arrays[i], GCHandleType.Pinned);
        }
    }

    public nint AddressOf(int i) => _handles[i].AddrOfPinnedObject();

    protected override void Release()
    {
        foreach (GCHandle h in _handles)
        {
            if (h.IsAllocated)
            {
                h.Free();
            }
        }
    }
}

/// <summary>Wraps memory owned by somebody else (e.g. a C caller); releasing does nothing.</summary>
internal sealed class BorrowedOwner : MemoryOwner
{
    public static BorrowedOwner Create() => new();

    protected override void Release()
    {
    }
}

/// <summary>
/// <c>madvise(MADV_HUGEPAGE)</c> on Linux, for the large blocks whose writes land all over them (the transpose's
/// scatter): with 4 KiB pages nearly every write missed the TLB as well as the caches. Advice only: where it fails (no
/// transparent huge pages, another libc), the block keeps its small pages and nothing else changes.
/// </summary>
internal static unsafe partial class HugePages
{
    private const int MadvHugePage = 14;

    private static volatile bool s_unavailable;

    public static void Advise(void* start, nuint bytes)
    {
        if (s_unavailable)
        {
            return;
        }

        try
        {
            _ = Madvise(start, (bytes + 4095) & ~(nuint)4095, MadvHugePage);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "madvise")]
    private static partial int Madvise(void* start, nuint length, int advice);
}

/// <summary>
/// Floats whose first element is on a 64-byte boundary (a cache line; one Vector512): an array on the pinned object heap,
/// 15 floats longer than asked, from its first aligned float on. Pinned, so the start never moves; managed, so the
/// collector frees it with its owner.
/// </summary>
internal readonly struct AlignedFloats
{
    private const int Alignment = 64;

    private readonly float[] _array;
    private readonly int _offset;
    private readonly int _length;

    private AlignedFloats(float[] array, int offset, int length)
    {
        _array = array;
        _offset = offset;
        _length = length;
    }

    /// <summary>All of it (empty for the default value).</summary>
    public Span<float> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_array, _offset, _length);
    }

    /// <summary>Whether this is the default value, which holds nothing.</summary>
    public bool IsDefault => _array is null;

    /// <summary><c>Span.Slice(start, length)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<float> Slice(int start, int length) => Span.Slice(start, length);

    /// <summary>Zeroed floats, <paramref name="length"/> of them, from a 64-byte boundary.</summary>
    public static unsafe AlignedFloats Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int extra = (Alignment / sizeof(float)) - 1;
        float[] array = GC.AllocateArray<float>(checked(length + extra), pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        int offset = (int)((Alignment - (address % Alignment)) % Alignment) / sizeof(float);
        return new AlignedFloats(array, offset, length);
    }
}
