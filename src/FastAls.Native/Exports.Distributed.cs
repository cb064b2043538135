using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastAls.Interop;
using FastAls.IO;

namespace FastAls.Native;

/// <summary>
/// The primitives of a distributed driver (interop/python/fastals/distributed.py): raw Parquet parts with a
/// shared id dictionary, block CSR matrices by dense indices, a persistent fixed side per half-step, Gram
/// partials on the side's fixed chunking (reduced in training's order, so the same bits) and model assembly.
/// </summary>
internal static unsafe partial class Exports
{
    /// <summary>Reads one Parquet part file: raw interactions in input order with part-local indices (see fastals_part_ids).</summary>
    /// <param name="path">the .parquet part file</param>
    /// <param name="options">columns and value policy (duplicates are resolved later, per block)</param>
    /// <returns>the part</returns>
    [FastAlsExport("fastals_part_read", Result = "part")]
    internal static PartData PartRead(string path, in FastAlsLoadOptions options) => new(path, options.ToOptions());

    /// <summary>The size of a part: interactions and distinct users and items.</summary>
    /// <param name="part">the part</param>
    /// <param name="count">interactions (duplicates not merged)</param>
    /// <param name="users">distinct user ids</param>
    /// <param name="items">distinct item ids</param>
    [FastAlsExport("fastals_part_shape")]
    internal static void PartShape(PartData part, out long count, out int users, out int items)
    {
        count = part.Values.LongLength;
        users = part.UserIds.Count;
        items = part.ItemIds.Count;
    }

    /// <summary>The part's int64 user and item ids in first-seen order (part-local index = position); a side with string ids takes no entries here (fastals_part_text_ids).</summary>
    /// <param name="part">the part</param>
    /// <param name="userIds">users entries (none for string user ids)</param>
    /// <param name="itemIds">items entries (none for string item ids)</param>
    [FastAlsExport("fastals_part_ids")]
    internal static void PartIds(PartData part, Span<long> userIds, Span<long> itemIds)
    {
        CheckLength(userIds.Length, part.UserIds.IsText ? 0 : part.UserIds.Count, "user_ids");
        CheckLength(itemIds.Length, part.ItemIds.IsText ? 0 : part.ItemIds.Count, "item_ids");
        part.UserIds.Ints?.CopyTo(userIds);
        part.ItemIds.Ints?.CopyTo(itemIds);
    }

    /// <summary>Whether a part's user (side 0) or item (side 1) ids are strings, and their size in UTF-8 bytes (0 for int64 ids).</summary>
    /// <param name="part">the part</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="text">1 for string ids, 0 for int64 ids</param>
    /// <param name="bytes">the UTF-8 size of the side's string ids</param>
    [FastAlsExport("fastals_part_id_text")]
    internal static void PartIdText(PartData part, AlsHalfStep side, out bool text, out long bytes)
    {
        CheckSide(side);
        IdList ids = side == AlsHalfStep.Users ? part.UserIds : part.ItemIds;
        text = ids.IsText;
        bytes = ids.TextBytes();
    }

    /// <summary>The name of the id column a part's user (side 0) or item (side 1) ids were read from (for messages).</summary>
    /// <param name="part">the part</param>
    /// <param name="side">0: users, 1: items</param>
    /// <returns>the column name</returns>
    [FastAlsExport("fastals_part_column", Result = "column")]
    internal static string PartColumn(PartData part, AlsHalfStep side)
    {
        CheckSide(side);
        return side == AlsHalfStep.Users ? part.UserColumn : part.ItemColumn;
    }

    /// <summary>A part's string user (side 0) or item (side 1) ids in first-seen order, packed: UTF-8 bytes and count + 1 offsets from 0 (id i is text[offsets[i], offsets[i + 1])).</summary>
    /// <param name="part">the part</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="text">the UTF-8 size entries (fastals_part_id_text)</param>
    /// <param name="offsets">users (items) + 1 entries</param>
    [FastAlsExport("fastals_part_text_ids")]
    internal static void PartTextIds(PartData part, AlsHalfStep side, Span<byte> text, Span<long> offsets)
    {
        CheckSide(side);
        IdList ids = side == AlsHalfStep.Users ? part.UserIds : part.ItemIds;
        string name = side == AlsHalfStep.Users ? "user" : "item";
        CheckLength(text.Length, ids.TextBytes(), nameof(text));
        CheckLength(offsets.Length, (long)ids.Count + 1, nameof(offsets));
        ids.Pack(text, offsets, name);
    }

    /// <summary>The part's interactions in input order: part-local user and item indices and values.</summary>
    /// <param name="part">the part</param>
    /// <param name="users">count entries</param>
    /// <param name="items">count entries</param>
    /// <param name="values">count entries</param>
    [FastAlsExport("fastals_part_entries")]
    internal static void PartEntries(PartData part, Span<int> users, Span<int> items, Span<float> values)
    {
        CheckLength(users.Length, part.Users.Length, "users");
        CheckLength(items.Length, part.Items.Length, "items");
        CheckLength(values.Length, part.Values.Length, "values");
        part.Users.CopyTo(users);
        part.Items.CopyTo(items);
        part.Values.CopyTo(values);
    }

    /// <summary>Frees a part.</summary>
    /// <param name="part">the part</param>
    [FastAlsExport("fastals_part_free")]
    internal static void PartFree([FastAlsRelease] PartData part) => _ = part;

    /// <summary>
    /// A dataset from interactions given by dense indices in input order, duplicates resolved by the load options'
    /// policy exactly as fastals_dataset_load resolves them (so a block built from the entries of many parts, in part
    /// order, holds the same values as the rows of the whole data set loaded at once). Row r of the dataset is
    /// global row first_row + r (for messages).
    /// </summary>
    /// <param name="rows">rows of the block</param>
    /// <param name="cols">columns (the other side's global size)</param>
    /// <param name="firstRow">global index of the block's row 0</param>
    /// <param name="rowIndices">block row of each entry, in [0, rows)</param>
    /// <param name="colIndices">column of each entry, in [0, cols)</param>
    /// <param name="values">value of each entry</param>
    /// <param name="options">duplicate and value policy</param>
    /// <returns>the dataset</returns>
    [FastAlsExport("fastals_dataset_from_indices", Result = "dataset")]
    internal static Dataset DatasetFromIndices(int rows, int cols, int firstRow, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> colIndices, ReadOnlySpan<float> values, in FastAlsLoadOptions options)
    {
        if (rows < 0 || cols < 0 || firstRow < 0)
        {
            throw new ArgumentException($"rows, cols and first_row must be >= 0 (got {rows}, {cols}, {firstRow}).", nameof(rows));
        }

        CheckLength(colIndices.Length, rowIndices.Length, "col_indices");
        CheckLength(values.Length, rowIndices.Length, "values");
        InteractionLoadOptions o = options.ToOptions();
        using var b = new InteractionBuilder(IdMap.Identity(rows), IdMap.Identity(cols), o.Duplicates, o.Values);
        for (int i = 0; i < rowIndices.Length; i++)
        {
            if ((uint)rowIndices[i] >= (uint)rows || (uint)colIndices[i] >= (uint)cols)
            {
                throw new ArgumentException($"Entry {i}: row {(long)firstRow + rowIndices[i]} (block row {rowIndices[i]}), column {colIndices[i]} lies outside the block's rows [{firstRow}, {(long)firstRow + rows}) x [0, {cols}).", "row_indices");
            }

            b.AddIndices(rowIndices[i], colIndices[i], values[i]);
        }

        try
        {
            return b.Build();
        }
        catch (InvalidDataException e) when (firstRow != 0)
        {
            throw new InvalidDataException($"{e.Message} (block rows are numbered from global row {firstRow})", e);
        }
    }

    /// <summary>The number of stored entries of rows [start, start + count) of a dataset (transposed: of its item-by-user matrix).</summary>
    /// <param name="dataset">the dataset</param>
    /// <param name="transposed">0: user rows, 1: item rows</param>
    /// <param name="start">first row</param>
    /// <param name="count">number of rows</param>
    /// <param name="nnz">receives the entry count</param>
    [FastAlsExport("fastals_dataset_csr_nnz")]
    internal static void DatasetCsrNnz(Dataset dataset, bool transposed, int start, int count, out long nnz)
    {
        CsrMatrix m = transposed ? dataset.ItemUsers : dataset.UserItems;
        CheckRows(m, start, count);
        nnz = m.RowOffsets[start + count] - m.RowOffsets[start];
    }

    /// <summary>Copies rows [start, start + count) of a dataset's CSR matrix: offsets relative to the first row, columns and values.</summary>
    /// <param name="dataset">the dataset</param>
    /// <param name="transposed">0: user rows (columns are items), 1: item rows (columns are users)</param>
    /// <param name="start">first row</param>
    /// <param name="count">number of rows</param>
    /// <param name="rowOffsets">count + 1 entries, from 0</param>
    /// <param name="colIndices">the rows' entries (see fastals_dataset_csr_nnz)</param>
    /// <param name="values">the rows' entries</param>
    [FastAlsExport("fastals_dataset_csr_rows")]
    internal static void DatasetCsrRows(Dataset dataset, bool transposed, int start, int count, Span<long> rowOffsets, Span<int> colIndices, Span<float> values)
    {
        CsrMatrix m = transposed ? dataset.ItemUsers : dataset.UserItems;
        CheckRows(m, start, count);
        ReadOnlySpan<long> off = m.RowOffsets;
        long first = off[start], n = off[start + count] - first;
        CheckLength(rowOffsets.Length, (long)count + 1, "row_offsets");
        CheckLength(colIndices.Length, n, "col_indices");
        CheckLength(values.Length, n, "values");
        for (int r = 0; r <= count; r++)
        {
            rowOffsets[r] = off[start + r] - first;
        }

        for (long at = 0; at < n;)
        {
            int len = (int)Math.Min(n - at, 1 << 30);
            m.GetColIndices(first + at, len).CopyTo(colIndices.Slice((int)at, len));
            m.GetValues(first + at, len).CopyTo(values.Slice((int)at, len));
            at += len;
        }
    }

    /// <summary>The fixed chunking of a side's Gram pass: blocks whose rows start and end on its boundaries get exact Gram partials.</summary>
    /// <param name="options">the model options</param>
    /// <param name="rows">rows of the side</param>
    /// <param name="count">receives the number of chunks</param>
    /// <param name="size">receives the rows per chunk (the last may be shorter)</param>
    [FastAlsExport("fastals_gram_chunking")]
    internal static void GramChunkingExport(in FastAlsFitOptions options, int rows, out int count, out int size)
    {
        if (rows < 0)
        {
            throw new ArgumentException($"rows must be >= 0 (got {rows}).", nameof(rows));
        }

        (count, size) = ShardSolver.GramChunking(options.ToOptions(), rows);
    }

    /// <summary>
    /// The per-chunk Gram partials of the block of rows [first_row, first_row + rows) of a side of total_rows rows,
    /// which must start and end on the side's chunk boundaries (fastals_gram_chunking): one W x W partial (upper
    /// triangle) per chunk the block covers, with exactly the bits training computes for that chunk.
    /// </summary>
    /// <param name="options">the model options</param>
    /// <param name="totalRows">rows of the whole side</param>
    /// <param name="firstRow">the block's first row</param>
    /// <param name="rows">the block's rows</param>
    /// <param name="factors">rows * factors floats</param>
    /// <param name="biases">rows floats for biased models, else empty</param>
    /// <param name="threads">worker threads (0: all processors)</param>
    /// <param name="partials">chunks * W * W doubles</param>
    [FastAlsExport("fastals_gram_partials")]
    internal static void GramPartials(in FastAlsFitOptions options, int totalRows, int firstRow, int rows, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, int threads, Span<double> partials)
    {
        AlsOptions o = options.ToOptions();
        CheckLength(factors.Length, (long)rows * o.Factors, nameof(factors));
        ShardSolver.ComputeGramPartials(o, totalRows, firstRow, factors, biases, partials, Threads(threads));
    }

    /// <summary>Reduces a side's per-chunk Gram partials (all chunks, in chunk order) to its Gram matrix, as training does.</summary>
    /// <param name="options">the model options</param>
    /// <param name="count">number of chunks</param>
    /// <param name="partials">count * W * W doubles, chunk 0 first</param>
    /// <param name="gram">receives W * W doubles</param>
    [FastAlsExport("fastals_gram_reduce")]
    internal static void GramReduce(in FastAlsFitOptions options, int count, ReadOnlySpan<double> partials, Span<double> gram)
    {
        AlsOptions o = options.ToOptions();
        int w = ShardSolver.GramWidth(o);
        if (count < 0)
        {
            throw new ArgumentException($"count must be >= 0 (got {count}).", nameof(count));
        }

        CheckLength(partials.Length, (long)count * w * w, "partials");
        ShardSolver.ReduceGram(o, partials, gram);
    }

    /// <summary>The implicit models' unobserved-pairs share of the loss: the sum over all pairs of pred^2 from the solved side's and the fixed side's Gram matrices.</summary>
    /// <param name="options">the model options</param>
    /// <param name="solvedGram">the solved side's W * W Gram matrix</param>
    /// <param name="fixedGram">the fixed side's W * W Gram matrix</param>
    /// <param name="sum">receives the sum</param>
    [FastAlsExport("fastals_gram_pair_square_sum")]
    internal static void GramPairSquareSum(in FastAlsFitOptions options, ReadOnlySpan<double> solvedGram, ReadOnlySpan<double> fixedGram, out double sum)
    {
        sum = ShardSolver.GramPairSquareSum(options.ToOptions(), solvedGram, fixedGram);
    }

    /// <summary>
    /// The fixed side of a half-step, kept across its shard solves. With copy = 0 and k a multiple of 16 the factors
    /// are used in place (the caller keeps them alive and unchanged, except through fastals_fixed_set_rows, until
    /// fastals_fixed_free); otherwise they are copied once.
    /// </summary>
    /// <param name="options">the model options</param>
    /// <param name="rows">rows of the fixed side</param>
    /// <param name="factors">rows * factors floats</param>
    /// <param name="biases">rows floats for biased models, else empty</param>
    /// <param name="copy">copy the factors into library memory</param>
    /// <returns>the fixed side</returns>
    [FastAlsExport("fastals_fixed_create", Result = "fixed")]
    internal static FixedSide FixedCreate(in FastAlsFitOptions options, int rows, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases, bool copy)
    {
        AlsOptions o = options.ToOptions();
        if (rows < 0)
        {
            throw new ArgumentException($"rows must be >= 0 (got {rows}).", nameof(rows));
        }

        CheckLength(factors.Length, (long)rows * o.Factors, nameof(factors));
        CheckLength(biases.Length, o.HasBiases ? rows : 0, nameof(biases));
        return copy
            ? new FixedSide(o, factors, biases)
            : FixedSide.Borrow(o, rows, (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(factors)), biases);
    }

    /// <summary>Replaces rows [start, start + count) of a fixed side's factors (and biases).</summary>
    /// <param name="fixedSide">the fixed side</param>
    /// <param name="start">first row</param>
    /// <param name="count">number of rows</param>
    /// <param name="factors">count * factors floats</param>
    /// <param name="biases">count floats for biased models, else empty</param>
    [FastAlsExport("fastals_fixed_set_rows")]
    internal static void FixedSetRows(FixedSide fixedSide, int start, int count, ReadOnlySpan<float> factors, ReadOnlySpan<float> biases)
    {
        CheckRows(fixedSide.Rows, start, count);
        CheckLength(factors.Length, (long)count * fixedSide.Options.Factors, nameof(factors));
        fixedSide.SetRows(start, factors, biases);
    }

    /// <summary>Sets the fixed side's W x W extended Gram matrix (needed by the implicit models).</summary>
    /// <param name="fixedSide">the fixed side</param>
    /// <param name="gram">W * W doubles (fastals_gram_reduce)</param>
    [FastAlsExport("fastals_fixed_set_gram")]
    internal static void FixedSetGram(FixedSide fixedSide, ReadOnlySpan<double> gram)
    {
        fixedSide.SetGram(gram);
    }

    /// <summary>
    /// Solves a block of rows against a fixed side: rows [first_row, first_row + rows) of the solved side, whose CSR
    /// columns index the fixed side's rows. solved holds the CG start on input. Returns the block's data term (for
    /// implicit models without the unobserved pairs' share: add fastals_gram_pair_square_sum of the reduced Gram
    /// matrices) and regularization. Errors name global rows.
    /// </summary>
    /// <param name="fixedSide">the fixed side</param>
    /// <param name="firstRow">global index of the block's row 0</param>
    /// <param name="rows">rows in the block</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets</param>
    /// <param name="colIndices">fixed-side row of each entry, strictly increasing per row</param>
    /// <param name="values">value of each entry</param>
    /// <param name="globalMean">mu (biased explicit model), else 0</param>
    /// <param name="threads">worker threads (0: all processors)</param>
    /// <param name="solved">rows * factors floats: start on input, solution on output</param>
    /// <param name="solvedBiases">rows floats for biased models, else empty</param>
    /// <param name="loss">receives the block's data term</param>
    /// <param name="regularization">receives the block's regularization term</param>
    [FastAlsExport("fastals_fixed_solve")]
    internal static void FixedSolve(
        FixedSide fixedSide,
        int firstRow,
        int rows,
        ReadOnlySpan<long> rowOffsets,
        ReadOnlySpan<int> colIndices,
        ReadOnlySpan<float> values,
        float globalMean,
        int threads,
        Span<float> solved,
        Span<float> solvedBiases,
        out double loss,
        out double regularization)
    {
        AlsOptions o = fixedSide.Options;
        if (rows < 0 || firstRow < 0)
        {
            throw new ArgumentException($"rows and first_row must be >= 0 (got {rows}, {firstRow}).", nameof(rows));
        }

        if (o.IsImplicit && !fixedSide.HasGram)
        {
            throw new InvalidOperationException("Implicit models need the fixed side's Gram matrix: call fastals_fixed_set_gram first.");
        }

        CheckLength(rowOffsets.Length, (long)rows + 1, "row_offsets");
        ShardResult r = fixedSide.Solve(firstRow, rowOffsets, colIndices, values, globalMean, solved, solvedBiases, Threads(threads));
        loss = r.Loss;
        regularization = r.Regularization;
    }

    /// <summary>Frees a fixed side (the caller's memory it wrapped is left alone).</summary>
    /// <param name="fixedSide">the fixed side</param>
    [FastAlsExport("fastals_fixed_free")]
    internal static void FixedFree([FastAlsRelease] FixedSide fixedSide) => fixedSide.Dispose();

    /// <summary>A model with zero factors and the given int64 ids (to be filled with fastals_model_set_factor_rows and fastals_model_set_bias_rows).</summary>
    /// <param name="options">hyperparameters (kind and factors matter here)</param>
    /// <param name="userIds">the external id of each user row (distinct)</param>
    /// <param name="itemIds">the external id of each item row (distinct)</param>
    /// <returns>the model</returns>
    [FastAlsExport("fastals_model_create_with_ids", Result = "model")]
    internal static AlsModel ModelCreateWithIds(in FastAlsFitOptions options, ReadOnlySpan<long> userIds, ReadOnlySpan<long> itemIds) =>
        new(options.ToOptions(), userIds.Length, itemIds.Length, IdMap.FromInt64(userIds), IdMap.FromInt64(itemIds));

    /// <summary>
    /// A model with zero factors and the given ids, each side int64 or string ids: a side's ids are strings when
    /// its offsets are given (count + 1 byte offsets from 0 into its UTF-8 text; its int64 ids then empty), else
    /// its int64 ids. As fastals_model_create_with_ids otherwise.
    /// </summary>
    /// <param name="options">hyperparameters (kind and factors matter here)</param>
    /// <param name="userIds">int64 user ids (empty for string ids)</param>
    /// <param name="userText">UTF-8 user ids (empty for int64 ids)</param>
    /// <param name="userOffsets">users + 1 offsets into user_text (empty for int64 ids)</param>
    /// <param name="itemIds">int64 item ids (empty for string ids)</param>
    /// <param name="itemText">UTF-8 item ids (empty for int64 ids)</param>
    /// <param name="itemOffsets">items + 1 offsets into item_text (empty for int64 ids)</param>
    /// <returns>the model</returns>
    [FastAlsExport("fastals_model_create_with_text_ids", Result = "model")]
    internal static AlsModel ModelCreateWithTextIds(in FastAlsFitOptions options, ReadOnlySpan<long> userIds, ReadOnlySpan<byte> userText, ReadOnlySpan<long> userOffsets, ReadOnlySpan<long> itemIds, ReadOnlySpan<byte> itemText, ReadOnlySpan<long> itemOffsets)
    {
        IdMap users = IdList.ToMap(userIds, userText, userOffsets, "user_ids");
        IdMap items = IdList.ToMap(itemIds, itemText, itemOffsets, "item_ids");
        return new(options.ToOptions(), users.Count, items.Count, users, items);
    }

    /// <summary>Replaces factor rows [start, start + count) of one side of a model.</summary>
    /// <param name="model">the model</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="start">first row</param>
    /// <param name="count">number of rows</param>
    /// <param name="factors">count * factors floats (finite)</param>
    [FastAlsExport("fastals_model_set_factor_rows")]
    internal static void ModelSetFactorRows(AlsModel model, AlsHalfStep side, int start, int count, ReadOnlySpan<float> factors)
    {
        CheckLength(factors.Length, (long)count * model.Factors, nameof(factors));
        if (side == AlsHalfStep.Users)
        {
            model.SetUserFactorRows(start, factors);
        }
        else
        {
            CheckSide(side);
            model.SetItemFactorRows(start, factors);
        }
    }

    /// <summary>Copies factor rows [start, start + count) of one side of a model.</summary>
    /// <param name="model">the model</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="start">first row</param>
    /// <param name="count">number of rows</param>
    /// <param name="factors">count * factors floats</param>
    [FastAlsExport("fastals_model_get_factor_rows")]
    internal static void ModelGetFactorRows(AlsModel model, AlsHalfStep side, int start, int count, Span<float> factors)
    {
        CheckSide(side);
        ReadOnlyFactorMatrix m = side == AlsHalfStep.Users ? model.UserFactors : model.ItemFactors;
        CheckRows(m.Rows, start, count);
        int k = model.Factors;
        CheckLength(factors.Length, (long)count * k, nameof(factors));
        for (int r = 0; r < count; r++)
        {
            m.Row(start + r).CopyTo(factors.Slice(r * k, k));
        }
    }

    /// <summary>Replaces the biases of a biased model from the given rows on (either array may be empty) and, for the biased explicit model, the global mean.</summary>
    /// <param name="model">the model</param>
    /// <param name="userStart">first user whose bias is replaced</param>
    /// <param name="userBiases">user biases</param>
    /// <param name="itemStart">first item whose bias is replaced</param>
    /// <param name="itemBiases">item biases</param>
    /// <param name="globalMean">mu (biased explicit models; ignored by the biased implicit model)</param>
    [FastAlsExport("fastals_model_set_bias_rows")]
    internal static void ModelSetBiasRows(AlsModel model, int userStart, ReadOnlySpan<float> userBiases, int itemStart, ReadOnlySpan<float> itemBiases, float globalMean)
    {
        if (model.Kind == AlsModelKind.BiasedExplicit && !float.IsFinite(globalMean))
        {
            throw new ArgumentException($"global_mean must be finite (got {globalMean}).", nameof(globalMean));
        }

        model.SetBiases(userStart, userBiases, itemStart, itemBiases);
        if (model.Kind == AlsModelKind.BiasedExplicit)
        {
            model.SetGlobalMean(globalMean);
        }
    }

    /// <summary>
    /// The starting factors of rows [first_row, first_row + rows) of one side, exactly as fastals_model_fit starts
    /// them (counter-based by seed, side and row): rows with interactions (row_offsets[r + 1] &gt; row_offsets[r])
    /// get seeded values, the others zero.
    /// </summary>
    /// <param name="options">the model options (seed, factors, init_scale)</param>
    /// <param name="side">0: users, 1: items</param>
    /// <param name="firstRow">global index of the first row</param>
    /// <param name="rows">number of rows</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets of the rows (only the row lengths matter)</param>
    /// <param name="factors">receives rows * factors floats</param>
    [FastAlsExport("fastals_init_rows")]
    internal static void InitRows(in FastAlsFitOptions options, AlsHalfStep side, int firstRow, int rows, ReadOnlySpan<long> rowOffsets, Span<float> factors)
    {
        AlsOptions o = options.ToOptions();
        CheckSide(side);
        if (rows < 0 || firstRow < 0)
        {
            throw new ArgumentException($"rows and first_row must be >= 0 (got {rows}, {firstRow}).", nameof(rows));
        }

        CheckLength(rowOffsets.Length, (long)rows + 1, "row_offsets");
        ShardSolver.InitRows(o, side, firstRow, rowOffsets, factors);
    }

    /// <summary>
    /// Per-chunk sums of the values of a block of user rows on the user side's Gram chunking (the block aligned to
    /// it): a biased explicit fit's global mean is (float)(sum of all chunks' sums, in chunk order, / nnz).
    /// </summary>
    /// <param name="options">the model options</param>
    /// <param name="totalRows">rows of the side</param>
    /// <param name="firstRow">the block's first row</param>
    /// <param name="rows">the block's rows</param>
    /// <param name="rowOffsets">rows + 1 CSR offsets</param>
    /// <param name="values">the block's values</param>
    /// <param name="sums">one double per chunk the block covers</param>
    [FastAlsExport("fastals_value_sums")]
    internal static void ValueSums(in FastAlsFitOptions options, int totalRows, int firstRow, int rows, ReadOnlySpan<long> rowOffsets, ReadOnlySpan<float> values, Span<double> sums)
    {
        CheckLength(rowOffsets.Length, (long)rows + 1, "row_offsets");
        ShardSolver.ValueSums(options.ToOptions(), totalRows, firstRow, rowOffsets, values, sums);
    }

    private static void CheckSide(AlsHalfStep side)
    {
        if (side is not (AlsHalfStep.Users or AlsHalfStep.Items))
        {
            throw new ArgumentException($"side must be 0 (users) or 1 (items) (got {(int)side}).", nameof(side));
        }
    }

    private static void CheckRows(CsrMatrix m, int start, int count) => CheckRows(m.Rows, start, count);

    private static void CheckRows(int total, int start, int count)
    {
        if (start < 0 || count < 0 || (long)start + count > total)
        {
            throw new ArgumentException($"Rows [{start}, {(long)start + count}) do not lie within [0, {total}).", nameof(start));
        }
    }
}
