using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastAls.Internals.Kernels;

namespace FastAls.Internals.Serving;

/// <summary>
/// A factor matrix quantized to 8-bit integers per row (a quarter of the float rows' bytes), with per-row terms that
/// bound how far a score against the quantized row can be from the float score the row kernel computes. A single query
/// over a large catalogue first scores every row here (<see cref="Bounds"/>: an interval per row that surely holds the
/// float score), then scores exactly, with the float rows, only the rows whose interval reaches the n-th best lower
/// end; the result is the one the float pass gives, item for item and bit for bit (<c>BatchRecommender.RunBounded</c>).
/// A single call streams the whole catalogue, so its bytes are what a call on a memory-bound machine pays, and the
/// integer products (32 per instruction) are what it pays when the catalogue is in the cache.
/// </summary>
/// <remarks>
/// <para>
/// Quantization: row y becomes <c>y8 = round(y / s)</c> with <c>s = max|y_j| / 127</c>; the query q becomes
/// <c>q8 = round(q / t)</c>, <c>t = max|q_j| / 63</c>, stored as the unsigned bytes <c>q8 + 64</c> (1..127), so each pair
/// of products of the kernel's <c>vpmaddubsw</c> (at most 2 * 127 * 127) fits its 16-bit sum without saturating. The
/// integer dot D = <c>sum (q8 + 64) y8 - 64 sum y8</c> is exact, and <c>d' = D (t s)</c>.
/// </para>
/// <para>
/// The bound, with y' = s y8, q' = t q8, n = <see cref="Stride"/> terms and u = 2^-24: the row kernel's float dot d
/// satisfies <c>|d - q.y| &lt;= g |q| |y|</c> with <c>g = n u / (1 - n u)</c> (any summation order of n products, fused or
/// not; Cauchy-Schwarz), and <c>|q.y - q'.y'| &lt;= |q| |y - y'| + |q - q'| |y'|</c>. So
/// <c>|d - d'| &lt;= |q| (|y - y'| + g |y|) + |q - q'| |y'|</c> plus the rounding of d' itself (three roundings):
/// the row's <see cref="Slack"/> and <see cref="QuantizedNorm"/> (double, rounded up), the query's norms
/// (<see cref="Int8Query"/>), and a relative and an absolute margin in <see cref="Bounds"/>. A row that is not finite gets
/// an infinite slack: every query rescores it.
/// </para>
/// <para>Built once per model version by the serving cache; immutable afterwards, so calls on many threads share it.</para>
/// </remarks>
internal sealed class Int8Catalogue
{
    /// <summary>Bytes per row: a multiple of one 256-bit vector, so the kernel has no tail.</summary>
    public const int StrideAlignment = 32;

    /// <summary>
    /// The smallest catalogue, in bytes of float rows, that a single query scores through the quantized copy: below it
    /// the float rows stay in the caches and the second pass's work is not paid back. Measured with the bench's
    /// <c>score</c> mode on the 2-core AVX2 VM (bench/results/AMD-EPYC-2c/serving.md, "Fifth round").
    /// </summary>
    public const long MinBytes = 4L << 20;

    /// <summary>Query levels either side of zero (see the remarks: 64 + 63 is the largest unsigned byte with no saturation).</summary>
    internal const int QueryLevels = 63;

    /// <summary>Row levels either side of zero.</summary>
    internal const int RowLevels = 127;

    // d' -+ delta and d' itself round by a few u (|d'| + delta); delta gets 2^-20 |d'| and a 2^-20 relative margin on
    // each norm. Underflow: each of the rounded operations can be off by half the least subnormal.
    private const float RelativeMargin = 1f / (1 << 20);
    private const float AbsoluteMargin = 1e-30f;

    private readonly sbyte[] _values;
    private readonly float[] _scale;
    private readonly int[] _sums; // 64 sum_j y8_j per row: what the query bytes' offset adds to the raw dot
    private readonly float[] _slack;
    private readonly float[] _norm;

    private Int8Catalogue(int rows, int factors, int factorStride, int stride, sbyte[] values, float[] scale, int[] sums, float[] slack, float[] norm)
    {
        Rows = rows;
        Factors = factors;
        FactorStride = factorStride;
        Stride = stride;
        _values = values;
        _scale = scale;
        _sums = sums;
        _slack = slack;
        _norm = norm;
    }

    /// <summary>Rows (the catalogue's items, or users).</summary>
    public int Rows { get; }

    /// <summary>Factors per row.</summary>
    public int Factors { get; }

    /// <summary>The float rows' stride (of the <see cref="FactorMatrix"/> it was built from).</summary>
    public int FactorStride { get; }

    /// <summary>Bytes per row (the factors, then zeros), a multiple of <see cref="StrideAlignment"/>.</summary>
    public int Stride { get; }

    /// <summary>The per-row <c>|y - y'| + g |y|</c> (see the remarks), rounded up; infinite for a row that is not finite.</summary>
    internal ReadOnlySpan<float> Slack => _slack;

    /// <summary>The per-row <c>|y'|</c>, rounded up.</summary>
    internal ReadOnlySpan<float> QuantizedNorm => _norm;

    /// <summary>The per-row scale s (<c>y' = s y8</c>).</summary>
    internal ReadOnlySpan<float> Scale => _scale;

    /// <summary>The quantized rows, <see cref="Stride"/> bytes each.</summary>
    internal ReadOnlySpan<sbyte> Values => _values;

    /// <summary>Whether <paramref name="path"/> runs the quantized pass: the vector paths (they imply AVX2 here); the scalar path scores in one pass.</summary>
    public static bool Supports(KernelPath path) => path is KernelPath.Vector256 or KernelPath.Vector512 && Avx2.IsSupported;

    /// <summary>
    /// Whether a quantized copy of <paramref name="m"/> pays for a single query: at least <see cref="MinBytes"/> of float
    /// rows, and quantized rows of at most 3/8 of the float rows' bytes: not k = 16, whose 32-byte rows (padded to one
    /// vector) are half its 64 float bytes, where the bench measured two passes 1.05-1.12x slower than one.
    /// </summary>
    public static bool Pays(FactorMatrix m)
    {
        long floatRow = (long)m.Stride * sizeof(float), int8Row = RowBytes(m.Factors);
        return m.Rows * floatRow >= MinBytes && 8 * int8Row <= 3 * floatRow;
    }

    private static int RowBytes(int factors) => Math.Max(StrideAlignment, (factors + StrideAlignment - 1) / StrideAlignment * StrideAlignment);

    /// <summary>The catalogue of <paramref name="m"/>, or null when it would not fit in one array.</summary>
    public static Int8Catalogue? TryBuild(FactorMatrix m)
    {
        int stride = RowBytes(m.Factors);
        long length = (long)m.Rows * stride;
        if (length > Array.MaxLength)
        {
            return null;
        }

        // pinned: the kernel prefetches through pointers
        var values = GC.AllocateUninitializedArray<sbyte>((int)length, pinned: true);
        var scale = new float[m.Rows];
        var sums = new int[m.Rows];
        var slack = new float[m.Rows];
        var norm = new float[m.Rows];
        double g = Gamma(Math.Max(stride, m.Stride));
        int rows = m.Rows, factors = m.Factors;
        const int Chunk = 4096;
        Parallel.For(0, (rows + Chunk - 1) / Chunk, c =>
        {
            int end = Math.Min(rows, (c + 1) * Chunk);
            for (int r = c * Chunk; r < end; r++)
            {
                Span<sbyte> dst = values.AsSpan(r * stride, stride);
                dst.Clear();
                if (!Quantize(m.PaddedRow(r), factors, dst, out float s, out int sum, out double e2, out double n2, out double m2, out bool finite))
                {
                    // not finite, zero, or too small to scale: score it exactly whenever it could matter
                    scale[r] = 0;
                    slack[r] = s == 0 && finite ? 0 : float.PositiveInfinity;
                    continue;
                }

                scale[r] = s;
                sums[r] = (QueryLevels + 1) * sum; // the query's offset times the row's sum, ready to subtract
                slack[r] = RoundUp((Math.Sqrt(e2) + (g * Math.Sqrt(n2))) * (1 + (double)RelativeMargin));
                norm[r] = RoundUp(Math.Sqrt(m2) * (1 + (double)RelativeMargin));
            }
        });

        return new Int8Catalogue(rows, factors, m.Stride, stride, values, scale, sums, slack, norm);
    }

    /// <summary>
    /// Quantizes one padded float row (its padding zero) into <paramref name="dst"/>: <c>v = round(y / s)</c>, s = max|y| / 127,
    /// and the sums of the bound in double: <c>|y - s v|^2</c>, <c>|y|^2</c>, <c>|s v|^2</c> (s v and y - s v are exact in double).
    /// Returns false, with s = 0 for a zero row, when the row is not finite or s is not a normal float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per model version: no tier-0 pass over its vector code
    private static bool Quantize(ReadOnlySpan<float> y, int factors, Span<sbyte> dst, out float s, out int sum, out double e2, out double n2, out double m2, out bool finite)
    {
        sum = 0;
        e2 = n2 = m2 = 0;
        ref float y0 = ref MemoryMarshal.GetReference(y);
        float max;
        if (Vector256.IsHardwareAccelerated && y.Length % 16 == 0)
        {
            Vector256<float> vmax = Vector256<float>.Zero, bad = Vector256<float>.Zero;
            for (int j = 0; j < y.Length; j += 8)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref y0, (nuint)j);
                vmax = Vector256.Max(vmax, Vector256.Abs(x));
                bad |= ~Vector256.Equals(x - x, Vector256<float>.Zero); // NaN for infinities and NaN
            }

            finite = bad == Vector256<float>.Zero;
            max = 0;
            for (int l = 0; l < 8; l++)
            {
                max = Math.Max(max, vmax[l]);
            }
        }
        else
        {
            max = MaxAbs(y, out finite);
        }

        s = max / RowLevels;
        if (!finite || !float.IsNormal(s))
        {
            s = max == 0 ? 0 : s;
            return false;
        }

        if (Vector256.IsHardwareAccelerated && y.Length % 16 == 0)
        {
            Vector256<float> sv = Vector256.Create(s), hiv = Vector256.Create((float)RowLevels), lov = Vector256.Create((float)-RowLevels);
            Vector256<double> sd = Vector256.Create((double)s), e = default, n = default, q = default;
            Vector256<int> acc = default;
            ref sbyte d0 = ref MemoryMarshal.GetReference(dst);
            for (int j = 0; j < y.Length; j += 16)
            {
                Vector256<float> x0 = Vector256.LoadUnsafe(ref y0, (nuint)j), x1 = Vector256.LoadUnsafe(ref y0, (nuint)j + 8);
                Vector256<float> v0 = Vector256.Min(hiv, Vector256.Max(lov, Vector256.Round(x0 / sv)));
                Vector256<float> v1 = Vector256.Min(hiv, Vector256.Max(lov, Vector256.Round(x1 / sv)));
                Vector256<int> i0 = Vector256.ConvertToInt32(v0), i1 = Vector256.ConvertToInt32(v1);
                acc += i0 + i1;
                Vector256<short> w = Vector256.Narrow(i0, i1);
                Vector128.Narrow(w.GetLower(), w.GetUpper()).StoreUnsafe(ref d0, (nuint)j);
                Accumulate(x0, v0, sd, ref e, ref n, ref q);
                Accumulate(x1, v1, sd, ref e, ref n, ref q);
            }

            sum = Vector256.Sum(acc);
            e2 = Vector256.Sum(e);
            n2 = Vector256.Sum(n);
            m2 = Vector256.Sum(q);
            return true;
        }

        for (int j = 0; j < factors; j++)
        {
            int v = Math.Clamp((int)MathF.Round(y[j] / s), -RowLevels, RowLevels);
            dst[j] = (sbyte)v;
            sum += v;
            double yq = (double)s * v;
            e2 += (y[j] - yq) * (y[j] - yq);
            n2 += (double)y[j] * y[j];
            m2 += yq * yq;
        }

        return true;
    }

    /// <summary>The largest |x| of <paramref name="x"/>, and whether every value is finite.</summary>
    private static float MaxAbs(ReadOnlySpan<float> x, out bool finite)
    {
        finite = true;
        float max = 0;
        foreach (float v in x)
        {
            finite &= float.IsFinite(v);
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector256<float> x, Vector256<float> v, Vector256<double> s, ref Vector256<double> e, ref Vector256<double> n, ref Vector256<double> q)
    {
        (Vector256<double> xl, Vector256<double> xh) = Vector256.Widen(x);
        (Vector256<double> vl, Vector256<double> vh) = Vector256.Widen(v);
        Vector256<double> yl = s * vl, yh = s * vh;
        e += ((xl - yl) * (xl - yl)) + ((xh - yh) * (xh - yh));
        n += (xl * xl) + (xh * xh);
        q += (yl * yl) + (yh * yh);
    }

    /// <summary>
    /// Quantizes the float query <paramref name="q"/> (its factors) into <paramref name="bytes"/> (<see cref="Stride"/>
    /// bytes) and returns its scale and norms for <see cref="Bounds"/> (infinite norms when q is not finite).
    /// </summary>
    public Int8Query PrepareQuery(ReadOnlySpan<float> q, Span<byte> bytes)
    {
        if (bytes.Length < Stride || q.Length != Factors)
        {
            throw new ArgumentException($"A query has {Factors} factors and takes {Stride} bytes (got {q.Length} and {bytes.Length}).");
        }

        bytes[..Stride].Fill(QueryLevels + 1); // zero: the padding's rows are zero too
        float t = MaxAbs(q, out bool finite) / QueryLevels;
        if (!finite)
        {
            return new Int8Query(0, float.PositiveInfinity, float.PositiveInfinity);
        }

        double n2 = 0, e2 = 0;
        bool scaled = float.IsNormal(t);
        for (int j = 0; j < q.Length; j++)
        {
            int v = scaled ? Math.Clamp((int)MathF.Round(q[j] / t), -QueryLevels, QueryLevels) : 0;
            bytes[j] = (byte)(v + QueryLevels + 1);
            double e = q[j] - ((scaled ? (double)t : 0) * v);
            n2 += (double)q[j] * q[j];
            e2 += e * e;
        }

        return new Int8Query(scaled ? t : 0, RoundUp(Math.Sqrt(n2) * (1 + (double)RelativeMargin)), RoundUp(Math.Sqrt(e2) * (1 + (double)RelativeMargin)));
    }

    /// <summary>
    /// For rows <c>[start, start + count)</c>: an interval <c>[lower[i], upper[i]]</c> that holds the float dot the row kernel
    /// computes for the query (prepared by <see cref="PrepareQuery"/> into <paramref name="bytes"/>, <paramref name="query"/>)
    /// and row <c>start + i</c>, finished by <paramref name="finishing"/> (with the rows' <paramref name="targetScale"/> and
    /// <paramref name="targetBias"/> from <c>start</c>) as the exact score is: then it holds the score. NaN or infinite ends
    /// where a row or the query is not finite (the row must then be rescored).
    /// </summary>
    public void Bounds(in Int8Query query, ReadOnlySpan<byte> bytes, int start, int count, Span<float> lower, Span<float> upper,
        Finishing finishing = default, ReadOnlySpan<float> targetScale = default, ReadOnlySpan<float> targetBias = default)
    {
        if ((uint)start > (uint)Rows || (uint)count > (uint)(Rows - start) || bytes.Length < Stride || lower.Length < count || upper.Length < count
            || (!targetScale.IsEmpty && targetScale.Length < count) || (!targetBias.IsEmpty && targetBias.Length < count))
        {
            throw new ArgumentException($"Rows [{start}, {start + count}) of {Rows}, or a query or output span too short.");
        }

        if (!Avx2.IsSupported)
        {
            throw new PlatformNotSupportedException("The quantized pass needs AVX2.");
        }

        if (count == 0)
        {
            return;
        }

        Span<int> dots = MemoryMarshal.Cast<float, int>(upper[..count]);
        ScoreInt8.Score(ref MemoryMarshal.GetReference(bytes), ref _values[(long)start * Stride], count, Stride, ref MemoryMarshal.GetReference(dots));
        Widen(query, dots, _sums.AsSpan(start, count), _scale.AsSpan(start, count), _slack.AsSpan(start, count), _norm.AsSpan(start, count), lower[..count], upper[..count],
            finishing, targetScale, targetBias);
    }

    /// <summary>
    /// From the raw dots <c>R = sum (q8 + 64) y8</c> (in <paramref name="upper"/>) and <paramref name="sums"/> (<c>64 sum y8</c>):
    /// <c>d' = (R - 64 sum y8) (t s)</c>, and the
    /// interval <c>d' -+ delta</c>, <c>delta = |q| slack + |q - q'| |y'| + 2^-20 |d'| + tiny</c>, each end finished as a score.
    /// </summary>
    private static void Widen(in Int8Query query, Span<int> dots, ReadOnlySpan<int> sums, ReadOnlySpan<float> scale, ReadOnlySpan<float> slack, ReadOnlySpan<float> norm,
        Span<float> lower, Span<float> upper, Finishing f, ReadOnlySpan<float> ts, ReadOnlySpan<float> tb)
    {
        ref float tsr = ref MemoryMarshal.GetReference(ts);
        ref float tbr = ref MemoryMarshal.GetReference(tb);
        ref int r = ref MemoryMarshal.GetReference(dots);
        ref int sm = ref MemoryMarshal.GetReference(sums);
        ref float sc = ref MemoryMarshal.GetReference(scale);
        ref float sl = ref MemoryMarshal.GetReference(slack);
        ref float nm = ref MemoryMarshal.GetReference(norm);
        ref float lo = ref MemoryMarshal.GetReference(lower);
        ref float hi = ref MemoryMarshal.GetReference(upper);
        int j = 0;
        Vector256<float> t = Vector256.Create(query.Scale), qn = Vector256.Create(query.Norm), qe = Vector256.Create(query.ErrorNorm);
        Vector256<float> rel = Vector256.Create(RelativeMargin), abs = Vector256.Create(AbsoluteMargin);
        for (; j + Vector256<float>.Count <= dots.Length; j += Vector256<float>.Count)
        {
            Vector256<int> dint = Vector256.LoadUnsafe(ref r, (nuint)j) - Vector256.LoadUnsafe(ref sm, (nuint)j);
            Vector256<float> d = Vector256.ConvertToSingle(dint) * (t * Vector256.LoadUnsafe(ref sc, (nuint)j));
            Vector256<float> delta = (qn * Vector256.LoadUnsafe(ref sl, (nuint)j)) + (qe * Vector256.LoadUnsafe(ref nm, (nuint)j)) + (rel * Vector256.Abs(d)) + abs;
            f.Apply(d - delta, ref tsr, ref tbr, (nuint)j).StoreUnsafe(ref lo, (nuint)j);
            f.Apply(d + delta, ref tsr, ref tbr, (nuint)j).StoreUnsafe(ref hi, (nuint)j);
        }

        for (; j < dots.Length; j++)
        {
            float d = (dots[j] - sums[j]) * (query.Scale * scale[j]);
            float delta = (query.Norm * slack[j]) + (query.ErrorNorm * norm[j]) + (RelativeMargin * MathF.Abs(d)) + AbsoluteMargin;
            lower[j] = f.Apply(d - delta, ref tsr, ref tbr, j);
            upper[j] = f.Apply(d + delta, ref tsr, ref tbr, j);
        }
    }

    /// <summary>g = n u / (1 - n u), u = 2^-24: the relative error bound of a float sum of n products.</summary>
    private static double Gamma(int n)
    {
        double nu = n * Math.ScaleB(1.0, -24);
        return nu / (1 - nu);
    }

    private static float RoundUp(double x)
    {
        if (!double.IsFinite(x))
        {
            return float.PositiveInfinity;
        }

        float f = (float)x;
        return f < x ? MathF.BitIncrement(f) : f;
    }
}

/// <summary>A query prepared by <see cref="Int8Catalogue.PrepareQuery"/>: its scale t, <c>|q|</c> and <c>|q - q'|</c>, rounded up.</summary>
internal readonly record struct Int8Query(float Scale, float Norm, float ErrorNorm);

/// <summary>
/// The quantized pass's kernel (AVX2): unsigned query bytes against signed row bytes, 32 products per
/// <c>vpmaddubsw</c> (pairs summed into 16 bits, never saturating: see <see cref="Int8Catalogue"/>), widened to 32-bit
/// sums by <c>vpmaddwd</c> with ones. Eight rows per pass with an accumulator each, reduced together by horizontal adds
/// into one vector of eight dots. Integer sums are exact, so the order of additions does not matter.
/// </summary>
internal static class ScoreInt8
{
    /// <summary>
    /// <c>dots[i] = sum_j q[j] rows[i][j]</c> for <paramref name="rowCount"/> rows of <paramref name="stride"/> bytes (a multiple
    /// of 32). <paramref name="rows"/> must not move (pinned or native memory): the prefetches take its address.
    /// </summary>
    public static unsafe void Score(ref byte q, ref sbyte rows, int rowCount, int stride, ref int dots)
    {
        Vector256<short> ones = Vector256.Create((short)1);
        nuint st = (nuint)stride;
        nuint tileBytes = 8 * st;
        int i = 0;
        for (; i + 8 <= rowCount; i += 8)
        {
            ref sbyte r0 = ref Unsafe.Add(ref rows, (nint)i * stride);

            // four tiles ahead: where the catalogue streams from memory, the hardware prefetcher alone falls behind
            // (a prefetch never faults, so the last tiles need no check)
            byte* ahead = (byte*)Unsafe.AsPointer(ref r0) + (4 * tileBytes);
            for (nuint b = 0; b < tileBytes; b += 64)
            {
                Sse.Prefetch0(ahead + b);
            }

            Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (nuint b = 0; b < st; b += 32)
            {
                Vector256<byte> qv = Vector256.LoadUnsafe(ref q, b);
                a0 = Step(qv, ref r0, b, ones, a0);
                a1 = Step(qv, ref Unsafe.Add(ref r0, st), b, ones, a1);
                a2 = Step(qv, ref Unsafe.Add(ref r0, 2 * st), b, ones, a2);
                a3 = Step(qv, ref Unsafe.Add(ref r0, 3 * st), b, ones, a3);
                a4 = Step(qv, ref Unsafe.Add(ref r0, 4 * st), b, ones, a4);
                a5 = Step(qv, ref Unsafe.Add(ref r0, 5 * st), b, ones, a5);
                a6 = Step(qv, ref Unsafe.Add(ref r0, 6 * st), b, ones, a6);
                a7 = Step(qv, ref Unsafe.Add(ref r0, 7 * st), b, ones, a7);
            }

            Vector256<int> h03 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
            Vector256<int> h47 = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a4, a5), Avx2.HorizontalAdd(a6, a7));
            (Avx2.Permute2x128(h03, h47, 0x20) + Avx2.Permute2x128(h03, h47, 0x31)).StoreUnsafe(ref dots, (nuint)i);
        }

        for (; i < rowCount; i++)
        {
            ref sbyte r = ref Unsafe.Add(ref rows, (nint)i * stride);
            Vector256<int> a = default;
            for (nuint b = 0; b < st; b += 32)
            {
                a = Step(Vector256.LoadUnsafe(ref q, b), ref r, b, ones, a);
            }

            Unsafe.Add(ref dots, i) = Vector256.Sum(a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Step(Vector256<byte> q, ref sbyte row, nuint offset, Vector256<short> ones, Vector256<int> acc) =>
        acc + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, Vector256.LoadUnsafe(ref row, offset)), ones);
}
