using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>How each row's least-squares system is solved.</summary>
public enum AlsSolver
{
    /// <summary>
    /// Exact: Cholesky factorization of the SPD normal equations. At k &gt; 64, a row with at most k/4 interactions is
    /// solved by the Woodbury identity over the same system (an n x n factorization), checked
    /// against its residual and solved directly where the check fails.
    /// </summary>
    Cholesky = 0,

    /// <summary>Conjugate gradient, warm-started from the current factors.</summary>
    ConjugateGradient = 1,
}
