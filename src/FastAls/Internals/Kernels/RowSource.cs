using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>Where row j of a neighbour pass is (WeightedRowKernels, GroupedRows), a choice the JIT folds per specialization.</summary>
internal interface IRowSource
{
    /// <summary>Rows read in place through the column indices (and prefetched ahead).</summary>
    static abstract bool IsIndexed { get; }

    /// <summary>Row <paramref name="j"/>: of the block at <paramref name="b0"/>, or of the fixed side at <c>b0 + c0[j] * stride</c>.</summary>
    static abstract ref float Row(ref float b0, ref int c0, int j, nint stride);
}

/// <summary>A gathered block: row j at <c>b0 + j * stride</c>.</summary>
internal readonly struct Contiguous : IRowSource
{
    public static bool IsIndexed => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Row(ref float b0, ref int c0, int j, nint stride) => ref Unsafe.Add(ref b0, j * stride);
}

/// <summary>
/// The fixed side's factors in place: row j at <c>b0 + c0[j] * stride</c>. The columns come from a validated
/// <see cref="CsrMatrix"/> row whose column count the half-step checked against the fixed side's rows (see
/// RowSolver.Prepare), so every row read is inside the factors.
/// </summary>
internal readonly struct Indexed : IRowSource
{
    public static bool IsIndexed => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Row(ref float b0, ref int c0, int j, nint stride) => ref Unsafe.Add(ref b0, Unsafe.Add(ref c0, j) * stride);
}

/// <summary>The in-place neighbour kernels' prefetch (<see cref="Indexed"/> rows).</summary>
internal static class RowPrefetch
{
    /// <summary>Bytes of rows ahead that the in-place kernels ask for (the gather's distance, RowSolver.PrefetchAheadBytes).</summary>
    public const int Bytes = 2048;

    /// <summary>Rows ahead for a row of <paramref name="stride"/> floats: <see cref="Bytes"/> of them, at least four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Ahead(nint stride) => Math.Max(4, Bytes / ((int)stride * sizeof(float)));

    /// <summary>Asks for the cache lines of rows <paramref name="j"/> to j + count - 1 (in place only; nothing for a block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Rows<TRows>(ref float b0, ref int c0, int j, int count, nint stride)
        where TRows : struct, IRowSource
    {
        if (!TRows.IsIndexed || !Sse.IsSupported)
        {
            return;
        }

        nint bytes = stride * sizeof(float);
        for (int i = 0; i < count; i++)
        {
            byte* row = (byte*)Unsafe.AsPointer(ref TRows.Row(ref b0, ref c0, j + i, stride));
            for (nint l = 0; l < bytes; l += 64)
            {
                Sse.Prefetch0(row + l);
            }
        }
    }
}
