using System.Diagnostics;
using System.Globalization;
using FastAls;
using FastAls.Synthetic;

/// <summary>
/// One side of an in-process A/B run (see bench/run-ab.sh): trains on the synthetic set and hands each iteration's
/// milliseconds to the host, which may block there while the other build runs its iteration.
/// </summary>
public static class AbRunner
{
    /// <summary>
    /// Fits <c>model solver k threads users [items interactions]</c> (by default users/4 items and 20 interactions per
    /// user; seed 42) for
    /// <paramref name="iterations"/> iterations. After each, <paramref name="onIteration"/> gets its milliseconds, timed
    /// by this side's own clock from the end of the previous wait, so the time spent blocked is not counted.
    /// Returns the last cost and a hash of the user factors' bits. With the environment variable AB_CONTINUE=1 the first
    /// iteration is <c>Fit</c>'s and the others are <c>ContinueTraining</c>'s.
    /// </summary>
    public static string Run(string[] args, int iterations, Action<double> onIteration)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(onIteration);
        if (args.Length is not (5 or 7))
        {
            throw new ArgumentException("Expected: model solver k threads users [items interactions].", nameof(args));
        }

        var kind = Enum.Parse<AlsModelKind>(args[0], ignoreCase: true);
        AlsSolver solver = ParseSolver(args[1]);
        int k = int.Parse(args[2], CultureInfo.InvariantCulture);
        int threads = int.Parse(args[3], CultureInfo.InvariantCulture);
        int users = int.Parse(args[4], CultureInfo.InvariantCulture);
        int items = args.Length == 7 ? int.Parse(args[5], CultureInfo.InvariantCulture) : Math.Max(1, users / 4);
        long interactions = args.Length == 7 ? long.Parse(args[6], CultureInfo.InvariantCulture) : users * 20L;
        var gen = new SyntheticData(new SyntheticDataOptions { Users = users, Items = items, Interactions = interactions, Seed = 42 });
        using Dataset data = gen.ToDataset(threads);
        var options = new AlsOptions { Kind = kind, Factors = k, Solver = solver, CgSteps = 3, Iterations = iterations, Threads = threads, Regularization = 0.05f };

        // AB_BEFORE=model:solver:k,...: models this side trains first (three iterations each, on the same data and
        // threads), as a process does that trains several models (a grid search, bench e2e): the JIT compiles code that
        // the models share while the first one runs.
        foreach (string before in (Environment.GetEnvironmentVariable("AB_BEFORE") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = before.Split(':');
            if (parts.Length != 3)
            {
                throw new ArgumentException($"AB_BEFORE: '{before}' is not model:solver:k.");
            }

            var first = options with { Kind = Enum.Parse<AlsModelKind>(parts[0], ignoreCase: true), Solver = ParseSolver(parts[1]), Factors = int.Parse(parts[2], CultureInfo.InvariantCulture), Iterations = 3 };
            using AlsModel _ = AlsModel.Fit(data, first);
        }

        long resume = Stopwatch.GetTimestamp();
        double elapsed = 0, cost = 0;
        var progress = new Progress(p =>
        {
            long now = Stopwatch.GetTimestamp();
            elapsed += Stopwatch.GetElapsedTime(resume, now).TotalMilliseconds;
            cost = p.Cost;
            resume = now;
            if (p.HalfStep == AlsHalfStep.Items)
            {
                onIteration(elapsed);
                elapsed = 0;
                resume = Stopwatch.GetTimestamp();
            }
        });
        // AB_CONTINUE=1: one iteration by Fit, the rest by ContinueTraining (which keeps the model as it was if a half-step
        // fails, so it solves into scratch copies of the sides: the path that bench e2e times).
        // AB_QUIET=1: as a user's fit without a callback, nothing observes the cost; one iteration by Fit, then each
        // iteration one ContinueTraining call without progress, timed around the call.
        bool quiet = Environment.GetEnvironmentVariable("AB_QUIET") == "1" && iterations > 1;
        bool resumeTraining = Environment.GetEnvironmentVariable("AB_CONTINUE") == "1" && iterations > 1;
        using AlsModel model = AlsModel.Fit(data, resumeTraining || quiet ? options with { Iterations = 1 } : options, quiet ? null : progress);
        if (quiet)
        {
            for (int i = 1; i < iterations; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                model.ContinueTraining(data, 1);
                onIteration(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }
        else if (resumeTraining)
        {
            model.ContinueTraining(data, iterations - 1, progress);
        }

        ulong hash = 14695981039346656037;
        foreach (float v in model.UserFactors.ToArray())
        {
            hash = (hash ^ (uint)BitConverter.SingleToInt32Bits(v)) * 1099511628211;
        }

        return string.Create(CultureInfo.InvariantCulture, $"cost {cost:G9}, user bits {hash:X16}");
    }

    private static AlsSolver ParseSolver(string name) => name switch
    {
        "cg" => AlsSolver.ConjugateGradient,
        "cholesky" or "exact" => AlsSolver.Cholesky,
        _ => throw new ArgumentException($"Unknown solver '{name}' (cg, cholesky).", nameof(name)),
    };

    /// <summary>Reports on the training thread (System.Progress would post to the thread pool).</summary>
    private sealed class Progress(Action<AlsProgress> report) : IProgress<AlsProgress>
    {
        public void Report(AlsProgress value) => report(value);
    }
}
