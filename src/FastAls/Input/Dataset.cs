namespace FastAls;

/// <summary>
/// Interactions in both orientations (user-by-item and item-by-user) with the id maps that turn
/// external user and item ids into row and column indices.
/// </summary>
public sealed class Dataset : IDisposable
{
    /// <summary>Wraps a user-by-item matrix; builds the item-by-user transpose unless given.</summary>
    /// <remarks>
    /// A given <paramref name="itemUsers"/> is checked to be exactly the transpose of <paramref name="userItems"/>
    /// (O(nnz)): the two halves train the two sides, and a mismatch would train on data the caller never gave.
    /// </remarks>
    /// <exception cref="InvalidDataException"><paramref name="itemUsers"/> is not the transpose of <paramref name="userItems"/>.</exception>
    /// <exception cref="ArgumentException">An id map's size does not match the matrix.</exception>
    public Dataset(CsrMatrix userItems, IdMap? userIds = null, IdMap? itemIds = null, CsrMatrix? itemUsers = null)
        : this(userItems, userIds, itemIds, itemUsers, trustedTranspose: false)
    {
    }

    /// <summary>
    /// The trusted form: <paramref name="itemUsers"/>, when given, was computed by <see cref="CsrMatrix.Transpose()"/>
    /// from <paramref name="userItems"/> in this process (the interaction builder), so the transpose check is skipped.
    /// </summary>
    internal Dataset(CsrMatrix userItems, IdMap? userIds, IdMap? itemIds, CsrMatrix? itemUsers, bool trustedTranspose)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        UserItems = userItems;
        ItemUsers = itemUsers ?? userItems.Transpose();
        if (itemUsers is not null && !trustedTranspose)
        {
            userItems.ValidateTransposeOf(itemUsers);
        }
        else if (ItemUsers.Rows != userItems.Cols || ItemUsers.Cols != userItems.Rows || ItemUsers.Nnz != userItems.Nnz)
        {
            throw new ArgumentException("itemUsers is not the transpose of userItems (shapes or nnz differ).", nameof(itemUsers));
        }

        UserIds = userIds ?? IdMap.Identity(userItems.Rows);
        ItemIds = itemIds ?? IdMap.Identity(userItems.Cols);
        if (UserIds.Count != userItems.Rows)
        {
            throw new ArgumentException($"The user id map has {UserIds.Count} ids but the matrix has {userItems.Rows} rows.", nameof(userIds));
        }

        if (ItemIds.Count != userItems.Cols)
        {
            throw new ArgumentException($"The item id map has {ItemIds.Count} ids but the matrix has {userItems.Cols} columns.", nameof(itemIds));
        }
    }

    /// <summary>Users x items.</summary>
    public CsrMatrix UserItems { get; }

    /// <summary>Items x users (the transpose of <see cref="UserItems"/>).</summary>
    public CsrMatrix ItemUsers { get; }

    /// <summary>External user ids by row.</summary>
    public IdMap UserIds { get; }

    /// <summary>External item ids by column.</summary>
    public IdMap ItemIds { get; }

    /// <summary>Number of users.</summary>
    public int Users => UserItems.Rows;

    /// <summary>Number of items.</summary>
    public int Items => UserItems.Cols;

    /// <summary>Number of interactions.</summary>
    public long Nnz => UserItems.Nnz;

    /// <summary>Releases both matrices.</summary>
    public void Dispose()
    {
        UserItems.Dispose();
        ItemUsers.Dispose();
    }
}
