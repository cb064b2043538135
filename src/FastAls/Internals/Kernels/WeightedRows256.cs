using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The 256-bit micro-kernels of <see cref="Blas.WeightedRowsMatVec{TIsa}"/> and
/// <see cref="Blas.WeightedRowsResidual{TIsa}"/> for the common strides: v and the output stay in registers for the
/// whole block; each row's dot product keeps the order of <see cref="Vector256Isa.Dot"/> and its update the FMA chain of
/// <see cref="Vector256Isa.Axpy"/>, so the results are those of the generic loop, bit for bit.
/// </summary>
internal static class WeightedRows256
{
    /// <summary>Runs the micro-kernel for <paramref name="stride"/> (64 or 32); false for any other stride.</summary>
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

        return false;
    }

    private static void X64(ref float b0, int rows, ref float w0, ref float q0, bool residual, ref float v0, ref float y0)
    {
        Vector256<float> v_0 = Vector256.LoadUnsafe(ref v0), v_1 = Vector256.LoadUnsafe(ref v0, 8), v_2 = Vector256.LoadUnsafe(ref v0, 16), v_3 = Vector256.LoadUnsafe(ref v0, 24);
        Vector256<float> v_4 = Vector256.LoadUnsafe(ref v0, 32), v_5 = Vector256.LoadUnsafe(ref v0, 40), v_6 = Vector256.LoadUnsafe(ref v0, 48), v_7 = Vector256.LoadUnsafe(ref v0, 56);
        Vector256<float> y_0 = Vector256.LoadUnsafe(ref y0), y_1 = Vector256.LoadUnsafe(ref y0, 8), y_2 = Vector256.LoadUnsafe(ref y0, 16), y_3 = Vector256.LoadUnsafe(ref y0, 24);
        Vector256<float> y_4 = Vector256.LoadUnsafe(ref y0, 32), y_5 = Vector256.LoadUnsafe(ref y0, 40), y_6 = Vector256.LoadUnsafe(ref y0, 48), y_7 = Vector256.LoadUnsafe(ref y0, 56);
        for (int j = 0; j < rows; j++)
        {
            ref float r = ref Unsafe.Add(ref b0, (nint)j * 64);
            Vector256<float> u0 = Vector256.LoadUnsafe(ref r), u1 = Vector256.LoadUnsafe(ref r, 8), u2 = Vector256.LoadUnsafe(ref r, 16), u3 = Vector256.LoadUnsafe(ref r, 24);
            Vector256<float> u4 = Vector256.LoadUnsafe(ref r, 32), u5 = Vector256.LoadUnsafe(ref r, 40), u6 = Vector256.LoadUnsafe(ref r, 48), u7 = Vector256.LoadUnsafe(ref r, 56);

            // Same order as Dot: accumulator a0 takes the even 8-float blocks, a1 the odd ones.
            Vector256<float> a0 = Vector256.FusedMultiplyAdd(u0, v_0, Vector256<float>.Zero);
            Vector256<float> a1 = Vector256.FusedMultiplyAdd(u1, v_1, Vector256<float>.Zero);
            a0 = Vector256.FusedMultiplyAdd(u2, v_2, a0);
            a1 = Vector256.FusedMultiplyAdd(u3, v_3, a1);
            a0 = Vector256.FusedMultiplyAdd(u4, v_4, a0);
            a1 = Vector256.FusedMultiplyAdd(u5, v_5, a1);
            a0 = Vector256.FusedMultiplyAdd(u6, v_6, a0);
            a1 = Vector256.FusedMultiplyAdd(u7, v_7, a1);
            Vector256<float> t = Vector256.Create(Blas.Coefficient(Vector256.Sum(a0 + a1), ref w0, ref q0, residual, j));
            y_0 = Vector256.FusedMultiplyAdd(t, u0, y_0);
            y_1 = Vector256.FusedMultiplyAdd(t, u1, y_1);
            y_2 = Vector256.FusedMultiplyAdd(t, u2, y_2);
            y_3 = Vector256.FusedMultiplyAdd(t, u3, y_3);
            y_4 = Vector256.FusedMultiplyAdd(t, u4, y_4);
            y_5 = Vector256.FusedMultiplyAdd(t, u5, y_5);
            y_6 = Vector256.FusedMultiplyAdd(t, u6, y_6);
            y_7 = Vector256.FusedMultiplyAdd(t, u7, y_7);
        }

        y_0.StoreUnsafe(ref y0);
        y_1.StoreUnsafe(ref y0, 8);
        y_2.StoreUnsafe(ref y0, 16);
        y_3.StoreUnsafe(ref y0, 24);
        y_4.StoreUnsafe(ref y0, 32);
        y_5.StoreUnsafe(ref y0, 40);
        y_6.StoreUnsafe(ref y0, 48);
        y_7.StoreUnsafe(ref y0, 56);
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
