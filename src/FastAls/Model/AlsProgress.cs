namespace FastAls;

/// <summary>
/// Reported after every half-step of training, synchronously on the thread that called
/// <see cref="AlsModel.Fit"/> (or <see cref="AlsModel.ContinueTraining"/>).
/// </summary>
/// <param name="Iteration">The iteration, 1-based (each has a user and an item half-step).</param>
/// <param name="HalfStep">The side just solved.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="Cost">The exact full cost: <see cref="Loss"/> + <see cref="Regularization"/>.</param>
/// <param name="Loss">The data term (implicit models: over all user-item pairs, unobserved ones included).</param>
/// <param name="Regularization">The regularization term of both sides (biases included; ALS-WR scaled by counts).</param>
/// <param name="RelativeChange">
/// <c>(previous cost - cost) / |previous cost|</c> against the previous half-step (NaN after the first).
/// </param>
public sealed record AlsProgress(
    int Iteration,
    AlsHalfStep HalfStep,
    TimeSpan Elapsed,
    double Cost,
    double Loss,
    double Regularization,
    double RelativeChange);
