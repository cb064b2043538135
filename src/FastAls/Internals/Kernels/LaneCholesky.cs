using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>
/// What the batched kernels of every width share (<see cref="LaneCholesky{TOps, TVec}"/>): which systems are batched,
/// the column stride of a batch, and the lone solve that gives a lane's bits.
/// </summary>
internal static class LaneCholesky
{
    /// <summary>
    /// Largest system batched. Kernel alone (one thread, AVX2), batched against row by row per system: 0.3 at d = 32,
    /// 0.5 at d = 48, 0.6 at d = 64; at d = 96 it was 0.85 and the batch (200 KiB) is past L1 and most of L2.
    /// </summary>
    public const int MaxD = 64;

    /// <summary>The most lanes of any width (a Vector512 of floats).</summary>
    public const int MaxLanes = 16;

    /// <summary>Whether the exact solver's vector paths solve systems of <paramref name="d"/> unknowns in batches.</summary>
    public static bool Applies(int d) => d >= 1 && d <= MaxD;

    /// <summary>Columns of a row of the batch: d rounded up to a multiple of 8 (the columns past d are scratch).</summary>
    public static int Stride(int d) => (d + 7) & ~7;

    /// <summary>
    /// Floats from one row of a batch of <paramref name="lanes"/> systems to the next: <see cref="Stride"/>(d) entries of
    /// that many floats, plus one cache line, so that rows a power of two apart do not fall in the same L1 sets (at d = 64
    /// a row is 2 KiB with eight lanes, and the factor reads the same columns of every earlier row).
    /// </summary>
    public static int RowLength(int d, int lanes) => (Stride(d) * lanes) + 16;

    /// <summary>Floats of the batched matrices of <paramref name="lanes"/> systems of <paramref name="d"/> unknowns.</summary>
    public static int MatrixLength(int d, int lanes) => d * RowLength(d, lanes);

    /// <summary>
    /// The part of <paramref name="span"/> that starts at a 64-byte boundary (a cache line; with 16 lanes, one lane
    /// vector), for storage that does not move: a stack buffer or a pinned array. Give it 16 floats more than needed.
    /// </summary>
    public static unsafe Span<float> Aligned(Span<float> span)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
        int skip = (int)((64 - (address & 63)) & 63) / sizeof(float);
        return span[skip..];
    }

    /// <summary>
    /// Solves <c>R^T R x = b</c> in place for one system factored by <see cref="Cholesky.Factor{TIsa}"/> on a vector path,
    /// with the bits that system gets in a lane of <see cref="LaneCholesky{TOps, TVec}.FactorSolve"/>: per entry, that
    /// factor applies the same fused multiply-adds in the same order and scales by the same reciprocal, so R is the
    /// lane's R, and the solves here are the lane's, entry for entry. A row solved alone (a row longer than a lane
    /// workspace, a fold-in) takes this instead of a batch of one.
    /// </summary>
    public static void SolveOne(ReadOnlySpan<float> r, int d, int w, Span<float> b)
    {
        if (!Applies(d) || w < d || r.Length < ((d - 1) * w) + d || b.Length < d)
        {
            throw new ArgumentException($"A solve of 1 to {MaxD} unknowns ({d}) needs a factor with stride >= {d} and {d} right-hand-side entries.", nameof(r));
        }

        Span<float> inverse = stackalloc float[MaxD];
        for (int i = 0; i < d; i++)
        {
            inverse[i] = 1f / r[(i * w) + i];
        }

        // Bounds: checked above; row j of R is read from j + 1 to d.
        ref float r0 = ref MemoryMarshal.GetReference(r);
        ref float b0 = ref MemoryMarshal.GetReference(b);

        // R^T y = b: y_j, then removed from every later entry (row j of R, eight entries at a time).
        for (int j = 0; j < d; j++)
        {
            ref float rj = ref Unsafe.Add(ref r0, j * w);
            float y = Unsafe.Add(ref b0, j) * inverse[j];
            Unsafe.Add(ref b0, j) = y;
            Vector256<float> m = Vector256.Create(-y);
            int q = j + 1;
            for (; q <= d - 8; q += 8)
            {
                Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref rj, (nuint)q), Vector256.LoadUnsafe(ref b0, (nuint)q)).StoreUnsafe(ref b0, (nuint)q);
            }

            for (; q < d; q++)
            {
                Unsafe.Add(ref b0, q) = MathF.FusedMultiplyAdd(-y, Unsafe.Add(ref rj, q), Unsafe.Add(ref b0, q));
            }
        }

        // R x = y: x_q from the last, then removed from every earlier entry (column q of R).
        for (int q = d - 1; q >= 0; q--)
        {
            float x = Unsafe.Add(ref b0, q) * inverse[q];
            Unsafe.Add(ref b0, q) = x;
            for (int i = 0; i < q; i++)
            {
                Unsafe.Add(ref b0, i) = MathF.FusedMultiplyAdd(-x, Unsafe.Add(ref r0, (i * w) + q), Unsafe.Add(ref b0, i));
            }
        }
    }
}

/// <summary>
/// Factors and solves small SPD systems in a batch, one system per lane of <typeparamref name="TVec"/> (eight with
/// Vector256, sixteen with Vector512): the exact solver's rows at small k, where one row's factorization is a chain of
/// dependent pivots too short to fill a vector (at k = 32 the factor and the solves of one row took about 1.5 µs,
/// several times their arithmetic). Lanes never mix, so a system's result does not depend on its lane, on the other
/// systems, on the width or on how rows are grouped.
/// </summary>
/// <remarks>
/// <para>
/// Layout, with L = <see cref="Lanes"/>: system l's entry (i, q) at <c>t[i * RowLength + q * L + l]</c>, q up to P = d
/// rounded up to 8, and its right-hand side entry i at <c>rhs[i * L + l]</c>. Only the upper triangle (q &gt;= i,
/// q &lt; d) is meaningful; the rest is scratch that the factor also computes (its tiles start at the multiple of 4 at
/// or before the diagonal) and never reads.
/// </para>
/// <para>
/// The arithmetic of each lane, fixed on every machine and at both widths (lane-wise IEEE operations; FMAs stay fused
/// in software): row i of R is <c>acc_q = A_iq</c>, then <c>acc_q = fma(-R_ji, R_jq, acc_q)</c> for j = 0 .. i - 1,
/// then <c>R_ii = sqrt(acc_i)</c> and <c>R_iq = acc_q * (1 / R_ii)</c>; forward, <c>y_j = b_j * (1 / R_jj)</c> and
/// <c>b_q = fma(-y_j, R_jq, b_q)</c> for every later q; backward, from the last unknown, <c>x_q = b_q * (1 / R_qq)</c>
/// and <c>b_i = fma(-x_q, R_iq, b_i)</c> for every earlier i. Each <c>fma(-a, b, c)</c> is one negated FMA
/// (<see cref="IVectorOps{TVec}.FusedMultiplyAddNegated"/>, the same bits). So the Vector256 path (eight lanes) and the
/// Vector512 path (sixteen) agree bit for bit, and a lone system gets the same bits from the per-row
/// <see cref="Cholesky.Factor{TIsa}"/> of either vector path and <see cref="LaneCholesky.SolveOne"/>.
/// </para>
/// </remarks>
internal static class LaneCholesky<TOps, TVec>
    where TOps : struct, IVectorOps<TVec>
    where TVec : struct
{
    /// <summary>Systems per batch: the lanes of a vector.</summary>
    public static int Lanes => TOps.Count;

    /// <summary>The bits of every lane, as <see cref="IVectorOps{TVec}.BetweenBits"/> gives them.</summary>
    private static ulong AllLanes => (1UL << TOps.Count) - 1;

    /// <summary>The offsets of the next three columns of a row of the batch (one entry is a vector of L floats).</summary>
    private static nuint L1 => (nuint)TOps.Count;

    private static nuint L2 => (nuint)(2 * TOps.Count);

    private static nuint L3 => (nuint)(3 * TOps.Count);

    /// <summary><see cref="LaneCholesky.RowLength"/> at this width.</summary>
    public static int RowLength(int d) => LaneCholesky.RowLength(d, Lanes);

    /// <summary><see cref="LaneCholesky.MatrixLength"/> at this width.</summary>
    public static int MatrixLength(int d) => LaneCholesky.MatrixLength(d, Lanes);

    /// <summary>
    /// Copies system <paramref name="lane"/> into the batch: the upper triangle of the leading d x d block of
    /// <paramref name="a"/> (row stride <paramref name="w"/> &gt;= <see cref="LaneCholesky.Stride"/>(d); each row is read
    /// from the multiple of 8 at or before its diagonal, the entries left of the diagonal as scratch) and
    /// <paramref name="b"/>'s first d entries.
    /// </summary>
    public static void Put(Span<float> t, Span<float> rhs, int d, int lane, ReadOnlySpan<float> a, int w, ReadOnlySpan<float> b)
    {
        int lanes = Lanes, p = LaneCholesky.Stride(d), row = RowLength(d);
        CheckShapes(t, rhs, d);
        if ((uint)lane >= (uint)lanes || w < p || a.Length < ((d - 1) * w) + p || b.Length < d)
        {
            throw new ArgumentException($"Lane {lane} of a batch of {lanes} needs a {d} x {d} system with stride >= {p} and {d} right-hand-side entries.", nameof(a));
        }

        // Bounds: checked above (t holds d rows of p entries of L floats; a holds d rows of w >= p floats).
        ref float t0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(t), lane);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        for (int i = 0; i < d; i++)
        {
            for (int q = i & ~7; q < p; q++)
            {
                Unsafe.Add(ref t0, (i * row) + (q * lanes)) = Unsafe.Add(ref a0, (i * w) + q);
            }
        }

        PutRhs(rhs, d, lane, b);
    }

    /// <summary>Copies <paramref name="b"/>'s first d entries into lane <paramref name="lane"/>'s right-hand side.</summary>
    public static void PutRhs(Span<float> rhs, int d, int lane, ReadOnlySpan<float> b)
    {
        int lanes = Lanes;
        if ((uint)lane >= (uint)lanes || !LaneCholesky.Applies(d) || rhs.Length < d * lanes || b.Length < d)
        {
            throw new ArgumentException($"Lane {lane} of a batch of {lanes} takes {d} right-hand-side entries.", nameof(b));
        }

        for (int i = 0; i < d; i++)
        {
            rhs[(i * lanes) + lane] = b[i];
        }
    }

    /// <summary>
    /// Copies every lane's system at once, system l from <paramref name="a"/>[l], with the same values as one
    /// <see cref="Put"/> call per lane; with AVX each 8 x 8 block of eight systems is transposed in registers.
    /// </summary>
    public static void PutAll(Span<float> t, int d, ReadOnlySpan<float[]> a, int w)
    {
        int lanes = Lanes, p = LaneCholesky.Stride(d), row = RowLength(d);
        if (!LaneCholesky.Applies(d) || t.Length < MatrixLength(d))
        {
            throw new ArgumentException($"A batch of {lanes} systems of 1 to {LaneCholesky.MaxD} unknowns ({d}) needs {(LaneCholesky.Applies(d) ? MatrixLength(d) : 0)} floats.", nameof(t));
        }

        int need = ((d - 1) * w) + p;
        bool shapes = w >= p && a.Length == lanes;
        for (int l = 0; shapes && l < a.Length; l++)
        {
            shapes = a[l].Length >= need;
        }

        if (!shapes)
        {
            throw new ArgumentException($"A batch of {lanes} {d} x {d} systems needs stride >= {p} and {need} floats per system.", nameof(a));
        }

        if (!Avx.IsSupported)
        {
            for (int l = 0; l < lanes; l++)
            {
                for (int i = 0; i < d; i++)
                {
                    for (int q = i & ~7; q < p; q++)
                    {
                        t[(i * row) + (q * lanes) + l] = a[l][(i * w) + q];
                    }
                }
            }

            return;
        }

        // Bounds: checked above; every load reads 8 floats of a row from a multiple of 8 below p <= w.
        ref float t0 = ref MemoryMarshal.GetReference(t);
        for (int g = 0; g < lanes; g += 8)
        {
            ref float r0 = ref MemoryMarshal.GetArrayDataReference(a[g]), r1 = ref MemoryMarshal.GetArrayDataReference(a[g + 1]);
            ref float r2 = ref MemoryMarshal.GetArrayDataReference(a[g + 2]), r3 = ref MemoryMarshal.GetArrayDataReference(a[g + 3]);
            ref float r4 = ref MemoryMarshal.GetArrayDataReference(a[g + 4]), r5 = ref MemoryMarshal.GetArrayDataReference(a[g + 5]);
            ref float r6 = ref MemoryMarshal.GetArrayDataReference(a[g + 6]), r7 = ref MemoryMarshal.GetArrayDataReference(a[g + 7]);
            for (int i = 0; i < d; i++)
            {
                for (int q = i & ~7; q < p; q += 8)
                {
                    nuint s = (nuint)((i * w) + q);
                    Vector256<float> u0 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r0, s), Vector256.LoadUnsafe(ref r1, s));
                    Vector256<float> u1 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r0, s), Vector256.LoadUnsafe(ref r1, s));
                    Vector256<float> u2 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r2, s), Vector256.LoadUnsafe(ref r3, s));
                    Vector256<float> u3 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r2, s), Vector256.LoadUnsafe(ref r3, s));
                    Vector256<float> u4 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r4, s), Vector256.LoadUnsafe(ref r5, s));
                    Vector256<float> u5 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r4, s), Vector256.LoadUnsafe(ref r5, s));
                    Vector256<float> u6 = Avx.UnpackLow(Vector256.LoadUnsafe(ref r6, s), Vector256.LoadUnsafe(ref r7, s));
                    Vector256<float> u7 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref r6, s), Vector256.LoadUnsafe(ref r7, s));
                    Vector256<float> v0 = Avx.Shuffle(u0, u2, 0x44), v1 = Avx.Shuffle(u0, u2, 0xEE);
                    Vector256<float> v2 = Avx.Shuffle(u1, u3, 0x44), v3 = Avx.Shuffle(u1, u3, 0xEE);
                    Vector256<float> v4 = Avx.Shuffle(u4, u6, 0x44), v5 = Avx.Shuffle(u4, u6, 0xEE);
                    Vector256<float> v6 = Avx.Shuffle(u5, u7, 0x44), v7 = Avx.Shuffle(u5, u7, 0xEE);

                    // Column q + c of the eight systems goes to lanes g .. g + 7 of entry (i, q + c).
                    nuint o = (nuint)((i * row) + (q * lanes) + g);
                    nuint n = (nuint)lanes;
                    Avx.Permute2x128(v0, v4, 0x20).StoreUnsafe(ref t0, o);
                    Avx.Permute2x128(v1, v5, 0x20).StoreUnsafe(ref t0, o + n);
                    Avx.Permute2x128(v2, v6, 0x20).StoreUnsafe(ref t0, o + (2 * n));
                    Avx.Permute2x128(v3, v7, 0x20).StoreUnsafe(ref t0, o + (3 * n));
                    Avx.Permute2x128(v0, v4, 0x31).StoreUnsafe(ref t0, o + (4 * n));
                    Avx.Permute2x128(v1, v5, 0x31).StoreUnsafe(ref t0, o + (5 * n));
                    Avx.Permute2x128(v2, v6, 0x31).StoreUnsafe(ref t0, o + (6 * n));
                    Avx.Permute2x128(v3, v7, 0x31).StoreUnsafe(ref t0, o + (7 * n));
                }
            }
        }
    }

    /// <summary>Copies lane <paramref name="lane"/>'s solution (d entries of <paramref name="rhs"/> after <see cref="FactorSolve"/>) into <paramref name="x"/>.</summary>
    public static void Get(ReadOnlySpan<float> rhs, int d, int lane, Span<float> x)
    {
        int lanes = Lanes;
        if ((uint)lane >= (uint)lanes || rhs.Length < d * lanes || x.Length < d)
        {
            throw new ArgumentException($"Lane {lane} of a batch of {lanes} holds {d} unknowns.", nameof(x));
        }

        for (int i = 0; i < d; i++)
        {
            x[i] = rhs[(i * lanes) + lane];
        }
    }

    /// <summary>
    /// Factors every lane's matrix in place (<c>A = R^T R</c>) and overwrites its right-hand side with the solution
    /// of <c>A x = b</c>. <paramref name="bad"/>[l] receives -1, or the first pivot of lane l that is not positive
    /// relative to its original diagonal entry (<see cref="Cholesky.RelativePivotFloor"/>) or not finite, as
    /// <see cref="Cholesky.Factor{TIsa}"/> reports it; that lane's output is then meaningless, the others' are not
    /// affected.
    /// </summary>
    public static void FactorSolve(Span<float> t, Span<float> rhs, int d, Span<int> bad)
    {
        CheckShapes(t, rhs, d);
        if (bad.Length < Lanes)
        {
            throw new ArgumentException($"A batch reports {Lanes} pivots.", nameof(bad));
        }

        bad[..Lanes].Fill(-1);
        Span<float> inverse = LaneCholesky.Aligned(stackalloc float[(LaneCholesky.MaxD * LaneCholesky.MaxLanes) + 16]);
        ref float t0 = ref MemoryMarshal.GetReference(t);
        ref float b0 = ref MemoryMarshal.GetReference(rhs);
        ref float inv0 = ref MemoryMarshal.GetReference(inverse);
        int p = LaneCholesky.Stride(d);
        nint row = RowLength(d);

        // Rows of R four at a time: the four rows take every earlier row's update in one pass over it (tiles of 4 rows
        // x 2 columns, eight FMA chains in registers; the earlier rows' multipliers stay in L1 from one tile to the
        // next, so each pass streams only the two columns' entries), then they are finished one by one, each taking
        // the updates of the group's rows before it first. Each entry gets its FMAs in row order, as one row at a
        // time would give it. The last rows (d mod 4) go in a pair and alone.
        int i = 0;
        for (; i + 3 < d; i += 4)
        {
            ref float ri = ref Unsafe.Add(ref t0, i * row);
            TVec o0 = TOps.Load(ref ri, (nuint)(i * Lanes));
            TVec o1 = TOps.Load(ref Unsafe.Add(ref ri, row), (nuint)((i + 1) * Lanes));
            TVec o2 = TOps.Load(ref Unsafe.Add(ref ri, 2 * row), (nuint)((i + 2) * Lanes));
            TVec o3 = TOps.Load(ref Unsafe.Add(ref ri, 3 * row), (nuint)((i + 3) * Lanes));

            // The group's diagonal block first (columns i .. i + 3), finished in memory; then every later pair of
            // columns, finished in registers with the block's entries and reciprocals.
            QuadTile(ref t0, ref inv0, row, i, i, false);
            QuadTile(ref t0, ref inv0, row, i, i + 2, false);
            int block = i + 4;
            FinishRow(ref ri, ref inv0, i, block, o0, bad);
            UpdateFrom(ref ri, row, i, i + 1, 3, block);
            FinishRow(ref Unsafe.Add(ref ri, row), ref inv0, i + 1, block, o1, bad);
            UpdateFrom(ref Unsafe.Add(ref ri, row), row, i + 1, i + 2, 2, block);
            FinishRow(ref Unsafe.Add(ref ri, 2 * row), ref inv0, i + 2, block, o2, bad);
            UpdateFrom(ref Unsafe.Add(ref ri, 2 * row), row, i + 2, i + 3, 1, block);
            FinishRow(ref Unsafe.Add(ref ri, 3 * row), ref inv0, i + 3, block, o3, bad);
            for (int q = block; q < p; q += 2)
            {
                QuadTile(ref t0, ref inv0, row, i, q, true);
            }
        }

        for (; i + 1 < d; i += 2)
        {
            ref float ri = ref Unsafe.Add(ref t0, i * row);
            ref float rn = ref Unsafe.Add(ref ri, row);
            TVec original = TOps.Load(ref ri, (nuint)(i * Lanes));
            TVec originalNext = TOps.Load(ref rn, (nuint)((i + 1) * Lanes));
            for (int q = i & ~3; q < p; q += 4)
            {
                PairTile(ref t0, row, i, q);
            }

            FinishRow(ref ri, ref inv0, i, d, original, bad);
            UpdateFrom(ref ri, row, i, i + 1, 1, d);
            FinishRow(ref rn, ref inv0, i + 1, d, originalNext, bad);
        }

        if (i < d)
        {
            // The last row of an odd d, alone.
            ref float ri = ref Unsafe.Add(ref t0, i * row);
            TVec original = TOps.Load(ref ri, (nuint)(i * Lanes));
            for (int q = i & ~3; q < p; q += 4)
            {
                ref float tile = ref Unsafe.Add(ref ri, q * Lanes);
                TVec c0 = TOps.Load(ref tile, 0), c1 = TOps.Load(ref tile, L1);
                TVec c2 = TOps.Load(ref tile, L2), c3 = TOps.Load(ref tile, L3);
                for (int j = 0; j < i; j++)
                {
                    ref float rj = ref Unsafe.Add(ref t0, j * row);
                    TVec m = TOps.Load(ref rj, (nuint)(i * Lanes));
                    ref float src = ref Unsafe.Add(ref rj, q * Lanes);
                    c0 = TOps.FusedMultiplyAddNegated(m, TOps.Load(ref src, 0), c0);
                    c1 = TOps.FusedMultiplyAddNegated(m, TOps.Load(ref src, L1), c1);
                    c2 = TOps.FusedMultiplyAddNegated(m, TOps.Load(ref src, L2), c2);
                    c3 = TOps.FusedMultiplyAddNegated(m, TOps.Load(ref src, L3), c3);
                }

                TOps.Store(c0, ref tile, 0);
                TOps.Store(c1, ref tile, L1);
                TOps.Store(c2, ref tile, L2);
                TOps.Store(c3, ref tile, L3);
            }

            FinishRow(ref ri, ref inv0, i, d, original, bad);
        }

        // R^T y = b: y_j, then removed from every later entry.
        for (int j = 0; j < d; j++)
        {
            ref float rj = ref Unsafe.Add(ref t0, j * row);
            TVec y = TOps.Multiply(TOps.Load(ref b0, (nuint)(j * Lanes)), TOps.Load(ref inv0, (nuint)(j * Lanes)));
            TOps.Store(y, ref b0, (nuint)(j * Lanes));
            for (int q = j + 1; q < d; q++)
            {
                nuint o = (nuint)(q * Lanes);
                TOps.Store(TOps.FusedMultiplyAddNegated(y, TOps.Load(ref rj, o), TOps.Load(ref b0, o)), ref b0, o);
            }
        }

        // R x = y: x_q from the last, then removed from every earlier entry (column q of R).
        for (int q = d - 1; q >= 0; q--)
        {
            TVec x = TOps.Multiply(TOps.Load(ref b0, (nuint)(q * Lanes)), TOps.Load(ref inv0, (nuint)(q * Lanes)));
            TOps.Store(x, ref b0, (nuint)(q * Lanes));
            for (int e = 0; e < q; e++)
            {
                nuint o = (nuint)(e * Lanes);
                TOps.Store(TOps.FusedMultiplyAddNegated(x, TOps.Load(ref t0, (nuint)((e * row) + (q * Lanes))), TOps.Load(ref b0, o)), ref b0, o);
            }
        }
    }

    /// <summary>
    /// Columns q and q + 1 of rows i .. i + 3 take the updates of rows 0 .. i - 1 (<c>acc = fma(-R_ji, R_jq, acc)</c>, j
    /// ascending), held in eight registers. With <paramref name="finish"/> (columns right of the group's finished
    /// diagonal block) they are then finished in registers as <see cref="FinishRow"/> and <see cref="UpdateFrom"/>
    /// would finish them: row i scaled by its reciprocal, and each later row first takes the group's earlier rows'
    /// updates, in order, then its own scaling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuadTile(ref float t0, ref float inv0, nint row, int i, int q, bool finish)
    {
        ref float t1 = ref Unsafe.Add(ref t0, (i * row) + (q * Lanes));
        ref float t2 = ref Unsafe.Add(ref t1, row);
        ref float t3 = ref Unsafe.Add(ref t2, row);
        ref float t4 = ref Unsafe.Add(ref t3, row);
        TVec a0 = TOps.Load(ref t1, 0), a1 = TOps.Load(ref t1, L1);
        TVec b0 = TOps.Load(ref t2, 0), b1 = TOps.Load(ref t2, L1);
        TVec c0 = TOps.Load(ref t3, 0), c1 = TOps.Load(ref t3, L1);
        TVec e0 = TOps.Load(ref t4, 0), e1 = TOps.Load(ref t4, L1);
        ref float rj = ref t0;
        for (int j = 0; j < i; j++)
        {
            ref float mj = ref Unsafe.Add(ref rj, i * Lanes);
            ref float src = ref Unsafe.Add(ref rj, q * Lanes);
            TVec x0 = TOps.Load(ref src, 0), x1 = TOps.Load(ref src, L1);
            TVec m = TOps.Load(ref mj, 0);
            a0 = TOps.FusedMultiplyAddNegated(m, x0, a0);
            a1 = TOps.FusedMultiplyAddNegated(m, x1, a1);
            m = TOps.Load(ref mj, L1);
            b0 = TOps.FusedMultiplyAddNegated(m, x0, b0);
            b1 = TOps.FusedMultiplyAddNegated(m, x1, b1);
            m = TOps.Load(ref mj, L2);
            c0 = TOps.FusedMultiplyAddNegated(m, x0, c0);
            c1 = TOps.FusedMultiplyAddNegated(m, x1, c1);
            m = TOps.Load(ref mj, L3);
            e0 = TOps.FusedMultiplyAddNegated(m, x0, e0);
            e1 = TOps.FusedMultiplyAddNegated(m, x1, e1);
            rj = ref Unsafe.Add(ref rj, row);
        }

        if (finish)
        {
            // R_{i+r, i+s} of the block, at row i + r, column i + s.
            ref float d0 = ref Unsafe.Add(ref t1, (i - q) * Lanes);
            ref float d1 = ref Unsafe.Add(ref d0, row);
            ref float d2 = ref Unsafe.Add(ref d1, row);
            ref float v = ref Unsafe.Add(ref inv0, i * Lanes);
            TVec s = TOps.Load(ref v, 0);
            a0 = TOps.Multiply(a0, s);
            a1 = TOps.Multiply(a1, s);
            TVec m = TOps.Load(ref d0, L1);
            b0 = TOps.FusedMultiplyAddNegated(m, a0, b0);
            b1 = TOps.FusedMultiplyAddNegated(m, a1, b1);
            m = TOps.Load(ref d0, L2);
            c0 = TOps.FusedMultiplyAddNegated(m, a0, c0);
            c1 = TOps.FusedMultiplyAddNegated(m, a1, c1);
            m = TOps.Load(ref d0, L3);
            e0 = TOps.FusedMultiplyAddNegated(m, a0, e0);
            e1 = TOps.FusedMultiplyAddNegated(m, a1, e1);
            s = TOps.Load(ref v, L1);
            b0 = TOps.Multiply(b0, s);
            b1 = TOps.Multiply(b1, s);
            m = TOps.Load(ref d1, L2);
            c0 = TOps.FusedMultiplyAddNegated(m, b0, c0);
            c1 = TOps.FusedMultiplyAddNegated(m, b1, c1);
            m = TOps.Load(ref d1, L3);
            e0 = TOps.FusedMultiplyAddNegated(m, b0, e0);
            e1 = TOps.FusedMultiplyAddNegated(m, b1, e1);
            s = TOps.Load(ref v, L2);
            c0 = TOps.Multiply(c0, s);
            c1 = TOps.Multiply(c1, s);
            m = TOps.Load(ref d2, L3);
            e0 = TOps.FusedMultiplyAddNegated(m, c0, e0);
            e1 = TOps.FusedMultiplyAddNegated(m, c1, e1);
            s = TOps.Load(ref v, L3);
            e0 = TOps.Multiply(e0, s);
            e1 = TOps.Multiply(e1, s);
        }

        TOps.Store(a0, ref t1, 0);
        TOps.Store(a1, ref t1, L1);
        TOps.Store(b0, ref t2, 0);
        TOps.Store(b1, ref t2, L1);
        TOps.Store(c0, ref t3, 0);
        TOps.Store(c1, ref t3, L1);
        TOps.Store(e0, ref t4, 0);
        TOps.Store(e1, ref t4, L1);
    }

    /// <summary>
    /// Rows <paramref name="first"/> .. first + count - 1 (right below finished row j, at <paramref name="rj"/>) take row
    /// j's update from their diagonal to column <paramref name="end"/>: <c>A_rq = fma(-R_jr, R_jq, A_rq)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateFrom(ref float rj, nint row, int j, int first, int count, int end)
    {
        for (int r = first; r < first + count; r++)
        {
            ref float rr = ref Unsafe.Add(ref rj, (r - j) * row);
            TVec m = TOps.Load(ref rj, (nuint)(r * Lanes));
            for (int q = r; q < end; q++)
            {
                nuint o = (nuint)(q * Lanes);
                TOps.Store(TOps.FusedMultiplyAddNegated(m, TOps.Load(ref rj, o), TOps.Load(ref rr, o)), ref rr, o);
            }
        }
    }

    /// <summary>
    /// Columns q .. q + 3 of rows i and i + 1 take the updates of rows 0 .. i - 1 (<c>acc = fma(-R_ji, R_jq, acc)</c>, j
    /// ascending), held in eight registers; each earlier row's four entries are loaded once for both rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairTile(ref float t0, nint row, int i, int q)
    {
        ref float tile = ref Unsafe.Add(ref t0, (i * row) + (q * Lanes));
        ref float next = ref Unsafe.Add(ref tile, row);
        TVec a0 = TOps.Load(ref tile, 0), a1 = TOps.Load(ref tile, L1);
        TVec a2 = TOps.Load(ref tile, L2), a3 = TOps.Load(ref tile, L3);
        TVec b0 = TOps.Load(ref next, 0), b1 = TOps.Load(ref next, L1);
        TVec b2 = TOps.Load(ref next, L2), b3 = TOps.Load(ref next, L3);
        ref float rj = ref t0;
        for (int j = 0; j < i; j++)
        {
            TVec m = TOps.Load(ref rj, (nuint)(i * Lanes));
            TVec n = TOps.Load(ref rj, (nuint)((i + 1) * Lanes));
            ref float src = ref Unsafe.Add(ref rj, q * Lanes);
            TVec x = TOps.Load(ref src, 0);
            a0 = TOps.FusedMultiplyAddNegated(m, x, a0);
            b0 = TOps.FusedMultiplyAddNegated(n, x, b0);
            x = TOps.Load(ref src, L1);
            a1 = TOps.FusedMultiplyAddNegated(m, x, a1);
            b1 = TOps.FusedMultiplyAddNegated(n, x, b1);
            x = TOps.Load(ref src, L2);
            a2 = TOps.FusedMultiplyAddNegated(m, x, a2);
            b2 = TOps.FusedMultiplyAddNegated(n, x, b2);
            x = TOps.Load(ref src, L3);
            a3 = TOps.FusedMultiplyAddNegated(m, x, a3);
            b3 = TOps.FusedMultiplyAddNegated(n, x, b3);
            rj = ref Unsafe.Add(ref rj, row);
        }

        TOps.Store(a0, ref tile, 0);
        TOps.Store(a1, ref tile, L1);
        TOps.Store(a2, ref tile, L2);
        TOps.Store(a3, ref tile, L3);
        TOps.Store(b0, ref next, 0);
        TOps.Store(b1, ref next, L1);
        TOps.Store(b2, ref next, L2);
        TOps.Store(b3, ref next, L3);
    }

    /// <summary>
    /// Row i's pivot (checked against its original diagonal entry; a lane's first bad pivot goes to
    /// <paramref name="bad"/>), <c>R_ii = sqrt(pivot)</c>, its reciprocal kept for the solves, and the row's later
    /// entries up to column <paramref name="end"/> scaled by it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishRow(ref float ri, ref float inv0, int i, int end, TVec original, Span<int> bad)
    {
        ref float diagonal = ref Unsafe.Add(ref ri, i * Lanes);
        TVec pivot = TOps.Load(ref diagonal, 0);
        ulong okBits = TOps.BetweenBits(pivot, TOps.Multiply(TOps.Create(Cholesky.RelativePivotFloor), original), TOps.Create(float.PositiveInfinity));
        if (okBits != AllLanes)
        {
            for (int l = 0; l < Lanes; l++)
            {
                if ((okBits & (1UL << l)) == 0 && bad[l] < 0)
                {
                    bad[l] = i;
                }
            }
        }

        TVec r = TOps.Sqrt(pivot);
        TVec inv = TOps.Divide(TOps.Create(1f), r);
        TOps.Store(r, ref diagonal, 0);
        TOps.Store(inv, ref inv0, (nuint)(i * Lanes));
        for (int q = i + 1; q < end; q++)
        {
            ref float e = ref Unsafe.Add(ref ri, q * Lanes);
            TOps.Store(TOps.Multiply(TOps.Load(ref e, 0), inv), ref e, 0);
        }
    }

    private static void CheckShapes(Span<float> t, Span<float> rhs, int d)
    {
        if (!LaneCholesky.Applies(d) || t.Length < MatrixLength(d) || rhs.Length < d * Lanes)
        {
            throw new ArgumentException($"A batch of {Lanes} systems of 1 to {LaneCholesky.MaxD} unknowns ({d}) needs {(LaneCholesky.Applies(d) ? MatrixLength(d) : 0)} matrix and {d * Lanes} right-hand-side floats.", nameof(t));
        }
    }
}
