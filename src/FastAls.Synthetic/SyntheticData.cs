using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace FastAls.Synthetic;

/// <summary>One block of consecutive users' interactions, as parallel arrays sorted by user then item.</summary>
/// <param name="FirstUser">Index (and id) of the first user in the block.</param>
/// <param name="UserCount">Number of users in the block.</param>
/// <param name="Users">User index of each interaction.</param>
/// <param name="Items">Item index of each interaction.</param>
/// <param name="Values">Count (implicit) or rating 1..5 (explicit) of each interaction.</param>
public sealed record SyntheticChunk(int FirstUser, int UserCount, int[] Users, int[] Items, float[] Values)
{
    /// <summary>Number of interactions in the block.</summary>
    public int Length => Items.Length;
}

/// <summary>
/// A streaming generator of synthetic user-item interactions with the shape of real data: Zipf-like item
/// popularity, Pareto user activity, and a planted low-rank taste structure, so that a factor model
/// measurably beats a most-popular baseline.
/// </summary>
/// <remarks>
/// <para>Every item belongs to one of <see cref="SyntheticDataOptions.Factors"/> taste clusters; every user likes
/// up to three clusters with random weights. A user's items are drawn without replacement: with probability
/// <see cref="SyntheticDataOptions.Noise"/> from global popularity, otherwise from one of the user's clusters,
/// weighted by popularity within the cluster (one alias table per cluster, so each draw is O(1)).</para>
/// <para>Values follow the user's affinity to the item's cluster: implicit counts are geometric with a mean that grows
/// with affinity; explicit ratings are 1 + 3.2 affinity plus a per-item quality and noise, rounded to 1..5.</para>
/// <para>Each user is generated from its own random stream (seed, user), so the output is the same for any
/// thread count and chunk size. Only the per-user counts (4 bytes a user) and per-item tables are held; the
/// interactions are produced chunk by chunk.</para>
/// </remarks>
public sealed class SyntheticData
{
    private const ulong StreamSetup = 0x5EED;
    private const ulong StreamUser = 0xA11CE;

    private readonly int[] _userCounts;
    private readonly long[] _userOffsets;
    private readonly int[] _itemCluster;
    private readonly float[] _itemQuality;
    private readonly AliasTable _global;
    private readonly AliasTable?[] _clusters;
    private readonly ConcurrentBag<Scratch> _scratch = new();

    /// <summary>Builds the popularity, taste and activity tables for <paramref name="options"/>.</summary>
    public SyntheticData(SyntheticDataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        int items = options.Items;
        int k = options.Factors;
        var rng = new Rng((ulong)options.Seed, StreamSetup, 0);

        // Popularity: a random permutation gives each item a rank; weight = (rank + 1)^-s.
        int[] perm = Permutation(items, ref rng);
        var popularity = new double[items];
        for (int r = 0; r < items; r++)
        {
            popularity[perm[r]] = Math.Pow(r + 1, -options.PopularityExponent);
        }

        // Clusters: another permutation, dealt round-robin, so clusters are equal-sized and never empty.
        perm = Permutation(items, ref rng);
        _itemCluster = new int[items];
        for (int j = 0; j < items; j++)
        {
            _itemCluster[perm[j]] = j % k;
        }

        _itemQuality = new float[items];
        for (int i = 0; i < items; i++)
        {
            _itemQuality[i] = (float)(0.45 * rng.NextGaussian());
        }

        _global = new AliasTable(Enumerable.Range(0, items).ToArray(), popularity);
        _clusters = new AliasTable?[k];
        var members = new List<int>[k];
        for (int c = 0; c < k; c++)
        {
            members[c] = new List<int>(items / k + 1);
        }

        for (int i = 0; i < items; i++)
        {
            members[_itemCluster[i]].Add(i);
        }

        for (int c = 0; c < k; c++)
        {
            int[] ids = members[c].ToArray();
            var w = new double[ids.Length];
            for (int j = 0; j < ids.Length; j++)
            {
                w[j] = popularity[ids[j]];
            }

            _clusters[c] = ids.Length == 0 ? null : new AliasTable(ids, w);
        }

        _userCounts = UserCounts(options);
        _userOffsets = new long[options.Users + 1];
        for (int u = 0; u < options.Users; u++)
        {
            _userOffsets[u + 1] = _userOffsets[u] + _userCounts[u];
        }
    }

    /// <summary>The options this generator was built with.</summary>
    public SyntheticDataOptions Options { get; }

    /// <summary>Number of interactions generated in all (equals <see cref="SyntheticDataOptions.Interactions"/>).</summary>
    public long Interactions => _userOffsets[^1];

    /// <summary>Number of interactions of <paramref name="user"/>.</summary>
    public int UserInteractionCount(int user) => _userCounts[user];

    /// <summary>The planted taste cluster of <paramref name="item"/>.</summary>
    public int ItemCluster(int item) => _itemCluster[item];

    /// <summary>
    /// Writes <paramref name="user"/>'s interactions into <paramref name="items"/> (ascending) and
    /// <paramref name="values"/>; both need <see cref="UserInteractionCount"/> slots. Returns the count.
    /// </summary>
    public int GenerateUser(int user, Span<int> items, Span<float> values)
    {
        if ((uint)user >= (uint)Options.Users)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"User must be in [0, {Options.Users}).");
        }

        int n = _userCounts[user];
        if (items.Length < n || values.Length < n)
        {
            throw new ArgumentException($"User {user} has {n} interactions; the spans are too short.", nameof(items));
        }

        Scratch s = Rent();
        try
        {
            Generate(user, items[..n], values[..n], s);
        }
        finally
        {
            _scratch.Add(s);
        }

        return n;
    }

    /// <summary>
    /// The interactions in blocks of <paramref name="usersPerChunk"/> users, in user order. Blocks are made
    /// <paramref name="threads"/> at a time (0: all processors) a little ahead of the consumer; the content
    /// does not depend on either argument.
    /// </summary>
    public IEnumerable<SyntheticChunk> Chunks(int usersPerChunk = 4096, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(usersPerChunk, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        return ChunksIterator(usersPerChunk, threads == 0 ? Environment.ProcessorCount : threads);
    }

    /// <summary>Generates everything into memory as a <see cref="Dataset"/> (ids are the user and item indices).</summary>
    public Dataset ToDataset(int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        long nnz = Interactions;
        if (nnz > Array.MaxLength)
        {
            throw new InvalidOperationException($"{nnz} interactions do not fit one in-memory matrix; write them to a file with Chunks() instead.");
        }

        var cols = new int[nnz];
        var vals = new float[nnz];
        var offsets = (long[])_userOffsets.Clone();
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads == 0 ? Environment.ProcessorCount : threads };
        Parallel.For(0, Options.Users, po, Rent, (u, _, s) =>
        {
            int start = (int)offsets[u];
            int n = _userCounts[u];
            Generate(u, cols.AsSpan(start, n), vals.AsSpan(start, n), s);
            return s;
        }, _scratch.Add);
        // Generate writes each user's distinct items in increasing order, all in [0, Items); FromArrays checks that
        // in one O(nnz) pass (this assembly sees only FastAls's public, validating constructors).
        var m = CsrMatrix.FromArrays(Options.Users, Options.Items, offsets, cols, vals);
        return new Dataset(m);
    }

    private IEnumerable<SyntheticChunk> ChunksIterator(int usersPerChunk, int threads)
    {
        int users = Options.Users;
        int chunkCount = (int)(((long)users + usersPerChunk - 1) / usersPerChunk);
        int window = Math.Max(1, threads * 2);
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var buffer = new SyntheticChunk[window];
        for (int first = 0; first < chunkCount; first += window)
        {
            int count = Math.Min(window, chunkCount - first);
            Parallel.For(0, count, po, j => buffer[j] = MakeChunk((first + j) * usersPerChunk, usersPerChunk));
            for (int j = 0; j < count; j++)
            {
                SyntheticChunk c = buffer[j];
                buffer[j] = null!;
                yield return c;
            }
        }
    }

    private SyntheticChunk MakeChunk(int firstUser, int usersPerChunk)
    {
        int end = (int)Math.Min(Options.Users, (long)firstUser + usersPerChunk);
        long baseOffset = _userOffsets[firstUser];
        int length = checked((int)(_userOffsets[end] - baseOffset));
        var userCol = new int[length];
        var items = new int[length];
        var values = new float[length];
        Scratch s = Rent();
        try
        {
            for (int u = firstUser; u < end; u++)
            {
                int start = (int)(_userOffsets[u] - baseOffset);
                int n = _userCounts[u];
                userCol.AsSpan(start, n).Fill(u);
                Generate(u, items.AsSpan(start, n), values.AsSpan(start, n), s);
            }
        }
        finally
        {
            _scratch.Add(s);
        }

        return new SyntheticChunk(firstUser, end - firstUser, userCol, items, values);
    }

    private Scratch Rent() => _scratch.TryTake(out Scratch? s) ? s : new Scratch(Options.Items);

    private void Generate(int user, Span<int> items, Span<float> values, Scratch s)
    {
        int n = items.Length;
        int k = Options.Factors;
        var rng = new Rng((ulong)Options.Seed, StreamUser, (ulong)user);

        // The user's tastes: up to three clusters with decreasing weights.
        int c1 = rng.NextInt(k), c2 = rng.NextInt(k), c3 = rng.NextInt(k);
        double w1 = 0.5 + 0.3 * rng.NextDouble();
        double w2 = (1 - w1) * (0.55 + 0.35 * rng.NextDouble());
        double w3 = 1 - w1 - w2;
        double noise = Options.Noise;

        int gen = s.NextGeneration();
        int[] stamp = s.Stamp;
        int count = 0;
        long attempts = 0, budget = 32L * n + 64;
        while (count < n && attempts < budget)
        {
            attempts++;
            AliasTable table;
            if (rng.NextDouble() < noise)
            {
                table = _global;
            }
            else
            {
                double p = rng.NextDouble();
                int c = p < w1 ? c1 : p < w1 + w2 ? c2 : c3;
                table = _clusters[c] ?? _global;
            }

            int item = table.Sample(ref rng);
            if (stamp[item] != gen)
            {
                stamp[item] = gen;
                items[count++] = item;
            }
        }

        if (count < n)
        {
            // Rejection ran dry (a user wanting most of a cluster): fill deterministically from a random start.
            int items0 = Options.Items;
            int i = rng.NextInt(items0);
            while (count < n)
            {
                if (stamp[i] != gen)
                {
                    stamp[i] = gen;
                    items[count++] = i;
                }

                i = i + 1 == items0 ? 0 : i + 1;
            }
        }

        items.Sort();
        bool isExplicit = Options.Explicit;
        for (int j = 0; j < n; j++)
        {
            int c = _itemCluster[items[j]];
            double a = ((c == c1 ? w1 : 0) + (c == c2 ? w2 : 0) + (c == c3 ? w3 : 0)) / w1;
            if (a > 1)
            {
                a = 1;
            }

            if (isExplicit)
            {
                double r = 1.6 + 3.2 * a + _itemQuality[items[j]] + 0.5 * rng.NextGaussian();
                values[j] = (float)Math.Clamp(Math.Round(r), 1, 5);
            }
            else
            {
                double u = rng.NextDouble();
                values[j] = 1 + (float)Math.Floor(-Math.Log(1 - u) * (0.3 + 4 * a));
            }
        }
    }

    private static int[] Permutation(int n, ref Rng rng)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++)
        {
            p[i] = i;
        }

        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }

        return p;
    }

    /// <summary>Per-user counts: Pareto weights, water-filled under the per-user cap, rounded to sum exactly.</summary>
    private static int[] UserCounts(SyntheticDataOptions o)
    {
        int users = o.Users;
        int cap = o.MaxPerUser;
        var weight = new double[users];
        for (int u = 0; u < users; u++)
        {
            var rng = new Rng((ulong)o.Seed, StreamUser ^ 0xC0FFEE, (ulong)u);
            double x = 1 - rng.NextDouble();
            weight[u] = Math.Min(Math.Pow(x, -1.0 / o.ActivityExponent), 1e9);
        }

        // Everyone has 1; the remaining interactions go by weight, at most cap - 1 more each.
        double rest = o.Interactions - users;
        var order = new int[users];
        for (int u = 0; u < users; u++)
        {
            order[u] = u;
        }

        var keys = (double[])weight.Clone();
        for (int u = 0; u < users; u++)
        {
            keys[u] = -keys[u];
        }

        Array.Sort(keys, order);
        double sum = 0;
        for (int u = 0; u < users; u++)
        {
            sum += weight[u];
        }

        var counts = new int[users];
        var capped = new bool[users];
        foreach (int u in order)
        {
            if (sum <= 0 || rest * weight[u] / sum < cap - 1)
            {
                break;
            }

            capped[u] = true;
            counts[u] = cap;
            rest -= cap - 1;
            sum -= weight[u];
        }

        double cumulative = 0;
        long assigned = 0;
        for (int u = 0; u < users; u++)
        {
            if (capped[u])
            {
                assigned += cap;
                continue;
            }

            double before = Math.Floor(cumulative);
            cumulative += sum > 0 ? rest * weight[u] / sum : 0;
            int n = 1 + (int)(Math.Floor(cumulative) - before);
            counts[u] = Math.Min(n, cap);
            assigned += counts[u];
        }

        // Floating-point slack: move the last few interactions one user at a time.
        long diff = o.Interactions - assigned;
        for (int u = 0; diff != 0; u = u + 1 == users ? 0 : u + 1)
        {
            if (diff > 0 && counts[u] < cap)
            {
                counts[u]++;
                diff--;
            }
            else if (diff < 0 && counts[u] > 1)
            {
                counts[u]--;
                diff++;
            }
        }

        return counts;
    }

    private sealed class Scratch(int items)
    {
        private int _generation;

        public int[] Stamp { get; } = new int[items];

        public int NextGeneration()
        {
            if (++_generation == int.MaxValue)
            {
                Array.Clear(Stamp);
                _generation = 1;
            }

            return _generation;
        }
    }

    /// <summary>Walker's alias method: O(1) draws from a fixed discrete distribution.</summary>
    private sealed class AliasTable
    {
        private readonly int[] _ids;
        private readonly double[] _prob;
        private readonly int[] _alias;

        public AliasTable(int[] ids, double[] weights)
        {
            int n = ids.Length;
            _ids = ids;
            _prob = new double[n];
            _alias = new int[n];
            double total = 0;
            foreach (double w in weights)
            {
                total += w;
            }

            var scaled = new double[n];
            var small = new Stack<int>();
            var large = new Stack<int>();
            for (int i = 0; i < n; i++)
            {
                scaled[i] = weights[i] * n / total;
                (scaled[i] < 1 ? small : large).Push(i);
            }

            while (small.Count > 0 && large.Count > 0)
            {
                int s = small.Pop(), l = large.Pop();
                _prob[s] = scaled[s];
                _alias[s] = l;
                scaled[l] = scaled[l] + scaled[s] - 1;
                (scaled[l] < 1 ? small : large).Push(l);
            }

            while (large.Count > 0)
            {
                _prob[large.Pop()] = 1;
            }

            while (small.Count > 0)
            {
                _prob[small.Pop()] = 1;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Sample(ref Rng rng)
        {
            int i = rng.NextInt(_ids.Length);
            return _ids[rng.NextDouble() < _prob[i] ? i : _alias[i]];
        }
    }

    /// <summary>xoshiro256** seeded by SplitMix64 of (seed, stream, index): cheap independent streams.</summary>
    private struct Rng
    {
        private ulong _s0, _s1, _s2, _s3;

        public Rng(ulong seed, ulong stream, ulong index)
        {
            ulong x = seed * 0x9E3779B97F4A7C15UL ^ stream * 0xBF58476D1CE4E5B9UL ^ index * 0x94D049BB133111EBUL;
            _s0 = SplitMix(ref x);
            _s1 = SplitMix(ref x);
            _s2 = SplitMix(ref x);
            _s3 = SplitMix(ref x);
        }

        private static ulong SplitMix(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong NextUInt64()
        {
            ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>Uniform in [0, 1).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Uniform in [0, n) (Lemire's multiply-shift; the tiny bias is irrelevant here).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int NextInt(int n) => (int)(((NextUInt64() >> 32) * (ulong)(uint)n) >> 32);

        public double NextGaussian()
        {
            double u1 = 1 - NextDouble();
            double u2 = NextDouble();
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
    }
}
