using System.Text;

namespace FastAls.Internals.IO;

/// <summary>
/// UTF-8 text (no byte-order mark, <c>\n</c> line ends) written through an <see cref="AtomicFile"/>: the one
/// open / commit / abandon rule of the library's text writers.
/// </summary>
internal sealed class AtomicTextFile : IDisposable
{
    private readonly AtomicFile _file;

    /// <summary>Starts writing <paramref name="path"/> through a temporary file beside it.</summary>
    public AtomicTextFile(string path)
    {
        _file = AtomicFile.Create(path);
        Writer = new StreamWriter(_file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
    }

    /// <summary>The text writer over the temporary file.</summary>
    public StreamWriter Writer { get; }

    /// <summary>Flushes the text and renames the file into place (see <see cref="AtomicFile.Commit"/>).</summary>
    public void Commit(CancellationToken cancellationToken = default)
    {
        try
        {
            Writer.Flush();
            Writer.Dispose();
            _file.Commit(cancellationToken);
        }
        finally
        {
            _file.Dispose();
        }
    }

    /// <summary>Abandons the file (deleting the temporary file); no-op after <see cref="Commit"/>.</summary>
    public void Dispose()
    {
        try
        {
            Writer.Dispose();
        }
        catch (IOException)
        {
            // A failed final flush (disk full): the temporary file is deleted below either way.
        }
        finally
        {
            _file.Dispose();
        }
    }
}
