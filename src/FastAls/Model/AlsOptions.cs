using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>
/// Hyperparameters of an ALS model. Immutable; use <c>with</c> to vary. This record is the one definition of the
/// training options: <see cref="Schema"/> lists them for the front ends (C struct, Python keywords, CLI flags), their
/// JSON form (model files, Spark metadata, the CLI's <c>--json</c>) is source-generated from it, and
/// <see cref="For"/> gives each model kind's defaults. Each option is a settable property with a <c>[Description]</c> (its
/// one help text); the declaration order is the C struct's field order: FastAls.Generators writes
/// <c>fastals_fit_options_t</c> (fields, defaults, conversion) from these properties, so a new option needs no edit there.
/// </summary>
public sealed record AlsOptions
{
    /// <summary>Spark ML's regularization for rating models (regParam 0.1, scaled by the row's count).</summary>
    public const float ExplicitRegularization = 0.1f;

    /// <summary>
    /// Which model to train. The property initializers hold the implicit defaults; use <see cref="For"/> for the
    /// defaults of another kind (<c>new AlsOptions { Kind = AlsModelKind.Explicit }</c> keeps the implicit ones).
    /// </summary>
    [Description("The model: implicit feedback or explicit ratings, each with or without biases.")]
    [JsonRequired]
    public AlsModelKind Kind { get; init; } = AlsModelKind.Implicit;

    /// <summary>Number of latent factors k.</summary>
    [Description("Number of latent factors k.")]
    [JsonRequired]
    public int Factors { get; init; } = 64;

    /// <summary>L2 regularization lambda (on factors and, for biased models, biases); in [0, 1e6].</summary>
    [Description("L2 regularization lambda (on factors and, for biased models, biases).")]
    [JsonRequired]
    public float Regularization { get; init; } = 0.01f;

    /// <summary>Constant lambda or ALS-WR scaling by the row's count.</summary>
    [Description("constant lambda, or lambda times the row's interaction count (ALS-WR, as Spark ML does).")]
    [JsonRequired]
    public RegularizationScaling RegularizationScaling { get; init; } = RegularizationScaling.Constant;

    /// <summary>Confidence scale alpha (implicit models); in [0, 1e6].</summary>
    [Description("Confidence scale alpha (implicit models).")]
    [JsonRequired]
    public float Alpha { get; init; } = 1.0f;

    /// <summary>Epsilon of the logarithmic confidence (implicit models); in [1e-12, 1e12].</summary>
    [Description("Epsilon of the log confidence (implicit models).")]
    [JsonRequired]
    public float Epsilon { get; init; } = 1.0f;

    /// <summary>Linear (1 + alpha r), logarithmic (1 + alpha log(1 + r / epsilon)) or scaled (alpha r, the implicit package's) confidence (implicit models).</summary>
    [Description("Implicit confidence: linear (1 + alpha r), log (1 + alpha log(1 + r / epsilon)) or scaled (alpha r).")]
    [JsonRequired]
    public ConfidenceKind Confidence { get; init; } = ConfidenceKind.Linear;

    /// <summary>Number of full iterations (a user half-step and an item half-step each).</summary>
    [Description("Number of iterations (a user and an item half-step each).")]
    [JsonRequired]
    public int Iterations { get; init; } = 15;

    /// <summary>Seed of the factor initialization.</summary>
    [Description("Seed of the random initial factors.")]
    [JsonRequired]
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads; 0 means all processors.</summary>
    [Description("Worker threads (0: all processors).")]
    public int Threads { get; init; }

    /// <summary>Exact (Cholesky) or conjugate-gradient solves.</summary>
    [Description("cholesky (exact) or conjugate_gradient solves of each row.")]
    [JsonRequired]
    public AlsSolver Solver { get; init; } = AlsSolver.Cholesky;

    /// <summary>Conjugate-gradient steps per row and half-step.</summary>
    [Description("Conjugate-gradient steps per row and half-step.")]
    [JsonRequired]
    public int CgSteps { get; init; } = 3;

    /// <summary>Stop a row's CG early when the residual norm falls under this (0: always run <see cref="CgSteps"/>).</summary>
    [Description("Stop a row's conjugate gradient under this residual norm (0: always run cg_steps).")]
    [JsonRequired]
    public float CgTolerance { get; init; }

    /// <summary>Standard deviation of the random initial factors (scaled by 1/sqrt(k)); in (0, 1e3].</summary>
    [Description("Standard deviation of the initial factors, times 1/sqrt(k).")]
    [JsonRequired]
    public float InitScale { get; init; } = 0.1f;

    /// <summary>Stop training when the cost improves by less than this fraction in one iteration (0: never).</summary>
    [Description("Stop when the cost improves by less than this fraction in one iteration (0: never).")]
    [JsonRequired]
    public double EarlyStopTolerance { get; init; }

    private const float MaxRegularization = 1e6f;
    private const float MaxAlpha = 1e6f;
    private const float MinEpsilon = 1e-12f;
    private const float MaxEpsilon = 1e12f;
    private const float MaxInitScale = 1e3f;

    /// <summary>True for the two implicit-feedback models.</summary>
    [JsonIgnore]
    public bool IsImplicit => Kind is AlsModelKind.Implicit or AlsModelKind.BiasedImplicit;

    /// <summary>True for the two models with biases.</summary>
    [JsonIgnore]
    public bool HasBiases => Kind is AlsModelKind.BiasedExplicit or AlsModelKind.BiasedImplicit;

    /// <summary>
    /// The library's defaults for <paramref name="kind"/>, which every front end uses: the property initializers, and for
    /// the two explicit (rating) kinds Spark ML's lambda 0.1 scaled by the row's count (with the implicit defaults,
    /// lambda 0.01 and constant, rating models overfit badly: ml-100k RMSE 1.65 against 0.91, and may not be positive definite).
    /// </summary>
    public static AlsOptions For(AlsModelKind kind) => kind is AlsModelKind.Explicit or AlsModelKind.BiasedExplicit
        ? new AlsOptions { Kind = kind, Regularization = ExplicitRegularization, RegularizationScaling = RegularizationScaling.ByCount }
        : new AlsOptions { Kind = kind };

    /// <summary>Every option, in the C struct's order, with its snake_case name, type, description and enum spellings.</summary>
    public static IReadOnlyList<AlsOptionInfo> Schema => AlsOptionInfo.All;

    /// <summary>
    /// Writes every option as camelCase JSON properties into the object <paramref name="writer"/> is in (the model file,
    /// Spark-layout metadata and the CLI's <c>--json</c> output share this source-generated form; enum values are spelled
    /// as <see cref="AlsOptionInfo.Spell{T}(T)"/> does).
    /// </summary>
    public void WriteJsonProperties(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        JsonElement e = JsonSerializer.SerializeToElement(this, AlsOptionsJsonContext.Default.AlsOptions);
        foreach (JsonProperty p in e.EnumerateObject())
        {
            p.WriteTo(writer);
        }
    }

    /// <summary>
    /// Reads the properties <see cref="WriteJsonProperties"/> writes (other properties are ignored; <c>threads</c> may be
    /// absent: 0; enum values written by older versions in PascalCase are accepted). Throws <see cref="JsonException"/>
    /// naming a missing or malformed property; the result is not validated.
    /// </summary>
    public static AlsOptions ReadJsonProperties(JsonElement element) =>
        element.Deserialize(AlsOptionsJsonContext.Default.AlsOptions) ?? throw new JsonException("The options are null.");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentException($"Kind {(int)Kind} is not a model kind.", nameof(Kind));
        }

        if (Factors is < 1 or > 4096)
        {
            throw new ArgumentException($"Factors must be in [1, 4096] (got {Factors}).", nameof(Factors));
        }

        // The upper bounds keep float32 training finite (lambda times a row count, alpha times a value, a value
        // over epsilon, squared initial factors); past them the failure used to surface iterations later as
        // "not positive definite ... increase regularization", which named the wrong cause.
        if (!(Regularization >= 0) || !(Regularization <= MaxRegularization))
        {
            throw new ArgumentException($"Regularization must be in [0, {MaxRegularization:G}] (got {Regularization:R}).", nameof(Regularization));
        }

        if (!Enum.IsDefined(RegularizationScaling))
        {
            throw new ArgumentException($"RegularizationScaling {(int)RegularizationScaling} is not defined.", nameof(RegularizationScaling));
        }

        if (!(Alpha >= 0) || !(Alpha <= MaxAlpha))
        {
            throw new ArgumentException($"Alpha must be in [0, {MaxAlpha:G}] (got {Alpha:R}).", nameof(Alpha));
        }

        if (!(Epsilon >= MinEpsilon) || !(Epsilon <= MaxEpsilon))
        {
            throw new ArgumentException($"Epsilon must be in [{MinEpsilon:G}, {MaxEpsilon:G}] (got {Epsilon:R}).", nameof(Epsilon));
        }

        if (!Enum.IsDefined(Confidence))
        {
            throw new ArgumentException($"Confidence {(int)Confidence} is not defined.", nameof(Confidence));
        }

        if (Iterations < 0)
        {
            throw new ArgumentException($"Iterations must be >= 0 (got {Iterations}).", nameof(Iterations));
        }

        if (Threads < 0)
        {
            throw new ArgumentException($"Threads must be >= 0 (got {Threads}; 0 means all processors).", nameof(Threads));
        }

        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentException($"Solver {(int)Solver} is not defined.", nameof(Solver));
        }

        if (CgSteps < 1)
        {
            throw new ArgumentException($"CgSteps must be >= 1 (got {CgSteps}).", nameof(CgSteps));
        }

        if (!(CgTolerance >= 0) || !float.IsFinite(CgTolerance))
        {
            throw new ArgumentException($"CgTolerance must be finite and >= 0 (got {CgTolerance}).", nameof(CgTolerance));
        }

        if (!(EarlyStopTolerance >= 0) || !double.IsFinite(EarlyStopTolerance))
        {
            throw new ArgumentException($"EarlyStopTolerance must be finite and >= 0 (got {EarlyStopTolerance}).", nameof(EarlyStopTolerance));
        }

        if (!(InitScale > 0) || !(InitScale <= MaxInitScale))
        {
            throw new ArgumentException($"InitScale must be in (0, {MaxInitScale:G}] (got {InitScale:R}).", nameof(InitScale));
        }
    }
}
