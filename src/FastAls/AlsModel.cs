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
/// model has none.
/// </remarks>
public sealed partial class AlsModel : IDisposable
{
    /// <summary>Creates a model with zeroed factors (and biases where the kind has them).</summary>
    public AlsModel(AlsOptions options, int users, int items, IdMap? userIds = null, IdMap? itemIds = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        UserFactors = new FactorMatrix(users, options.Factors);
        ItemFactors = new FactorMatrix(items, options.Factors);
        if (options.HasBiases)
        {
            UserBiases = new float[users];
            ItemBiases = new float[items];
        }

        UserIds = userIds ?? IdMap.Identity(users);
        ItemIds = itemIds ?? IdMap.Identity(items);
        if (UserIds.Count != users)
        {
            throw new ArgumentException($"The user id map has {UserIds.Count} ids for {users} users.", nameof(userIds));
        }

        if (ItemIds.Count != items)
        {
            throw new ArgumentException($"The item id map has {ItemIds.Count} ids for {items} items.", nameof(itemIds));
        }
    }

    /// <summary>The hyperparameters.</summary>
    public AlsOptions Options { get; }

    /// <summary>The model kind.</summary>
    public AlsModelKind Kind => Options.Kind;

    /// <summary>Number of factors k.</summary>
    public int Factors => Options.Factors;

    /// <summary>Number of users.</summary>
    public int Users => UserFactors.Rows;

    /// <summary>Number of items.</summary>
    public int Items => ItemFactors.Rows;

    /// <summary>Users x k factors.</summary>
    public FactorMatrix UserFactors { get; }

    /// <summary>Items x k factors.</summary>
    public FactorMatrix ItemFactors { get; }

    /// <summary>User biases b_u (biased models), else null.</summary>
    public float[]? UserBiases { get; }

    /// <summary>Item biases g_i (biased models), else null.</summary>
    public float[]? ItemBiases { get; }

    /// <summary>Global mean mu (biased explicit model), else 0.</summary>
    public float GlobalMean { get; set; }

    /// <summary>External user ids by index.</summary>
    public IdMap UserIds { get; }

    /// <summary>External item ids by index.</summary>
    public IdMap ItemIds { get; }

    private readonly ModelGate _gate = new();

    /// <summary>The training gate (exclusive training, concurrent reads; see <see cref="ContinueTraining"/>).</summary>
    internal ModelGate Gate => _gate;

    /// <summary>Frees the factor memory.</summary>
    public void Dispose()
    {
        UserFactors.Dispose();
        ItemFactors.Dispose();
    }
}
