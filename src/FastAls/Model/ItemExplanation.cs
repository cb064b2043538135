using FastAls.Internals;
using FastAls.Internals.Serving;

namespace FastAls;

/// <summary>
/// Why an implicit model scores (user, item) as it does: the score split into one contribution per item
/// the user interacted with, as <c>implicit</c>'s <c>explain</c> does, plus (biased implicit model) a
/// baseline no single item accounts for.
/// </summary>
/// <param name="Score">The item's score for a user folded in from these interactions: <c>Baseline</c> plus all contributions.</param>
/// <param name="Baseline">The item's bias plus the share of the unobserved pairs (biased implicit); 0 for the plain implicit model.</param>
/// <param name="Contributions">The largest contributions, largest first (index = the user's item).</param>
public sealed record ItemExplanation(float Score, float Baseline, Recommendations Contributions);
