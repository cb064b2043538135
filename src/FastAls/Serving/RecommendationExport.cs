using System.Globalization;
using System.Text;
using FastAls.Internals.IO;
using Parquet;
using Parquet.Schema;

namespace FastAls.IO;

/// <summary>Recommend-all straight to a file.</summary>
public static class RecommendationExport
{
    /// <summary>Top-n for <paramref name="users"/> (null: all) of <paramref name="model"/>, streamed to a Parquet file.</summary>
    /// <returns>Rows written.</returns>
    public static long ToParquet(AlsModel model, string path, int n, CsrMatrix? userItems = null, RecommendOptions? options = null, int[]? users = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using ParquetRecommendationWriter w = ParquetRecommendationWriter.Create(path, model.UserIds, model.ItemIds);
        model.RecommendBatch(users, n, w, userItems, options);
        w.Complete();
        return w.RowCount;
    }

    /// <summary>Top-n for <paramref name="users"/> (null: all) of <paramref name="model"/>, streamed to a CSV file.</summary>
    /// <returns>Rows written.</returns>
    public static long ToCsv(AlsModel model, string path, int n, CsrMatrix? userItems = null, RecommendOptions? options = null, int[]? users = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var w = new CsvRecommendationWriter(path, model.UserIds, model.ItemIds);
        model.RecommendBatch(users, n, w, userItems, options);
        w.Complete();
        return w.RowCount;
    }
}
