using FastAls.Internals;

namespace FastAls;

public sealed partial class AlsModel
{
    /// <summary>
    /// Replaces the user factor rows [<paramref name="start"/>, start + rows) with <paramref name="factors"/>
    /// (row-major, k floats per row; every value finite) and drops the serving caches. Used to assemble a model
    /// from blocks trained elsewhere (e.g. by a distributed driver). Nothing changes when a check fails.
    /// </summary>
    /// <param name="start">The first user row to replace.</param>
    /// <param name="factors">rows x k floats.</param>
    public void SetUserFactorRows(int start, ReadOnlySpan<float> factors) => SetFactorRows(_userFactors, start, factors, "user");

    /// <summary>Replaces the item factor rows [<paramref name="start"/>, ...); see <see cref="SetUserFactorRows"/>.</summary>
    /// <param name="start">The first item row to replace.</param>
    /// <param name="factors">rows x k floats.</param>
    public void SetItemFactorRows(int start, ReadOnlySpan<float> factors) => SetFactorRows(_itemFactors, start, factors, "item");

    /// <summary>
    /// Replaces biases of the biased models: user biases from <paramref name="userStart"/>, item biases from
    /// <paramref name="itemStart"/> (either span may be empty), and drops the serving caches.
    /// </summary>
    /// <param name="userStart">The first user whose bias is replaced.</param>
    /// <param name="userBiases">User biases (finite).</param>
    /// <param name="itemStart">The first item whose bias is replaced.</param>
    /// <param name="itemBiases">Item biases (finite).</param>
    public void SetBiases(int userStart, ReadOnlySpan<float> userBiases, int itemStart, ReadOnlySpan<float> itemBiases)
    {
        if (!Options.HasBiases)
        {
            throw new NotSupportedException($"A {Kind} model has no biases.");
        }

        using ModelGate.WriteScope write = _gate.EnterWrite("SetBiases");
        CheckRange(userStart, userBiases.Length, Users, "user biases");
        CheckRange(itemStart, itemBiases.Length, Items, "item biases");
        CheckFinite(userBiases, "user biases", userStart);
        CheckFinite(itemBiases, "item biases", itemStart);
        userBiases.CopyTo(_userBiases!.AsSpan(userStart));
        itemBiases.CopyTo(_itemBiases!.AsSpan(itemStart));
        MarkChanged();
    }

    private void SetFactorRows(FactorMatrix m, int start, ReadOnlySpan<float> factors, string side)
    {
        using ModelGate.WriteScope write = _gate.EnterWrite("SetFactorRows");
        int k = Factors;
        if (factors.Length % k != 0)
        {
            throw new ArgumentException($"{factors.Length} {side} factor values are not a whole number of rows of k = {k}.", nameof(factors));
        }

        int rows = factors.Length / k;
        CheckRange(start, rows, m.Rows, side + " factor rows");
        CheckFinite(factors, side + " factors", (long)start * k);
        for (int r = 0; r < rows; r++)
        {
            factors.Slice(r * k, k).CopyTo(m.Row(start + r));
        }

        MarkChanged();
    }

    private static void CheckRange(int start, int count, int total, string what)
    {
        if (start < 0 || (long)start + count > total)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"The {what} [{start}, {(long)start + count}) do not lie within [0, {total}).");
        }
    }

    private static void CheckFinite(ReadOnlySpan<float> values, string what, long offset)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"{what}: value {offset + i} is not finite ({values[i]}).", nameof(values));
            }
        }
    }
}
