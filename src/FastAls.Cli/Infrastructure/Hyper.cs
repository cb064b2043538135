using System.Globalization;

namespace FastAls.Cli.Infrastructure;

/// <summary>The model kind and every hyperparameter of <see cref="AlsOptions"/> as command-line options.</summary>
internal static class Hyper
{
    public static readonly OptionSpec[] Options =
    [
        new("kind", '\0', "KIND", "implicit, biased-implicit, explicit or biased-explicit (default implicit)."),
        new("factors", 'k', "N", "Latent factors (default 64)."),
        new("regularization", 'l', "LAMBDA", "L2 regularization lambda (default 0.01). Explicit kinds default to 0.1, as Spark ML does."),
        new("reg-scaling", '\0', "HOW", "constant, or count (ALS-WR: lambda x the row's count) (default constant). Explicit kinds default to count, as Spark ML does."),
        new("alpha", 'a', "A", "Implicit confidence scale alpha (default 1)."),
        new("confidence", '\0', "HOW", "Implicit confidence: linear (1 + alpha r), log (1 + alpha log(1 + r/eps)) or scaled (alpha r, as the implicit package) (default linear)."),
        new("epsilon", '\0', "EPS", "Epsilon of the log confidence (default 1)."),
        new("iterations", '\0', "N", "Iterations (default 15)."),
        new("solver", '\0', "SOLVER", "cholesky (exact) or cg (conjugate gradient) (default cholesky)."),
        new("cg-steps", '\0', "N", "CG steps per row and half-step (default 3)."),
        new("cg-tolerance", '\0', "TOL", "Stop a row's CG under this residual norm (default 0: never)."),
        new("early-stop", '\0', "TOL", "Stop when the cost improves by less than this fraction (default 0: never)."),
        new("init-scale", '\0', "S", "Std. deviation of the initial factors, times 1/sqrt(k) (default 0.1)."),
        Common.Seed,
        Common.Threads,
    ];

    /// <summary>Spark ML's defaults for rating models (regParam 0.1, scaled by the row's count).</summary>
    public const float ExplicitRegularization = 0.1f;

    public static AlsModelKind ParseKind(ParsedArgs a, AlsModelKind fallback) =>
        a.GetChoice("kind", fallback,
            ("implicit", AlsModelKind.Implicit), ("biased-implicit", AlsModelKind.BiasedImplicit),
            ("explicit", AlsModelKind.Explicit), ("biased-explicit", AlsModelKind.BiasedExplicit));

    public static bool IsExplicit(AlsModelKind kind) => kind is AlsModelKind.Explicit or AlsModelKind.BiasedExplicit;

    public static AlsOptions Parse(ParsedArgs a, AlsOptions defaults)
    {
        AlsModelKind kind = ParseKind(a, defaults.Kind);
        if (IsExplicit(kind) && !IsExplicit(defaults.Kind))
        {
            // Ratings: the implicit-model defaults (lambda 0.01, constant) overfit badly (ml-100k RMSE 1.65 against 0.91).
            defaults = defaults with { Regularization = ExplicitRegularization, RegularizationScaling = RegularizationScaling.ByCount };
        }

        var o = new AlsOptions
        {
            Kind = kind,
            Factors = a.GetInt("factors", defaults.Factors, 1, 4096),
            Regularization = (float)a.GetDouble("regularization", defaults.Regularization, 0),
            RegularizationScaling = a.GetChoice("reg-scaling", defaults.RegularizationScaling, ("constant", RegularizationScaling.Constant), ("count", RegularizationScaling.ByCount)),
            Alpha = (float)a.GetDouble("alpha", defaults.Alpha, 0),
            Confidence = a.GetChoice("confidence", defaults.Confidence, ("linear", ConfidenceKind.Linear), ("log", ConfidenceKind.Log), ("scaled", ConfidenceKind.Scaled)),
            Epsilon = (float)a.GetDouble("epsilon", defaults.Epsilon, 1e-30),
            Iterations = a.GetInt("iterations", defaults.Iterations, 0, 100_000),
            Solver = a.GetChoice("solver", defaults.Solver, ("cholesky", AlsSolver.Cholesky), ("cg", AlsSolver.ConjugateGradient)),
            CgSteps = a.GetInt("cg-steps", defaults.CgSteps, 1, 1000),
            CgTolerance = (float)a.GetDouble("cg-tolerance", defaults.CgTolerance, 0),
            EarlyStopTolerance = a.GetDouble("early-stop", defaults.EarlyStopTolerance, 0),
            InitScale = (float)a.GetDouble("init-scale", defaults.InitScale, 1e-30),
            Seed = a.GetInt("seed", defaults.Seed),
            Threads = a.GetInt("threads", defaults.Threads, 0, 4096),
        };
        try
        {
            o.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message.Split(" (Parameter", 2)[0], ExitCodes.Usage);
        }

        return o;
    }

    /// <summary>Rows for the report's hyperparameter table.</summary>
    public static List<(string, string)> Describe(AlsOptions o)
    {
        var rows = new List<(string, string)>
        {
            ("model kind", o.Kind.ToString()),
            ("factors", o.Factors.ToString(CultureInfo.InvariantCulture)),
        };
        rows.AddRange(Commands.InfoCommand.Hyperparameters(o));
        return rows;
    }
}
