using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace FastAls.Cli.Infrastructure;

/// <summary>
/// Streams top-n results (query id, rank, result id, score: the column order of the library's
/// <see cref="IO.ParquetRecommendationWriter"/>) to Parquet, CSV or TSV, block by block, so all
/// users' recommendations never sit in memory at once. Parquet gets one row group per ~1M rows.
/// Files are written under a temporary name and renamed on <see cref="Commit"/>.
/// </summary>
internal sealed class ResultWriter : IRecommendationSink, IDisposable
{
    private const int RowGroupRows = 1 << 20;
    private readonly IdMap _queryIds;
    private readonly IdMap _resultIds;
    private readonly TableFormat _format;
    private readonly string? _path;
    private readonly string? _tmp;
    private readonly FileStream? _stream;
    private readonly TextWriter? _text;
    private readonly ParquetWriter? _parquet;
    private readonly DataField[] _fields = [];
    private readonly List<int> _bufQ = [];
    private readonly List<int> _bufR = [];
    private readonly List<float> _bufS = [];
    private readonly List<int> _bufRank = [];
    private bool _committed;

    /// <summary>Writes to <paramref name="path"/>, or as CSV to <paramref name="stdout"/> when the path is null or "-".</summary>
    public ResultWriter(string? path, string? format, TextWriter stdout, string queryColumn, string resultColumn, IdMap queryIds, IdMap resultIds)
    {
        _queryIds = queryIds;
        _resultIds = resultIds;
        if (path is null or "-")
        {
            _format = format is null ? TableFormat.Csv : TripletWriter.ResolveFormat("-", format);
            if (_format == TableFormat.Parquet)
            {
                throw new CliException("Parquet output needs a file (-o FILE.parquet), not stdout", ExitCodes.Usage);
            }

            _text = stdout;
        }
        else
        {
            _format = TripletWriter.ResolveFormat(path, format);
            _path = Path.GetFullPath(path);
            string? dir = Path.GetDirectoryName(_path);
            if (dir is not null && !Directory.Exists(dir))
            {
                throw new CliException($"{path}: the directory {dir} does not exist");
            }

            _tmp = _path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            _stream = new FileStream(_tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            if (_format == TableFormat.Parquet)
            {
                _fields =
                [
                    queryIds.Kind == IdKind.Int64 ? new DataField<long>(queryColumn) : new DataField<string>(queryColumn),
                    new DataField<int>("rank"),
                    resultIds.Kind == IdKind.Int64 ? new DataField<long>(resultColumn) : new DataField<string>(resultColumn),
                    new DataField<float>("score"),
                ];
                _parquet = ParquetWriter.CreateAsync(new ParquetSchema(_fields), _stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy })
                    .GetAwaiter().GetResult();
            }
            else
            {
                _text = new StreamWriter(_stream, new UTF8Encoding(false), 1 << 16);
            }
        }

        if (_text is not null)
        {
            char sep = _format == TableFormat.Tsv ? '\t' : ',';
            _text.Write(string.Join(sep, queryColumn, "rank", resultColumn, "score") + "\n");
        }
    }

    public long Rows { get; private set; }

    public void Write(in RecommendationBlock block)
    {
        for (int q = 0; q < block.Queries.Length; q++)
        {
            int c = block.Counts[q];
            for (int r = 0; r < c; r++)
            {
                Add(block.Queries[q], block.Items[q * block.N + r], block.Scores[q * block.N + r], r + 1);
            }
        }
    }

    public void Add(int query, int result, float score, int rank)
    {
        Rows++;
        if (_text is not null)
        {
            char sep = _format == TableFormat.Tsv ? '\t' : ',';
            _text.Write(Csv(_queryIds.Format(query)));
            _text.Write(sep);
            _text.Write(rank.ToString(CultureInfo.InvariantCulture));
            _text.Write(sep);
            _text.Write(Csv(_resultIds.Format(result)));
            _text.Write(sep);
            _text.Write(score.ToString("R", CultureInfo.InvariantCulture));
            _text.Write('\n');
            return;
        }

        _bufQ.Add(query);
        _bufR.Add(result);
        _bufS.Add(score);
        _bufRank.Add(rank);
        if (_bufQ.Count >= RowGroupRows)
        {
            Flush();
        }
    }

    public void Commit()
    {
        if (_parquet is not null)
        {
            Flush();
            _parquet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        else
        {
            _text!.Flush();
        }

        if (_stream is not null)
        {
            _stream.Dispose();
            File.Move(_tmp!, _path!, overwrite: true);
        }

        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && _stream is not null)
        {
            try
            {
                _parquet?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (IOException)
            {
            }

            _stream.Dispose();
            File.Delete(_tmp!);
        }
    }

    private void Flush()
    {
        if (_bufQ.Count == 0)
        {
            return;
        }

        using ParquetRowGroupWriter rg = _parquet!.CreateRowGroup();
        WriteIds(rg, _fields[0], _bufQ, _queryIds);
        rg.WriteAsync<int>(_fields[1], _bufRank.ToArray()).GetAwaiter().GetResult();
        WriteIds(rg, _fields[2], _bufR, _resultIds);
        rg.WriteAsync<float>(_fields[3], _bufS.ToArray()).GetAwaiter().GetResult();
        _bufQ.Clear();
        _bufR.Clear();
        _bufS.Clear();
        _bufRank.Clear();
    }

    private static void WriteIds(ParquetRowGroupWriter rg, DataField field, List<int> indices, IdMap ids)
    {
        if (ids.Kind == IdKind.Int64)
        {
            var a = new long[indices.Count];
            ReadOnlySpan<long> all = ids.Int64Ids;
            for (int j = 0; j < a.Length; j++)
            {
                a[j] = all[indices[j]];
            }

            rg.WriteAsync<long>(field, a).GetAwaiter().GetResult();
        }
        else
        {
            var s = new string[indices.Count];
            for (int j = 0; j < s.Length; j++)
            {
                s[j] = ids.GetString(indices[j]);
            }

            rg.WriteAsync(field, s).GetAwaiter().GetResult();
        }
    }

    private static string Csv(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r\t") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
