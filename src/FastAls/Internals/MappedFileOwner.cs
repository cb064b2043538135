using System.IO.MemoryMappedFiles;

namespace FastAls.Internals;

/// <summary>
/// A read-only memory mapping of a whole file, with the view pointer acquired once. Shared by the
/// matrices that point into it through <see cref="MappedViewOwner"/>s; unmapped when the last one is released.
/// </summary>
internal sealed unsafe class MappedFile
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private int _refs = 1;

    private MappedFile(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, long length)
    {
        _file = file;
        _view = view;
        Pointer = pointer;
        Length = length;
    }

    public byte* Pointer { get; }

    public long Length { get; }

    public static MappedFile Open(string path)
    {
        using FileStream fs = IO.PathChecks.OpenRead(path, FileShare.Read | FileShare.Delete);
        long length = fs.Length;
        if (length == 0)
        {
            throw new InvalidDataException($"{path}: the cache file is empty.");
        }

        MemoryMappedFile file = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new MappedFile(file, view, p + view.PointerOffset, length);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>Adds a reference for one more owner.</summary>
    public MappedViewOwner NewOwner()
    {
        Interlocked.Increment(ref _refs);
        return new MappedViewOwner(this);
    }

    /// <summary>Drops one reference; the last one unmaps the file.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}

/// <summary>One reference to a <see cref="MappedFile"/>, owned by a <see cref="CsrMatrix"/>.</summary>
internal sealed class MappedViewOwner : MemoryOwner
{
    private readonly MappedFile _file;

    internal MappedViewOwner(MappedFile file) => _file = file;

    public override bool IsMemoryMapped => true;

    protected override void Release() => _file.Release();
}
