namespace FastAls.Cli.Infrastructure;

/// <summary>
/// Turns the engine's per-half-step <see cref="AlsProgress"/> into one progress line per iteration and keeps the
/// per-iteration cost history. Called synchronously on the training thread (not via <see cref="Progress{T}"/>).
/// </summary>
internal sealed class TrainingProgress : IProgress<AlsProgress>
{
    private readonly ProgressLine _line;
    private readonly int _total;
    private TimeSpan _offset;
    private TimeSpan _lastElapsed;

    /// <param name="ctx">Where the lines go.</param>
    /// <param name="totalIterations">Planned iterations (for the ETA).</param>
    /// <param name="deferred">Record only; the caller prints each iteration with <see cref="PrintLast"/> (to add validation metrics).</param>
    public TrainingProgress(CliContext ctx, int totalIterations, bool deferred = false)
    {
        _line = new ProgressLine(ctx);
        _total = totalIterations;
        Deferred = deferred;
    }

    public bool Deferred { get; }

    /// <summary>Iterations done so far over all Fit/ContinueTraining calls.</summary>
    public int Completed => History.Count;

    /// <summary>(iteration, cost, elapsed seconds) per completed iteration.</summary>
    public List<(int Iteration, double Cost, double Seconds)> History { get; } = [];

    public void Report(AlsProgress value)
    {
        if (value.HalfStep != AlsHalfStep.Items)
        {
            return;
        }

        _lastElapsed = value.Elapsed;
        History.Add((History.Count + 1, value.Cost, (_offset + value.Elapsed).TotalSeconds));
        if (!Deferred)
        {
            PrintLast(null);
        }
    }

    /// <summary>Call between separate Fit/ContinueTraining calls so elapsed time keeps adding up.</summary>
    public void EndSegment()
    {
        _offset += _lastElapsed;
        _lastElapsed = TimeSpan.Zero;
    }

    /// <summary>Prints the last iteration's line, with <paramref name="extra"/> appended.</summary>
    public void PrintLast(string? extra)
    {
        if (History.Count == 0)
        {
            return;
        }

        (int it, double cost, double secs) = History[^1];
        double prev = History.Count > 1 ? History[^2].Cost : double.NaN;
        _line.Iteration(it, _total, cost, prev, TimeSpan.FromSeconds(secs), extra);
    }

    public void Done() => _line.Done();
}
