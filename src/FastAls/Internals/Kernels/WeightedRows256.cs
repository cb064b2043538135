using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The 256-bit micro-kernels of <see cref="Blas.WeightedRowsMatVec{TIsa}"/> and
/// <see cref="Blas.WeightedRowsResidual{TIsa}"/>: for stride 32, v and the output stay in registers for the
/// whole block (for the other multiples of 16, the 64 included, the grouped kernel of <see cref="GroupedRows"/>
/// is faster); each row's dot product keeps the order of <see cref="Vector256Isa.Dot"/> and its update the FMA chain of
/// <see cref="Vector256Isa.Axpy"/>, so the results are those of the generic loop, bit for bit.
/// </summary>
internal static class WeightedRows256
{
    /// <summary>
    /// Runs the micro-kernel for <paramref name="stride"/>: the register kernel for 32, the eight-rows-at-a-time
    /// kernel (<see cref="GroupedRows.WeightedRows256"/>) for every other positive multiple of 16; false for any
    /// other stride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRun(ref float b0, int rows, int stride, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        if (stride == 32)
        {
            X32(ref b0, rows, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        if (GroupedRows.Applies(stride))
        {
            GroupedRows.WeightedRows256(ref b0, rows, stride, ref w0, ref q0, residual, ref v0, ref y0);
            return true;
        }

        return false;
    }

    private static void X32(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector256<float> v_0 = Vector256.LoadUnsafe(ref v0), v_1 = Vector256.LoadUnsafe(ref v0, 8), v_2 = Vector256.LoadUnsafe(ref v0, 16), v_3 = Vector256.LoadUnsafe(ref v0, 24);
        Vector256<float> y_0 = Vector256.LoadUnsafe(ref y0), y_1 = Vector256.LoadUnsafe(ref y0, 8), y_2 = Vector256.LoadUnsafe(ref y0, 16), y_3 = Vector256.LoadUnsafe(ref y0, 24);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, (nint)j * 32);
            Vector256<float> u0 = Vector256.LoadUnsafe(ref r), u1 = Vector256.LoadUnsafe(ref r, 8), u2 = Vector256.LoadUnsafe(ref r, 16), u3 = Vector256.LoadUnsafe(ref r, 24);
            Vector256<float> a0 = Vector256.FusedMultiplyAdd(u0, v_0, Vector256<float>.Zero);
            Vector256<float> a1 = Vector256.FusedMultiplyAdd(u1, v_1, Vector256<float>.Zero);
            a0 = Vector256.FusedMultiplyAdd(u2, v_2, a0);
            a1 = Vector256.FusedMultiplyAdd(u3, v_3, a1);
            Vector256<float> t = Vector256.Create(Blas.Coefficient(Vector256.Sum(a0 + a1), ref w0, ref q0, residual, j));
            y_0 = Vector256.FusedMultiplyAdd(t, u0, y_0);
            y_1 = Vector256.FusedMultiplyAdd(t, u1, y_1);
            y_2 = Vector256.FusedMultiplyAdd(t, u2, y_2);
            y_3 = Vector256.FusedMultiplyAdd(t, u3, y_3);
        }

        y_0.StoreUnsafe(ref y0);
        y_1.StoreUnsafe(ref y0, 8);
        y_2.StoreUnsafe(ref y0, 16);
        y_3.StoreUnsafe(ref y0, 24);
    }
}
