using FastAls.Internals;

namespace FastAls;

/// <summary>Factors (and bias) computed for one row by fold-in.</summary>
/// <param name="Factors">The k factors.</param>
/// <param name="Bias">The row's bias (biased models), else 0.</param>
public sealed record FoldInResult(float[] Factors, float Bias);
