using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace FastAls.Cli.Infrastructure;

/// <summary>Output table formats.</summary>
internal enum TableFormat
{
    Parquet,
    Csv,
    Tsv,
}

/// <summary>
/// Streams (user, item, value) rows to Parquet (one row group per <see cref="Write"/> call) or CSV/TSV.
/// Writes to <c>path.tmp-PID</c> and renames on <see cref="Commit"/>; disposing without commit deletes it.
/// </summary>
internal sealed class TripletWriter : IDisposable
{
    private readonly string _path;
    private readonly string _tmp;
    private readonly FileStream _stream;
    private readonly TableFormat _format;
    private readonly ParquetWriter? _parquet;
    private readonly DataField<long>? _userField;
    private readonly DataField<long>? _itemField;
    private readonly DataField<float>? _valueField;
    private readonly StreamWriter? _text;
    private bool _committed;

    public TripletWriter(string path, TableFormat format, string userColumn, string itemColumn, string valueColumn)
    {
        _path = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(_path);
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new CliException($"{path}: the directory {dir} does not exist");
        }

        _tmp = _path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _format = format;
        _stream = new FileStream(_tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        if (format == TableFormat.Parquet)
        {
            _userField = new DataField<long>(userColumn);
            _itemField = new DataField<long>(itemColumn);
            _valueField = new DataField<float>(valueColumn);
            var schema = new ParquetSchema(_userField, _itemField, _valueField);
            var po = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
            _parquet = ParquetWriter.CreateAsync(schema, _stream, po).GetAwaiter().GetResult();
        }
        else
        {
            char sep = format == TableFormat.Tsv ? '\t' : ',';
            _text = new StreamWriter(_stream, new UTF8Encoding(false), 1 << 16);
            _text.Write(userColumn);
            _text.Write(sep);
            _text.Write(itemColumn);
            _text.Write(sep);
            _text.Write(valueColumn);
            _text.Write('\n');
        }
    }

    public long Rows { get; private set; }

    /// <summary>Picks the format from <paramref name="format"/> or else the file extension.</summary>
    public static TableFormat ResolveFormat(string path, string? format)
    {
        string f = (format ?? Path.GetExtension(path).TrimStart('.')).ToLowerInvariant();
        return f switch
        {
            "parquet" or "pq" => TableFormat.Parquet,
            "csv" => TableFormat.Csv,
            "tsv" or "tab" => TableFormat.Tsv,
            _ => throw new CliException(format is null
                ? $"{path}: cannot tell the format from the extension; use .parquet, .csv or .tsv, or --format"
                : $"unknown format '{format}'; use parquet, csv or tsv", ExitCodes.Usage),
        };
    }

    /// <summary>Writes one block of rows (a Parquet row group).</summary>
    public void Write(ReadOnlySpan<int> users, ReadOnlySpan<int> items, ReadOnlySpan<float> values)
    {
        if (users.Length == 0)
        {
            return;
        }

        if (_parquet is not null)
        {
            var u = new long[users.Length];
            var i = new long[items.Length];
            for (int j = 0; j < u.Length; j++)
            {
                u[j] = users[j];
                i[j] = items[j];
            }

            using ParquetRowGroupWriter rg = _parquet.CreateRowGroup();
            rg.WriteAsync<long>(_userField!, u).GetAwaiter().GetResult();
            rg.WriteAsync<long>(_itemField!, i).GetAwaiter().GetResult();
            rg.WriteAsync<float>(_valueField!, values.ToArray()).GetAwaiter().GetResult();
        }
        else
        {
            char sep = _format == TableFormat.Tsv ? '\t' : ',';
            Span<char> buf = stackalloc char[64];
            StreamWriter w = _text!;
            for (int j = 0; j < users.Length; j++)
            {
                users[j].TryFormat(buf, out int n, default, CultureInfo.InvariantCulture);
                w.Write(buf[..n]);
                w.Write(sep);
                items[j].TryFormat(buf, out n, default, CultureInfo.InvariantCulture);
                w.Write(buf[..n]);
                w.Write(sep);
                values[j].TryFormat(buf, out n, default, CultureInfo.InvariantCulture);
                w.Write(buf[..n]);
                w.Write('\n');
            }
        }

        Rows += users.Length;
    }

    /// <summary>Finishes the file and moves it into place.</summary>
    public void Commit()
    {
        if (_parquet is not null)
        {
            _parquet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        else
        {
            _text!.Flush();
        }

        _stream.Flush(flushToDisk: false);
        _stream.Dispose();
        File.Move(_tmp, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed)
        {
            try
            {
                _parquet?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (IOException)
            {
                // The partial file is deleted below either way.
            }

            _stream.Dispose();
            File.Delete(_tmp);
        }
    }
}
