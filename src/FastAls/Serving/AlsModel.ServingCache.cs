using FastAls.Internals.Kernels;
using FastAls.Internals.Serving;

namespace FastAls;

public sealed partial class AlsModel
{
    private readonly Lock _servingLock = new();
    private ServingCache? _servingCache;

    /// <summary>What the serving cache holds, one slot each.</summary>
    private enum ServingSlot
    {
        ItemPanels,
        UserPanels,
        ItemInverseNorms,
        UserInverseNorms,
        ItemInt8,
        UserInt8,
    }

    /// <summary>
    /// The item factors packed into the panels of the blocked kernel (<see cref="PackedPanels"/>), built by the first
    /// call that needs them and kept until the model's <see cref="Version"/> changes. Callers are inside a read of
    /// the gate (or use <see cref="AsScorer"/>, whose contract forbids concurrent setters).
    /// </summary>
    internal PackedPanels CachedPanels(bool items) =>
        Cached(items ? ServingSlot.ItemPanels : ServingSlot.UserPanels, () => new PackedPanels(items ? _itemFactors : _userFactors));

    /// <summary>1 / |row| of every item (or user) factor row (<see cref="FactorScorer.InverseNorms"/>), cached as <see cref="CachedPanels"/>.</summary>
    internal float[] CachedInverseNorms(bool items) =>
        Cached(items ? ServingSlot.ItemInverseNorms : ServingSlot.UserInverseNorms, () => FactorScorer.InverseNorms(items ? _itemFactors : _userFactors));

    /// <summary>
    /// The item (or user) factors quantized to 8 bits for the bounded single query (<see cref="Int8Catalogue"/>), cached as
    /// <see cref="CachedPanels"/>; null where a single query would not take that path (where it does not pay,
    /// <see cref="Int8Catalogue.Pays"/>; on the scalar kernel path; for a catalogue too large for an array).
    /// </summary>
    internal Int8Catalogue? BoundedTargets(bool items)
    {
        FactorMatrix f = items ? _itemFactors : _userFactors;
        if (!Int8Catalogue.Pays(f) || !Int8Catalogue.Supports(KernelSet.Active.Path))
        {
            return null;
        }

        return Cached(items ? ServingSlot.ItemInt8 : ServingSlot.UserInt8, () => (object?)Int8Catalogue.TryBuild(f) ?? NoCatalogue.Instance) as Int8Catalogue;
    }

    /// <summary>Drops the serving cache (its memory); the version check alone already keeps stale entries from use.</summary>
    private void DropServingCache() => Volatile.Write(ref _servingCache, null);

    private T Cached<T>(ServingSlot slot, Func<T> build)
        where T : class
    {
        long v = Version;
        ServingCache? c = Volatile.Read(ref _servingCache);
        if (c is not null && c.Version == v && Volatile.Read(ref c.Slots[(int)slot]) is T hit)
        {
            return hit;
        }

        // Built under the lock: concurrent first callers wait for one build instead of each packing a copy.
        lock (_servingLock)
        {
            v = Version;
            c = _servingCache;
            if (c is null || c.Version != v)
            {
                c = new ServingCache(v);
                Volatile.Write(ref _servingCache, c);
            }

            if (c.Slots[(int)slot] is T have)
            {
                return have;
            }

            T built = build();
            Volatile.Write(ref c.Slots[(int)slot], built);
            return built;
        }
    }

    /// <summary>The cached answer "no quantized catalogue" (so the serving cache does not try again per call).</summary>
    private sealed class NoCatalogue
    {
        public static readonly NoCatalogue Instance = new();
    }

    /// <summary>The derived serving data of one model version.</summary>
    private sealed class ServingCache(long version)
    {
        public long Version { get; } = version;

        public object?[] Slots { get; } = new object?[Enum.GetValues<ServingSlot>().Length];
    }
}
