using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>The four ALS models.</summary>
public enum AlsModelKind
{
    /// <summary>Explicit ratings, observed entries only: <c>r_ui ~ x_u . y_i</c>.</summary>
    Explicit = 0,

    /// <summary>Explicit ratings with global mean and biases: <c>r_ui ~ mu + b_u + g_i + x_u . y_i</c>.</summary>
    BiasedExplicit = 1,

    /// <summary>Implicit feedback (Hu, Koren and Volinsky 2008): all pairs, confidence-weighted.</summary>
    Implicit = 2,

    /// <summary>Implicit feedback with user and item biases; unobserved pairs counted exactly.</summary>
    BiasedImplicit = 3,
}
