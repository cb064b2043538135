namespace FastAls;

/// <summary>Receives batch results block by block (from one thread, in query order).</summary>
public interface IRecommendationSink
{
    /// <summary>Consumes one block; the spans are only valid during the call.</summary>
    void Write(in RecommendationBlock block);
}
