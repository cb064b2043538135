using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>CG's steps for a gathered row with its vectors in registers (see <see cref="TryRegisterCgSteps"/>).</summary>
internal static partial class RowSolver
{
    /// <summary>
    /// <see cref="ConjugateGradient"/>'s steps for a row gathered in one segment, from its first residual
    /// (<see cref="CgStart"/>), with x, r, p and A p (and the biased models' g) in vector registers where the factor stride
    /// is two or four vectors and k fills it (<see cref="RegisterCgVectors"/>: k = 32 and 64 on the Vector512 path, 32 on
    /// the Vector256 path). Each step's neighbour pass is the register kernel's loop (<see cref="WeightedRowKernels.Pass"/>)
    /// inlined, G0's product is the column product at these strides, and the dots, the updates and the biased models'
    /// rank-one correction run on the registers. False elsewhere: the span path takes the steps.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each value gets exactly the operations of the span path (<see cref="CgStep"/>, <see cref="MatVec"/>,
    /// <see cref="CgG0Product"/>): the same dots (<see cref="VectorBlas{TOps, TVec}.Dot"/>'s two chains, then
    /// <see cref="IVectorOps{TVec}.Sum"/>), fused multiply-adds for the updates, multiplies then adds for the shift and
    /// the direction, and <see cref="CgContinues"/>' stops. So the bits are those of the span path, which a test checks
    /// for every model on every vector path.
    /// </para>
    /// <para>
    /// Why: on the span path a step went through memory four times on its chain of dependent operations (the direction
    /// stored and loaded by the shift, the shift's output by the kernel, the kernel's by the step's dot, r by its norm),
    /// behind span slicing, bounds checks and the kernel's dispatch. At k = 32 a step took about 150 cycles besides its
    /// neighbour pass, more than the pass of a short row. In-process A/B (bench/run-ab.sh, one thread, minima; the record
    /// is bench/results/AMD-EPYC-family-25-model-17-2c/cg-in-registers.md): CG at k = 32 0.88-0.94 of the time with the
    /// fixed side in cache, 0.88-0.95 on the 2M set.
    /// </para>
    /// <para>
    /// The first residual stays the span path's, a call of its own: with both the residual's and a step's neighbour pass
    /// inlined in one method, the JIT ran out of its inlining budget and left even the vector operations
    /// (<c>TOps.FusedMultiplyAdd</c>, <c>Load</c>) as calls, at 1.5-2.1 times the span path's time.
    /// </para>
    /// </remarks>
    private static bool TryRegisterCgSteps<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, int n, float lambda, ReadOnlySpan<int> next, CgState state, int ahead, int share, ref int asked)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int vectors = c.RegisterCgVectors;
        if (!TIsa.IsVector || vectors == 0)
        {
            return false;
        }

        if (state.Done)
        {
            return true;
        }

        if (TIsa.Path == KernelPath.Vector512 && vectors == 2)
        {
            asked = RegisterCgSteps<TIsa, TModel, Vector512Ops, Vector512<float>, WeightedRowKernels.TwoVectors>(c, ws, n, lambda, next, state.Rr, state.Floor, ahead, share, asked);
            return true;
        }

        if (TIsa.Path == KernelPath.Vector512)
        {
            asked = RegisterCgSteps<TIsa, TModel, Vector512Ops, Vector512<float>, WeightedRowKernels.FourVectors>(c, ws, n, lambda, next, state.Rr, state.Floor, ahead, share, asked);
            return true;
        }

        if (TIsa.Path == KernelPath.Vector256)
        {
            asked = RegisterCgSteps<TIsa, TModel, Vector256Ops, Vector256<float>, WeightedRowKernels.FourVectors>(c, ws, n, lambda, next, state.Rr, state.Floor, ahead, share, asked);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The vectors of a row that CG keeps in registers on <paramref name="path"/> (<see cref="TryRegisterCgSteps"/>): the widths
    /// of the register kernel (<see cref="WeightedRowKernels.Pass"/>), two or four vectors (k = 32 and 64 on the Vector512
    /// path, 32 on the Vector256 path), where k fills the factor stride and G0's block, if any, lies at that stride; 0
    /// elsewhere.
    /// </summary>
    internal static int RegisterCgVectors(KernelPath path, AlsLayout layout, AlsOptions options)
    {
        int fs = layout.FactorStride;
        if (options.Solver != AlsSolver.ConjugateGradient || layout.K != fs || (options.IsImplicit && !layout.Biased && layout.W != fs))
        {
            return 0;
        }

        return path switch
        {
            KernelPath.Vector512 when fs is 32 or 64 => fs / 16,
            KernelPath.Vector256 when fs == 32 => 4,
            _ => 0,
        };
    }

    /// <summary>
    /// The steps in registers (<see cref="CgStep"/> and <see cref="MatVec"/>, with <see cref="CgContinues"/>' stops), from
    /// x in z, r in ws.R (and the biased models' g in ws.M, pivot and bias, from <see cref="CgStart"/>); x (and the bias)
    /// back into z at the end. Returns how many of the next row's neighbours have been asked for.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int RegisterCgSteps<TIsa, TModel, TOps, TVec, TWidth>(HalfStepContext c, RowWorkspace ws, int n, float lambda, ReadOnlySpan<int> next, float rr, float floor, int ahead, int share, int asked)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, WeightedRowKernels.IRowWidth
    {
        int k = c.Layout.K, steps = c.Options.CgSteps;
        bool four = TWidth.Four;
        ref float u0 = ref MemoryMarshal.GetReference(ws.U);
        ref float w0 = ref MemoryMarshal.GetArrayDataReference(ws.Weight);
        ref float q0 = ref MemoryMarshal.GetArrayDataReference(ws.Q);
        Span<float> z = ws.Z;
        ref float zr = ref MemoryMarshal.GetReference(z), rr0 = ref MemoryMarshal.GetReference(ws.R);
        WeightedRowKernels.LoadRow<TOps, TVec, TWidth>(ref zr, out TVec x0, out TVec x1, out TVec x2, out TVec x3);
        WeightedRowKernels.LoadRow<TOps, TVec, TWidth>(ref rr0, out TVec r0, out TVec r1, out TVec r2, out TVec r3);
        TVec g0 = TOps.Zero, g1 = TOps.Zero, g2 = TOps.Zero, g3 = TOps.Zero;
        float pivot = 0f, bias = 0f;
        if (TModel.Biased)
        {
            WeightedRowKernels.LoadRow<TOps, TVec, TWidth>(ref MemoryMarshal.GetReference(ws.M), out g0, out g1, out g2, out g3);
            pivot = ws.BiasPivot;
            bias = z[k];
        }

        TVec lam = TOps.Create(lambda);
        TVec p0 = r0, p1 = r1, p2 = r2, p3 = r3;
        float tol = c.Options.CgTolerance;
        for (int step = 0; step < steps; step++)
        {
            // CgContinues' stops.
            if (rr <= tol * tol || rr == 0f || !(rr >= floor) || !float.IsFinite(rr))
            {
                break;
            }

            int more = Math.Min(share, ahead - asked);
            PrefetchNextRange<TIsa>(c, next, asked, more);
            asked += more;

            // A p = G0 p + lambda p + sum_j w_j (f_j . p) f_j (biased: - g (g . p) / a), as MatVec; G0 p is zero without G0.
            TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
            if (TModel.Implicit)
            {
                ref float pr = ref MemoryMarshal.GetReference(ws.P);
                WeightedRowKernels.StoreRow<TOps, TVec, TWidth>(ref pr, p0, p1, p2, p3);
                G0ColumnProduct<TModel, TOps, TVec, TWidth>(c, ref pr, out a0, out a1, out a2, out a3);
            }

            float biasStep = TModel.Biased ? RegisterDot<TOps, TVec, TWidth>(g0, g1, g2, g3, p0, p1, p2, p3) / pivot : 0f;
            a0 = TOps.Add(a0, TOps.Multiply(lam, p0));
            a1 = TOps.Add(a1, TOps.Multiply(lam, p1));
            if (four)
            {
                a2 = TOps.Add(a2, TOps.Multiply(lam, p2));
                a3 = TOps.Add(a3, TOps.Multiply(lam, p3));
            }

            TVec m0 = TOps.Zero, m1 = TOps.Zero, m2 = TOps.Zero, m3 = TOps.Zero;
            WeightedRowKernels.Pass<TOps, TVec, TWidth, WeightedRowKernels.NoSum, Contiguous>(ref u0, ref Unsafe.NullRef<int>(), n, ref w0, ref q0, false, p0, p1, p2, p3,
                ref a0, ref a1, ref a2, ref a3, ref m0, ref m1, ref m2, ref m3);
            if (TModel.Biased)
            {
                RegisterAxpy<TOps, TVec, TWidth>(-biasStep, g0, g1, g2, g3, ref a0, ref a1, ref a2, ref a3);
            }

            // CgStep: a breakdown ends the row with z as it is.
            float pap = RegisterDot<TOps, TVec, TWidth>(p0, p1, p2, p3, a0, a1, a2, a3);
            if (!(pap > 0f) || !float.IsFinite(pap))
            {
                break;
            }

            float alpha = rr / pap;
            if (!float.IsFinite(alpha))
            {
                break;
            }

            RegisterAxpy<TOps, TVec, TWidth>(alpha, p0, p1, p2, p3, ref x0, ref x1, ref x2, ref x3);
            if (TModel.Biased)
            {
                bias -= alpha * biasStep;
            }

            RegisterAxpy<TOps, TVec, TWidth>(-alpha, a0, a1, a2, a3, ref r0, ref r1, ref r2, ref r3);
            float rrNew = RegisterDot<TOps, TVec, TWidth>(r0, r1, r2, r3, r0, r1, r2, r3);
            TVec beta = TOps.Create(rrNew / rr);
            p0 = TOps.Add(r0, TOps.Multiply(beta, p0));
            p1 = TOps.Add(r1, TOps.Multiply(beta, p1));
            if (four)
            {
                p2 = TOps.Add(r2, TOps.Multiply(beta, p2));
                p3 = TOps.Add(r3, TOps.Multiply(beta, p3));
            }

            rr = rrNew;
        }

        WeightedRowKernels.StoreRow<TOps, TVec, TWidth>(ref zr, x0, x1, x2, x3);
        if (TModel.Biased)
        {
            z[k] = bias;
        }

        return asked;
    }

    /// <summary>
    /// <see cref="CgG0Product"/> into registers, <c>y = G0 v</c> with v in memory (its entries are broadcast): the column
    /// product of the register strides (<see cref="VectorBlas{TOps, TVec}.ColumnProductTwo"/>, <c>Four</c>), the one
    /// <see cref="Blas.ColumnMatVec{TIsa}"/> takes at these strides, so the same bits. G0's block is k rows at the factor
    /// stride here (<see cref="RegisterCgVectors"/> checks it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G0ColumnProduct<TModel, TOps, TVec, TWidth>(HalfStepContext c, ref float v, out TVec y0, out TVec y1, out TVec y2, out TVec y3)
        where TModel : struct, IRowModel
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, WeightedRowKernels.IRowWidth
    {
        ref float block = ref MemoryMarshal.GetReference(G0Block<TModel>(c, out int rows, out _));
        if (TWidth.Four)
        {
            VectorBlas<TOps, TVec>.ColumnProductFour(ref block, rows, ref v, out y0, out y1, out y2, out y3);
        }
        else
        {
            VectorBlas<TOps, TVec>.ColumnProductTwo(ref block, rows, ref v, out y0, out y1);
            y2 = TOps.Zero;
            y3 = TOps.Zero;
        }
    }

    /// <summary>The path's dot over a row in registers (<see cref="VectorBlas{TOps, TVec}.Dot"/>: vectors 0 and 2 into one chain, 1 and 3 into the other, from zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RegisterDot<TOps, TVec, TWidth>(TVec a0, TVec a1, TVec a2, TVec a3, TVec b0, TVec b1, TVec b2, TVec b3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, WeightedRowKernels.IRowWidth
    {
        TVec s0 = TOps.FusedMultiplyAdd(a0, b0, TOps.Zero), s1 = TOps.FusedMultiplyAdd(a1, b1, TOps.Zero);
        if (TWidth.Four)
        {
            s0 = TOps.FusedMultiplyAdd(a2, b2, s0);
            s1 = TOps.FusedMultiplyAdd(a3, b3, s1);
        }

        return TOps.Sum(TOps.Add(s0, s1));
    }

    /// <summary><c>y += a v</c> over a row in registers, one FMA a vector (<see cref="VectorBlas{TOps, TVec}.Axpy"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RegisterAxpy<TOps, TVec, TWidth>(float a, TVec v0, TVec v1, TVec v2, TVec v3, ref TVec y0, ref TVec y1, ref TVec y2, ref TVec y3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TWidth : struct, WeightedRowKernels.IRowWidth
    {
        TVec va = TOps.Create(a);
        y0 = TOps.FusedMultiplyAdd(va, v0, y0);
        y1 = TOps.FusedMultiplyAdd(va, v1, y1);
        if (TWidth.Four)
        {
            y2 = TOps.FusedMultiplyAdd(va, v2, y2);
            y3 = TOps.FusedMultiplyAdd(va, v3, y3);
        }
    }
}
