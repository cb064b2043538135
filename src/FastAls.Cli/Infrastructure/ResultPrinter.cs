using System.Globalization;
using System.Text.Json;

namespace FastAls.Cli.Infrastructure;

/// <summary>Prints per-query top-n results as an aligned table or JSON on stdout.</summary>
internal static class ResultPrinter
{
    public static void Table(TextWriter o, string queryWhat, string resultWhat, IdMap queryIds, BatchRecommendations b)
    {
        var rows = new List<string[]>();
        for (int q = 0; q < b.Queries.Length; q++)
        {
            Recommendations r = b.ForQuery(q);
            for (int k = 0; k < r.Count; k++)
            {
                rows.Add([queryIds.Format(b.Queries[q]), (k + 1).ToString(CultureInfo.InvariantCulture), r.FormatId(k), r.Scores[k].ToString("0.000000", CultureInfo.InvariantCulture)]);
            }
        }

        Aligned(o, [queryWhat, "rank", resultWhat, "score"], rows, rightAlign: [false, true, false, true]);
    }

    public static void JsonResults(TextWriter o, string queryWhat, string resultWhat, IdMap queryIds, BatchRecommendations b)
    {
        var queries = new List<QueryResultsOutput>(b.Queries.Length);
        for (int q = 0; q < b.Queries.Length; q++)
        {
            Recommendations r = b.ForQuery(q);
            var results = new List<ScoredIdOutput>(r.Count);
            for (int k = 0; k < r.Count; k++)
            {
                results.Add(new ScoredIdOutput(CliJsonContext.Id(r.Ids, r.Indices[k]), r.Scores[k]));
            }

            object query = CliJsonContext.Id(queryIds, b.Queries[q]);
            queries.Add(new QueryResultsOutput(
                queryWhat == "user" ? query : null, queryWhat == "user" ? null : query, resultWhat == "user" ? null : results, resultWhat == "user" ? results : null));
        }

        o.WriteLine(JsonSerializer.Serialize(queries, CliJsonContext.Default.ListQueryResultsOutput));
    }


    public static void Aligned(TextWriter o, string[] header, List<string[]> rows, bool[]? rightAlign = null)
    {
        var width = new int[header.Length];
        for (int c = 0; c < header.Length; c++)
        {
            width[c] = Math.Max(header[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length));
        }

        void Line(string[] cells)
        {
            var parts = new string[cells.Length];
            for (int c = 0; c < cells.Length; c++)
            {
                parts[c] = rightAlign is not null && rightAlign[c] ? cells[c].PadLeft(width[c]) : cells[c].PadRight(width[c]);
            }

            o.WriteLine(string.Join("  ", parts).TrimEnd());
        }

        Line(header);
        foreach (string[] r in rows)
        {
            Line(r);
        }
    }
}
