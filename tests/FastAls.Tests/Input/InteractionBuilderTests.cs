using FastAls.IO;

namespace FastAls.Tests.Data;

public class InteractionBuilderTests
{
    [Theory]
    [InlineData(DuplicatePolicy.Sum)]
    [InlineData(DuplicatePolicy.LastWins)]
    public void Build_matches_reference_in_both_orientations(DuplicatePolicy policy)
    {
        (long[] u, long[] it, float[] v) = DataTestHelpers.Random(20_000, 300, 200, 42);
        var expected = new Dictionary<(string, string), float>();
        for (int k = 0; k < u.Length; k++)
        {
            var key = (u[k].ToString(), it[k].ToString());
            expected[key] = policy == DuplicatePolicy.Sum && expected.TryGetValue(key, out float old) ? old + v[k] : v[k];
        }

        using var b = new InteractionBuilder(duplicates: policy);
        b.AddRange(u, it, v);
        using Dataset ds = b.Build();
        DataTestHelpers.AssertConsistent(ds);
        Assert.Equal(expected.Count, ds.Nnz);
        Assert.Equal(expected, DataTestHelpers.ToTriplets(ds));
        Assert.Equal(u[0], ds.UserIds.GetInt64(0));
        Assert.Equal(it[0], ds.ItemIds.GetInt64(0));
    }

    [Fact]
    public void LastWins_keeps_the_later_value_sum_adds()
    {
        using var a = new InteractionBuilder(duplicates: DuplicatePolicy.LastWins);
        a.Add(1, 2, 3f);
        a.Add(1, 2, 5f);
        a.Add(1, 1, 1f);
        using Dataset da = a.Build();
        Assert.Equal(2, da.Nnz);
        Assert.Equal(5f, da.UserItems.Get(0, 0));
        Assert.Equal([0, 1], da.UserItems.RowIndices(0).ToArray());

        using var s = new InteractionBuilder(duplicates: DuplicatePolicy.Sum);
        s.Add(1, 2, 3f);
        s.Add(1, 2, 5f);
        using Dataset ds = s.Build();
        Assert.Equal(8f, ds.UserItems.Get(0, 0));
    }

    [Fact]
    public void Duplicate_under_error_policy_names_both_records()
    {
        using var b = new InteractionBuilder(duplicates: DuplicatePolicy.Error);
        b.Add(10, 20, 1f);
        b.Add(11, 20, 1f);
        b.Add(10, 20, 2f);
        var e = Assert.Throws<InvalidDataException>(() => b.Build());
        Assert.Contains("user 10, item 20", e.Message, StringComparison.Ordinal);
        Assert.Contains("record 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("record 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_non_finite_always_rejected_zero_and_negative_per_policy()
    {
        using var keep = new InteractionBuilder();
        keep.Add(1, 1, 0f);
        keep.Add(1, 2, -2f);
        Assert.Throws<InvalidDataException>(() => keep.Add(1, 3, float.NaN));
        Assert.Throws<InvalidDataException>(() => keep.Add(1, 3, float.PositiveInfinity));
        using Dataset ds = keep.Build();
        Assert.Equal(2, ds.Nnz); // zero kept as an explicit entry
        Assert.Equal(-2f, ds.UserItems.Get(0, 1));

        using var strict = new InteractionBuilder(values: ValuePolicy.RejectNonPositive);
        Assert.Contains("zero", Assert.Throws<InvalidDataException>(() => strict.Add(1, 1, 0f)).Message, StringComparison.Ordinal);
        Assert.Contains("negative", Assert.Throws<InvalidDataException>(() => strict.Add(1, 1, -1f)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StringIds_first_seen_order()
    {
        using var b = new InteractionBuilder(IdKind.String, IdKind.String);
        b.Add("bob", "x", 1f);
        b.Add("alice", "y", 1f);
        b.Add("bob", "y", 1f);
        using Dataset ds = b.Build();
        Assert.Equal("bob", ds.UserIds.GetString(0));
        Assert.Equal("alice", ds.UserIds.GetString(1));
        Assert.Equal([0, 1], ds.UserItems.RowIndices(0).ToArray());
        Assert.Equal(1, ds.UserIds.GetOrAdd("alice".AsSpan()));
    }

    [Fact]
    public void Build_spans_several_chunks()
    {
        // More than one 2^20 chunk, so chunk boundaries are crossed.
        const int n = (1 << 20) + 1000;
        using var b = new InteractionBuilder(duplicates: DuplicatePolicy.Error);
        for (int k = 0; k < n; k++)
        {
            b.Add(k % 1013, k / 1013, 1f);
        }

        using Dataset ds = b.Build();
        Assert.Equal(n, ds.Nnz);
        DataTestHelpers.AssertConsistent(ds);
    }

    [Fact]
    public void AddAfterBuildOrDispose_throws_and_leaves_the_id_maps_alone()
    {
        var b = new InteractionBuilder();
        b.Add(1, 1, 1f);
        using (Dataset ds = b.Build())
        {
            Assert.Throws<ObjectDisposedException>(() => b.Add(1, 2, 1f));
            Assert.Throws<ObjectDisposedException>(() => b.AddIndices(0, 0, 1f));
            Assert.Throws<ObjectDisposedException>(() => b.Build());
            Assert.Equal(1, ds.ItemIds.Count);
        }

        var c = new InteractionBuilder();
        c.Add(1, 1, 1f);
        c.Dispose();
        Assert.Throws<ObjectDisposedException>(() => c.Add(1, 2, 1f));
    }

    [Fact]
    public void DenseIndices_build_the_user_item_matrix_of_the_given_shape_without_id_maps()
    {
        // The C ABI's seen-items matrix: rows and columns are model indices; empty rows and columns stay.
        using var b = new InteractionBuilder(5, 7, DuplicatePolicy.LastWins);
        b.AddIndices(3, 6, 1f);
        b.AddIndices(3, 0, 1f);
        b.AddIndices(1, 2, 1f);
        b.AddIndices(3, 6, 1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.AddIndices(5, 0, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.AddIndices(0, 7, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.AddIndices(0, -1, 1f));
        Assert.Throws<InvalidOperationException>(() => b.UserIds);
        using CsrMatrix m = b.BuildUserItems();
        Assert.Equal((5, 7), (m.Rows, m.Cols));
        Assert.Equal([0L, 0, 1, 1, 3, 3], m.RowOffsets.ToArray());
        Assert.Equal([2, 0, 6], m.ColIndices.ToArray());
        Assert.Equal([1f, 1f, 1f], m.Values.ToArray());
    }

    [Fact]
    public void DenseIndices_under_error_policy_name_the_indices()
    {
        using var b = new InteractionBuilder(2, 2, DuplicatePolicy.Error);
        b.AddIndices(1, 0, 1f);
        b.AddIndices(1, 0, 2f);
        var e = Assert.Throws<InvalidDataException>(() => b.BuildUserItems());
        Assert.Contains("(user 1, item 0)", e.Message, StringComparison.Ordinal);
    }
}
