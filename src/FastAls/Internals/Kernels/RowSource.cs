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

/// <summary>Row i of a group of rows, for the kernels that take a group at a time (WeightedRowKernels, GroupedRows).</summary>
internal static class RowGroup
{
    /// <summary>
    /// Row j + <paramref name="i"/> of a group whose row j is <paramref name="first"/>: in a block, <paramref name="i"/>
    /// strides on from it (one row's addressing, then constant offsets); in place, through its own column.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Member<TRows>(ref float first, ref float b0, ref int c0, int j, int i, nint stride)
        where TRows : struct, IRowSource =>
        ref TRows.IsIndexed ? ref TRows.Row(ref b0, ref c0, j + i, stride) : ref Unsafe.Add(ref first, i * stride);
}

/// <summary>How far ahead neighbour rows are asked for: by the gather (RowSolver.Prepare) and by the in-place kernels (<see cref="Indexed"/> rows).</summary>
internal static class RowPrefetch
{
    /// <summary>
    /// How far ahead, in bytes of neighbour rows: 32 cache lines, more than a core's L1 miss buffers, so that they stay
    /// full while rows are copied or read (16 neighbours at k = 32, 8 at k = 64). A fixed six neighbours (12 lines at
    /// k = 32) left the buffers half idle: on the 2M set, with the fixed side out of L2, this took 0.91-0.96 of the CG
    /// iteration time at k = 32, 64 and 128, against 0.98 for an A/A control (bench/results,
    /// gather-prefetch-distance.md).
    /// </summary>
    public const int Bytes = 2048;

    /// <summary>The fewest rows ahead (wide rows: k = 128 and up).</summary>
    public const int MinRows = 4;

    /// <summary>Rows ahead for a row of <paramref name="stride"/> floats: <see cref="Bytes"/> of them, at least <see cref="MinRows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Ahead(nint stride) => Math.Max(MinRows, Bytes / ((int)stride * sizeof(float)));

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
