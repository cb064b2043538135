using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastAls.Interop;
using FastAls.Internals.Kernels;

namespace FastAls.Native;

/// <summary>
/// The managed side of the C ABI: each <c>[FastAlsExport]</c> method becomes one C function (argument checks,
/// handle lookup and exception-to-status mapping are generated). Adding an export is adding a method here.
/// </summary>
internal static unsafe partial class Exports
{
    /// <summary>The library version (semantic version of FastAls).</summary>
    /// <returns>the version text</returns>
    [FastAlsExport("fastals_version", Result = "version")]
    internal static string Version() => FastAlsInfo.Version;

    /// <summary>Build information: version, runtime, the x86-64 level this library was compiled for and the live kernel.</summary>
    /// <returns>one line of key=value pairs</returns>
    [FastAlsExport("fastals_build_info", Result = "info")]
    internal static string BuildInfo()
    {
        string isa = typeof(Exports).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "FastAls.InstructionSet")?.Value is { Length: > 0 } s ? s : "default";
        return $"fastals {Version()}; runtime={RuntimeInformation.FrameworkDescription}; aot={!RuntimeFeature.IsDynamicCodeSupported}; "
            + $"instruction_set={isa}; kernel={KernelIsa.Active}; best_kernel={KernelIsa.Best}; processors={Environment.ProcessorCount}";
    }

    /// <summary>The kernel path the numeric code runs in this process (FASTALS_FORCE_KERNEL can narrow it).</summary>
    /// <returns>the live kernel path</returns>
    [FastAlsExport("fastals_kernel_path", Result = "path")]
    internal static KernelPath KernelPathActive() => KernelIsa.Active;

    /// <summary>Number of live handles (datasets and models not yet freed); for leak checks.</summary>
    /// <returns>the count</returns>
    [FastAlsExport("fastals_handle_count", Result = "count")]
    internal static int HandleCount() => FastAlsHandles.Count;

    /// <summary>The text of this library's C header (which = 0) or Python ctypes signatures (which = 1).</summary>
    /// <param name="which">0: fastals.h, 1: _signatures.py</param>
    /// <returns>the text</returns>
    [FastAlsExport("fastals_interface_text", Result = "text")]
    internal static string InterfaceText(int which) => which switch
    {
        0 => FastAlsInterface.CHeader,
        1 => FastAlsInterface.PythonSignatures,
        _ => throw new ArgumentOutOfRangeException(nameof(which), which, "which must be 0 (C header) or 1 (Python signatures)."),
    };

    /// <summary>Fills options with the implicit model's defaults (as fastals_fit_options_init_kind with FASTALS_ALS_MODEL_KIND_IMPLICIT), no callback.</summary>
    /// <param name="options">the struct to fill</param>
    [FastAlsExport("fastals_fit_options_init")]
    internal static void FitOptionsInit(FastAlsFitOptions* options) => *options = FastAlsFitOptions.Defaults(AlsModelKind.Implicit);

    /// <summary>Fills options with the library's defaults for a model kind (the explicit kinds: lambda 0.1 scaled by the row's count), no callback.</summary>
    /// <param name="kind">the model kind</param>
    /// <param name="options">the struct to fill</param>
    [FastAlsExport("fastals_fit_options_init_kind")]
    internal static void FitOptionsInitKind(AlsModelKind kind, FastAlsFitOptions* options) => *options = FastAlsFitOptions.Defaults(kind);

    /// <summary>
    /// The training options as JSON: {"options": [{"name", "type" (int32, float32, float64 or enum), "values" (an enum's
    /// spellings, in value order), "description", "defaults" (by model kind spelling)}]}, in the struct's order. Front
    /// ends take their option names, defaults and enum spellings from it.
    /// </summary>
    /// <returns>the JSON text</returns>
    [FastAlsExport("fastals_options_schema", Result = "json")]
    internal static string OptionsSchema() => OptionsSchemaJson.Text;

    /// <summary>
    /// A dataset over a users x items CSR matrix. With copy = 0 the arrays are used in place (zero-copy): the caller
    /// keeps them alive and unchanged until fastals_dataset_free. The structure is validated either way.
    /// </summary>
    /// <param name="rows">number of users</param>
    /// <param name="cols">number of items</param>
    /// <param name="rowOffsets">rows + 1 offsets, from 0 to nnz, non-decreasing</param>
    /// <param name="colIndices">item index of each non-zero, strictly increasing within a row</param>
    /// <param name="values">value of each non-zero (finite)</param>
    /// <param name="copy">copy the arrays into library memory</param>
    /// <returns>the dataset</returns>
    [FastAlsExport("fastals_dataset_from_csr", Result = "dataset")]
    internal static Dataset DatasetFromCsr(int rows, int cols, ReadOnlySpan<long> rowOffsets, ReadOnlySpan<int> colIndices, ReadOnlySpan<float> values, bool copy)
    {
        if (rows < 0 || cols < 0)
        {
            throw new ArgumentException($"rows and cols must be >= 0 (got {rows} x {cols}).", rows < 0 ? nameof(rows) : nameof(cols));
        }

        if (rowOffsets.Length != (long)rows + 1)
        {
            throw new ArgumentException($"row_offsets has {rowOffsets.Length} entries; a {rows}-row matrix needs {(long)rows + 1}.", nameof(rowOffsets));
        }

        long nnz = rowOffsets[rows];
        if (colIndices.Length != nnz || values.Length != nnz)
        {
            throw new ArgumentException($"row_offsets[{rows}] = {nnz} but col_indices has {colIndices.Length} and values {values.Length} entries.", nameof(rowOffsets));
        }

        // All lengths are consistent; now the offsets (from 0, non-decreasing, ending at nnz), before anything
        // walks a row or copies: with them checked, every row lies inside the caller's arrays.
        fixed (long* off = rowOffsets)
        {
            CsrMatrix.ValidateOffsets(off, rows, nnz);
        }

        CsrMatrix m = copy
            ? CsrMatrix.FromArrays(rows, cols, rowOffsets.ToArray(), colIndices.ToArray(), values.ToArray())
            : CsrMatrix.FromPointers(
                rows,
                cols,
                (long*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(rowOffsets)),
                (int*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(colIndices)),
                (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(values)));
        try
        {
            return new Dataset(m);
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }

    /// <summary>A dataset from COO triplets with external int64 ids (ids numbered in first-seen order; duplicate pairs summed).</summary>
    /// <param name="userIds">user id of each interaction</param>
    /// <param name="itemIds">item id of each interaction</param>
    /// <param name="values">value of each interaction (finite)</param>
    /// <returns>the dataset</returns>
    [FastAlsExport("fastals_dataset_from_coo", Result = "dataset")]
    internal static Dataset DatasetFromCoo(ReadOnlySpan<long> userIds, ReadOnlySpan<long> itemIds, ReadOnlySpan<float> values)
    {
        if (userIds.Length != itemIds.Length || userIds.Length != values.Length)
        {
            throw new ArgumentException($"user_ids, item_ids and values must have the same length (got {userIds.Length}, {itemIds.Length}, {values.Length}).", nameof(values));
        }

        // The library's builder: ids in first-seen order, duplicates summed in input order, non-finite values named by index.
        using var builder = new FastAls.IO.InteractionBuilder(IdKind.Int64, IdKind.Int64, FastAls.IO.DuplicatePolicy.Sum);
        builder.BeginBlock(s_cooSource);
        builder.AddRange(userIds, itemIds, values);
        return builder.Build();
    }

    /// <summary>How messages name an entry of fastals_dataset_from_coo's arrays ("the COO arrays, index 3, column values").</summary>
    private static readonly FastAls.IO.SourceBlock s_cooSource = new("the COO arrays", -1, 0, "user_ids", "item_ids", "values", "index");

    /// <summary>The shape of a dataset.</summary>
    /// <param name="dataset">the dataset</param>
    /// <param name="users">number of users (rows)</param>
    /// <param name="items">number of items (columns)</param>
    /// <param name="nnz">number of interactions</param>
    [FastAlsExport("fastals_dataset_shape")]
    internal static void DatasetShape(Dataset dataset, out int users, out int items, out long nnz)
    {
        users = dataset.Users;
        items = dataset.Items;
        nnz = dataset.Nnz;
    }

    /// <summary>The external id of each user row (int64 ids; identity ids for CSR datasets).</summary>
    /// <param name="dataset">the dataset</param>
    /// <param name="ids">users entries</param>
    [FastAlsExport("fastals_dataset_user_ids")]
    internal static void DatasetUserIds(Dataset dataset, Span<long> ids) => CopyIds(dataset.UserIds, ids, nameof(ids));

    /// <summary>The external id of each item column (int64 ids; identity ids for CSR datasets).</summary>
    /// <param name="dataset">the dataset</param>
    /// <param name="ids">items entries</param>
    [FastAlsExport("fastals_dataset_item_ids")]
    internal static void DatasetItemIds(Dataset dataset, Span<long> ids) => CopyIds(dataset.ItemIds, ids, nameof(ids));

    /// <summary>Frees a dataset (its handle is invalid afterwards).</summary>
    /// <param name="dataset">the dataset</param>
    [FastAlsExport("fastals_dataset_free")]
    internal static void DatasetFree([FastAlsRelease] Dataset dataset) => dataset.Dispose();

    /// <summary>A model with zero factors (to be filled with fastals_model_set_*_factors), for serving factors trained elsewhere.</summary>
    /// <param name="options">hyperparameters (kind and factors matter here)</param>
    /// <param name="users">number of users</param>
    /// <param name="items">number of items</param>
    /// <returns>the model</returns>
    [FastAlsExport("fastals_model_create", Result = "model")]
    internal static AlsModel ModelCreate(in FastAlsFitOptions options, int users, int items)
    {
        if (users < 0 || items < 0)
        {
            throw new ArgumentException($"users and items must be >= 0 (got {users} x {items}).", users < 0 ? nameof(users) : nameof(items));
        }

        return new AlsModel(options.ToOptions(), users, items);
    }

    /// <summary>The shape and kind of a model.</summary>
    /// <param name="model">the model</param>
    /// <param name="users">number of users</param>
    /// <param name="items">number of items</param>
    /// <param name="factors">number of factors k</param>
    /// <param name="kind">the model kind</param>
    [FastAlsExport("fastals_model_shape")]
    internal static void ModelShape(AlsModel model, out int users, out int items, out int factors, out AlsModelKind kind)
    {
        users = model.Users;
        items = model.Items;
        factors = model.Factors;
        kind = model.Kind;
    }

    /// <summary>The options a model was trained (or created) with, no callback.</summary>
    /// <param name="model">the model</param>
    /// <param name="options">the struct to fill</param>
    [FastAlsExport("fastals_model_options")]
    internal static void ModelOptions(AlsModel model, FastAlsFitOptions* options) => *options = FastAlsFitOptions.From(model.Options);

    /// <summary>Copies the user factors, row-major users x factors (no padding).</summary>
    /// <param name="model">the model</param>
    /// <param name="factors">users * factors floats</param>
    [FastAlsExport("fastals_model_get_user_factors")]
    internal static void ModelGetUserFactors(AlsModel model, Span<float> factors) => CopyOut(model.UserFactors, factors);

    /// <summary>Copies the item factors, row-major items x factors (no padding).</summary>
    /// <param name="model">the model</param>
    /// <param name="factors">items * factors floats</param>
    [FastAlsExport("fastals_model_get_item_factors")]
    internal static void ModelGetItemFactors(AlsModel model, Span<float> factors) => CopyOut(model.ItemFactors, factors);

    /// <summary>Replaces the user factors (row-major users x factors).</summary>
    /// <param name="model">the model</param>
    /// <param name="factors">users * factors floats (finite)</param>
    [FastAlsExport("fastals_model_set_user_factors")]
    internal static void ModelSetUserFactors(AlsModel model, ReadOnlySpan<float> factors) => model.SetUserFactors(factors);

    /// <summary>Replaces the item factors (row-major items x factors).</summary>
    /// <param name="model">the model</param>
    /// <param name="factors">items * factors floats (finite)</param>
    [FastAlsExport("fastals_model_set_item_factors")]
    internal static void ModelSetItemFactors(AlsModel model, ReadOnlySpan<float> factors) => model.SetItemFactors(factors);

    /// <summary>Replaces the biases and global mean of a biased model (FASTALS_E_NOT_SUPPORTED for the others); all or nothing.</summary>
    /// <param name="model">the model</param>
    /// <param name="userBiases">users floats (finite)</param>
    /// <param name="itemBiases">items floats (finite)</param>
    /// <param name="globalMean">the global mean mu (finite)</param>
    [FastAlsExport("fastals_model_set_biases")]
    internal static void ModelSetBiases(AlsModel model, ReadOnlySpan<float> userBiases, ReadOnlySpan<float> itemBiases, float globalMean)
    {
        if (!model.HasBiases)
        {
            throw new NotSupportedException($"A {model.Kind} model has no biases.");
        }

        if (userBiases.Length != model.Users || itemBiases.Length != model.Items)
        {
            throw new ArgumentException($"user_biases/item_biases have {userBiases.Length}/{itemBiases.Length} entries; the model has {model.Users} users and {model.Items} items.", nameof(userBiases));
        }

        for (int i = 0; i < itemBiases.Length; i++)
        {
            if (!float.IsFinite(itemBiases[i]))
            {
                throw new ArgumentException($"item_biases[{i}] is not finite ({itemBiases[i]}).", nameof(itemBiases));
            }
        }

        if (!float.IsFinite(globalMean))
        {
            throw new ArgumentException($"global_mean must be finite (got {globalMean}).", nameof(globalMean));
        }

        model.SetUserBiases(userBiases); // checks its own values; the item side and mu were checked above
        model.SetItemBiases(itemBiases);
        model.SetGlobalMean(globalMean);
    }

    /// <summary>Frees a model (its handle is invalid afterwards).</summary>
    /// <param name="model">the model</param>
    [FastAlsExport("fastals_model_free")]
    internal static void ModelFree([FastAlsRelease] AlsModel model) => model.Dispose();

    private static void CopyIds(IdMap map, Span<long> ids, string name)
    {
        if (ids.Length != map.Count)
        {
            throw new ArgumentException($"{name} has {ids.Length} entries; the dataset has {map.Count}.", name);
        }

        if (map.Kind != IdKind.Int64)
        {
            throw new NotSupportedException("The ids are strings; they cannot be copied as int64.");
        }

        map.Int64Ids.CopyTo(ids);
    }

    private static void CopyOut(ReadOnlyFactorMatrix m, Span<float> dest)
    {
        if (dest.Length != (long)m.Rows * m.Factors)
        {
            throw new ArgumentException($"factors has {dest.Length} floats; the matrix is {m.Rows} x {m.Factors} = {(long)m.Rows * m.Factors}.", "factors");
        }

        m.CopyTo(dest);
    }
}
