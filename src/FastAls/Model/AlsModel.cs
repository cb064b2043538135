using FastAls.Internals;

namespace FastAls;

/// <summary>
/// A trained (or loaded) ALS model: user and item factors, biases and global mean for the biased
/// models, the hyperparameters it was trained with and the id maps of its data.
/// </summary>
/// <remarks>
/// Thread safety: any number of threads may read (recommend, predict, fold-in, save) at once; training is
/// exclusive and turns away concurrent training and reads with an <see cref="InvalidOperationException"/>
/// (see <see cref="ContinueTraining"/>). Training lives in <c>AlsModel.Fit</c> (engine); serving, persistence and evaluation in the other
/// partial files. Scores are <c>mu + b_u + g_i + x_u . y_i</c>, with mu and the biases zero where the
/// model has none. Factors and biases are handed out as read-only views; they change only through the
/// <c>Set…</c> methods and training, each of which bumps <see cref="Version"/>, the key of every serving
/// cache (the fold-in Gram matrices; the packed factor panels and inverse norms that batch and similarity calls build
/// on first use and then reuse, memory the size of the factors they copy). The setters must not run
/// concurrently with serving calls on the same model.
/// </remarks>
public sealed partial class AlsModel : IDisposable
{
    private readonly FactorMatrix _userFactors;
    private readonly FactorMatrix _itemFactors;
    private readonly float[]? _userBiases;
    private readonly float[]? _itemBiases;
    private float _globalMean;
    private float _ratingMean = float.NaN;
    private long _version;

    /// <summary>Creates a model with zeroed factors (and biases where the kind has them).</summary>
    public AlsModel(AlsOptions options, int users, int items, IdMap? userIds = null, IdMap? itemIds = null)
        : this(options, users, items, userIds, itemIds, zeroFactors: true)
    {
    }

    /// <summary>
    /// The public constructor's body; <paramref name="zeroFactors"/> false leaves the factor memory uncleared for
    /// <see cref="Fit"/>, whose <see cref="Initialize"/> writes all of it (see <see cref="FactorMatrix.Uninitialized"/>).
    /// </summary>
    private AlsModel(AlsOptions options, int users, int items, IdMap? userIds, IdMap? itemIds, bool zeroFactors)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IdMap uids = userIds ?? IdMap.Identity(users);
        IdMap iids = itemIds ?? IdMap.Identity(items);
        if (uids.Count != users)
        {
            throw new ArgumentException($"The user id map has {uids.Count} ids for {users} users.", nameof(userIds));
        }

        if (iids.Count != items)
        {
            throw new ArgumentException($"The item id map has {iids.Count} ids for {items} items.", nameof(itemIds));
        }

        Options = options;
        _userFactors = zeroFactors ? new FactorMatrix(users, options.Factors) : FactorMatrix.Uninitialized(users, options.Factors);
        _itemFactors = zeroFactors ? new FactorMatrix(items, options.Factors) : FactorMatrix.Uninitialized(items, options.Factors);
        if (options.HasBiases)
        {
            _userBiases = new float[users];
            _itemBiases = new float[items];
        }

        UserFactors = _userFactors.AsReadOnly();
        ItemFactors = _itemFactors.AsReadOnly();
        UserIds = uids;
        ItemIds = iids;
    }

    /// <summary>Adopts already-filled factor matrices and biases (loading and import).</summary>
    private AlsModel(AlsOptions options, FactorMatrix userFactors, FactorMatrix itemFactors, float[]? userBiases, float[]? itemBiases, IdMap userIds, IdMap itemIds, float globalMean, float ratingMean)
    {
        Options = options;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        _userBiases = userBiases;
        _itemBiases = itemBiases;
        _globalMean = globalMean;
        _ratingMean = ratingMean;
        UserFactors = _userFactors.AsReadOnly();
        ItemFactors = _itemFactors.AsReadOnly();
        UserIds = userIds;
        ItemIds = itemIds;
    }

    /// <summary>The hyperparameters.</summary>
    public AlsOptions Options { get; }

    /// <summary>The model kind.</summary>
    public AlsModelKind Kind => Options.Kind;

    /// <summary>Number of factors k.</summary>
    public int Factors => Options.Factors;

    /// <summary>Number of users.</summary>
    public int Users => _userFactors.Rows;

    /// <summary>Number of items.</summary>
    public int Items => _itemFactors.Rows;

    /// <summary>Users x k factors (read-only; see <see cref="SetUserFactors(ReadOnlySpan{float})"/>).</summary>
    public ReadOnlyFactorMatrix UserFactors { get; }

    /// <summary>Items x k factors (read-only; see <see cref="SetItemFactors(ReadOnlySpan{float})"/>).</summary>
    public ReadOnlyFactorMatrix ItemFactors { get; }

    /// <summary>True when the model has user and item biases (the biased kinds).</summary>
    public bool HasBiases => _userBiases is not null;

    /// <summary>User biases b_u (biased models; empty otherwise). Read-only; see <see cref="SetUserBiases"/>.</summary>
    public ReadOnlySpan<float> UserBiases => _userBiases;

    /// <summary>Item biases g_i (biased models; empty otherwise). Read-only; see <see cref="SetItemBiases"/>.</summary>
    public ReadOnlySpan<float> ItemBiases => _itemBiases;

    /// <summary>Global mean mu added to every score (the biased explicit model's mean rating; else 0 unless set).</summary>
    public float GlobalMean => _globalMean;

    /// <summary>
    /// The mean training rating of an explicit model, the fallback of <see cref="ColdStartStrategy.GlobalMean"/>: mu
    /// for the biased explicit model; for the plain one, recorded by <see cref="Fit"/> and kept in model files since
    /// format version 2 (NaN for older files, imported Spark models and the implicit kinds).
    /// </summary>
    public float RatingMean => Kind == AlsModelKind.BiasedExplicit ? _globalMean : _ratingMean;

    /// <summary>Incremented by every change of factors, biases or mean (setters and training); serving caches key on it.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>External user ids by index.</summary>
    public IdMap UserIds { get; }

    /// <summary>External item ids by index.</summary>
    public IdMap ItemIds { get; }

    private readonly ModelGate _gate = new();

    /// <summary>The training gate (exclusive training, concurrent reads; see <see cref="ContinueTraining"/>).</summary>
    internal ModelGate Gate => _gate;

    /// <summary>The writable user factors (training and serving internals; writers call <see cref="MarkChanged"/>).</summary>
    internal FactorMatrix UserMatrix => _userFactors;

    /// <summary>The writable item factors (training and serving internals; writers call <see cref="MarkChanged"/>).</summary>
    internal FactorMatrix ItemMatrix => _itemFactors;

    /// <summary>The writable user biases, null without biases.</summary>
    internal float[]? UserBiasArray => _userBiases;

    /// <summary>The writable item biases, null without biases.</summary>
    internal float[]? ItemBiasArray => _itemBiases;

    /// <summary>Replaces the user factors with a dense row-major users x k array of finite values.</summary>
    /// <exception cref="ArgumentException">Wrong length or a non-finite value; the model is unchanged.</exception>
    public void SetUserFactors(ReadOnlySpan<float> factors) => SetAll(_userFactors, factors, nameof(factors));

    /// <summary>Replaces the item factors with a dense row-major items x k array of finite values.</summary>
    /// <exception cref="ArgumentException">Wrong length or a non-finite value; the model is unchanged.</exception>
    public void SetItemFactors(ReadOnlySpan<float> factors) => SetAll(_itemFactors, factors, nameof(factors));

    /// <summary>Replaces the user factors with those of <paramref name="source"/> (same shape, finite).</summary>
    public void SetUserFactors(ReadOnlyFactorMatrix source) => SetAll(_userFactors, source, nameof(source));

    /// <summary>Replaces the item factors with those of <paramref name="source"/> (same shape, finite).</summary>
    public void SetItemFactors(ReadOnlyFactorMatrix source) => SetAll(_itemFactors, source, nameof(source));

    /// <summary>Replaces the user biases (one finite value per user).</summary>
    /// <exception cref="InvalidOperationException">The model kind has no biases.</exception>
    public void SetUserBiases(ReadOnlySpan<float> biases) => SetBiases(_userBiases, biases, "user");

    /// <summary>Replaces the item biases (one finite value per item).</summary>
    /// <exception cref="InvalidOperationException">The model kind has no biases.</exception>
    public void SetItemBiases(ReadOnlySpan<float> biases) => SetBiases(_itemBiases, biases, "item");

    /// <summary>Replaces the global mean mu (finite).</summary>
    public void SetGlobalMean(float globalMean)
    {
        if (!float.IsFinite(globalMean))
        {
            throw new ArgumentException($"The global mean must be finite (got {globalMean}).", nameof(globalMean));
        }

        using ModelGate.WriteScope write = _gate.EnterWrite("SetGlobalMean");
        _globalMean = globalMean;
        MarkChanged();
    }

    /// <summary>
    /// A deep copy of this model (factors, biases, means, ids) carrying <paramref name="options"/>, which must have the
    /// same kind and k (for example the options with the iterations really run).
    /// </summary>
    public AlsModel CopyWith(AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Kind != Kind || options.Factors != Factors)
        {
            throw new ArgumentException($"The options are for a {options.Kind} model with k = {options.Factors}; this is a {Kind} model with k = {Factors}.", nameof(options));
        }

        FactorMatrix uf = _userFactors.Clone();
        FactorMatrix itf;
        try
        {
            itf = _itemFactors.Clone();
        }
        catch
        {
            uf.Dispose();
            throw;
        }

        return new AlsModel(options, uf, itf, (float[]?)_userBiases?.Clone(), (float[]?)_itemBiases?.Clone(), UserIds, ItemIds, _globalMean, _ratingMean);
    }

    /// <summary>Frees the factor memory.</summary>
    public void Dispose()
    {
        DropServingCache();
        _userFactors.Dispose();
        _itemFactors.Dispose();
    }

    /// <summary>Sets mu without the checks of <see cref="SetGlobalMean"/> (tests that build invalid models).</summary>
    internal void SetGlobalMeanUnchecked(float mean)
    {
        _globalMean = mean;
        MarkChanged();
    }

    /// <summary>Records the plain explicit model's mean training rating (training and loading).</summary>
    internal void SetRatingMean(float mean) => _ratingMean = mean;

    /// <summary>Bumps <see cref="Version"/> and drops the fold-in and serving caches: call after writing factors, biases or mu in place.</summary>
    internal void MarkChanged()
    {
        lock (_foldInLock)
        {
            Interlocked.Increment(ref _version);
            _userFoldIn = null;
            _itemFoldIn = null;
        }

        DropServingCache();
    }

    private void SetAll(FactorMatrix target, ReadOnlySpan<float> source, string paramName)
    {
        using ModelGate.WriteScope write = _gate.EnterWrite("a factor setter");
        if (source.Length != (long)target.Rows * target.Factors)
        {
            throw new ArgumentException($"{paramName} has {source.Length} floats; the matrix is {target.Rows} x {target.Factors} = {(long)target.Rows * target.Factors}.", paramName);
        }

        CheckFinite(source, paramName);
        target.CopyFrom(source);
        MarkChanged();
    }

    private void SetAll(FactorMatrix target, ReadOnlyFactorMatrix source, string paramName)
    {
        ArgumentNullException.ThrowIfNull(source, paramName);
        using ModelGate.WriteScope write = _gate.EnterWrite("a factor setter");
        if (source.Rows != target.Rows || source.Factors != target.Factors)
        {
            throw new ArgumentException($"{paramName} is {source.Rows} x {source.Factors}; the matrix is {target.Rows} x {target.Factors}.", paramName);
        }

        for (int r = 0; r < source.Rows; r++)
        {
            CheckFinite(source.Row(r), paramName);
        }

        target.CopyFrom(source.Matrix);
        MarkChanged();
    }

    private void SetBiases(float[]? target, ReadOnlySpan<float> biases, string what)
    {
        using ModelGate.WriteScope write = _gate.EnterWrite("a bias setter");
        if (target is null)
        {
            throw new InvalidOperationException($"A {Kind} model has no biases.");
        }

        if (biases.Length != target.Length)
        {
            throw new ArgumentException($"biases has {biases.Length} values; the model has {target.Length} {what}s.", nameof(biases));
        }

        CheckFinite(biases, nameof(biases));
        biases.CopyTo(target);
        MarkChanged();
    }

    private static void CheckFinite(ReadOnlySpan<float> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{paramName}[{i}] is not finite ({values[i]}).", paramName);
            }
        }
    }
}
