namespace FastAls.Evaluation;

/// <summary>Rating-prediction error on held-out interactions.</summary>
/// <param name="Rmse">sqrt(mean (r − r̂)²).</param>
/// <param name="Mae">mean |r − r̂|.</param>
/// <param name="Count">Number of test interactions.</param>
public sealed record ErrorMetrics(double Rmse, double Mae, long Count);
