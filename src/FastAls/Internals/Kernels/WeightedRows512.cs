using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The 512-bit micro-kernels of <see cref="Blas.WeightedRowsMatVec{TIsa}"/> and
/// <see cref="Blas.WeightedRowsResidual{TIsa}"/> for the common strides: v and the output stay in registers for the
/// whole block; each row's dot product keeps the order of <see cref="Vector512Isa.Dot"/> and its update the FMA chain of
/// <see cref="Vector512Isa.Axpy"/>, so the results are those of the generic loop, bit for bit.
/// </summary>
internal static class WeightedRows512
{
    /// <summary>
    /// Runs the micro-kernel for <paramref name="stride"/>: the register kernels for 64 and 32, the eight-rows-at-a-time
    /// kernel (<see cref="GroupedRows.WeightedRows512"/>) for every other positive multiple of 16; false for any other stride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRun(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        if (stride == 64)
        {
            X64(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        if (stride == 32)
        {
            X32(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        if (GroupedRows.Applies(stride))
        {
            // The strides without a register kernel here (the biased 48, 80, 144; 128): eight rows at a time, same bits.
            GroupedRows.WeightedRows512(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        return false;
    }

    private static void X64(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector512<float> v_0 = Vector512.LoadUnsafe(ref v0), v_1 = Vector512.LoadUnsafe(ref v0, 16), v_2 = Vector512.LoadUnsafe(ref v0, 32), v_3 = Vector512.LoadUnsafe(ref v0, 48);
        Vector512<float> y_0 = Vector512.LoadUnsafe(ref y0), y_1 = Vector512.LoadUnsafe(ref y0, 16), y_2 = Vector512.LoadUnsafe(ref y0, 32), y_3 = Vector512.LoadUnsafe(ref y0, 48);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, (nint)j * 64);
            Vector512<float> u0 = Vector512.LoadUnsafe(ref r), u1 = Vector512.LoadUnsafe(ref r, 16), u2 = Vector512.LoadUnsafe(ref r, 32), u3 = Vector512.LoadUnsafe(ref r, 48);

            // Same order as Dot: two accumulators over 32-float steps, then their sum.
            Vector512<float> a0 = Vector512.FusedMultiplyAdd(u0, v_0, Vector512<float>.Zero);
            Vector512<float> a1 = Vector512.FusedMultiplyAdd(u1, v_1, Vector512<float>.Zero);
            a0 = Vector512.FusedMultiplyAdd(u2, v_2, a0);
            a1 = Vector512.FusedMultiplyAdd(u3, v_3, a1);
            Vector512<float> t = Vector512.Create(Blas.Coefficient(Vector512.Sum(a0 + a1), ref w0, ref q0, residual, j));
            y_0 = Vector512.FusedMultiplyAdd(t, u0, y_0);
            y_1 = Vector512.FusedMultiplyAdd(t, u1, y_1);
            y_2 = Vector512.FusedMultiplyAdd(t, u2, y_2);
            y_3 = Vector512.FusedMultiplyAdd(t, u3, y_3);
        }

        y_0.StoreUnsafe(ref y0);
        y_1.StoreUnsafe(ref y0, 16);
        y_2.StoreUnsafe(ref y0, 32);
        y_3.StoreUnsafe(ref y0, 48);
    }

    private static void X32(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector512<float> v_0 = Vector512.LoadUnsafe(ref v0), v_1 = Vector512.LoadUnsafe(ref v0, 16);
        Vector512<float> y_0 = Vector512.LoadUnsafe(ref y0), y_1 = Vector512.LoadUnsafe(ref y0, 16);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, (nint)j * 32);
            Vector512<float> u0 = Vector512.LoadUnsafe(ref r), u1 = Vector512.LoadUnsafe(ref r, 16);
            Vector512<float> a0 = Vector512.FusedMultiplyAdd(u0, v_0, Vector512<float>.Zero);
            Vector512<float> a1 = Vector512.FusedMultiplyAdd(u1, v_1, Vector512<float>.Zero);
            Vector512<float> t = Vector512.Create(Blas.Coefficient(Vector512.Sum(a0 + a1), ref w0, ref q0, residual, j));
            y_0 = Vector512.FusedMultiplyAdd(t, u0, y_0);
            y_1 = Vector512.FusedMultiplyAdd(t, u1, y_1);
        }

        y_0.StoreUnsafe(ref y0);
        y_1.StoreUnsafe(ref y0, 16);
    }
}
