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

        void* p = NativeMemory.AlignedAlloc(bytes, 64);
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
