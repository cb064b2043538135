using FastAls.Internals;
using FastAls.Internals.Serving;

namespace FastAls;

public sealed partial class AlsModel
{

    /// <summary>
    /// This model as a block scorer (<c>mu + b_u + g_i + x_u . y_i</c>), for <see cref="BatchRecommender"/>
    /// and the evaluation code. The scorer reads the item factors packed into the factor-major panels of the blocked
    /// kernel (a copy the size of the item factors), which the model builds once and keeps until its
    /// <see cref="Version"/> changes (shared by every scorer and batch call), so it always scores the model as it is.
    /// </summary>
    public IRecommendationScorer AsScorer() => new VersionedScorer(this);

    /// <summary>
    /// The top <paramref name="n"/> items for user index <paramref name="user"/>, best first (ties: lower
    /// item index first), scored <c>mu + b_u + g_i + x_u . y_i</c>.
    /// </summary>
    /// <param name="user">Dense user index.</param>
    /// <param name="n">How many items.</param>
    /// <param name="userItems">User-by-item interactions; the user's row is filtered out when
    /// <see cref="RecommendOptions.FilterSeen"/> (the default), so it is required then.</param>
    /// <param name="options">Allow-list, deny-list and switches; null for the defaults. The call runs on the calling thread
    /// unless <see cref="RecommendOptions.Threads"/> is above 1, which splits the catalogue across that many threads (the
    /// same results).</param>
    public Recommendations Recommend(int user, int n, CsrMatrix? userItems = null, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        options ??= RecommendOptions.Default;
        CheckIndex(user, Users, "user", nameof(user));
        RequireSeen(userItems, options);
        var scorer = new FactorScorer(_userFactors, _itemFactors, _userBiases, _itemBiases, _globalMean, boundedTargets: BoundedTargets(items: true));
        BatchRecommendations b = BatchRecommender.Recommend(scorer, [user], n, userItems, options, UserIds, ItemIds);
        return b.ForQuery(0);
    }

    /// <summary>
    /// The top <paramref name="n"/> items for a user given by its factors (for example from
    /// <c>RecalculateUser</c>) rather than by index; <paramref name="seenItems"/> are left out when
    /// <see cref="RecommendOptions.FilterSeen"/>. Threads as <see cref="Recommend(int, int, CsrMatrix?, RecommendOptions?)"/>.
    /// </summary>
    public Recommendations RecommendForFactors(ReadOnlySpan<float> userFactors, float userBias, int n, ReadOnlySpan<int> seenItems = default, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        options ??= RecommendOptions.Default;
        if (userFactors.Length != Factors)
        {
            throw new ArgumentException($"userFactors has {userFactors.Length} values; the model has {Factors} factors.", nameof(userFactors));
        }

        if (!float.IsFinite(userBias))
        {
            throw new ArgumentException($"userBias must be finite (got {userBias}).", nameof(userBias));
        }

        for (int f = 0; f < userFactors.Length; f++)
        {
            if (!float.IsFinite(userFactors[f]))
            {
                throw new ArgumentException($"userFactors[{f}] is not finite ({userFactors[f]}).", nameof(userFactors));
            }
        }

        using var one = new FactorMatrix(1, Factors);
        userFactors.CopyTo(one.Row(0));
        int[]? seen = options.FilterSeen && !seenItems.IsEmpty ? BatchRecommender.SortedSeen(seenItems, Items, nameof(seenItems)) : null;
        var scorer = new FactorScorer(one, _itemFactors, HasBiasArrays ? [userBias] : null, _itemBiases, _globalMean, boundedTargets: BoundedTargets(items: true));
        var sink = new SingleSink();
        BatchRecommender.Run(scorer, [0], n, null, options, excludeSelf: false, sink, oneQuerySeen: seen);
        return new Recommendations(sink.Items, sink.Scores, ItemIds);
    }

    /// <summary>Top-n for many users (null: all), with the same filters as the single-user call.</summary>
    public BatchRecommendations RecommendBatch(int[]? users, int n, CsrMatrix? userItems = null, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        options ??= RecommendOptions.Default;
        RequireSeen(userItems, options);
        return BatchRecommender.Recommend(BatchScorer(users), users, n, userItems, options, UserIds, ItemIds);
    }

    /// <summary>
    /// <see cref="RecommendBatch(int[], int, CsrMatrix?, RecommendOptions?)"/> with the seen items given per query: row r of
    /// <paramref name="seenRows"/> (users.Length x Items) filters <c>users[r]</c> (the C ABI's batch call).
    /// </summary>
    internal BatchRecommendations RecommendBatchRows(int[] users, int n, CsrMatrix? seenRows, RecommendOptions options)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        ArgumentNullException.ThrowIfNull(users);
        RequireSeen(seenRows, options);
        return BatchRecommender.RecommendRows(BatchScorer(users), users, n, seenRows, options, UserIds, ItemIds);
    }

    /// <summary>Top-n for many users (null: all), streamed block by block to <paramref name="sink"/>.</summary>
    public void RecommendBatch(int[]? users, int n, IRecommendationSink sink, CsrMatrix? userItems = null, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        options ??= RecommendOptions.Default;
        RequireSeen(userItems, options);
        BatchRecommender.Recommend(BatchScorer(users), users, n, sink, userItems, options);
    }

    /// <summary>
    /// The scorer of a batch: the model's blocked-product scorer (<see cref="AsScorer"/>), or for a batch of at most
    /// <see cref="BatchRecommender.BoundedMaxBatch"/> users the same scores (the packed kernels' bits) with the quantized
    /// catalogue, so that each user takes the two-pass path a single call takes. Called inside a read of the gate.
    /// </summary>
    private IRecommendationScorer BatchScorer(int[]? users) =>
        users is { Length: <= BatchRecommender.BoundedMaxBatch } && BoundedTargets(items: true) is { } bounded
            ? new FactorScorer(_userFactors, _itemFactors, _userBiases, _itemBiases, _globalMean, packedTargets: CachedPanels(items: true), boundedTargets: bounded)
            : AsScorer();

    /// <summary>
    /// Top-n for every user, streamed block by block to <paramref name="sink"/> (for example a
    /// <see cref="IO.ParquetRecommendationWriter"/>); memory is bounded by the block sizes, never users x items.
    /// </summary>
    public void RecommendAll(int n, IRecommendationSink sink, CsrMatrix? userItems = null, RecommendOptions? options = null)
        => RecommendBatch(null, n, sink, userItems, options);

    /// <summary>
    /// The <paramref name="n"/> items most similar to item <paramref name="item"/> by cosine of the
    /// factors, the item itself excluded. Allow- and deny-lists of the options apply. The norms (and, for batches,
    /// the packed panels) are computed once per model <see cref="Version"/> and reused by later calls. The call runs on the
    /// calling thread unless <see cref="RecommendOptions.Threads"/> is above 1 (see there).
    /// </summary>
    public Recommendations SimilarItems(int item, int n, RecommendOptions? options = null)
    {
        CheckIndex(item, Items, "item", nameof(item));
        return SimilarItemsBatch([item], n, options).ForQuery(0);
    }

    /// <summary>Similar items for many items in one blocked pass.</summary>
    public BatchRecommendations SimilarItemsBatch(int[] items, int n, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        ArgumentNullException.ThrowIfNull(items);
        return Similar(CosineScorer(items: true, items.Length), items, n, options, ItemIds);
    }

    /// <summary>
    /// Similar items for many items, streamed block by block to <paramref name="sink"/> (for example a
    /// <see cref="IO.ParquetRecommendationWriter"/>); memory is bounded by the block sizes.
    /// </summary>
    public void SimilarItemsBatch(int[] items, int n, IRecommendationSink sink, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        BatchRecommender.Run(CosineScorer(items: true, items.Length), items, Math.Min(n, Items), null, options ?? RecommendOptions.Default, excludeSelf: true, sink);
    }

    /// <summary>
    /// The <paramref name="n"/> users most similar to user <paramref name="user"/> by cosine of the
    /// factors, the user itself excluded. Allow- and deny-lists hold user indices here. Threads as
    /// <see cref="SimilarItems(int, int, RecommendOptions?)"/>.
    /// </summary>
    public Recommendations SimilarUsers(int user, int n, RecommendOptions? options = null)
    {
        CheckIndex(user, Users, "user", nameof(user));
        return SimilarUsersBatch([user], n, options).ForQuery(0);
    }

    /// <summary>Similar users for many users in one blocked pass.</summary>
    public BatchRecommendations SimilarUsersBatch(int[] users, int n, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        ArgumentNullException.ThrowIfNull(users);
        return Similar(CosineScorer(items: false, users.Length), users, n, options, UserIds);
    }

    /// <summary>Similar users for many users, streamed block by block to <paramref name="sink"/>.</summary>
    public void SimilarUsersBatch(int[] users, int n, IRecommendationSink sink, RecommendOptions? options = null)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        BatchRecommender.Run(CosineScorer(items: false, users.Length), users, Math.Min(n, Users), null, options ?? RecommendOptions.Default, excludeSelf: true, sink);
    }

    /// <summary>Cosine similarity between item (or user) factor rows (packed targets when more than one query).</summary>
    /// <remarks>The norms and panels come from the model's serving cache (built once per <see cref="Version"/>).</remarks>
    private FactorScorer CosineScorer(bool items, int queries)
    {
        FactorMatrix f = items ? _itemFactors : _userFactors;
        float[] inv = CachedInverseNorms(items);
        Int8Catalogue? bounded = queries <= BatchRecommender.BoundedMaxBatch ? BoundedTargets(items) : null;
        return queries > 1
            ? new FactorScorer(f, f, queryScale: inv, targetScale: inv, packedTargets: CachedPanels(items), boundedTargets: bounded)
            : new FactorScorer(f, f, queryScale: inv, targetScale: inv, boundedTargets: bounded);
    }

    /// <summary>
    /// The model's estimate for (user, item): <c>mu + b_u + g_i + x_u . y_i</c> (the rating for the explicit
    /// models, the preference score for the implicit ones). <paramref name="coldStart"/> chooses what a pair whose user
    /// or item is cold (no training interactions, see <see cref="IsColdUser"/>) gets: the score as it stands (the
    /// default, <see cref="ColdStartStrategy.Score"/>: 0 for the plain explicit model), NaN, or <see cref="RatingMean"/>.
    /// <see cref="ColdStartStrategy.Drop"/> gives NaN here (one pair cannot be left out; the batched form and the
    /// error metrics leave such pairs out).
    /// </summary>
    public float Predict(int user, int item, ColdStartStrategy coldStart = ColdStartStrategy.Score)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        CheckIndex(user, Users, "user", nameof(user));
        CheckIndex(item, Items, "item", nameof(item));
        CheckStrategy(coldStart);
        return coldStart == ColdStartStrategy.Score || !IsColdPair(user, item) ? PredictUnchecked(user, item) : ColdValue(coldStart);
    }

    /// <summary>Batched <see cref="Predict(int, int, ColdStartStrategy)"/>: <c>destination[k] = Predict(users[k], items[k])</c>, in parallel.</summary>
    public void Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items, Span<float> destination) =>
        Predict(users, items, destination, ColdStartStrategy.Score, default);

    /// <summary>
    /// Batched <see cref="Predict(int, int, ColdStartStrategy)"/>, in parallel. Returns how many scores were written:
    /// all of them, except with <see cref="ColdStartStrategy.Drop"/>, which writes only the pairs whose user and item are
    /// both warm, in order, and their positions in <paramref name="users"/> into <paramref name="keptPositions"/> (when
    /// not empty; it must then hold <c>users.Length</c> entries).
    /// </summary>
    public int Predict(ReadOnlySpan<int> users, ReadOnlySpan<int> items, Span<float> destination, ColdStartStrategy coldStart, Span<int> keptPositions)
    {
        using ModelGate.ReadScope read = _gate.EnterRead();
        CheckStrategy(coldStart);
        if (users.Length != items.Length || destination.Length < users.Length)
        {
            throw new ArgumentException($"users ({users.Length}), items ({items.Length}) and destination ({destination.Length}) must have the same length.");
        }

        if (!keptPositions.IsEmpty && keptPositions.Length < users.Length)
        {
            throw new ArgumentException($"keptPositions holds {keptPositions.Length} entries; {users.Length} are needed.", nameof(keptPositions));
        }

        for (int k = 0; k < users.Length; k++)
        {
            if ((uint)users[k] >= (uint)Users)
            {
                throw new ArgumentOutOfRangeException(nameof(users), $"users[{k}] = {users[k]} is not a user index in [0, {Users}).");
            }

            if ((uint)items[k] >= (uint)Items)
            {
                throw new ArgumentOutOfRangeException(nameof(items), $"items[{k}] = {items[k]} is not an item index in [0, {Items}).");
            }
        }

        int[] ua = users.ToArray();
        int[] ia = items.ToArray();
        var result = new float[ua.Length];
        bool[]? cold = coldStart == ColdStartStrategy.Score ? null : new bool[ua.Length];
        const int chunk = 4096;
        int chunks = (ua.Length + chunk - 1) / chunk;
        var po = new ParallelOptions { MaxDegreeOfParallelism = Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount };
        Parallel.For(0, chunks, po, c =>
        {
            int end = Math.Min(ua.Length, (c + 1) * chunk);
            for (int k = c * chunk; k < end; k++)
            {
                if (cold is not null && IsColdPair(ua[k], ia[k]))
                {
                    cold[k] = true;
                    result[k] = ColdValue(coldStart);
                }
                else
                {
                    result[k] = PredictUnchecked(ua[k], ia[k]);
                }
            }
        });
        if (coldStart != ColdStartStrategy.Drop)
        {
            result.CopyTo(destination);
            for (int k = 0; k < keptPositions.Length && k < result.Length; k++)
            {
                keptPositions[k] = k;
            }

            return result.Length;
        }

        int n = 0;
        for (int k = 0; k < result.Length; k++)
        {
            if (!cold![k])
            {
                destination[n] = result[k];
                if (!keptPositions.IsEmpty)
                {
                    keptPositions[n] = k;
                }

                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// True when user <paramref name="user"/> is cold: it had no training interactions, so its factor row (and bias)
    /// is exactly zero, as training leaves such rows.
    /// </summary>
    public bool IsColdUser(int user)
    {
        CheckIndex(user, Users, "user", nameof(user));
        return IsColdRow(_userFactors, _userBiases, user);
    }

    /// <summary>True when item <paramref name="item"/> is cold (see <see cref="IsColdUser"/>).</summary>
    public bool IsColdItem(int item)
    {
        CheckIndex(item, Items, "item", nameof(item));
        return IsColdRow(_itemFactors, _itemBiases, item);
    }

    private bool HasBiasArrays => _userBiases is not null && _itemBiases is not null;

    private float PredictUnchecked(int user, int item)
    {
        Span<float> one = stackalloc float[1];
        Internals.Kernels.ScoreKernel.Score(_userFactors.PaddedRow(user), 1, _itemFactors.PaddedRow(item), 1, _userFactors.Stride, one, 1);
        float dot = one[0];
        float add = _globalMean + (_userBiases is null ? 0 : _userBiases[user]);
        return dot + add + (_itemBiases is null ? 0 : _itemBiases[item]);
    }

    private bool IsColdPair(int user, int item) => IsColdRow(_userFactors, _userBiases, user) || IsColdRow(_itemFactors, _itemBiases, item);

    private static bool IsColdRow(FactorMatrix factors, float[]? biases, int row)
    {
        if (biases is not null && biases[row] != 0f)
        {
            return false;
        }

        foreach (float f in factors.Row(row))
        {
            if (f != 0f)
            {
                return false;
            }
        }

        return true;
    }

    private float ColdValue(ColdStartStrategy coldStart) => coldStart == ColdStartStrategy.GlobalMean ? RatingMean : float.NaN;

    private static void CheckStrategy(ColdStartStrategy coldStart)
    {
        if (!Enum.IsDefined(coldStart))
        {
            throw new ArgumentOutOfRangeException(nameof(coldStart), coldStart, "Not a cold-start strategy.");
        }
    }

    private BatchRecommendations Similar(FactorScorer scorer, int[] queries, int n, RecommendOptions? options, IdMap ids)
    {
        options ??= RecommendOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        n = Math.Min(n, scorer.Items);
        var sink = new CollectSink(queries.Length, n);
        BatchRecommender.Run(scorer, queries, n, null, options, excludeSelf: true, sink);
        return new BatchRecommendations(queries, n, sink.Counts, sink.Items, sink.Scores, ids, ids);
    }

    private static void RequireSeen(CsrMatrix? userItems, RecommendOptions options)
    {
        if (options.FilterSeen && userItems is null)
        {
            throw new ArgumentException("FilterSeen is set but no user-by-item matrix was given: pass userItems, or set RecommendOptions.FilterSeen = false.", nameof(userItems));
        }
    }

    private static void CheckIndex(int index, int count, string what, string paramName)
    {
        if ((uint)index >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(paramName, index, $"{index} is not a {what} index of this model (it has {count} {what}s).");
        }
    }

    /// <summary>Keeps the results of a one-query run.</summary>
    private sealed class SingleSink : IRecommendationSink
    {
        public int[] Items { get; private set; } = [];

        public float[] Scores { get; private set; } = [];

        public void Write(in RecommendationBlock block)
        {
            int c = block.Counts[0];
            Items = block.Items[..c].ToArray();
            Scores = block.Scores[..c].ToArray();
        }
    }

    private sealed class CollectSink(int queries, int n) : IRecommendationSink
    {
        private int _written;

        public int[] Counts { get; } = new int[queries];

        public int[] Items { get; } = new int[queries * n];

        public float[] Scores { get; } = new float[queries * n];

        public void Write(in RecommendationBlock block)
        {
            block.Counts.CopyTo(Counts.AsSpan(_written));
            block.Items.CopyTo(Items.AsSpan(_written * n));
            block.Scores.CopyTo(Scores.AsSpan(_written * n));
            _written += block.Queries.Length;
        }
    }

    /// <summary>The model's scorer, rebuilt whenever the model's <see cref="Version"/> changes; the item panels come from the model's serving cache.</summary>
    private sealed class VersionedScorer(AlsModel model) : IRecommendationScorer
    {
        private readonly Lock _lock = new();
        private State? _current;

        public int Users => model.Users;

        public int Items => model.Items;

        public void ScoreBlock(ReadOnlySpan<int> users, int itemStart, int itemCount, Span<float> scores) =>
            Current().ScoreBlock(users, itemStart, itemCount, scores);

        private FactorScorer Current()
        {
            State? c = Volatile.Read(ref _current);
            if (c is not null && c.Version == model.Version)
            {
                return c.Scorer;
            }

            lock (_lock)
            {
                long v = model.Version;
                c = _current;
                if (c is null || c.Version != v)
                {
                    c = new State(v, new FactorScorer(model._userFactors, model._itemFactors, model._userBiases, model._itemBiases, model._globalMean,
                        packedTargets: model.CachedPanels(items: true)));
                    Volatile.Write(ref _current, c);
                }

                return c.Scorer;
            }
        }

        private sealed record State(long Version, FactorScorer Scorer);
    }
}
