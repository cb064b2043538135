namespace FastAls.Synthetic;

/// <summary>Parameters of the synthetic interaction generator (<see cref="SyntheticData"/>).</summary>
public sealed record SyntheticDataOptions
{
    /// <summary>Number of users (each gets at least one interaction).</summary>
    public int Users { get; init; } = 20_000;

    /// <summary>Number of items.</summary>
    public int Items { get; init; } = 5_000;

    /// <summary>Total number of interactions (exact).</summary>
    public long Interactions { get; init; } = 1_000_000;

    /// <summary>Rank of the planted preference structure: the number of taste clusters.</summary>
    public int Factors { get; init; } = 16;

    /// <summary>Seed; the output depends on it and on nothing else (not on the thread count).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>False: implicit counts (1, 2, ...). True: explicit ratings 1..5.</summary>
    public bool Explicit { get; init; }

    /// <summary>Zipf exponent of item popularity: weight of the item of popularity rank r is (r + 1)^-s.</summary>
    public double PopularityExponent { get; init; } = 0.9;

    /// <summary>Pareto shape of user activity (smaller is heavier-tailed; must be &gt; 1).</summary>
    public double ActivityExponent { get; init; } = 1.6;

    /// <summary>Fraction of each user's interactions drawn from global popularity instead of their tastes.</summary>
    public double Noise { get; init; } = 0.15;

    /// <summary>Most interactions one user may have, as a fraction of the items.</summary>
    public double MaxUserFraction { get; init; } = 0.25;

    /// <summary>The largest per-user interaction count these options allow.</summary>
    public int MaxPerUser => Math.Max(1, (int)Math.Min(Items, Math.Floor(Items * MaxUserFraction)));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter out of range.</summary>
    public void Validate()
    {
        if (Users < 1)
        {
            throw new ArgumentException($"Users must be >= 1 (got {Users}).", nameof(Users));
        }

        if (Items < 2)
        {
            throw new ArgumentException($"Items must be >= 2 (got {Items}).", nameof(Items));
        }

        if (Factors < 1 || Factors > Items)
        {
            throw new ArgumentException($"Factors must be in [1, Items = {Items}] (got {Factors}).", nameof(Factors));
        }

        if (!(MaxUserFraction > 0 && MaxUserFraction <= 1))
        {
            throw new ArgumentException($"MaxUserFraction must be in (0, 1] (got {MaxUserFraction}).", nameof(MaxUserFraction));
        }

        long max = (long)Users * MaxPerUser;
        if (Interactions < Users || Interactions > max)
        {
            throw new ArgumentException(
                $"Interactions must be in [Users, Users x {MaxPerUser}] = [{Users}, {max}] (got {Interactions}); every user gets at least one and at most {MaxUserFraction:0.##} of the items.",
                nameof(Interactions));
        }

        if (!(PopularityExponent >= 0 && PopularityExponent <= 5))
        {
            throw new ArgumentException($"PopularityExponent must be in [0, 5] (got {PopularityExponent}).", nameof(PopularityExponent));
        }

        if (!(ActivityExponent > 1 && ActivityExponent <= 10))
        {
            throw new ArgumentException($"ActivityExponent must be in (1, 10] (got {ActivityExponent}).", nameof(ActivityExponent));
        }

        if (!(Noise >= 0 && Noise <= 1))
        {
            throw new ArgumentException($"Noise must be in [0, 1] (got {Noise}).", nameof(Noise));
        }
    }
}
