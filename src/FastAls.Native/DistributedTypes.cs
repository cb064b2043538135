using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;
using FastAls.IO;

namespace FastAls.Native;

/// <summary>
/// The raw interactions of one Parquet part file (a distributed load's unit of reading): input order, duplicates
/// not merged, user and item indices into the part's own id lists (first-seen order within the file). A driver
/// merges the parts' id lists into one shared dictionary so every worker agrees on dense indices.
/// </summary>
internal sealed class PartData
{
    public PartData(string file, InteractionLoadOptions options)
    {
        InteractionBuilder b = ParquetInteractionReader.ReadPartAsync(file, options, CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            if (b.UserIds.Kind != IdKind.Int64 || b.ItemIds.Kind != IdKind.Int64)
            {
                throw new NotSupportedException($"{file}: distributed loading needs int64 user and item ids (this file has {b.UserIds.Kind} users and {b.ItemIds.Kind} items).");
            }

            UserIds = b.UserIds.Int64Ids.ToArray();
            ItemIds = b.ItemIds.Int64Ids.ToArray();
            Users = new int[b.Count];
            Items = new int[b.Count];
            Values = new float[b.Count];
            b.CopyRaw(Users, Items, Values);
        }
        finally
        {
            b.Dispose();
        }
    }

    public long[] UserIds { get; }

    public long[] ItemIds { get; }

    public int[] Users { get; }

    public int[] Items { get; }

    public float[] Values { get; }
}

/// <summary>
/// The fixed side of a half-step, persistent across the shard solves of that half-step: factors (wrapping caller
/// memory without a copy when k is a multiple of 16, else one library-owned copy), biases and the Gram matrix,
/// rows updatable by range.
/// </summary>
internal sealed unsafe class FixedSide : IDisposable
{
    private GramMatrix? _gram;

    public FixedSide(AlsOptions options, int rows, float* factors, ReadOnlySpan<float> source, ReadOnlySpan<float> biases, bool copy)
    {
        Options = options;
        Layout = AlsLayout.For(options);
        if (!copy && options.Factors % FactorMatrix.StrideAlignment == 0)
        {
            Factors = new FactorMatrix(factors, rows, options.Factors);
            Borrowed = true;
        }
        else
        {
            Factors = new FactorMatrix(rows, options.Factors);
            Factors.CopyFrom(source);
        }

        Biases = options.HasBiases ? biases.ToArray() : null;
    }

    public AlsOptions Options { get; }

    public AlsLayout Layout { get; }

    public FactorMatrix Factors { get; }

    public float[]? Biases { get; }

    /// <summary>True when <see cref="Factors"/> is the caller's memory.</summary>
    public bool Borrowed { get; }

    public GramMatrix? Gram => _gram;

    public void SetGram(ReadOnlySpan<double> gram)
    {
        var g = new GramMatrix(Layout);
        gram.CopyTo(g.Values);
        _gram = g;
    }

    public HalfStepContext Context(float globalMean, string rowName) =>
        new(Options, KernelSet.Active, Factors, Biases, _gram, globalMean, rowName);

    public void Dispose() => Factors.Dispose();
}
