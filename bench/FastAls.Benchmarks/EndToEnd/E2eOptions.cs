using System.Globalization;

namespace FastAls.Benchmarks.EndToEnd;

/// <summary>Command-line options of the <c>e2e</c> mode.</summary>
internal sealed record E2eOptions
{
    public bool Quick { get; init; }

    public int Users { get; init; } = 200_000;

    public int Items { get; init; } = 50_000;

    public long Interactions { get; init; } = 10_000_000;

    public IReadOnlyList<int> Factors { get; init; } = [32, 64, 128];

    /// <summary>Models run at every k; the others only at <see cref="OtherModelsK"/>.</summary>
    public IReadOnlyList<AlsModelKind> AllKModels { get; init; } = [AlsModelKind.Implicit];

    public IReadOnlyList<AlsModelKind> OtherModels { get; init; } = [AlsModelKind.Explicit, AlsModelKind.BiasedExplicit, AlsModelKind.BiasedImplicit];

    public int OtherModelsK { get; init; } = 64;

    public IReadOnlyList<AlsSolver> Solvers { get; init; } = [AlsSolver.Cholesky, AlsSolver.ConjugateGradient];

    /// <summary>Timed iterations per combination (after the untimed <c>Fit</c> iteration and <see cref="Warmup"/>).</summary>
    public int Iterations { get; init; } = 2;

    /// <summary>
    /// Untimed iterations between <c>Fit</c> and the timed ones. The JIT's tiering (tier 0, then the tier-1 code with
    /// its profile) can take two or three iterations to settle for a kernel that a combination is the first to run: a
    /// biased model's CG at k = 32 read 0.36 s in the iteration after <c>Fit</c> and 0.20–0.22 s from the third on.
    /// </summary>
    public int Warmup { get; init; } = 2;

    /// <summary>
    /// Times the synthetic set's whole list of combinations is trained, one round after another. On a shared host a
    /// slow spell lasts minutes and falls on the few combinations that run in it; with several rounds each combination
    /// is timed at different moments of the run, its timed iterations are pooled (mean and best over all of them), and G
    /// is the least probe over every round.
    /// </summary>
    public int Rounds { get; init; } = 1;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Users scored by the recommend throughput probe.</summary>
    public int RecommendUsers { get; init; } = 20_000;

    public bool RealSets { get; init; } = true;

    public bool Synthetic { get; init; } = true;

    public string? OutputPath { get; init; }

    public static string Usage =>
        """
        e2e [--quick] [--all] [--k 32,64,128] [--models implicit,explicit,biased-explicit,biased-implicit]
            [--solvers cholesky,cg] [--iterations N] [--warmup N] [--rounds N] [--threads N] [--users N --items N --nnz N]
            [--recommend-users N] [--no-real] [--no-synthetic] [--out FILE]
          default: implicit at every k, the other three models at k = 64, both solvers, 2 untimed iterations after Fit's (JIT tiering), then 2 timed
          --quick: 50,000 x 12,500 x 1,000,000, k = 64 only
          --all:   every model at every k
          --rounds N: train the synthetic set's combinations N times over, pooling each one's timed iterations
        """;

    public static E2eOptions Parse(IReadOnlyList<string> args)
    {
        var o = new E2eOptions();
        bool all = false;
        IReadOnlyList<AlsModelKind>? models = null;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option {a} needs a value.");
            switch (a)
            {
                case "--quick":
                    o = o with { Quick = true, Users = 50_000, Items = 12_500, Interactions = 1_000_000, Factors = [64], Iterations = 2, RecommendUsers = 5_000 };
                    break;
                case "--all":
                    all = true;
                    break;
                case "--k":
                    o = o with { Factors = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() };
                    break;
                case "--models":
                    models = Next().Split(',').Select(ParseModel).ToArray();
                    break;
                case "--solvers":
                    o = o with { Solvers = Next().Split(',').Select(ParseSolver).ToArray() };
                    break;
                case "--iterations":
                    o = o with { Iterations = int.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--warmup":
                    o = o with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--rounds":
                    o = o with { Rounds = int.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--threads":
                    o = o with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--users":
                    o = o with { Users = int.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--items":
                    o = o with { Items = int.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--nnz":
                    o = o with { Interactions = long.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--recommend-users":
                    o = o with { RecommendUsers = int.Parse(Next(), CultureInfo.InvariantCulture) };
                    break;
                case "--no-real":
                    o = o with { RealSets = false };
                    break;
                case "--no-synthetic":
                    o = o with { Synthetic = false };
                    break;
                case "--out":
                    o = o with { OutputPath = Next() };
                    break;
                default:
                    throw new ArgumentException($"Unknown e2e option '{a}'.\n{Usage}");
            }
        }

        if (models is not null)
        {
            o = o with { AllKModels = models, OtherModels = [] };
        }
        else if (all)
        {
            o = o with { AllKModels = [AlsModelKind.Implicit, AlsModelKind.BiasedImplicit, AlsModelKind.Explicit, AlsModelKind.BiasedExplicit], OtherModels = [] };
        }
        else if (o.Quick)
        {
            o = o with { OtherModels = [], OtherModelsK = o.Factors[0] };
        }

        if (o.Iterations < 1 || o.Warmup < 0 || o.Rounds < 1 || o.Threads < 1 || o.Users < 1 || o.Items < 1 || o.Interactions < 1 || o.Factors.Any(k => k < 1))
        {
            throw new ArgumentException("Warm-up iterations must be zero or more; iterations, rounds, threads, users, items, nnz and k must be positive.");
        }

        return o;
    }

    /// <summary>The (model, solver, k) combinations to run, in order.</summary>
    public IEnumerable<(AlsModelKind Model, AlsSolver Solver, int K)> Combinations()
    {
        foreach (AlsModelKind m in AllKModels)
        {
            foreach (int k in Factors)
            {
                foreach (AlsSolver s in Solvers)
                {
                    yield return (m, s, k);
                }
            }
        }

        foreach (AlsModelKind m in OtherModels)
        {
            foreach (AlsSolver s in Solvers)
            {
                yield return (m, s, OtherModelsK);
            }
        }
    }

    internal static AlsModelKind ParseModel(string s) => s.Trim().ToLowerInvariant() switch
    {
        "implicit" => AlsModelKind.Implicit,
        "explicit" => AlsModelKind.Explicit,
        "biased-explicit" or "biasedexplicit" => AlsModelKind.BiasedExplicit,
        "biased-implicit" or "biasedimplicit" => AlsModelKind.BiasedImplicit,
        _ => throw new ArgumentException($"Unknown model '{s}' (implicit, explicit, biased-explicit, biased-implicit)."),
    };

    internal static AlsSolver ParseSolver(string s) => s.Trim().ToLowerInvariant() switch
    {
        "cholesky" or "exact" => AlsSolver.Cholesky,
        "cg" or "conjugategradient" => AlsSolver.ConjugateGradient,
        _ => throw new ArgumentException($"Unknown solver '{s}' (cholesky, cg)."),
    };
}
