using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The BLAS-1 loops and the column-blocked row kernels of the vector paths, written once for every width
/// (the JIT specializes them per <typeparamref name="TOps"/>, as TensorPrimitives does with one driver per
/// width); <see cref="Vector256Isa"/> and <see cref="Vector512Isa"/> route to them. Each loop covers the
/// part of its range that whole vectors fill and leaves the rest to the scalar loop (<see cref="ScalarIsa"/>)
/// or, for the row kernels, returns how far it got. Callers check lengths once; the loops trust them.
/// </summary>
/// <remarks>
/// The summation order is part of the contract: a dot product runs two accumulators over steps of two
/// vectors, then one vector, then sums the two and adds the scalar tail in order (see <see cref="Blas"/>).
/// </remarks>
internal static class VectorBlas<TOps, TVec>
    where TOps : struct, IVectorOps<TVec>
    where TVec : struct
{
    /// <summary><c>x . y</c> over <paramref name="n"/> &gt;= one vector of floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float x, ref float y, int n)
    {
        int c = TOps.Count;
        int i = 0;
        TVec a0 = TOps.Zero, a1 = TOps.Zero;
        for (; i <= n - (2 * c); i += 2 * c)
        {
            a0 = TOps.FusedMultiplyAdd(TOps.Load(ref x, (nuint)i), TOps.Load(ref y, (nuint)i), a0);
            a1 = TOps.FusedMultiplyAdd(TOps.Load(ref x, (nuint)(i + c)), TOps.Load(ref y, (nuint)(i + c)), a1);
        }

        for (; i <= n - c; i += c)
        {
            a0 = TOps.FusedMultiplyAdd(TOps.Load(ref x, (nuint)i), TOps.Load(ref y, (nuint)i), a0);
        }

        return ScalarIsa.DotFrom(ref x, ref y, i, n, TOps.Sum(TOps.Add(a0, a1)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, ref float x, ref float y, int n)
    {
        int c = TOps.Count;
        int i = 0;
        TVec va = TOps.Create(a);
        for (; i <= n - c; i += c)
        {
            TOps.Store(TOps.FusedMultiplyAdd(va, TOps.Load(ref x, (nuint)i), TOps.Load(ref y, (nuint)i)), ref y, (nuint)i);
        }

        ScalarIsa.AxpyFrom(a, ref x, ref y, i, n);
    }

    /// <summary>
    /// <see cref="IIsa.CholeskyRows"/> on the vector paths: tiles of the block's rows (up to four) by two vectors of
    /// columns (16 with Vector256, 32 with Vector512, then one vector where fewer columns are left), from column
    /// <c>i0 &amp; ~15</c> to <paramref name="w"/>, held in eight registers while every earlier pivot row j is applied in
    /// order, <c>acc = fma(-r[j, i], r[j, c], acc)</c>: one load and one store of each entry per block instead of one per
    /// pivot block (the right-looking update streamed the whole trailing matrix through the cache for every four
    /// pivots, which at k = 128 left it waiting on L2). A block of fewer than four rows repeats its last row in the
    /// spare rows of the tile (the same values, stored twice).
    /// </summary>
    public static void CholeskyRows(ref float a, int w, int i0, int rows)
    {
        if (i0 == 0)
        {
            return;
        }

        int c = TOps.Count;
        int last = rows - 1;
        int o1 = Math.Min(1, last), o2 = Math.Min(2, last), o3 = Math.Min(3, last);
        ref float y0 = ref Unsafe.Add(ref a, (nint)i0 * w);
        ref float y1 = ref Unsafe.Add(ref y0, (nint)o1 * w);
        ref float y2 = ref Unsafe.Add(ref y0, (nint)o2 * w);
        ref float y3 = ref Unsafe.Add(ref y0, (nint)o3 * w);
        for (int c0 = i0 & ~15; c0 < w; c0 += 2 * c)
        {
            bool two = c < 16 || c0 + (2 * c) <= w; // always with Vector256 (w is a multiple of 16)
            nuint p0 = (nuint)c0, p1 = (nuint)(c0 + c);
            TVec a00 = TOps.Load(ref y0, p0), a10 = TOps.Load(ref y1, p0), a20 = TOps.Load(ref y2, p0), a30 = TOps.Load(ref y3, p0);
            TVec a01 = default, a11 = default, a21 = default, a31 = default;
            if (two)
            {
                a01 = TOps.Load(ref y0, p1);
                a11 = TOps.Load(ref y1, p1);
                a21 = TOps.Load(ref y2, p1);
                a31 = TOps.Load(ref y3, p1);
            }

            ref float r = ref a;
            for (int j = 0; j < i0; j++)
            {
                // acc - r[j, i] r[j, c] in one negated FMA: the bits of fma(-r[j, i], r[j, c], acc) (negation is exact),
                // without a negation beside the FMAs.
                ref float m = ref Unsafe.Add(ref r, i0);
                TVec x0 = TOps.Load(ref r, p0);
                TVec m0 = TOps.Create(m), m1 = TOps.Create(Unsafe.Add(ref m, o1));
                TVec m2 = TOps.Create(Unsafe.Add(ref m, o2)), m3 = TOps.Create(Unsafe.Add(ref m, o3));
                a00 = TOps.FusedMultiplyAddNegated(m0, x0, a00);
                a10 = TOps.FusedMultiplyAddNegated(m1, x0, a10);
                a20 = TOps.FusedMultiplyAddNegated(m2, x0, a20);
                a30 = TOps.FusedMultiplyAddNegated(m3, x0, a30);
                if (two)
                {
                    TVec x1 = TOps.Load(ref r, p1);
                    a01 = TOps.FusedMultiplyAddNegated(m0, x1, a01);
                    a11 = TOps.FusedMultiplyAddNegated(m1, x1, a11);
                    a21 = TOps.FusedMultiplyAddNegated(m2, x1, a21);
                    a31 = TOps.FusedMultiplyAddNegated(m3, x1, a31);
                }

                r = ref Unsafe.Add(ref r, w);
            }

            // Rows past the block's last are the last row again: storing them rewrites the same values.
            StoreTile(a00, a10, a20, a30, a01, a11, a21, a31, ref y0, ref y1, ref y2, ref y3, p0, p1, two);
        }
    }

    /// <summary>
    /// Stores a tile of four rows by one or two vectors (<see cref="CholeskyRows"/>, <see cref="MultiplyUpper"/>): column
    /// vector 0 of rows 3 to 0, then vector 1 when <paramref name="two"/>. A tile of fewer rows passes its last row's
    /// reference for the spare ones, which then store the same values again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile(TVec a00, TVec a10, TVec a20, TVec a30, TVec a01, TVec a11, TVec a21, TVec a31, ref float y0, ref float y1, ref float y2, ref float y3, nuint p0, nuint p1, bool two)
    {
        TOps.Store(a30, ref y3, p0);
        TOps.Store(a20, ref y2, p0);
        TOps.Store(a10, ref y1, p0);
        TOps.Store(a00, ref y0, p0);
        if (two)
        {
            TOps.Store(a31, ref y3, p1);
            TOps.Store(a21, ref y2, p1);
            TOps.Store(a11, ref y1, p1);
            TOps.Store(a01, ref y0, p1);
        }
    }

    /// <summary>
    /// <see cref="IIsa.MultiplyUpper"/> on the vector paths: tiles of four rows of u by two vectors of columns (one where
    /// fewer are left), held in eight registers while the rows of r that can be nonzero in those columns (p up to the
    /// tile's last column) are applied in order, <c>acc = fma(u[j, p], r[p, c], acc)</c>. A tile of fewer than four rows
    /// repeats its last row (the same values, stored twice).
    /// </summary>
    public static void MultiplyUpper(ref float u, int rows, int us, ref float r, int d, int rs, ref float v, int vs)
    {
        int c = TOps.Count;
        for (int j0 = 0; j0 < rows; j0 += 4)
        {
            int last = Math.Min(3, rows - 1 - j0);
            int o1 = Math.Min(1, last), o2 = Math.Min(2, last), o3 = last;
            ref float u0 = ref Unsafe.Add(ref u, (nint)j0 * us);
            ref float u1 = ref Unsafe.Add(ref u0, (nint)o1 * us);
            ref float u2 = ref Unsafe.Add(ref u0, (nint)o2 * us);
            ref float u3 = ref Unsafe.Add(ref u0, (nint)o3 * us);
            ref float v0 = ref Unsafe.Add(ref v, (nint)j0 * vs);
            ref float v1 = ref Unsafe.Add(ref v0, (nint)o1 * vs);
            ref float v2 = ref Unsafe.Add(ref v0, (nint)o2 * vs);
            ref float v3 = ref Unsafe.Add(ref v0, (nint)o3 * vs);
            for (int c0 = 0; c0 < rs; c0 += 2 * c)
            {
                bool two = c0 + (2 * c) <= rs;
                int pEnd = Math.Min(d, c0 + (two ? 2 * c : c));
                nuint p0 = (nuint)c0, p1 = (nuint)(c0 + c);
                TVec a00 = TOps.Zero, a10 = TOps.Zero, a20 = TOps.Zero, a30 = TOps.Zero;
                TVec a01 = TOps.Zero, a11 = TOps.Zero, a21 = TOps.Zero, a31 = TOps.Zero;
                ref float rp = ref r;
                for (int p = 0; p < pEnd; p++)
                {
                    TVec x0 = TOps.Load(ref rp, p0);
                    TVec m0 = TOps.Create(Unsafe.Add(ref u0, p)), m1 = TOps.Create(Unsafe.Add(ref u1, p));
                    TVec m2 = TOps.Create(Unsafe.Add(ref u2, p)), m3 = TOps.Create(Unsafe.Add(ref u3, p));
                    a00 = TOps.FusedMultiplyAdd(m0, x0, a00);
                    a10 = TOps.FusedMultiplyAdd(m1, x0, a10);
                    a20 = TOps.FusedMultiplyAdd(m2, x0, a20);
                    a30 = TOps.FusedMultiplyAdd(m3, x0, a30);
                    if (two)
                    {
                        TVec x1 = TOps.Load(ref rp, p1);
                        a01 = TOps.FusedMultiplyAdd(m0, x1, a01);
                        a11 = TOps.FusedMultiplyAdd(m1, x1, a11);
                        a21 = TOps.FusedMultiplyAdd(m2, x1, a21);
                        a31 = TOps.FusedMultiplyAdd(m3, x1, a31);
                    }

                    rp = ref Unsafe.Add(ref rp, rs);
                }

                StoreTile(a00, a10, a20, a30, a01, a11, a21, a31, ref v0, ref v1, ref v2, ref v3, p0, p1, two);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(float a, ref float x, ref float y, int n)
    {
        int c = TOps.Count;
        int i = 0;
        TVec va = TOps.Create(a);
        for (; i <= n - c; i += c)
        {
            TOps.Store(TOps.Multiply(va, TOps.Load(ref x, (nuint)i)), ref y, (nuint)i);
        }

        ScalarIsa.ScaleFrom(a, ref x, ref y, i, n);
    }

    /// <summary><c>y = x + b y</c>: a multiply then an add per element, as <see cref="ScalarIsa.Xpby"/> (the same bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xpby(ref float x, float b, ref float y, int n)
    {
        int c = TOps.Count;
        int i = 0;
        TVec vb = TOps.Create(b);
        for (; i <= n - c; i += c)
        {
            TOps.Store(TOps.Add(TOps.Load(ref x, (nuint)i), TOps.Multiply(vb, TOps.Load(ref y, (nuint)i))), ref y, (nuint)i);
        }

        ScalarIsa.XpbyFrom(ref x, b, ref y, i, n);
    }

    /// <summary><c>y += a x</c>: a multiply then an add per element, as <see cref="ScalarIsa.AddScaled"/> (the same bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(float a, ref float x, ref float y, int n)
    {
        int c = TOps.Count;
        int i = 0;
        TVec va = TOps.Create(a);
        for (; i <= n - c; i += c)
        {
            TOps.Store(TOps.Add(TOps.Load(ref y, (nuint)i), TOps.Multiply(va, TOps.Load(ref x, (nuint)i))), ref y, (nuint)i);
        }

        ScalarIsa.AddScaledFrom(a, ref x, ref y, i, n);
    }

    /// <summary><c>r = h - r - a v</c> (h a null reference: zeros), as <see cref="ScalarIsa.SubtractScaled"/> (the same bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SubtractScaled(ref float h, ref float r, float a, ref float v, int n)
    {
        int c = TOps.Count;
        int i = 0;
        TVec va = TOps.Create(a);
        if (Unsafe.IsNullRef(ref h))
        {
            for (; i <= n - c; i += c)
            {
                TOps.Store(TOps.Subtract(TOps.Subtract(TOps.Zero, TOps.Load(ref r, (nuint)i)), TOps.Multiply(va, TOps.Load(ref v, (nuint)i))), ref r, (nuint)i);
            }
        }
        else
        {
            for (; i <= n - c; i += c)
            {
                TOps.Store(TOps.Subtract(TOps.Subtract(TOps.Load(ref h, (nuint)i), TOps.Load(ref r, (nuint)i)), TOps.Multiply(va, TOps.Load(ref v, (nuint)i))), ref r, (nuint)i);
            }
        }

        ScalarIsa.SubtractScaledFrom(ref h, ref r, a, ref v, i, n);
    }

    /// <summary>Copies <paramref name="n"/> floats, a multiple of the vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ref float src, ref float dst, int n)
    {
        for (int i = 0; i < n; i += TOps.Count)
        {
            TOps.Store(TOps.Load(ref src, (nuint)i), ref dst, (nuint)i);
        }
    }

    /// <summary>
    /// The register-blocked part of <see cref="Blas.AddWeightedRows{TIsa}"/>: y kept in registers, four vectors at a
    /// time, then two, then one; each entry gets the same FMA sequence as <see cref="Axpy"/> row by row. Returns the
    /// columns done.
    /// </summary>
    public static int AddWeightedRows(ref float b0, int rows, int stride, ref float q0, ref float y0)
    {
        int v = TOps.Count;
        int c = 0;
        for (; c <= stride - (4 * v); c += 4 * v)
        {
            ref float yc = ref Unsafe.Add(ref y0, c);
            TVec s0 = TOps.Load(ref yc, 0), s1 = TOps.Load(ref yc, (nuint)v), s2 = TOps.Load(ref yc, (nuint)(2 * v)), s3 = TOps.Load(ref yc, (nuint)(3 * v));
            for (int j = 0; j < rows; j++)
            {
                ref float r = ref Unsafe.Add(ref b0, ((nint)j * stride) + c);
                TVec t = TOps.Create(Unsafe.Add(ref q0, j));
                s0 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, 0), s0);
                s1 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, (nuint)v), s1);
                s2 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, (nuint)(2 * v)), s2);
                s3 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, (nuint)(3 * v)), s3);
            }

            TOps.Store(s0, ref yc, 0);
            TOps.Store(s1, ref yc, (nuint)v);
            TOps.Store(s2, ref yc, (nuint)(2 * v));
            TOps.Store(s3, ref yc, (nuint)(3 * v));
        }

        // The last two vectors and the last one (strides of two, three, five or six vectors: k = 32 at 512 bits, the
        // biased 48 and 80) in registers too; row by row they were one Axpy call per neighbour.
        if (c <= stride - (2 * v))
        {
            ref float yc = ref Unsafe.Add(ref y0, c);
            TVec s0 = TOps.Load(ref yc, 0), s1 = TOps.Load(ref yc, (nuint)v);
            for (int j = 0; j < rows; j++)
            {
                ref float r = ref Unsafe.Add(ref b0, ((nint)j * stride) + c);
                TVec t = TOps.Create(Unsafe.Add(ref q0, j));
                s0 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, 0), s0);
                s1 = TOps.FusedMultiplyAdd(t, TOps.Load(ref r, (nuint)v), s1);
            }

            TOps.Store(s0, ref yc, 0);
            TOps.Store(s1, ref yc, (nuint)v);
            c += 2 * v;
        }

        if (c <= stride - v)
        {
            ref float yc = ref Unsafe.Add(ref y0, c);
            TVec s0 = TOps.Load(ref yc, 0);
            for (int j = 0; j < rows; j++)
            {
                s0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref q0, j)), TOps.Load(ref Unsafe.Add(ref b0, ((nint)j * stride) + c), 0), s0);
            }

            TOps.Store(s0, ref yc, 0);
            c += v;
        }

        return c;
    }

    /// <summary>
    /// The vector part of <see cref="Blas.ColumnMatVec{TIsa}"/>: when the stride is a multiple of eight vectors
    /// (64 columns at 256 bits, 128 at 512), eight vectors of columns at a time, so that the FMA units are not
    /// waiting on one chain's latency; otherwise four vectors at a time, then one. Each output entry is then one
    /// FMA chain (rows in order from zero) whatever the blocking. A stride of exactly four or two vectors (k = 32 at
    /// 256 bits; 64 and 32 at 512) has too few columns for eight chains: its rows are split instead
    /// (<see cref="ColumnMatVecFour"/>, <see cref="ColumnMatVecTwo"/>). Returns the columns done.
    /// </summary>
    public static int ColumnMatVec(ref float a0, int rows, int stride, ref float x0, ref float y0)
    {
        int v = TOps.Count;
        int c = 0;
        if (stride == 4 * v)
        {
            return ColumnMatVecFour(ref a0, rows, ref x0, ref y0);
        }

        if (stride == 2 * v)
        {
            return ColumnMatVecTwo(ref a0, rows, ref x0, ref y0);
        }

        if (stride % (8 * v) == 0)
        {
            for (; c < stride; c += 8 * v)
            {
                TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                TVec s4 = TOps.Zero, s5 = TOps.Zero, s6 = TOps.Zero, s7 = TOps.Zero;
                for (int i = 0; i < rows; i++)
                {
                    ref float r = ref Unsafe.Add(ref a0, ((nint)i * stride) + c);
                    TVec xi = TOps.Create(Unsafe.Add(ref x0, i));
                    s0 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, 0), s0);
                    s1 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)v), s1);
                    s2 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(2 * v)), s2);
                    s3 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(3 * v)), s3);
                    s4 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(4 * v)), s4);
                    s5 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(5 * v)), s5);
                    s6 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(6 * v)), s6);
                    s7 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(7 * v)), s7);
                }

                ref float yc = ref Unsafe.Add(ref y0, c);
                TOps.Store(s0, ref yc, 0);
                TOps.Store(s1, ref yc, (nuint)v);
                TOps.Store(s2, ref yc, (nuint)(2 * v));
                TOps.Store(s3, ref yc, (nuint)(3 * v));
                TOps.Store(s4, ref yc, (nuint)(4 * v));
                TOps.Store(s5, ref yc, (nuint)(5 * v));
                TOps.Store(s6, ref yc, (nuint)(6 * v));
                TOps.Store(s7, ref yc, (nuint)(7 * v));
            }

            return c;
        }

        for (; c <= stride - (4 * v); c += 4 * v)
        {
            TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            for (int i = 0; i < rows; i++)
            {
                ref float r = ref Unsafe.Add(ref a0, ((nint)i * stride) + c);
                TVec xi = TOps.Create(Unsafe.Add(ref x0, i));
                s0 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, 0), s0);
                s1 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)v), s1);
                s2 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(2 * v)), s2);
                s3 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(3 * v)), s3);
            }

            TOps.Store(s0, ref y0, (nuint)c);
            TOps.Store(s1, ref y0, (nuint)(c + v));
            TOps.Store(s2, ref y0, (nuint)(c + (2 * v)));
            TOps.Store(s3, ref y0, (nuint)(c + (3 * v)));
        }

        for (; c <= stride - v; c += v)
        {
            TVec s0 = TOps.Zero;
            for (int i = 0; i < rows; i++)
            {
                s0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref x0, i)), TOps.Load(ref a0, (nuint)(((nint)i * stride) + c)), s0);
            }

            TOps.Store(s0, ref y0, (nuint)c);
        }

        return c;
    }

    /// <summary>
    /// <see cref="ColumnMatVec"/> when the stride is four vectors (k = 32 at 256 bits, 64 at 512): row i goes to the
    /// chain i mod 2 of its column (two sets of four accumulators), and the two chains are added at the end, so that
    /// eight FMA chains of rows / 2 run instead of four of rows (one chain of rows FMAs per vector was bound by the
    /// FMA latency).
    /// </summary>
    private static int ColumnMatVecFour(ref float a0, int rows, ref float x0, ref float y0)
    {
        int v = TOps.Count;
        ColumnProductFour(ref a0, rows, ref x0, out TVec y_0, out TVec y_1, out TVec y_2, out TVec y_3);
        TOps.Store(y_0, ref y0, 0);
        TOps.Store(y_1, ref y0, (nuint)v);
        TOps.Store(y_2, ref y0, (nuint)(2 * v));
        TOps.Store(y_3, ref y0, (nuint)(3 * v));
        return 4 * v;
    }

    /// <summary><see cref="ColumnMatVecFour"/> with its output in registers (also for RowSolver's CG in registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ColumnProductFour(ref float a0, int rows, ref float x0, out TVec y0, out TVec y1, out TVec y2, out TVec y3)
    {
        int v = TOps.Count, stride = 4 * v;
        TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        TVec t0 = TOps.Zero, t1 = TOps.Zero, t2 = TOps.Zero, t3 = TOps.Zero;
        int i = 0;
        for (; i + 1 < rows; i += 2)
        {
            ref float r = ref Unsafe.Add(ref a0, (nint)i * stride);
            TVec xi = TOps.Create(Unsafe.Add(ref x0, i));
            TVec xj = TOps.Create(Unsafe.Add(ref x0, i + 1));
            s0 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, 0), s0);
            s1 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)v), s1);
            s2 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(2 * v)), s2);
            s3 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(3 * v)), s3);
            t0 = TOps.FusedMultiplyAdd(xj, TOps.Load(ref r, (nuint)(4 * v)), t0);
            t1 = TOps.FusedMultiplyAdd(xj, TOps.Load(ref r, (nuint)(5 * v)), t1);
            t2 = TOps.FusedMultiplyAdd(xj, TOps.Load(ref r, (nuint)(6 * v)), t2);
            t3 = TOps.FusedMultiplyAdd(xj, TOps.Load(ref r, (nuint)(7 * v)), t3);
        }

        if (i < rows)
        {
            ref float r = ref Unsafe.Add(ref a0, (nint)i * stride);
            TVec xi = TOps.Create(Unsafe.Add(ref x0, i));
            s0 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, 0), s0);
            s1 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)v), s1);
            s2 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(2 * v)), s2);
            s3 = TOps.FusedMultiplyAdd(xi, TOps.Load(ref r, (nuint)(3 * v)), s3);
        }

        y0 = TOps.Add(s0, t0);
        y1 = TOps.Add(s1, t1);
        y2 = TOps.Add(s2, t2);
        y3 = TOps.Add(s3, t3);
    }

    /// <summary>
    /// <see cref="ColumnMatVec"/> when the stride is two vectors (k = 16 at 256 bits, 32 at 512): row i goes to the
    /// chain i mod 4 of its column (four pairs of accumulators), and the chains are added as (0 + 1) + (2 + 3): eight
    /// chains of rows / 4 FMAs.
    /// </summary>
    private static int ColumnMatVecTwo(ref float a0, int rows, ref float x0, ref float y0)
    {
        int v = TOps.Count;
        ColumnProductTwo(ref a0, rows, ref x0, out TVec y_0, out TVec y_1);
        TOps.Store(y_0, ref y0, 0);
        TOps.Store(y_1, ref y0, (nuint)v);
        return 2 * v;
    }

    /// <summary><see cref="ColumnMatVecTwo"/> with its output in registers (also for RowSolver's CG in registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ColumnProductTwo(ref float a0, int rows, ref float x0, out TVec y0, out TVec y1)
    {
        int v = TOps.Count, stride = 2 * v;
        TVec s0 = TOps.Zero, s1 = TOps.Zero, t0 = TOps.Zero, t1 = TOps.Zero;
        TVec u0 = TOps.Zero, u1 = TOps.Zero, w0 = TOps.Zero, w1 = TOps.Zero;
        int i = 0;
        for (; i + 3 < rows; i += 4)
        {
            ref float r = ref Unsafe.Add(ref a0, (nint)i * stride);
            TVec x = TOps.Create(Unsafe.Add(ref x0, i)), y = TOps.Create(Unsafe.Add(ref x0, i + 1));
            s0 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, 0), s0);
            s1 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, (nuint)v), s1);
            t0 = TOps.FusedMultiplyAdd(y, TOps.Load(ref r, (nuint)(2 * v)), t0);
            t1 = TOps.FusedMultiplyAdd(y, TOps.Load(ref r, (nuint)(3 * v)), t1);
            x = TOps.Create(Unsafe.Add(ref x0, i + 2));
            y = TOps.Create(Unsafe.Add(ref x0, i + 3));
            u0 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, (nuint)(4 * v)), u0);
            u1 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, (nuint)(5 * v)), u1);
            w0 = TOps.FusedMultiplyAdd(y, TOps.Load(ref r, (nuint)(6 * v)), w0);
            w1 = TOps.FusedMultiplyAdd(y, TOps.Load(ref r, (nuint)(7 * v)), w1);
        }

        // The last rows (fewer than four) to their own chains, as in the loop.
        if (i < rows)
        {
            ref float r = ref Unsafe.Add(ref a0, (nint)i * stride);
            TVec x = TOps.Create(Unsafe.Add(ref x0, i));
            s0 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, 0), s0);
            s1 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, (nuint)v), s1);
        }

        if (i + 1 < rows)
        {
            ref float r = ref Unsafe.Add(ref a0, (nint)(i + 1) * stride);
            TVec x = TOps.Create(Unsafe.Add(ref x0, i + 1));
            t0 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, 0), t0);
            t1 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, (nuint)v), t1);
        }

        if (i + 2 < rows)
        {
            ref float r = ref Unsafe.Add(ref a0, (nint)(i + 2) * stride);
            TVec x = TOps.Create(Unsafe.Add(ref x0, i + 2));
            u0 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, 0), u0);
            u1 = TOps.FusedMultiplyAdd(x, TOps.Load(ref r, (nuint)v), u1);
        }

        y0 = TOps.Add(TOps.Add(s0, t0), TOps.Add(u0, w0));
        y1 = TOps.Add(TOps.Add(s1, t1), TOps.Add(u1, w1));
    }

    /// <summary>
    /// The vector part of <see cref="Blas.ColumnMatVec4{TIsa}"/>: four vectors of columns of all four outputs per pass over
    /// the rows (sixteen accumulators, each row of A loaded once for the four), then one. Per entry the FMA chain of
    /// <see cref="ColumnMatVec"/>, as <see cref="ColumnMatVec2"/> keeps it; at the strides where <see cref="ColumnMatVec"/>
    /// splits the rows, it is that call for each vector.
    /// </summary>
    public static int ColumnMatVec4(ref float a0, int rows, int stride, ref float x0, ref float x1, ref float x2, ref float x3, ref float y0, ref float y1, ref float y2, ref float y3)
    {
        int v = TOps.Count;
        int c = 0;
        if (stride == 4 * v || stride == 2 * v)
        {
            ColumnMatVec(ref a0, rows, stride, ref x0, ref y0);
            ColumnMatVec(ref a0, rows, stride, ref x1, ref y1);
            ColumnMatVec(ref a0, rows, stride, ref x2, ref y2);
            return ColumnMatVec(ref a0, rows, stride, ref x3, ref y3);
        }

        for (; c <= stride - (4 * v); c += 4 * v)
        {
            TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            TVec t0 = TOps.Zero, t1 = TOps.Zero, t2 = TOps.Zero, t3 = TOps.Zero;
            TVec u0 = TOps.Zero, u1 = TOps.Zero, u2 = TOps.Zero, u3 = TOps.Zero;
            TVec w0 = TOps.Zero, w1 = TOps.Zero, w2 = TOps.Zero, w3 = TOps.Zero;
            for (int i = 0; i < rows; i++)
            {
                ref float r = ref Unsafe.Add(ref a0, ((nint)i * stride) + c);
                TVec r0 = TOps.Load(ref r, 0), r1 = TOps.Load(ref r, (nuint)v);
                TVec r2 = TOps.Load(ref r, (nuint)(2 * v)), r3 = TOps.Load(ref r, (nuint)(3 * v));
                TVec e = TOps.Create(Unsafe.Add(ref x0, i));
                s0 = TOps.FusedMultiplyAdd(e, r0, s0);
                s1 = TOps.FusedMultiplyAdd(e, r1, s1);
                s2 = TOps.FusedMultiplyAdd(e, r2, s2);
                s3 = TOps.FusedMultiplyAdd(e, r3, s3);
                e = TOps.Create(Unsafe.Add(ref x1, i));
                t0 = TOps.FusedMultiplyAdd(e, r0, t0);
                t1 = TOps.FusedMultiplyAdd(e, r1, t1);
                t2 = TOps.FusedMultiplyAdd(e, r2, t2);
                t3 = TOps.FusedMultiplyAdd(e, r3, t3);
                e = TOps.Create(Unsafe.Add(ref x2, i));
                u0 = TOps.FusedMultiplyAdd(e, r0, u0);
                u1 = TOps.FusedMultiplyAdd(e, r1, u1);
                u2 = TOps.FusedMultiplyAdd(e, r2, u2);
                u3 = TOps.FusedMultiplyAdd(e, r3, u3);
                e = TOps.Create(Unsafe.Add(ref x3, i));
                w0 = TOps.FusedMultiplyAdd(e, r0, w0);
                w1 = TOps.FusedMultiplyAdd(e, r1, w1);
                w2 = TOps.FusedMultiplyAdd(e, r2, w2);
                w3 = TOps.FusedMultiplyAdd(e, r3, w3);
            }

            Store4(s0, s1, s2, s3, ref Unsafe.Add(ref y0, c));
            Store4(t0, t1, t2, t3, ref Unsafe.Add(ref y1, c));
            Store4(u0, u1, u2, u3, ref Unsafe.Add(ref y2, c));
            Store4(w0, w1, w2, w3, ref Unsafe.Add(ref y3, c));
        }

        for (; c <= stride - v; c += v)
        {
            TVec s0 = TOps.Zero, t0 = TOps.Zero, u0 = TOps.Zero, w0 = TOps.Zero;
            for (int i = 0; i < rows; i++)
            {
                TVec r0 = TOps.Load(ref a0, (nuint)(((nint)i * stride) + c));
                s0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref x0, i)), r0, s0);
                t0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref x1, i)), r0, t0);
                u0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref x2, i)), r0, u0);
                w0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref x3, i)), r0, w0);
            }

            TOps.Store(s0, ref y0, (nuint)c);
            TOps.Store(t0, ref y1, (nuint)c);
            TOps.Store(u0, ref y2, (nuint)c);
            TOps.Store(w0, ref y3, (nuint)c);
        }

        return c;
    }

    /// <summary>Four consecutive vectors to <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(TVec a, TVec b, TVec c, TVec d, ref float y)
    {
        int v = TOps.Count;
        TOps.Store(a, ref y, 0);
        TOps.Store(b, ref y, (nuint)v);
        TOps.Store(c, ref y, (nuint)(2 * v));
        TOps.Store(d, ref y, (nuint)(3 * v));
    }

    /// <summary>
    /// The vector part of <see cref="Blas.ColumnMatVec2{TIsa}"/>: four vectors of columns of both outputs per pass over
    /// the rows (eight accumulators), then one. Per entry the FMA chain of <see cref="ColumnMatVec"/> (which covers the
    /// same columns: every whole vector), so the bits do not depend on the blocking. At the strides where
    /// <see cref="ColumnMatVec"/> splits the rows, it is that call for each vector.
    /// </summary>
    public static int ColumnMatVec2(ref float a0, int rows, int stride, ref float x0, ref float y0, ref float x1, ref float y1)
    {
        int v = TOps.Count;
        int c = 0;
        if (stride == 4 * v || stride == 2 * v)
        {
            // ColumnMatVec splits the rows at these strides (its own chains); A is at most 16 vectors square, in L1.
            ColumnMatVec(ref a0, rows, stride, ref x0, ref y0);
            return ColumnMatVec(ref a0, rows, stride, ref x1, ref y1);
        }

        for (; c <= stride - (4 * v); c += 4 * v)
        {
            TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            TVec t0 = TOps.Zero, t1 = TOps.Zero, t2 = TOps.Zero, t3 = TOps.Zero;
            for (int i = 0; i < rows; i++)
            {
                ref float r = ref Unsafe.Add(ref a0, ((nint)i * stride) + c);
                TVec u = TOps.Create(Unsafe.Add(ref x0, i)), w = TOps.Create(Unsafe.Add(ref x1, i));
                TVec r0 = TOps.Load(ref r, 0), r1 = TOps.Load(ref r, (nuint)v);
                s0 = TOps.FusedMultiplyAdd(u, r0, s0);
                t0 = TOps.FusedMultiplyAdd(w, r0, t0);
                s1 = TOps.FusedMultiplyAdd(u, r1, s1);
                t1 = TOps.FusedMultiplyAdd(w, r1, t1);
                TVec r2 = TOps.Load(ref r, (nuint)(2 * v)), r3 = TOps.Load(ref r, (nuint)(3 * v));
                s2 = TOps.FusedMultiplyAdd(u, r2, s2);
                t2 = TOps.FusedMultiplyAdd(w, r2, t2);
                s3 = TOps.FusedMultiplyAdd(u, r3, s3);
                t3 = TOps.FusedMultiplyAdd(w, r3, t3);
            }

            TOps.Store(s0, ref y0, (nuint)c);
            TOps.Store(s1, ref y0, (nuint)(c + v));
            TOps.Store(s2, ref y0, (nuint)(c + (2 * v)));
            TOps.Store(s3, ref y0, (nuint)(c + (3 * v)));
            TOps.Store(t0, ref y1, (nuint)c);
            TOps.Store(t1, ref y1, (nuint)(c + v));
            TOps.Store(t2, ref y1, (nuint)(c + (2 * v)));
            TOps.Store(t3, ref y1, (nuint)(c + (3 * v)));
        }

        for (; c <= stride - v; c += v)
        {
            TVec s0 = TOps.Zero, t0 = TOps.Zero;
            for (int i = 0; i < rows; i++)
            {
                TVec r0 = TOps.Load(ref a0, (nuint)(((nint)i * stride) + c));
                s0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref x0, i)), r0, s0);
                t0 = TOps.FusedMultiplyAdd(TOps.Create(Unsafe.Add(ref x1, i)), r0, t0);
            }

            TOps.Store(s0, ref y0, (nuint)c);
            TOps.Store(t0, ref y1, (nuint)c);
        }

        return c;
    }
}
