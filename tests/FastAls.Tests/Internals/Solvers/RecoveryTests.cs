using System.Globalization;
using FastAls.Tests.Data;
using static FastAls.Tests.Engine.EngineTestData;

namespace FastAls.Tests.Engine;

/// <summary>Planted structure is recovered on held-out entries; ml-100k reaches a known RMSE.</summary>
public class RecoveryTests
{
    private const int Users = 200, Items = 150, Rank = 3;

    private static double[][] Gaussian(Random rng, int rows, int k, double scale)
    {
        var m = new double[rows][];
        for (int r = 0; r < rows; r++)
        {
            m[r] = new double[k];
            for (int f = 0; f < k; f++)
            {
                m[r][f] = scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            }
        }

        return m;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static double Score(AlsModel m, int u, int i)
    {
        double s = m.GlobalMean + (m.UserBiasArray?[u] ?? 0) + (m.ItemBiasArray?[i] ?? 0);
        Span<float> x = m.UserMatrix.Row(u), y = m.ItemMatrix.Row(i);
        for (int f = 0; f < x.Length; f++)
        {
            s += (double)x[f] * y[f];
        }

        return s;
    }

    /// <summary>Least-squares mu + b_u + g_i on the training triples (a few alternating sweeps, small ridge).</summary>
    private static Func<int, int, double> BiasesOnly(IReadOnlyList<(int U, int I, float R)> train)
    {
        double mu = train.Average(t => t.R);
        var bu = new double[Users];
        var gi = new double[Items];
        for (int sweep = 0; sweep < 20; sweep++)
        {
            var s = new double[Items];
            var n = new double[Items];
            foreach (var t in train)
            {
                s[t.I] += t.R - mu - bu[t.U];
                n[t.I]++;
            }

            for (int i = 0; i < Items; i++)
            {
                gi[i] = s[i] / (n[i] + 1);
            }

            s = new double[Users];
            n = new double[Users];
            foreach (var t in train)
            {
                s[t.U] += t.R - mu - gi[t.I];
                n[t.U]++;
            }

            for (int u = 0; u < Users; u++)
            {
                bu[u] = s[u] / (n[u] + 1);
            }
        }

        return (u, i) => mu + bu[u] + gi[i];
    }

    [Theory]
    [InlineData(AlsModelKind.Explicit)]
    [InlineData(AlsModelKind.BiasedExplicit)]
    public void Explicit_planted_low_rank_beats_biases_only_baseline(AlsModelKind kind)
    {
        var rng = new Random(17);
        double[][] x = Gaussian(rng, Users, Rank, 1), y = Gaussian(rng, Items, Rank, 1);
        double[][] b = Gaussian(rng, Users, 1, 0.7), g = Gaussian(rng, Items, 1, 0.7);
        bool biased = kind == AlsModelKind.BiasedExplicit;
        var train = new List<(int, int, float)>();
        var test = new List<(int U, int I, float R)>();
        for (int u = 0; u < Users; u++)
        {
            for (int i = 0; i < Items; i++)
            {
                if (rng.NextDouble() < 0.25)
                {
                    double r = (biased ? 3 + b[u][0] + g[i][0] : 0) + Dot(x[u], y[i]) + 0.1 * (rng.NextDouble() - 0.5);
                    (rng.NextDouble() < 0.2 ? test : train).Add((u, i, (float)r));
                }
            }
        }

        using Dataset data = FromTriples(Users, Items, train);
        using AlsModel m = AlsModel.Fit(data, new AlsOptions { Kind = kind, Factors = 6, Regularization = 0.05f, RegularizationScaling = RegularizationScaling.ByCount, Iterations = 12, Threads = 2 });
        Func<int, int, double> baseline = BiasesOnly(train);
        double rmse = Math.Sqrt(test.Average(t => Math.Pow(t.R - Score(m, t.U, t.I), 2)));
        double rmseBase = Math.Sqrt(test.Average(t => Math.Pow(t.R - baseline(t.U, t.I), 2)));
        Assert.True(rmse < 0.25 * rmseBase, $"{kind}: held-out RMSE {rmse:F3} vs biases-only {rmseBase:F3}");
        if (biased)
        {
            // The planted biases come back (up to the mean shift the factors can absorb): strongly correlated.
            double corr = Correlation(Enumerable.Range(0, Items).Select(i => g[i][0]), m.ItemBiasArray!.Select(v => (double)v));
            Assert.True(corr > 0.8, $"item-bias correlation {corr:F2}");
        }
    }

    [Theory]
    [InlineData(AlsModelKind.Implicit)]
    [InlineData(AlsModelKind.BiasedImplicit)]
    public void Implicit_planted_preferences_rank_held_out_items_far_better_than_popularity(AlsModelKind kind)
    {
        var rng = new Random(23);
        double[][] x = Gaussian(rng, Users, Rank, 1), y = Gaussian(rng, Items, Rank, 1);
        double[][] g = Gaussian(rng, Items, 1, 0.5);
        var train = new List<(int, int, float)>();
        var test = new List<(int U, int I)>();
        var positive = new HashSet<(int, int)>();
        for (int u = 0; u < Users; u++)
        {
            for (int i = 0; i < Items; i++)
            {
                double s = Dot(x[u], y[i]) + (kind == AlsModelKind.BiasedImplicit ? g[i][0] : 0);
                if (s > 1.2)
                {
                    positive.Add((u, i));
                    if (rng.NextDouble() < 0.2)
                    {
                        test.Add((u, i));
                    }
                    else
                    {
                        train.Add((u, i, 1 + rng.Next(5)));
                    }
                }
            }
        }

        using Dataset data = FromTriples(Users, Items, train);
        using AlsModel m = AlsModel.Fit(data, new AlsOptions { Kind = kind, Factors = 8, Regularization = 0.1f, Alpha = 5, Iterations = 10, Threads = 2 });
        var popularity = new int[Items];
        foreach (var t in train)
        {
            popularity[t.Item2]++;
        }

        // AUC: each held-out positive against 20 random items that are not positives of the user.
        double wins = 0, winsPop = 0, total = 0;
        foreach (var (u, i) in test)
        {
            for (int s = 0; s < 20; s++)
            {
                int j = rng.Next(Items);
                if (positive.Contains((u, j)))
                {
                    continue;
                }

                total++;
                double a = Score(m, u, i), c = Score(m, u, j);
                wins += a > c ? 1 : a == c ? 0.5 : 0;
                winsPop += popularity[i] > popularity[j] ? 1 : popularity[i] == popularity[j] ? 0.5 : 0;
            }
        }

        double auc = wins / total, aucPop = winsPop / total;
        Assert.True(auc > 0.9 && auc > aucPop + 0.15, $"{kind}: held-out AUC {auc:F3} vs popularity {aucPop:F3}");
    }

    private static double Correlation(IEnumerable<double> a, IEnumerable<double> b)
    {
        double[] x = a.ToArray(), y = b.ToArray();
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y, (p, q) => (p - mx) * (q - my)).Sum();
        return sxy / Math.Sqrt(x.Sum(p => (p - mx) * (p - mx)) * y.Sum(q => (q - my) * (q - my)));
    }

    [SkippableFact]
    public void Ml100k_biased_explicit_test_rmse_below095()
    {
        string? path = DataTestHelpers.SharedFile("ml-100k/u.data");
        Skip.If(path is null, "ml-100k/u.data not found: no shared/data folder above the test directory and FASTALS_SHARED_DATA unset.");
        var all = new List<(int U, int I, float R)>();
        foreach (string line in File.ReadLines(path!))
        {
            string[] f = line.Split('\t');
            all.Add((int.Parse(f[0], CultureInfo.InvariantCulture) - 1, int.Parse(f[1], CultureInfo.InvariantCulture) - 1, float.Parse(f[2], CultureInfo.InvariantCulture)));
        }

        Assert.Equal(100_000, all.Count);
        int users = all.Max(t => t.U) + 1, items = all.Max(t => t.I) + 1;
        var rng = new Random(2024);
        var train = new List<(int, int, float)>();
        var test = new List<(int U, int I, float R)>();
        foreach (var t in all)
        {
            (rng.NextDouble() < 0.2 ? test : train).Add(t);
        }

        using Dataset data = FromTriples(users, items, train);
        var options = new AlsOptions
        {
            Kind = AlsModelKind.BiasedExplicit,
            Factors = 16,
            Regularization = 0.08f,
            RegularizationScaling = RegularizationScaling.ByCount,
            Iterations = 10,
            Threads = 2,
        };
        using AlsModel m = AlsModel.Fit(data, options);
        double rmse = Math.Sqrt(test.Average(t => Math.Pow(t.R - Score(m, t.U, t.I), 2)));
        Assert.True(rmse < 0.95, $"ml-100k test RMSE {rmse:F4}");
    }
}
