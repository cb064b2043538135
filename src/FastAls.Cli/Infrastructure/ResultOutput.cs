using FastAls.IO;

namespace FastAls.Cli.Infrastructure;

/// <summary>Output table formats.</summary>
internal enum TableFormat
{
    Parquet,
    Csv,
    Tsv,
}

/// <summary>
/// Where batch results of recommend and similar go: the library's <see cref="ParquetRecommendationWriter"/> or
/// <see cref="CsvRecommendationWriter"/> (a file written under a temporary name and renamed on <see cref="Complete"/>,
/// or CSV/TSV on stdout), picked from the format option or the extension.
/// </summary>
internal sealed class ResultOutput : IRecommendationSink, IDisposable
{
    private readonly ParquetRecommendationWriter? _parquet;
    private readonly CsvRecommendationWriter? _text;
    private readonly string _name;

    /// <summary>Writes to <paramref name="path"/>, or as text to <paramref name="stdout"/> when the path is null or "-".</summary>
    public ResultOutput(string? path, string? format, TextWriter stdout, string queryColumn, string resultColumn, IdMap queryIds, IdMap resultIds)
    {
        bool toStdout = path is null or "-";
        TableFormat f = toStdout && format is null ? TableFormat.Csv : ResolveFormat(path ?? "-", format);
        char separator = f == TableFormat.Tsv ? '\t' : ',';
        _name = toStdout ? "stdout" : path!;
        if (toStdout)
        {
            if (f == TableFormat.Parquet)
            {
                throw new CliException("Parquet output needs a file (-o FILE.parquet), not stdout", ExitCodes.Usage);
            }

            _text = new CsvRecommendationWriter(stdout, queryIds, resultIds, separator, queryColumn, resultColumn);
        }
        else
        {
            try
            {
                if (f == TableFormat.Parquet)
                {
                    _parquet = ParquetRecommendationWriter.Create(path!, queryIds, resultIds, ParquetRecommendationWriter.DefaultRowGroupRows, queryColumn, resultColumn);
                }
                else
                {
                    _text = new CsvRecommendationWriter(path!, queryIds, resultIds, separator, queryColumn, resultColumn);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Outputs.WriteFailed(_name, e);
            }
        }
    }

    public long Rows => _parquet?.RowCount ?? _text!.RowCount;

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

    public void Write(in RecommendationBlock block)
    {
        try
        {
            if (_parquet is not null)
            {
                _parquet.Write(block);
            }
            else
            {
                _text!.Write(block);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Outputs.WriteFailed(_name, e);
        }
    }

    public void Complete(CancellationToken cancellationToken)
    {
        try
        {
            if (_parquet is not null)
            {
                _parquet.Complete(cancellationToken);
            }
            else
            {
                _text!.Complete(cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Outputs.WriteFailed(_name, e);
        }
    }

    public void Dispose()
    {
        _parquet?.Dispose();
        _text?.Dispose();
    }
}
