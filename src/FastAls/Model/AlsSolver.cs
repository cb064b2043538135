using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>How each row's least-squares system is solved.</summary>
public enum AlsSolver
{
    /// <summary>Exact: Cholesky factorization of the SPD normal equations.</summary>
    Cholesky = 0,

    /// <summary>Conjugate gradient, warm-started from the current factors.</summary>
    ConjugateGradient = 1,
}
