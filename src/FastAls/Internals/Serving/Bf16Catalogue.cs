using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastAls.Internals.Kernels;

namespace FastAls.Internals.Serving;

/// <summary>
/// A factor matrix rounded to bfloat16 (half the bytes of the float rows), with a per-row slack that bounds how far a
/// score against the rounded row can be from the float score the row kernel computes. A single query over a large
/// catalogue first scores every row here (<see cref="Bounds"/>: an interval per row that surely holds the float score),
/// then scores exactly, with the float rows, only the rows whose interval reaches the n-th best lower end; the result is
/// the one the float pass gives, item for item and bit for bit (<c>BatchRecommender.RunBounded</c>). A single call
/// streams the whole catalogue, so halving its bytes is what a call on a memory-bound machine gains.
/// </summary>
/// <remarks>
/// <para>
/// The bound, for a query q, a float row y, its rounding y' and n = <see cref="Stride"/> terms (u = 2^-24): the row
/// kernel's float dot d and this pass's d' satisfy |d - q.y| &lt;= g |q| |y| and |d' - q.y'| &lt;= g |q| |y'| with
/// g = n u / (1 - n u) (any summation order of n terms, products fused or not; Cauchy-Schwarz), and |q.y - q.y'| &lt;=
/// |q| |y - y'|. So |d - d'| &lt;= |q| s with s = |y - y'| + g (|y| + |y'|), the row's <see cref="Slack"/>, computed in
/// double and rounded up. <see cref="Bounds"/> widens the interval for the rounding of its own operations and for
/// underflow. A row that is not finite gets an infinite slack: every query rescores it.
/// </para>
/// <para>Built once per model version by the serving cache; immutable afterwards, so calls on many threads share it.</para>
/// </remarks>
internal sealed class Bf16Catalogue
{
    /// <summary>The bfloat16 stride: a multiple of two vectors of the widest path (32 values), so no path has a tail.</summary>
    public const int StrideAlignment = 32;

    // |d' -+ delta| rounds by at most u (|d'| + delta); delta gets 2^-20 |d'| and a 2^-20 relative margin on top.
    private const float RelativeMargin = 1f / (1 << 20);

    // Underflow: each of the at most 2n + 16 rounded operations of either dot can be off by half the least subnormal.
    private const float AbsoluteMargin = 1e-30f;

    private readonly ushort[] _values;
    private readonly float[] _slack;

    private Bf16Catalogue(int rows, int factorStride, int stride, ushort[] values, float[] slack)
    {
        Rows = rows;
        FactorStride = factorStride;
        Stride = stride;
        _values = values;
        _slack = slack;
    }

    /// <summary>Rows (the catalogue's items, or users).</summary>
    public int Rows { get; }

    /// <summary>The float rows' stride (of the <see cref="FactorMatrix"/> it was built from).</summary>
    public int FactorStride { get; }

    /// <summary>bfloat16 values per row (the factors, then zeros), a multiple of <see cref="StrideAlignment"/>.</summary>
    public int Stride { get; }

    /// <summary>Length of each half of a prepared query (<see cref="PrepareQuery"/>).</summary>
    public int QueryHalf => Stride / 2;

    /// <summary>The per-row slack s (see the remarks): <c>|d - d'| &lt;= |q| s</c>.</summary>
    internal ReadOnlySpan<float> Slack => _slack;

    /// <summary>The rounded rows, <see cref="Stride"/> values each.</summary>
    internal ReadOnlySpan<ushort> Values => _values;

    /// <summary>
    /// The smallest catalogue, in bytes of float rows, that a single query scores through a bfloat16 copy: below it the
    /// rows stay in the caches, where the two passes gain nothing. Measured with the bench's <c>score</c> mode on the 2-core
    /// AVX2 VM (bench/results/AMD-EPYC-2c/serving.md, "Fifth round"): at k = 64, 8,192 items (2 MiB) and 16,384 (4 MiB)
    /// took as long either way, 32,768 items 0.69-0.86 of the one-pass time and 50,000 items 0.61-0.75.
    /// </summary>
    public const long MinBytes = 4L << 20;

    /// <summary>
    /// Whether a bfloat16 copy of <paramref name="m"/> pays for a single query: at least <see cref="MinBytes"/> of float
    /// rows, and rows that shrink to at most three quarters of their bytes (not k = 16, whose 16 floats and 32 padded
    /// bfloat16 values are both 64 bytes: the bench measured 1.4x slower there).
    /// </summary>
    public static bool Pays(FactorMatrix m)
    {
        int stride = (m.Factors + StrideAlignment - 1) / StrideAlignment * StrideAlignment;
        long floatRow = (long)m.Stride * sizeof(float), bf16Row = (long)stride * sizeof(ushort);
        return m.Rows * floatRow >= MinBytes && 4 * bf16Row <= 3 * floatRow;
    }

    /// <summary>Whether <paramref name="path"/> has the bfloat16 kernel (the vector paths; the scalar path scores exactly).</summary>
    public static bool Supports(KernelPath path) => path is KernelPath.Vector256 or KernelPath.Vector512;

    /// <summary>The catalogue of <paramref name="m"/>, or null when it would not fit in one array.</summary>
    public static Bf16Catalogue? TryBuild(FactorMatrix m)
    {
        int stride = (m.Factors + StrideAlignment - 1) / StrideAlignment * StrideAlignment;
        long length = (long)m.Rows * Math.Max(stride, StrideAlignment);
        if (length > Array.MaxLength)
        {
            return null;
        }

        stride = Math.Max(stride, StrideAlignment);
        var values = GC.AllocateUninitializedArray<ushort>((int)length, pinned: true); // the kernel prefetches through pointers
        var slack = new float[m.Rows];
        double g = Gamma(stride);
        int rows = m.Rows, factors = m.Factors;
        const int Chunk = 4096;
        Parallel.For(0, (rows + Chunk - 1) / Chunk, c =>
        {
            int end = Math.Min(rows, (c + 1) * Chunk);
            for (int r = c * Chunk; r < end; r++)
            {
                ReadOnlySpan<float> y = m.Row(r);
                Span<ushort> dst = values.AsSpan(r * stride, stride);
                double e2 = 0, n2 = 0, m2 = 0;
                bool finite = true;
                for (int j = 0; j < factors; j += 2)
                {
                    // the even value rounds to its bfloat16; the odd one is read as its whole 32-bit word (PairWord)
                    float x0 = y[j], x1 = j + 1 < factors ? y[j + 1] : 0f;
                    ushort lo = ToBf16(x0);
                    ushort hi = PairHigh(x1, lo);
                    dst[j] = lo;
                    dst[j + 1] = hi;
                    double r0 = FromBf16(lo), r1 = j + 1 < factors ? PairWord(lo, hi) : 0;
                    e2 += ((x0 - r0) * (x0 - r0)) + ((x1 - r1) * (x1 - r1));
                    n2 += ((double)x0 * x0) + ((double)x1 * x1);
                    m2 += (r0 * r0) + (r1 * r1);
                    finite &= float.IsFinite(x0) && float.IsFinite(x1) && double.IsFinite(r0) && double.IsFinite(r1);
                }

                dst[((factors + 1) & ~1)..].Clear();
                double s = (Math.Sqrt(e2) + (g * (Math.Sqrt(n2) + Math.Sqrt(m2)))) * (1 + (double)RelativeMargin);
                slack[r] = finite && double.IsFinite(s) ? RoundUp(s) : float.PositiveInfinity;
            }
        });

        return new Bf16Catalogue(rows, m.Stride, stride, values, slack);
    }

    /// <summary>
    /// Splits the float query <paramref name="q"/> (its first factors; the rest of the halves is zero) into its even- and
    /// odd-numbered factors for <see cref="Bounds"/>; returns |q|, rounded up (infinity when q is not finite).
    /// </summary>
    public float PrepareQuery(ReadOnlySpan<float> q, Span<float> even, Span<float> odd)
    {
        int half = QueryHalf;
        if (even.Length < half || odd.Length < half || q.Length > Stride)
        {
            throw new ArgumentException($"A prepared query has {half} values per half and at most {Stride} factors.");
        }

        even[..half].Clear();
        odd[..half].Clear();
        double n2 = 0;
        for (int j = 0; j < q.Length; j++)
        {
            (j % 2 == 0 ? even : odd)[j / 2] = q[j];
            n2 += (double)q[j] * q[j];
        }

        double n = Math.Sqrt(n2) * (1 + (double)RelativeMargin);
        return double.IsFinite(n) ? RoundUp(n) : float.PositiveInfinity;
    }

    /// <summary>
    /// For rows <c>[start, start + count)</c>: an interval <c>[lower[i], upper[i]]</c> that holds the float dot the row kernel
    /// computes for the query (prepared by <see cref="PrepareQuery"/>, with <paramref name="queryNorm"/> its result) and row
    /// <c>start + i</c>. NaN when the approximate dot is NaN (the row must then be rescored).
    /// </summary>
    public void Bounds(KernelPath path, ReadOnlySpan<float> even, ReadOnlySpan<float> odd, float queryNorm, int start, int count, Span<float> lower, Span<float> upper)
    {
        int half = QueryHalf;
        if ((uint)start > (uint)Rows || (uint)count > (uint)(Rows - start) || even.Length < half || odd.Length < half || lower.Length < count || upper.Length < count)
        {
            throw new ArgumentException($"Rows [{start}, {start + count}) of {Rows}, or a query or output span too short.");
        }

        if (count == 0)
        {
            return;
        }

        ref float qe = ref MemoryMarshal.GetReference(even);
        ref float qo = ref MemoryMarshal.GetReference(odd);
        ref ushort rows = ref _values[(long)start * Stride];
        ref float d = ref MemoryMarshal.GetReference(lower);
        switch (path)
        {
            case KernelPath.Vector512:
                ScoreBf16<Vector512Ops, Vector512<float>>.Score(ref qe, ref qo, ref rows, count, Stride, ref d);
                break;
            case KernelPath.Vector256:
                ScoreBf16<Vector256Ops, Vector256<float>>.Score(ref qe, ref qo, ref rows, count, Stride, ref d);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, "The bfloat16 kernel runs on the vector paths.");
        }

        Widen(lower[..count], upper[..count], _slack.AsSpan(start, count), queryNorm);
    }

    /// <summary>The approximate dots in <paramref name="lower"/> become <c>d' - delta</c>, <c>d' + delta</c> goes to <paramref name="upper"/>.</summary>
    private static void Widen(Span<float> lower, Span<float> upper, ReadOnlySpan<float> slack, float queryNorm)
    {
        ref float lo = ref MemoryMarshal.GetReference(lower);
        ref float hi = ref MemoryMarshal.GetReference(upper);
        ref float s = ref MemoryMarshal.GetReference(slack);
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> qn = Vector256.Create(queryNorm), rel = Vector256.Create(RelativeMargin), abs = Vector256.Create(AbsoluteMargin);
            for (; j + Vector256<float>.Count <= lower.Length; j += Vector256<float>.Count)
            {
                Vector256<float> d = Vector256.LoadUnsafe(ref lo, (nuint)j);
                Vector256<float> delta = (qn * Vector256.LoadUnsafe(ref s, (nuint)j)) + (rel * Vector256.Abs(d)) + abs;
                (d - delta).StoreUnsafe(ref lo, (nuint)j);
                (d + delta).StoreUnsafe(ref hi, (nuint)j);
            }
        }

        for (; j < lower.Length; j++)
        {
            float d = lower[j];
            float delta = (queryNorm * slack[j]) + (RelativeMargin * MathF.Abs(d)) + AbsoluteMargin;
            lower[j] = d - delta;
            upper[j] = d + delta;
        }
    }

    /// <summary>g = n u / (1 - n u), u = 2^-24: the relative error bound of a float sum of n products.</summary>
    private static double Gamma(int n)
    {
        double nu = n * Math.ScaleB(1.0, -24);
        return nu / (1 - nu);
    }

    /// <summary>The nearest bfloat16 (ties to even; NaN stays NaN).</summary>
    internal static ushort ToBf16(float x)
    {
        uint b = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x))
        {
            return (ushort)((b >> 16) | 0x40);
        }

        return (ushort)((b + 0x7FFFu + ((b >> 16) & 1)) >> 16);
    }

    internal static float FromBf16(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    /// <summary>The float an odd-numbered value is read as: its pair's whole word, <paramref name="hi"/> above <paramref name="lo"/>.</summary>
    internal static float PairWord(ushort lo, ushort hi) => BitConverter.UInt32BitsToSingle(((uint)hi << 16) | lo);

    /// <summary>
    /// The high half that, above the even value's <paramref name="lo"/>, makes the word whose float is nearest to
    /// <paramref name="x"/> (finite words only; ties to the lower half): the kernel reads an odd value as the whole word,
    /// with no mask, and the word is within half a bfloat16 step of x (2^-8 relative), as a rounded bfloat16 is. For an
    /// x with no finite neighbour (infinite, NaN) the plain bfloat16 (the row's slack is infinite then).
    /// </summary>
    internal static ushort PairHigh(float x, ushort lo)
    {
        if (!float.IsFinite(x))
        {
            return ToBf16(x);
        }

        uint top = BitConverter.SingleToUInt32Bits(x) >> 16;
        ushort best = ToBf16(x);
        double bestError = double.PositiveInfinity;
        for (uint c = top - 1; c != top + 2; c++)
        {
            float w = PairWord(lo, (ushort)c);
            double error = Math.Abs((double)w - x);
            if (float.IsFinite(w) && error < bestError)
            {
                best = (ushort)c;
                bestError = error;
            }
        }

        return best;
    }

    private static float RoundUp(double x)
    {
        float f = (float)x;
        return f < x ? MathF.BitIncrement(f) : f;
    }
}
