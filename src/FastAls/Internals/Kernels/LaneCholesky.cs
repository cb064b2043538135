using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>
/// Factors and solves eight small SPD systems at once, one system per Vector256 lane: the exact solver's rows at small
/// k, where one row's factorization is a chain of dependent pivots too short to fill a vector (at k = 32 the factor
/// and the solves of one row took about 1.5 µs, several times their arithmetic). Lanes never mix, so a system's
/// result does not depend on its lane, on the other seven systems or on how rows are grouped.
/// </summary>
/// <remarks>
/// <para>
/// Layout: system l's entry (i, q) at <c>t[(i * P + q) * 8 + l]</c>, with P = d rounded up to 8, and its right-hand
/// side entry i at <c>rhs[i * 8 + l]</c>. Only the upper triangle (q &gt;= i, q &lt; d) is meaningful; the rest is scratch
/// that the factor also computes (its tiles start at the multiple of 8 at or before the diagonal) and never reads.
/// </para>
/// <para>
/// The arithmetic of each lane, fixed on every machine (Vector256 operations; FMAs stay fused in software):
/// row i of R is <c>acc_q = A_iq</c>, then <c>acc_q = fma(-R_ji, R_jq, acc_q)</c> for j = 0 .. i - 1, then
/// <c>R_ii = sqrt(acc_i)</c> and <c>R_iq = acc_q * (1 / R_ii)</c>; forward, <c>y_j = b_j * (1 / R_jj)</c> and
/// <c>b_q = fma(-y_j, R_jq, b_q)</c> for every later q; backward, from the last unknown, <c>x_q = b_q * (1 / R_qq)</c>
/// and <c>b_i = fma(-x_q, R_iq, b_i)</c> for every earlier i. Both vector paths run it (the Vector512 path in two
/// halves of eight), so they agree bit for bit.
/// </para>
/// </remarks>
internal static class LaneCholesky
{
    /// <summary>Systems per batch: the lanes of a Vector256.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// Largest system batched. Kernel alone (one thread, AVX2), batched against row by row per system: 0.64 against 1.8 µs
    /// at d = 32, 1.7 against 3.1 at d = 48, but 5.1 against 5.1 at d = 64, where the batch (128 KiB) no longer fits in L1.
    /// </summary>
    public const int MaxD = 48;

    /// <summary>Whether the exact solver's vector paths solve systems of <paramref name="d"/> unknowns in batches.</summary>
    public static bool Applies(int d) => d >= 1 && d <= MaxD;

    /// <summary>Row stride of the batched layout, in entries: d rounded up to a multiple of 8.</summary>
    public static int Stride(int d) => (d + 7) & ~7;

    /// <summary>Floats of the batched matrices of systems of <paramref name="d"/> unknowns.</summary>
    public static int MatrixLength(int d) => d * Stride(d) * Lanes;

    /// <summary>
    /// Copies system <paramref name="lane"/> into the batch: the upper triangle of the leading d x d block of
    /// <paramref name="a"/> (row stride <paramref name="w"/> &gt;= <see cref="Stride"/>(d); each row is read from the
    /// multiple of 8 at or before its diagonal, the entries left of the diagonal as scratch) and <paramref name="b"/>'s
    /// first d entries.
    /// </summary>
    public static void Put(Span<float> t, Span<float> rhs, int d, int lane, ReadOnlySpan<float> a, int w, ReadOnlySpan<float> b)
    {
        int p = Stride(d);
        CheckShapes(t, rhs, d);
        if ((uint)lane >= Lanes || w < p || a.Length < ((d - 1) * w) + p || b.Length < d)
        {
            throw new ArgumentException($"Lane {lane} of a batch of {Lanes} needs a {d} x {d} system with stride >= {p} and {d} right-hand-side entries.", nameof(a));
        }

        // Bounds: checked above (t holds d rows of p entries of Lanes floats; a holds d rows of w >= p floats).
        ref float t0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(t), lane);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        for (int i = 0; i < d; i++)
        {
            for (int q = i & ~7; q < p; q++)
            {
                Unsafe.Add(ref t0, ((i * p) + q) * Lanes) = Unsafe.Add(ref a0, (i * w) + q);
            }
        }

        PutRhs(rhs, d, lane, b);
    }

    /// <summary>Copies <paramref name="b"/>'s first d entries into lane <paramref name="lane"/>'s right-hand side.</summary>
    public static void PutRhs(Span<float> rhs, int d, int lane, ReadOnlySpan<float> b)
    {
        if ((uint)lane >= Lanes || !Applies(d) || rhs.Length < d * Lanes || b.Length < d)
        {
            throw new ArgumentException($"Lane {lane} of a batch of {Lanes} takes {d} right-hand-side entries.", nameof(b));
        }

        for (int i = 0; i < d; i++)
        {
            rhs[(i * Lanes) + lane] = b[i];
        }
    }

    /// <summary>
    /// Copies eight systems' matrices at once, system l from <paramref name="a"/>[l], with the same values as eight
    /// <see cref="Put"/> calls; with AVX each 8 x 8 block is transposed in registers.
    /// </summary>
    public static void PutAll(Span<float> t, int d, ReadOnlySpan<float[]> a, int w)
    {
        int p = Stride(d);
        if (!Applies(d) || t.Length < MatrixLength(d))
        {
            throw new ArgumentException($"A batch of {Lanes} systems of 1 to {MaxD} unknowns ({d}) needs {(Applies(d) ? MatrixLength(d) : 0)} floats.", nameof(t));
        }

        int need = ((d - 1) * w) + p;
        bool shapes = w >= p && a.Length == Lanes;
        for (int l = 0; shapes && l < a.Length; l++)
        {
            shapes = a[l].Length >= need;
        }

        if (!shapes)
        {
            throw new ArgumentException($"A batch of {Lanes} {d} x {d} systems needs stride >= {p} and {need} floats per system.", nameof(a));
        }

        if (!Avx.IsSupported)
        {
            for (int l = 0; l < Lanes; l++)
            {
                for (int i = 0; i < d; i++)
                {
                    for (int q = i & ~7; q < p; q++)
                    {
                        t[(((i * p) + q) * Lanes) + l] = a[l][(i * w) + q];
                    }
                }
            }

            return;
        }

        // Bounds: checked above; every load reads 8 floats of a row from a multiple of 8 below p <= w.
        ref float t0 = ref MemoryMarshal.GetReference(t);
        ref float r0 = ref MemoryMarshal.GetArrayDataReference(a[0]), r1 = ref MemoryMarshal.GetArrayDataReference(a[1]);
        ref float r2 = ref MemoryMarshal.GetArrayDataReference(a[2]), r3 = ref MemoryMarshal.GetArrayDataReference(a[3]);
        ref float r4 = ref MemoryMarshal.GetArrayDataReference(a[4]), r5 = ref MemoryMarshal.GetArrayDataReference(a[5]);
        ref float r6 = ref MemoryMarshal.GetArrayDataReference(a[6]), r7 = ref MemoryMarshal.GetArrayDataReference(a[7]);
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
                nuint o = (nuint)(((i * p) + q) * Lanes);
                Avx.Permute2x128(v0, v4, 0x20).StoreUnsafe(ref t0, o);
                Avx.Permute2x128(v1, v5, 0x20).StoreUnsafe(ref t0, o + 8);
                Avx.Permute2x128(v2, v6, 0x20).StoreUnsafe(ref t0, o + 16);
                Avx.Permute2x128(v3, v7, 0x20).StoreUnsafe(ref t0, o + 24);
                Avx.Permute2x128(v0, v4, 0x31).StoreUnsafe(ref t0, o + 32);
                Avx.Permute2x128(v1, v5, 0x31).StoreUnsafe(ref t0, o + 40);
                Avx.Permute2x128(v2, v6, 0x31).StoreUnsafe(ref t0, o + 48);
                Avx.Permute2x128(v3, v7, 0x31).StoreUnsafe(ref t0, o + 56);
            }
        }
    }

    /// <summary>Copies lane <paramref name="lane"/>'s solution (d entries of <paramref name="rhs"/> after <see cref="FactorSolve"/>) into <paramref name="x"/>.</summary>
    public static void Get(ReadOnlySpan<float> rhs, int d, int lane, Span<float> x)
    {
        if ((uint)lane >= Lanes || rhs.Length < d * Lanes || x.Length < d)
        {
            throw new ArgumentException($"Lane {lane} of a batch of {Lanes} holds {d} unknowns.", nameof(x));
        }

        for (int i = 0; i < d; i++)
        {
            x[i] = rhs[(i * Lanes) + lane];
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
        Span<float> inverse = stackalloc float[MaxD * Lanes];
        ref float t0 = ref MemoryMarshal.GetReference(t);
        ref float b0 = ref MemoryMarshal.GetReference(rhs);
        ref float inv0 = ref MemoryMarshal.GetReference(inverse);
        int p = Stride(d);
        nint row = p * Lanes;
        Vector256<float> floor = Vector256.Create(Cholesky.RelativePivotFloor);
        Vector256<float> infinity = Vector256.Create(float.PositiveInfinity);
        for (int i = 0; i < d; i++)
        {
            ref float ri = ref Unsafe.Add(ref t0, i * row);
            Vector256<float> original = Vector256.LoadUnsafe(ref ri, (nuint)(i * Lanes));

            // Row i, eight columns at a time from the tile holding the diagonal: every earlier row's update in
            // registers, eight independent FMA chains.
            for (int q = i & ~7; q < p; q += 8)
            {
                ref float tile = ref Unsafe.Add(ref ri, q * Lanes);
                Vector256<float> c0 = Vector256.LoadUnsafe(ref tile, 0), c1 = Vector256.LoadUnsafe(ref tile, 8);
                Vector256<float> c2 = Vector256.LoadUnsafe(ref tile, 16), c3 = Vector256.LoadUnsafe(ref tile, 24);
                Vector256<float> c4 = Vector256.LoadUnsafe(ref tile, 32), c5 = Vector256.LoadUnsafe(ref tile, 40);
                Vector256<float> c6 = Vector256.LoadUnsafe(ref tile, 48), c7 = Vector256.LoadUnsafe(ref tile, 56);
                for (int j = 0; j < i; j++)
                {
                    ref float rj = ref Unsafe.Add(ref t0, j * row);
                    Vector256<float> m = -Vector256.LoadUnsafe(ref rj, (nuint)(i * Lanes));
                    ref float src = ref Unsafe.Add(ref rj, q * Lanes);
                    c0 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 0), c0);
                    c1 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 8), c1);
                    c2 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 16), c2);
                    c3 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 24), c3);
                    c4 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 32), c4);
                    c5 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 40), c5);
                    c6 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 48), c6);
                    c7 = Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref src, 56), c7);
                }

                c0.StoreUnsafe(ref tile, 0);
                c1.StoreUnsafe(ref tile, 8);
                c2.StoreUnsafe(ref tile, 16);
                c3.StoreUnsafe(ref tile, 24);
                c4.StoreUnsafe(ref tile, 32);
                c5.StoreUnsafe(ref tile, 40);
                c6.StoreUnsafe(ref tile, 48);
                c7.StoreUnsafe(ref tile, 56);
            }

            ref float diagonal = ref Unsafe.Add(ref ri, i * Lanes);
            Vector256<float> pivot = Vector256.LoadUnsafe(ref diagonal);
            Vector256<float> ok = Vector256.GreaterThan(pivot, floor * original) & Vector256.LessThan(pivot, infinity);
            uint okBits = ok.ExtractMostSignificantBits();
            if (okBits != 0xFFu)
            {
                for (int l = 0; l < Lanes; l++)
                {
                    if ((okBits & (1u << l)) == 0 && bad[l] < 0)
                    {
                        bad[l] = i;
                    }
                }
            }

            Vector256<float> r = Vector256.Sqrt(pivot);
            Vector256<float> inv = Vector256<float>.One / r;
            r.StoreUnsafe(ref diagonal);
            inv.StoreUnsafe(ref inv0, (nuint)(i * Lanes));
            for (int q = i + 1; q < d; q++)
            {
                ref float e = ref Unsafe.Add(ref ri, q * Lanes);
                (Vector256.LoadUnsafe(ref e) * inv).StoreUnsafe(ref e);
            }
        }

        // R^T y = b: y_j, then removed from every later entry.
        for (int j = 0; j < d; j++)
        {
            ref float rj = ref Unsafe.Add(ref t0, j * row);
            Vector256<float> y = Vector256.LoadUnsafe(ref b0, (nuint)(j * Lanes)) * Vector256.LoadUnsafe(ref inv0, (nuint)(j * Lanes));
            y.StoreUnsafe(ref b0, (nuint)(j * Lanes));
            Vector256<float> m = -y;
            for (int q = j + 1; q < d; q++)
            {
                nuint o = (nuint)(q * Lanes);
                Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref rj, o), Vector256.LoadUnsafe(ref b0, o)).StoreUnsafe(ref b0, o);
            }
        }

        // R x = y: x_q from the last, then removed from every earlier entry (column q of R).
        for (int q = d - 1; q >= 0; q--)
        {
            Vector256<float> x = Vector256.LoadUnsafe(ref b0, (nuint)(q * Lanes)) * Vector256.LoadUnsafe(ref inv0, (nuint)(q * Lanes));
            x.StoreUnsafe(ref b0, (nuint)(q * Lanes));
            Vector256<float> m = -x;
            for (int i = 0; i < q; i++)
            {
                nuint o = (nuint)(i * Lanes);
                Vector256.FusedMultiplyAdd(m, Vector256.LoadUnsafe(ref t0, (nuint)((i * row) + (q * Lanes))), Vector256.LoadUnsafe(ref b0, o)).StoreUnsafe(ref b0, o);
            }
        }
    }

    private static void CheckShapes(Span<float> t, Span<float> rhs, int d)
    {
        if (!Applies(d) || t.Length < MatrixLength(d) || rhs.Length < d * Lanes)
        {
            throw new ArgumentException($"A batch of {Lanes} systems of 1 to {MaxD} unknowns ({d}) needs {(Applies(d) ? MatrixLength(d) : 0)} matrix and {d * Lanes} right-hand-side floats.", nameof(t));
        }
    }
}
