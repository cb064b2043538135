namespace FastAls.Evaluation;

/// <summary>A train and a test matrix of the same shape (same user and item indices) from one split.</summary>
public sealed class TrainTestSplit : IDisposable
{
    internal TrainTestSplit(CsrMatrix train, CsrMatrix test)
    {
        Train = train;
        Test = test;
    }

    /// <summary>The training interactions.</summary>
    public CsrMatrix Train { get; }

    /// <summary>The held-out interactions.</summary>
    public CsrMatrix Test { get; }

    /// <summary>The training part as a <see cref="Dataset"/> with the original id maps.</summary>
    public Dataset TrainDataset(IdMap? userIds = null, IdMap? itemIds = null) => new(Train, userIds, itemIds);

    /// <summary>Releases both matrices.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
