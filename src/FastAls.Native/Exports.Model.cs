using FastAls.Evaluation;
using FastAls.Interop;
using FastAls.IO;

namespace FastAls.Native;

internal static unsafe partial class Exports
{
    /// <summary>Fills load options with the defaults (format from the path, columns user/item/value, header detected, duplicates summed).</summary>
    /// <param name="options">the struct to fill</param>
    [FastAlsExport("fastals_load_options_init")]
    internal static void LoadOptionsInit(FastAlsLoadOptions* options) => *options = FastAlsLoadOptions.Defaults();

    /// <summary>Loads interactions from a Parquet file or folder, or a CSV/TSV file. Ids keep their type (int64 or string).</summary>
    /// <param name="path">the file or folder</param>
    /// <param name="options">how to read it</param>
    /// <returns>the dataset</returns>
    [FastAlsExport("fastals_dataset_load", Result = "dataset")]
    internal static Dataset DatasetLoad(string path, in FastAlsLoadOptions options) => InteractionLoader.Load(path, options.ToOptions());

    /// <summary>Writes a dataset as Parquet (columns user, item, value; ids as in the dataset), to a temporary name then renamed.</summary>
    /// <param name="dataset">the dataset</param>
    /// <param name="path">the .parquet file</param>
    [FastAlsExport("fastals_dataset_save_parquet")]
    internal static void DatasetSaveParquet(Dataset dataset, string path) =>
        InteractionParquetWriter.WriteAsync(dataset, path).GetAwaiter().GetResult();

    /// <summary>Trains a model on a dataset (the progress callback in options is called after each half-step).</summary>
    /// <param name="dataset">the interactions (users x items)</param>
    /// <param name="options">hyperparameters and callback</param>
    /// <returns>the trained model</returns>
    [FastAlsExport("fastals_model_fit", Result = "model")]
    internal static AlsModel ModelFit(Dataset dataset, in FastAlsFitOptions options)
    {
        AlsOptions o = options.ToOptions();
        using var cts = new CancellationTokenSource();
        var progress = options.Progress == null ? null : new CallbackProgress(options.Progress, options.ProgressUser, cts);
        return AlsModel.Fit(dataset, o, progress, cts.Token);
    }

    /// <summary>Runs more iterations on a model from its current factors (the dataset must have the model's users and items).</summary>
    /// <param name="model">the model</param>
    /// <param name="dataset">the interactions</param>
    /// <param name="iterations">number of iterations</param>
    /// <param name="options">only progress and progress_user are used</param>
    [FastAlsExport("fastals_model_continue_training")]
    internal static void ModelContinueTraining(AlsModel model, Dataset dataset, int iterations, in FastAlsFitOptions options)
    {
        using var cts = new CancellationTokenSource();
        var progress = options.Progress == null ? null : new CallbackProgress(options.Progress, options.ProgressUser, cts);
        model.ContinueTraining(dataset, iterations, progress, cts.Token);
    }

    /// <summary>Copies the user and item biases and the global mean (biased models only).</summary>
    /// <param name="model">the model</param>
    /// <param name="userBiases">users floats</param>
    /// <param name="itemBiases">items floats</param>
    /// <param name="globalMean">the global mean mu (0 unless biased explicit)</param>
    [FastAlsExport("fastals_model_get_biases")]
    internal static void ModelGetBiases(AlsModel model, Span<float> userBiases, Span<float> itemBiases, out float globalMean)
    {
        if (!model.HasBiases)
        {
            throw new NotSupportedException($"A {model.Kind} model has no biases.");
        }

        if (userBiases.Length != model.Users || itemBiases.Length != model.Items)
        {
            throw new ArgumentException($"user_biases/item_biases have {userBiases.Length}/{itemBiases.Length} entries; the model has {model.Users} users and {model.Items} items.", nameof(userBiases));
        }

        model.UserBiases.CopyTo(userBiases);
        model.ItemBiases.CopyTo(itemBiases);
        globalMean = model.GlobalMean;
    }

    /// <summary>
    /// The top n items for user index user, best first. seen_items (the user's interactions) are left out when
    /// filter_seen; with has_candidates only candidates may be returned; exclude are never returned.
    /// </summary>
    /// <param name="model">the model</param>
    /// <param name="user">dense user index</param>
    /// <param name="n">how many items</param>
    /// <param name="seenItems">item indices the user interacted with</param>
    /// <param name="filterSeen">leave out seen_items</param>
    /// <param name="hasCandidates">candidates is an allow-list (else it is ignored)</param>
    /// <param name="candidates">allowed item indices</param>
    /// <param name="exclude">item indices never returned</param>
    /// <param name="threads">threads of this call: 0 or 1 run it on the calling thread; above 1 the catalogue is split across that many threads (catalogues of 8,192 items or more; the same results)</param>
    /// <param name="items">receives up to n item indices (at least n entries)</param>
    /// <param name="scores">receives their scores (at least n entries)</param>
    /// <returns>the number of results written</returns>
    [FastAlsExport("fastals_model_recommend", Result = "count")]
    internal static int ModelRecommend(AlsModel model, int user, int n, ReadOnlySpan<int> seenItems, bool filterSeen, bool hasCandidates, ReadOnlySpan<int> candidates, ReadOnlySpan<int> exclude, int threads, Span<int> items, Span<float> scores)
    {
        CheckIndex(user, model.Users, nameof(user), "users");
        return RecommendFactors(model, model.UserFactors.Row(user), model.HasBiases ? model.UserBiases[user] : 0f, n, seenItems, filterSeen, hasCandidates, candidates, exclude, threads, items, scores);
    }

    /// <summary>The top n items for a user given by factors (for example from fastals_model_recalculate_user); filters as fastals_model_recommend.</summary>
    /// <param name="model">the model</param>
    /// <param name="userFactors">factors floats</param>
    /// <param name="userBias">the user's bias (0 for unbiased models)</param>
    /// <param name="n">how many items</param>
    /// <param name="seenItems">item indices the user interacted with</param>
    /// <param name="filterSeen">leave out seen_items</param>
    /// <param name="hasCandidates">candidates is an allow-list</param>
    /// <param name="candidates">allowed item indices</param>
    /// <param name="exclude">item indices never returned</param>
    /// <param name="threads">threads of this call: 0 or 1 run it on the calling thread; above 1 the catalogue is split across that many threads (catalogues of 8,192 items or more; the same results)</param>
    /// <param name="items">receives up to n item indices</param>
    /// <param name="scores">receives their scores</param>
    /// <returns>the number of results written</returns>
    [FastAlsExport("fastals_model_recommend_factors", Result = "count")]
    internal static int ModelRecommendFactors(AlsModel model, ReadOnlySpan<float> userFactors, float userBias, int n, ReadOnlySpan<int> seenItems, bool filterSeen, bool hasCandidates, ReadOnlySpan<int> candidates, ReadOnlySpan<int> exclude, int threads, Span<int> items, Span<float> scores) =>
        RecommendFactors(model, userFactors, userBias, n, seenItems, filterSeen, hasCandidates, candidates, exclude, threads, items, scores);

    /// <summary>
    /// Top n for many users in one blocked, parallel pass. Row r of the CSR (seen_offsets, seen_items) holds the seen
    /// items of users[r] (pass empty arrays when not filtering). Results are row-major: users_len x n slots, counts[r] used.
    /// </summary>
    /// <param name="model">the model</param>
    /// <param name="users">dense user indices</param>
    /// <param name="n">results per user</param>
    /// <param name="seenOffsets">users_len + 1 offsets into seen_items (or empty)</param>
    /// <param name="seenItems">seen item indices of each user row</param>
    /// <param name="filterSeen">leave out the seen items</param>
    /// <param name="hasCandidates">candidates is an allow-list</param>
    /// <param name="candidates">allowed item indices</param>
    /// <param name="exclude">item indices never returned</param>
    /// <param name="threads">worker threads (0: all processors); a batch of one user runs as fastals_model_recommend (the calling thread unless threads is above 1)</param>
    /// <param name="items">receives users_len * n item indices</param>
    /// <param name="scores">receives users_len * n scores</param>
    /// <param name="counts">receives users_len result counts</param>
    [FastAlsExport("fastals_model_recommend_batch")]
    internal static void ModelRecommendBatch(AlsModel model, ReadOnlySpan<int> users, int n, ReadOnlySpan<long> seenOffsets, ReadOnlySpan<int> seenItems, bool filterSeen, bool hasCandidates, ReadOnlySpan<int> candidates, ReadOnlySpan<int> exclude, int threads, Span<int> items, Span<float> scores, Span<int> counts)
    {
        CheckN(n);
        CheckBatchOutputs(users.Length, n, items, scores, counts);
        int[] userArray = users.ToArray();
        foreach (int u in userArray)
        {
            CheckIndex(u, model.Users, "users", "users");
        }

        using CsrMatrix? seen = filterSeen && seenOffsets.Length > 0 ? SeenMatrix(model, userArray, seenOffsets, seenItems) : null;
        RecommendOptions options = Options(filterSeen && seen is not null, hasCandidates, candidates, exclude, model.Items, threads);
        BatchRecommendations r = model.RecommendBatchRows(userArray, n, seen, options);
        CopyBatch(r, n, items, scores, counts);
    }

    /// <summary>The n items most similar (cosine of factors) to each of items, the item itself excluded; row-major results as the batch recommend.</summary>
    /// <param name="model">the model</param>
    /// <param name="queries">dense item indices</param>
    /// <param name="n">results per query</param>
    /// <param name="hasCandidates">candidates is an allow-list</param>
    /// <param name="candidates">allowed item indices</param>
    /// <param name="exclude">item indices never returned</param>
    /// <param name="threads">worker threads: several queries run on this many (0: all processors); one query runs on the calling thread for 0 or 1, and above 1 its catalogue is split across that many threads (8,192 items or more; the same results)</param>
    /// <param name="items">receives queries_len * n item indices</param>
    /// <param name="scores">receives queries_len * n similarities</param>
    /// <param name="counts">receives queries_len result counts</param>
    [FastAlsExport("fastals_model_similar_items")]
    internal static void ModelSimilarItems(AlsModel model, ReadOnlySpan<int> queries, int n, bool hasCandidates, ReadOnlySpan<int> candidates, ReadOnlySpan<int> exclude, int threads, Span<int> items, Span<float> scores, Span<int> counts)
    {
        CheckN(n);
        CheckBatchOutputs(queries.Length, n, items, scores, counts);
        int[] q = queries.ToArray();
        foreach (int i in q)
        {
            CheckIndex(i, model.Items, "queries", "items");
        }

        CopyBatch(model.SimilarItemsBatch(q, n, Options(false, hasCandidates, candidates, exclude, model.Items, threads)), n, items, scores, counts);
    }

    /// <summary>The n users most similar (cosine of factors) to each of users, the user itself excluded.</summary>
    /// <param name="model">the model</param>
    /// <param name="queries">dense user indices</param>
    /// <param name="n">results per query</param>
    /// <param name="hasCandidates">candidates is an allow-list (user indices)</param>
    /// <param name="candidates">allowed user indices</param>
    /// <param name="exclude">user indices never returned</param>
    /// <param name="threads">worker threads, as fastals_model_similar_items</param>
    /// <param name="users">receives queries_len * n user indices</param>
    /// <param name="scores">receives queries_len * n similarities</param>
    /// <param name="counts">receives queries_len result counts</param>
    [FastAlsExport("fastals_model_similar_users")]
    internal static void ModelSimilarUsers(AlsModel model, ReadOnlySpan<int> queries, int n, bool hasCandidates, ReadOnlySpan<int> candidates, ReadOnlySpan<int> exclude, int threads, Span<int> users, Span<float> scores, Span<int> counts)
    {
        CheckN(n);
        CheckBatchOutputs(queries.Length, n, users, scores, counts);
        int[] q = queries.ToArray();
        foreach (int u in q)
        {
            CheckIndex(u, model.Users, "queries", "users");
        }

        CopyBatch(model.SimilarUsersBatch(q, n, Options(false, hasCandidates, candidates, exclude, model.Users, threads)), n, users, scores, counts);
    }

    /// <summary>
    /// Fold-in: solves a user's factors (and bias) from its interactions with the item factors fixed, exactly as a
    /// training half-step would. factors is the CG starting point on input (zeros or the current factors).
    /// </summary>
    /// <param name="model">the model</param>
    /// <param name="items">item indices of the user's interactions, strictly increasing</param>
    /// <param name="values">their values</param>
    /// <param name="factors">factors floats: start on input, solution on output</param>
    /// <param name="bias">the user's bias (0 for unbiased models)</param>
    [FastAlsExport("fastals_model_recalculate_user")]
    internal static void ModelRecalculateUser(AlsModel model, ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> factors, out float bias)
    {
        if (items.Length != values.Length)
        {
            throw new ArgumentException($"items has {items.Length} entries but values has {values.Length}.", nameof(values));
        }

        if (factors.Length != model.Factors)
        {
            throw new ArgumentException($"factors has {factors.Length} floats; the model has {model.Factors} factors.", nameof(factors));
        }

        for (int i = 0; i < factors.Length; i++)
        {
            if (!float.IsFinite(factors[i]))
            {
                throw new ArgumentException($"factors[{i}] (the starting point) is not finite ({factors[i]}).", nameof(factors));
            }
        }

        int prev = -1;
        for (int p = 0; p < items.Length; p++)
        {
            CheckIndex(items[p], model.Items, nameof(items), "items");
            if (items[p] <= prev)
            {
                throw new ArgumentException($"items must be strictly increasing ({prev} then {items[p]} at {p}).", nameof(items));
            }

            if (!float.IsFinite(values[p]))
            {
                throw new ArgumentException($"values[{p}] is not finite ({values[p]}).", nameof(values));
            }

            prev = items[p];
        }

        model.RecalculateUser(items, values, factors, out bias);
    }

    /// <summary>Scores of (users[i], items[i]) pairs: mu + b_u + g_i + x_u . y_i.</summary>
    /// <param name="model">the model</param>
    /// <param name="users">dense user indices</param>
    /// <param name="items">dense item indices (same length)</param>
    /// <param name="scores">receives one score per pair</param>
    [FastAlsExport("fastals_model_predict")]
    internal static void ModelPredict(AlsModel model, ReadOnlySpan<int> users, ReadOnlySpan<int> items, Span<float> scores) => model.Predict(users, items, scores);

    /// <summary>
    /// Scores of (users[i], items[i]) pairs with a choice for pairs whose user or item is cold (no training interactions:
    /// an all-zero factor row and bias): SCORE (the plain score, 0 for the plain explicit model), NAN, DROP (such pairs
    /// are left out: scores and kept_positions receive only the others, in order) or GLOBAL_MEAN (the mean training rating;
    /// NaN where the model does not know it).
    /// </summary>
    /// <param name="model">the model</param>
    /// <param name="users">dense user indices</param>
    /// <param name="items">dense item indices (same length)</param>
    /// <param name="coldStart">what a cold pair gets</param>
    /// <param name="scores">receives the scores (users_len entries)</param>
    /// <param name="keptPositions">NULL, or receives the position in users of each score written (users_len entries)</param>
    /// <returns>the number of scores written (users_len unless DROP)</returns>
    [FastAlsExport("fastals_model_predict_cold_start", Result = "count")]
    internal static int ModelPredictColdStart(AlsModel model, ReadOnlySpan<int> users, ReadOnlySpan<int> items, ColdStartStrategy coldStart, Span<float> scores, Span<int> keptPositions) =>
        model.Predict(users, items, scores, coldStart, keptPositions);

    /// <summary>RMSE and MAE of the model's predictions over every interaction of a test set (users x items of the model's shape), with a choice for cold pairs as in fastals_model_predict_cold_start (DROP: not counted; NAN: the metrics are NaN).</summary>
    /// <param name="model">the model</param>
    /// <param name="test">held-out ratings</param>
    /// <param name="coldStart">what a cold pair gets</param>
    /// <param name="rmse">the root mean squared error</param>
    /// <param name="mae">the mean absolute error</param>
    /// <param name="count">the number of pairs counted</param>
    [FastAlsExport("fastals_model_error_metrics")]
    internal static void ModelErrorMetrics(AlsModel model, Dataset test, ColdStartStrategy coldStart, out double rmse, out double mae, out long count)
    {
        ErrorMetrics e = Evaluator.Error(model, test.UserItems, coldStart);
        rmse = e.Rmse;
        mae = e.Mae;
        count = e.Count;
    }

    /// <summary>Ranking metrics at k of the model on a test set (train interactions are excluded from the recommendations); both datasets are users x items of the model's shape.</summary>
    /// <param name="model">the model</param>
    /// <param name="train">training interactions</param>
    /// <param name="test">held-out interactions</param>
    /// <param name="k">the cut-off</param>
    /// <param name="threads">worker threads (0: all processors)</param>
    /// <param name="metrics">receives the metrics</param>
    [FastAlsExport("fastals_model_evaluate")]
    internal static void ModelEvaluate(AlsModel model, Dataset train, Dataset test, int k, int threads, FastAlsRankingMetrics* metrics)
    {
        RankingMetrics m = Evaluator.Ranking(model, train.UserItems, test.UserItems, k, perUser: false, threads: threads);
        *metrics = new FastAlsRankingMetrics
        {
            K = m.K,
            Users = m.Users,
            Precision = m.Precision,
            Recall = m.Recall,
            Map = m.Map,
            Ndcg = m.Ndcg,
            Auc = m.Auc,
            Coverage = m.Coverage,
        };
    }

    /// <summary>Saves the model (factors, biases, options, ids) to a file, written to a temporary name and renamed.</summary>
    /// <param name="model">the model</param>
    /// <param name="path">the file</param>
    [FastAlsExport("fastals_model_save")]
    internal static void ModelSave(AlsModel model, string path) => model.Save(path);

    /// <summary>Loads a model saved by fastals_model_save (or the .NET AlsModel.Save).</summary>
    /// <param name="path">the file</param>
    /// <returns>the model</returns>
    [FastAlsExport("fastals_model_load", Result = "model")]
    internal static AlsModel ModelLoad(string path) => AlsModel.Load(path);

    /// <summary>The number of bytes fastals_model_save_buffer writes for the model (the model file format, as fastals_model_save writes it).</summary>
    /// <param name="model">the model</param>
    /// <returns>the byte count</returns>
    [FastAlsExport("fastals_model_saved_size", Result = "size")]
    internal static long ModelSavedSize(AlsModel model) => model.SavedLength();

    /// <summary>Writes the model file's bytes (as fastals_model_save would write the file) into a caller buffer; fails without writing a complete model when capacity is too small.</summary>
    /// <param name="model">the model</param>
    /// <param name="buffer">at least fastals_model_saved_size bytes</param>
    /// <param name="capacity">the buffer's size in bytes</param>
    /// <returns>the number of bytes written</returns>
    [FastAlsExport("fastals_model_save_buffer", Result = "length")]
    internal static long ModelSaveBuffer(AlsModel model, byte* buffer, long capacity) => model.SaveTo(buffer, capacity);

    /// <summary>Loads a model from the bytes of a model file held in memory (validated as fastals_model_load validates a file).</summary>
    /// <param name="data">the bytes (only read)</param>
    /// <param name="length">their number</param>
    /// <returns>the model</returns>
    [FastAlsExport("fastals_model_load_buffer", Result = "model")]
    internal static AlsModel ModelLoadBuffer(byte* data, long length) => AlsModel.LoadFrom(data, length, "model bytes");

    /// <summary>Exports the model in Spark ML's ALSModel folder layout (metadata + userFactors/itemFactors Parquet), built in a temporary folder then renamed.</summary>
    /// <param name="model">the model</param>
    /// <param name="folder">the model folder</param>
    /// <param name="includeBiases">also write the biases (FastAls extension; Spark ignores them)</param>
    /// <param name="overwrite">replace an existing folder</param>
    [FastAlsExport("fastals_model_export_spark")]
    internal static void ModelExportSpark(AlsModel model, string folder, bool includeBiases, bool overwrite) =>
        SparkAlsFormat.Export(model, folder, new SparkExportOptions { IncludeBiases = includeBiases, Overwrite = overwrite });

    /// <summary>Reads a Spark ALSModel folder (written by fastals_model_export_spark or by Spark's ALSModel.save; a plain Spark model is read as an explicit model).</summary>
    /// <param name="folder">the model folder</param>
    /// <returns>the model</returns>
    [FastAlsExport("fastals_model_import_spark", Result = "model")]
    internal static AlsModel ModelImportSpark(string folder) => SparkAlsFormat.Import(folder);

    /// <summary>The external id of one user (side 0) or item (side 1) of a dataset as text (for string ids, which fastals_dataset_user_ids cannot return).</summary>
    /// <param name="dataset">the dataset</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="index">dense index</param>
    /// <returns>the id</returns>
    [FastAlsExport("fastals_dataset_id_text", Result = "id")]
    internal static string DatasetIdText(Dataset dataset, int side, int index)
    {
        IdMap map = side switch
        {
            0 => dataset.UserIds,
            1 => dataset.ItemIds,
            _ => throw new ArgumentException($"side must be 0 (users) or 1 (items) (got {side}).", nameof(side)),
        };
        CheckIndex(index, map.Count, nameof(index), side == 0 ? "users" : "items");
        return map.Format(index);
    }

    /// <summary>
    /// Explains the score of item for a user folded in from (user_items, values), as the implicit package's explain:
    /// the exact solve of the user's training system, split into one contribution per interaction (largest first).
    /// Implicit models only; costs O(items k^2).
    /// </summary>
    /// <param name="model">the model</param>
    /// <param name="item">the item index to explain</param>
    /// <param name="userItems">item indices of the user's interactions</param>
    /// <param name="values">their values</param>
    /// <param name="n">how many contributions to return</param>
    /// <param name="items">receives up to n item indices (at least n entries)</param>
    /// <param name="contributions">receives their contributions (at least n entries)</param>
    /// <param name="count">the number of contributions written</param>
    /// <param name="score">the item's score for the folded-in user (baseline plus all contributions)</param>
    /// <param name="baseline">the part no interaction accounts for (biased implicit model; 0 otherwise)</param>
    [FastAlsExport("fastals_model_explain")]
    internal static void ModelExplain(AlsModel model, int item, ReadOnlySpan<int> userItems, ReadOnlySpan<float> values, int n, Span<int> items, Span<float> contributions, out int count, out float score, out float baseline)
    {
        CheckN(n);
        if (items.Length < n || contributions.Length < n)
        {
            throw new ArgumentException($"items and contributions need at least n = {n} entries (got {items.Length} and {contributions.Length}).", items.Length < n ? nameof(items) : nameof(contributions));
        }

        ItemExplanation e = model.Explain(item, userItems, values, n);
        e.Contributions.Indices.CopyTo(items);
        e.Contributions.Scores.CopyTo(contributions);
        count = e.Contributions.Count;
        score = e.Score;
        baseline = e.Baseline;
    }

    /// <summary>The external id of each user row of a model (int64 ids; identity ids for a model trained on a CSR matrix).</summary>
    /// <param name="model">the model</param>
    /// <param name="ids">users entries</param>
    [FastAlsExport("fastals_model_user_ids")]
    internal static void ModelUserIds(AlsModel model, Span<long> ids) => CopyIds(model.UserIds, ids, nameof(ids));

    /// <summary>The external id of each item of a model (int64 ids; identity ids for a model trained on a CSR matrix).</summary>
    /// <param name="model">the model</param>
    /// <param name="ids">items entries</param>
    [FastAlsExport("fastals_model_item_ids")]
    internal static void ModelItemIds(AlsModel model, Span<long> ids) => CopyIds(model.ItemIds, ids, nameof(ids));

    /// <summary>Whether a model's ids are strings (1) or int64 (0), for user (side 0) or item (side 1) ids.</summary>
    /// <param name="model">the model</param>
    /// <param name="side">0: users, 1: items</param>
    /// <returns>1 for string ids, 0 for int64 ids</returns>
    [FastAlsExport("fastals_model_ids_are_text", Result = "text")]
    internal static int ModelIdsAreText(AlsModel model, int side) => ModelIdMap(model, side).Kind == IdKind.String ? 1 : 0;

    /// <summary>The external id of one user (side 0) or item (side 1) of a model as text (string or int64 ids).</summary>
    /// <param name="model">the model</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="index">dense index</param>
    /// <returns>the id</returns>
    [FastAlsExport("fastals_model_id_text", Result = "id")]
    internal static string ModelIdText(AlsModel model, int side, int index)
    {
        IdMap map = ModelIdMap(model, side);
        CheckIndex(index, map.Count, nameof(index), side == 0 ? "users" : "items");
        return map.Format(index);
    }

    private static IdMap ModelIdMap(AlsModel model, int side) => side switch
    {
        0 => model.UserIds,
        1 => model.ItemIds,
        _ => throw new ArgumentException($"side must be 0 (users) or 1 (items) (got {side}).", nameof(side)),
    };

    private static int RecommendFactors(AlsModel model, ReadOnlySpan<float> userFactors, float userBias, int n, ReadOnlySpan<int> seenItems, bool filterSeen, bool hasCandidates, ReadOnlySpan<int> candidates, ReadOnlySpan<int> exclude, int threads, Span<int> items, Span<float> scores)
    {
        CheckN(n);
        if (items.Length < n || scores.Length < n)
        {
            throw new ArgumentException($"items and scores need at least n = {n} entries (got {items.Length} and {scores.Length}).", items.Length < n ? nameof(items) : nameof(scores));
        }

        foreach (int i in seenItems)
        {
            CheckIndex(i, model.Items, "seen_items", "items");
        }

        Recommendations r = model.RecommendForFactors(userFactors, userBias, n, seenItems, Options(filterSeen, hasCandidates, candidates, exclude, model.Items, threads));
        r.Indices.CopyTo(items);
        r.Scores.CopyTo(scores);
        return r.Count;
    }

    private static RecommendOptions Options(bool filterSeen, bool hasCandidates, ReadOnlySpan<int> candidates, ReadOnlySpan<int> exclude, int count, int threads)
    {
        foreach (int c in candidates)
        {
            CheckIndex(c, count, nameof(candidates), "entries");
        }

        foreach (int c in exclude)
        {
            CheckIndex(c, count, nameof(exclude), "entries");
        }

        if (threads < 0)
        {
            throw new ArgumentException($"threads must be >= 0 (got {threads}).", nameof(threads));
        }

        return new RecommendOptions
        {
            FilterSeen = filterSeen,
            Candidates = hasCandidates ? candidates.ToArray() : null,
            Exclude = exclude.Length > 0 ? exclude.ToArray() : null,
            Threads = threads,
        };
    }

    /// <summary>
    /// A users_len x items CSR of the given rows, row r for users[r] (sorted, repeats dropped): its size follows the
    /// batch, not the model's user count, so a small batch costs no per-call pass over every user.
    /// </summary>
    private static CsrMatrix SeenMatrix(AlsModel model, int[] users, ReadOnlySpan<long> offsets, ReadOnlySpan<int> seen)
    {
        if (offsets.Length != users.Length + 1 || offsets[0] != 0 || offsets[^1] != seen.Length)
        {
            throw new ArgumentException($"seen_offsets must have users_len + 1 = {users.Length + 1} entries from 0 to seen_items_len = {seen.Length} (got {offsets.Length} entries).", "seen_offsets");
        }

        // The offsets completely (non-decreasing) before any row of seen_items is read.
        for (int r = 0; r < users.Length; r++)
        {
            if (offsets[r + 1] < offsets[r])
            {
                throw new ArgumentException($"seen_offsets decrease at row {r}.", "seen_offsets");
            }
        }

        var firstRow = new Dictionary<int, int>();
        for (int r = 0; r < users.Length; r++)
        {
            if (firstRow.TryGetValue(users[r], out int prior))
            {
                if (!seen[(int)offsets[prior]..(int)offsets[prior + 1]].SequenceEqual(seen[(int)offsets[r]..(int)offsets[r + 1]]))
                {
                    throw new ArgumentException($"user {users[r]} appears twice in users with different seen items.", "seen_items");
                }
            }
            else
            {
                firstRow.Add(users[r], r);
            }
        }

        // Row r holds users[r]'s seen items (a repeated user's rows are equal, checked above), sorted, repeated items
        // dropped (harmless for filtering); built straight into CSR arrays, no builder or id maps per call.
        var rowOffsets = new long[users.Length + 1];
        var indices = new int[seen.Length];
        int at = 0;
        for (int r = 0; r < users.Length; r++)
        {
            ReadOnlySpan<int> row = seen[(int)offsets[r]..(int)offsets[r + 1]];
            foreach (int item in row)
            {
                CheckIndex(item, model.Items, "seen_items", "items");
            }

            Span<int> dst = indices.AsSpan(at, row.Length);
            row.CopyTo(dst);
            dst.Sort();
            int kept = 0;
            for (int j = 0; j < dst.Length; j++)
            {
                if (kept == 0 || dst[j] != dst[kept - 1])
                {
                    dst[kept++] = dst[j];
                }
            }

            at += kept;
            rowOffsets[r + 1] = at;
        }

        var values = new float[at];
        Array.Fill(values, 1f);
        return CsrMatrix.FromTrustedArrays(users.Length, model.Items, rowOffsets, at == indices.Length ? indices : indices[..at], values);
    }

    /// <summary>
    /// Copies a batch into the caller's queries x n layout. The batch may hold fewer slots per query than n (never
    /// more results than items): each row's counts[r] results are copied and the rest of the row is left as is.
    /// </summary>
    private static void CopyBatch(BatchRecommendations r, int n, Span<int> items, Span<float> scores, Span<int> counts)
    {
        if (r.N > n)
        {
            throw new InvalidOperationException($"The batch has {r.N} slots per query; only {n} were asked for.");
        }

        if (r.N == n)
        {
            r.Items.CopyTo(items);
            r.Scores.CopyTo(scores);
            r.Counts.CopyTo(counts);
            return;
        }

        for (int q = 0; q < r.Counts.Length; q++)
        {
            int c = r.Counts[q];
            r.Items.AsSpan(q * r.N, c).CopyTo(items.Slice(q * n, c));
            r.Scores.AsSpan(q * r.N, c).CopyTo(scores.Slice(q * n, c));
            counts[q] = c;
        }
    }

    private static void CheckBatchOutputs(int queries, int n, Span<int> items, Span<float> scores, Span<int> counts)
    {
        long need = (long)queries * n;
        if (items.Length != need || scores.Length != need || counts.Length != queries)
        {
            throw new ArgumentException($"For {queries} queries and n = {n} the outputs need {need}, {need} and {queries} entries (got {items.Length}, {scores.Length}, {counts.Length}).", nameof(items));
        }
    }

    private static void CheckN(int n)
    {
        if (n < 0)
        {
            throw new ArgumentException($"n must be >= 0 (got {n}).", nameof(n));
        }
    }

    private static void CheckIndex(int index, int count, string name, string what)
    {
        if ((uint)index >= (uint)count)
        {
            throw new ArgumentException($"{name}: index {index} is outside [0, {count}) ({count} {what}).", name);
        }
    }

    /// <summary>Forwards training progress to a C callback; a non-zero return cancels.</summary>
    private sealed class CallbackProgress : IProgress<AlsProgress>
    {
        private readonly delegate* unmanaged[Cdecl]<int, int, double, double, void*, int> _callback;
        private readonly void* _user;
        private readonly CancellationTokenSource _cts;

        public CallbackProgress(delegate* unmanaged[Cdecl]<int, int, double, double, void*, int> callback, void* user, CancellationTokenSource cts)
        {
            _callback = callback;
            _user = user;
            _cts = cts;
        }

        public void Report(AlsProgress value)
        {
            if (_callback(value.Iteration, (int)value.HalfStep, value.Cost, value.Loss, _user) != 0)
            {
                _cts.Cancel();
            }
        }
    }
}
