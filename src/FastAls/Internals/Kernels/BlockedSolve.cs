using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The triangular solves of <see cref="Cholesky.Solve{TIsa}"/> on the vector paths, in blocks of eight unknowns. Solving
/// one unknown after another is a chain of dependent steps; done with a vector update of the whole remaining right-hand
/// side after each one, every step also waited on a divide and on vector loads that overlap the stores just made (the
/// store cannot be forwarded), so a 32 x 32 solve took about a microsecond. Here only the eight unknowns of a block
/// are solved one by one, in scalars, multiplying by reciprocals of the diagonal computed up front; the rest of the
/// right-hand side is updated once per block, eight FMAs per vector, at stores and loads of the same aligned offsets.
/// </summary>
/// <remarks>
/// The arithmetic is fixed and the same on both vector paths and on every machine (Vector256 operations, which a
/// Vector512 path run in software also has; fused multiply-adds stay fused in software): forward,
/// <c>y_j = b_j * (1 / r_jj)</c> and <c>b_c = fma(-y_j, r_jc, b_c)</c> for j ascending; backward, <c>x_i = (b_i - t_i - sum) * (1 / r_ii)</c> where <c>t_i</c> is the row's dot with the solved unknowns
/// past its block (eight vector lanes over whole vectors, reduced by one fixed tree, then the scalar tail in order),
/// and <c>sum</c> runs as FMAs over the block's later unknowns, the nearest last.
/// </remarks>
internal static class BlockedSolve
{
    /// <summary>Unknowns per block: one Vector256.</summary>
    private const int Block = 8;

    /// <summary>Solves <c>R^T R x = b</c> in place; shapes checked by the caller.</summary>
    public static void Solve(ref float r0, int d, int w, ref float b0)
    {
        Span<float> inv = d <= 1024 ? stackalloc float[d] : new float[d];
        for (int i = 0; i < d; i++)
        {
            inv[i] = 1f / Unsafe.Add(ref r0, ((nint)i * w) + i);
        }

        ref float inv0 = ref MemoryMarshal.GetReference(inv);
        Forward(ref r0, d, w, ref b0, ref inv0);
        Backward(ref r0, d, w, ref b0, ref inv0);
    }

    /// <summary><c>R^T y = b</c>, y over b.</summary>
    private static void Forward(ref float r0, int d, int w, ref float b0, ref float inv0)
    {
        for (int j0 = 0; j0 < d; j0 += Block)
        {
            int jEnd = Math.Min(d, j0 + Block);

            // The block's unknowns, one by one; each is removed from the block's later entries at once.
            for (int j = j0; j < jEnd; j++)
            {
                ref float rj = ref Unsafe.Add(ref r0, (nint)j * w);
                float y = Unsafe.Add(ref b0, j) * Unsafe.Add(ref inv0, j);
                Unsafe.Add(ref b0, j) = y;
                for (int i = j + 1; i < jEnd; i++)
                {
                    Unsafe.Add(ref b0, i) = MathF.FusedMultiplyAdd(-y, Unsafe.Add(ref rj, i), Unsafe.Add(ref b0, i));
                }
            }

            if (jEnd == d)
            {
                return;
            }

            // The block is whole (only the last can be short): remove its eight unknowns from the rest, j ascending.
            ref float rb = ref Unsafe.Add(ref r0, (nint)j0 * w);
            Vector256<float> m0 = Vector256.Create(-Unsafe.Add(ref b0, j0)), m1 = Vector256.Create(-Unsafe.Add(ref b0, j0 + 1));
            Vector256<float> m2 = Vector256.Create(-Unsafe.Add(ref b0, j0 + 2)), m3 = Vector256.Create(-Unsafe.Add(ref b0, j0 + 3));
            Vector256<float> m4 = Vector256.Create(-Unsafe.Add(ref b0, j0 + 4)), m5 = Vector256.Create(-Unsafe.Add(ref b0, j0 + 5));
            Vector256<float> m6 = Vector256.Create(-Unsafe.Add(ref b0, j0 + 6)), m7 = Vector256.Create(-Unsafe.Add(ref b0, j0 + 7));
            int c = jEnd;
            for (; c <= d - Block; c += Block)
            {
                ref float rc = ref Unsafe.Add(ref rb, c);
                Vector256<float> acc = Vector256.LoadUnsafe(ref b0, (nuint)c);
                acc = Vector256.FusedMultiplyAdd(m0, Vector256.LoadUnsafe(ref rc), acc);
                acc = Vector256.FusedMultiplyAdd(m1, Vector256.LoadUnsafe(ref rc, (nuint)w), acc);
                acc = Vector256.FusedMultiplyAdd(m2, Vector256.LoadUnsafe(ref rc, (nuint)(2 * w)), acc);
                acc = Vector256.FusedMultiplyAdd(m3, Vector256.LoadUnsafe(ref rc, (nuint)(3 * w)), acc);
                acc = Vector256.FusedMultiplyAdd(m4, Vector256.LoadUnsafe(ref rc, (nuint)(4 * w)), acc);
                acc = Vector256.FusedMultiplyAdd(m5, Vector256.LoadUnsafe(ref rc, (nuint)(5 * w)), acc);
                acc = Vector256.FusedMultiplyAdd(m6, Vector256.LoadUnsafe(ref rc, (nuint)(6 * w)), acc);
                acc = Vector256.FusedMultiplyAdd(m7, Vector256.LoadUnsafe(ref rc, (nuint)(7 * w)), acc);
                acc.StoreUnsafe(ref b0, (nuint)c);
            }

            for (; c < d; c++)
            {
                float acc = Unsafe.Add(ref b0, c);
                for (int j = j0; j < jEnd; j++)
                {
                    acc = MathF.FusedMultiplyAdd(-Unsafe.Add(ref b0, j), Unsafe.Add(ref r0, ((nint)j * w) + c), acc);
                }

                Unsafe.Add(ref b0, c) = acc;
            }
        }
    }

    /// <summary><c>R x = y</c>, x over y, from the last block up.</summary>
    private static void Backward(ref float r0, int d, int w, ref float b0, ref float inv0)
    {
        Span<float> tail = stackalloc float[Block];
        ref float t0 = ref MemoryMarshal.GetReference(tail);
        for (int i0 = (d - 1) & ~(Block - 1); i0 >= 0; i0 -= Block)
        {
            int iEnd = Math.Min(d, i0 + Block);
            if (iEnd < d)
            {
                // A whole block under solved unknowns: its eight rows' dots with them, in one pass.
                ref float ri = ref Unsafe.Add(ref r0, (nint)i0 * w);
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector256<float> a4 = default, a5 = default, a6 = default, a7 = default;
                int c = iEnd;
                for (; c <= d - Block; c += Block)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref b0, (nuint)c);
                    ref float rc = ref Unsafe.Add(ref ri, c);
                    a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc), x, a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc, (nuint)w), x, a1);
                    a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc, (nuint)(2 * w)), x, a2);
                    a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc, (nuint)(3 * w)), x, a3);
                    a4 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc, (nuint)(4 * w)), x, a4);
                    a5 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc, (nuint)(5 * w)), x, a5);
                    a6 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc, (nuint)(6 * w)), x, a6);
                    a7 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rc, (nuint)(7 * w)), x, a7);
                }

                Sums(a0, a1, a2, a3, a4, a5, a6, a7).StoreUnsafe(ref t0);
                for (; c < d; c++)
                {
                    float x = Unsafe.Add(ref b0, c);
                    for (int t = 0; t < Block; t++)
                    {
                        Unsafe.Add(ref t0, t) = MathF.FusedMultiplyAdd(Unsafe.Add(ref ri, ((nint)t * w) + c), x, Unsafe.Add(ref t0, t));
                    }
                }

                for (int t = 0; t < Block; t++)
                {
                    Unsafe.Add(ref b0, i0 + t) -= Unsafe.Add(ref t0, t);
                }
            }

            // The block's unknowns from the last: each row's later block entries, the nearest last.
            for (int i = iEnd - 1; i >= i0; i--)
            {
                ref float rr = ref Unsafe.Add(ref r0, (nint)i * w);
                float s = Unsafe.Add(ref b0, i);
                for (int c = iEnd - 1; c > i; c--)
                {
                    s = MathF.FusedMultiplyAdd(-Unsafe.Add(ref rr, c), Unsafe.Add(ref b0, c), s);
                }

                Unsafe.Add(ref b0, i) = s * Unsafe.Add(ref inv0, i);
            }
        }
    }

    /// <summary>
    /// Lane t of the result is the sum of the lanes of the t-th argument, as <c>((l0 + l1) + (l2 + l3)) + ((l4 + l5) +
    /// (l6 + l7))</c>: with AVX, pairwise within 128-bit halves by horizontal adds, then the halves; elsewhere (a vector
    /// path run in software) the same sums one by one (<see cref="Tree"/>), so the bits do not depend on the machine.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Sums(
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        if (!Avx.IsSupported)
        {
            return Vector256.Create(Tree(a0), Tree(a1), Tree(a2), Tree(a3), Tree(a4), Tree(a5), Tree(a6), Tree(a7));
        }

        // hadd(hadd(a0, a1), hadd(a2, a3)) holds, per 128-bit half, the half-sums of a0..a3 in lanes 0..3.
        Vector256<float> lo = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        Vector256<float> hi = Avx.HorizontalAdd(Avx.HorizontalAdd(a4, a5), Avx.HorizontalAdd(a6, a7));
        return Avx.Add(Avx.Permute2x128(lo, hi, 0x20), Avx.Permute2x128(lo, hi, 0x31));
    }

    /// <summary>The lanes' sum in <see cref="Sums"/>' order.</summary>
    internal static float Tree(Vector256<float> a) =>
        ((a.GetElement(0) + a.GetElement(1)) + (a.GetElement(2) + a.GetElement(3))) + ((a.GetElement(4) + a.GetElement(5)) + (a.GetElement(6) + a.GetElement(7)));
}
