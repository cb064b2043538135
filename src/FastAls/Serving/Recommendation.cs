namespace FastAls;

/// <summary>One recommended (or similar) row: its dense index and its score.</summary>
/// <param name="Index">Dense item (or user) index; map it to an external id with the model's id map.</param>
/// <param name="Score">The score (higher is better).</param>
public readonly record struct Recommendation(int Index, float Score);
