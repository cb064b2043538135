namespace FastAls.Cli.Report;

/// <summary>Shape of an interaction matrix: sizes, density, and the popularity and activity distributions.</summary>
internal sealed class DataStats
{
    public required int Users { get; init; }

    public required int Items { get; init; }

    public required long Nnz { get; init; }

    public double Density => Users == 0 || Items == 0 ? 0 : (double)Nnz / ((double)Users * Items);

    /// <summary>Interactions per item, descending (popularity by rank).</summary>
    public required int[] ItemDegreesDescending { get; init; }

    /// <summary>Interactions per user, descending.</summary>
    public required int[] UserDegreesDescending { get; init; }

    public double ValueMin { get; init; }

    public double ValueMax { get; init; }

    public double ValueMean { get; init; }

    /// <summary>Share of interactions on the top 1 % and 10 % of items.</summary>
    public double TopShare(double fraction)
    {
        int n = Math.Max(1, (int)Math.Ceiling(ItemDegreesDescending.Length * fraction));
        long s = 0;
        for (int i = 0; i < n && i < ItemDegreesDescending.Length; i++)
        {
            s += ItemDegreesDescending[i];
        }

        return Nnz == 0 ? 0 : (double)s / Nnz;
    }

    public int ColdItems => ItemDegreesDescending.Count(d => d == 0);

    public static DataStats From(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var items = new int[data.Items];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = data.ItemUsers.RowLength(i);
        }

        var users = new int[data.Users];
        for (int u = 0; u < users.Length; u++)
        {
            users[u] = data.UserItems.RowLength(u);
        }

        Array.Sort(items, (a, b) => b.CompareTo(a));
        Array.Sort(users, (a, b) => b.CompareTo(a));
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        for (int u = 0; u < data.Users; u++)
        {
            foreach (float v in data.UserItems.RowValues(u))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                sum += v;
            }
        }

        long count = data.Nnz;

        return new DataStats
        {
            Users = data.Users,
            Items = data.Items,
            Nnz = data.Nnz,
            ItemDegreesDescending = items,
            UserDegreesDescending = users,
            ValueMin = count == 0 ? 0 : min,
            ValueMax = count == 0 ? 0 : max,
            ValueMean = count == 0 ? 0 : sum / count,
        };
    }

    /// <summary>At most <paramref name="maxPoints"/> (rank, degree) points, log-spaced in rank, for a log-log chart.</summary>
    public static List<(double X, double Y)> RankCurve(int[] descending, int maxPoints = 200)
    {
        var pts = new List<(double, double)>();
        int n = descending.Length;
        if (n == 0)
        {
            return pts;
        }

        double step = Math.Pow(n, 1.0 / maxPoints);
        int last = -1;
        for (double r = 1; r <= n; r = Math.Max(r * step, r + 1))
        {
            int i = (int)r - 1;
            if (i != last && descending[i] > 0)
            {
                pts.Add((i + 1, descending[i]));
                last = i;
            }
        }

        if (last != n - 1 && descending[n - 1] > 0)
        {
            pts.Add((n, descending[n - 1]));
        }

        return pts;
    }
}
