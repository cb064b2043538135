namespace FastAls.Tests;

/// <summary>A sink that keeps every block it is given (counts, items and scores, padding included), in order.</summary>
internal sealed class RecordingSink : IRecommendationSink
{
    public List<int> Counts { get; } = [];

    public List<int> Items { get; } = [];

    public List<float> Scores { get; } = [];

    public void Write(in RecommendationBlock block)
    {
        Counts.AddRange(block.Counts.ToArray());
        Items.AddRange(block.Items.ToArray());
        Scores.AddRange(block.Scores.ToArray());
    }
}
