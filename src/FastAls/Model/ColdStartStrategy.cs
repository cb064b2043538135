using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastAls;

/// <summary>
/// What <see cref="AlsModel.Predict(int, int, ColdStartStrategy)"/> and the error metrics do with a pair whose user or item
/// is cold: it had no training interactions, so training left its factor row (and bias) at exactly zero. The model
/// recognises such a row by that zero row and zero bias. Spark ML's <c>coldStartStrategy</c> offers the same choice
/// for ids it has never seen.
/// </summary>
public enum ColdStartStrategy
{
    /// <summary>The model's score as it stands: 0 for the plain explicit model, mu + biases for the biased one.</summary>
    Score = 0,

    /// <summary>NaN (Spark's <c>nan</c>): error metrics over such pairs become NaN.</summary>
    Nan = 1,

    /// <summary>Leave the pair out (Spark's <c>drop</c>): batch predictions skip it, error metrics do not count it.</summary>
    Drop = 2,

    /// <summary>The mean training rating (<see cref="AlsModel.RatingMean"/>; NaN when the model does not know it).</summary>
    GlobalMean = 3,
}
