using FastAls.Synthetic;

namespace FastAls.Cli.Tests;

public class SyntheticDataTests
{
    private static readonly SyntheticDataOptions s_small = new() { Users = 2_000, Items = 800, Interactions = 60_000, Factors = 8, Seed = 7 };

    [Fact]
    public void Produces_the_exact_count_with_unique_sorted_items_per_user()
    {
        var g = new SyntheticData(s_small);
        Assert.Equal(s_small.Interactions, g.Interactions);
        long total = 0;
        int users = 0;
        foreach (SyntheticChunk c in g.Chunks(usersPerChunk: 333))
        {
            users += c.UserCount;
            total += c.Length;
            for (int j = 1; j < c.Length; j++)
            {
                Assert.True(c.Users[j] > c.Users[j - 1] || (c.Users[j] == c.Users[j - 1] && c.Items[j] > c.Items[j - 1]),
                    $"row {j}: not sorted or duplicate (user {c.Users[j]}, item {c.Items[j]})");
            }

            Assert.All(c.Values, v => Assert.True(v >= 1 && float.IsInteger(v)));
        }

        Assert.Equal(s_small.Users, users);
        Assert.Equal(s_small.Interactions, total);
        for (int u = 0; u < s_small.Users; u++)
        {
            Assert.InRange(g.UserInteractionCount(u), 1, s_small.MaxPerUser);
        }
    }

    [Fact]
    public void Output_does_not_depend_on_threads_or_chunking()
    {
        var a = new SyntheticData(s_small).Chunks(100, threads: 1).SelectMany(c => c.Items.Zip(c.Values, (i, v) => (i, v))).ToArray();
        var b = new SyntheticData(s_small).Chunks(4096, threads: 4).SelectMany(c => c.Items.Zip(c.Values, (i, v) => (i, v))).ToArray();
        Assert.Equal(a, b);
        var other = new SyntheticData(s_small with { Seed = 8 }).Chunks(4096).SelectMany(c => c.Items).ToArray();
        Assert.NotEqual(a.Select(x => x.i).ToArray(), other);
    }

    [Fact]
    public void Dataset_matches_chunks()
    {
        var g = new SyntheticData(s_small);
        using Dataset d = g.ToDataset(threads: 2);
        Assert.Equal(s_small.Interactions, d.Nnz);
        SyntheticChunk first = g.Chunks(10).First();
        int n0 = g.UserInteractionCount(0);
        Assert.Equal(first.Items.AsSpan(0, n0).ToArray(), d.UserItems.RowIndices(0).ToArray());
        Assert.Equal(first.Values.AsSpan(0, n0).ToArray(), d.UserItems.RowValues(0).ToArray());
    }

    [Fact]
    public void Has_power_law_popularity_activity_and_planted_clusters()
    {
        var g = new SyntheticData(s_small);
        using Dataset d = g.ToDataset();
        var degrees = Enumerable.Range(0, d.Items).Select(i => d.ItemUsers.RowLength(i)).OrderDescending().ToArray();
        double top10 = degrees.Take(d.Items / 10).Sum() / (double)d.Nnz;
        Assert.True(top10 > 0.25, $"top 10% of items hold {top10:P1} of interactions; expected a heavy head");
        var activity = Enumerable.Range(0, d.Users).Select(u => d.UserItems.RowLength(u)).OrderDescending().ToArray();
        Assert.True(activity[0] > 5 * activity[d.Users / 2], $"max activity {activity[0]} vs median {activity[d.Users / 2]}");

        // A user's favourite cluster holds far more than 1/k of their items: the planted low-rank structure.
        double share = 0;
        int counted = 0;
        for (int u = 0; u < d.Users; u++)
        {
            ReadOnlySpan<int> items = d.UserItems.RowIndices(u);
            if (items.Length < 10)
            {
                continue;
            }

            var byCluster = new int[s_small.Factors];
            foreach (int i in items)
            {
                byCluster[g.ItemCluster(i)]++;
            }

            share += byCluster.Max() / (double)items.Length;
            counted++;
        }

        share /= counted;
        Assert.True(share > 0.45, $"mean share of the top cluster {share:P1}; with k = {s_small.Factors} chance is ~{1.0 / s_small.Factors:P0}");
    }

    [Fact]
    public void Explicit_ratings_are_one_to_five_and_follow_taste()
    {
        var g = new SyntheticData(s_small with { Explicit = true });
        using Dataset d = g.ToDataset();
        var hist = new int[6];
        for (int u = 0; u < d.Users; u++)
        {
            foreach (float v in d.UserItems.RowValues(u))
            {
                Assert.InRange(v, 1, 5);
                hist[(int)v]++;
            }
        }

        Assert.All(hist.Skip(1), h => Assert.True(h > 0, "every rating 1..5 occurs"));
    }

    [Theory]
    [InlineData(0, 10, 100, "Users")]
    [InlineData(10, 100, 5, "Interactions")]
    [InlineData(10, 100, 100_000, "Interactions")]
    public void Rejects_impossible_options(int users, int items, long interactions, string name)
    {
        var o = new SyntheticDataOptions { Users = users, Items = items, Interactions = interactions, Factors = 4 };
        ArgumentException e = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Equal(name, e.ParamName);
    }
}
