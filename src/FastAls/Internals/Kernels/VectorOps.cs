using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Kernels;

/// <summary>
/// The few vector operations the width-generic kernel bodies (<see cref="VectorBlas{TOps, TVec}"/>,
/// <see cref="ScoreVector{TOps, TVec}"/>) need, for one vector width; the JIT specializes those bodies per struct.
/// </summary>
/// <typeparam name="TVec">The vector type (<see cref="Vector256{T}"/> or <see cref="Vector512{T}"/> of float).</typeparam>
internal interface IVectorOps<TVec>
    where TVec : struct
{
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Load(ref float source, nuint offset);

    static abstract void Store(TVec value, ref float destination, nuint offset);

    static abstract TVec Create(float value);

    static abstract TVec Add(TVec a, TVec b);

    static abstract TVec Subtract(TVec a, TVec b);

    static abstract TVec Multiply(TVec a, TVec b);

    static abstract TVec FusedMultiplyAdd(TVec a, TVec b, TVec addend);

    /// <summary>
    /// <c>addend - a * b</c> with one rounding: the bits of <c>FusedMultiplyAdd(-a, b, addend)</c> (negation is exact), in
    /// one instruction where the hardware has it, instead of a negation and an FMA (which share the FMA ports at 512 bits).
    /// </summary>
    static abstract TVec FusedMultiplyAddNegated(TVec a, TVec b, TVec addend);

    /// <summary>Lane-wise square root (IEEE, correctly rounded).</summary>
    static abstract TVec Sqrt(TVec value);

    /// <summary>Lane-wise quotient (IEEE, correctly rounded).</summary>
    static abstract TVec Divide(TVec a, TVec b);

    /// <summary>Bit l set where <c>low_l &lt; value_l &lt; high_l</c> (false for NaN).</summary>
    static abstract ulong BetweenBits(TVec value, TVec low, TVec high);

    static abstract float Sum(TVec value);

    /// <summary>The sums of four vectors, each with the bits of <see cref="Sum"/>.</summary>
    static abstract Vector128<float> Sum4(TVec a, TVec b, TVec c, TVec d);

    /// <summary>The sums of eight vectors, each with the bits of <see cref="Sum"/>.</summary>
    static abstract Vector256<float> Sum8(TVec a, TVec b, TVec c, TVec d, TVec e, TVec f, TVec g, TVec h);
}

/// <summary>256-bit operations (AVX2 + FMA).</summary>
internal readonly struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) => Vector256.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FusedMultiplyAddNegated(Vector256<float> a, Vector256<float> b, Vector256<float> addend) =>
        Fma.IsSupported ? Fma.MultiplyAddNegated(a, b, addend) : Vector256.FusedMultiplyAdd(-a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> value) => Vector256.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BetweenBits(Vector256<float> value, Vector256<float> low, Vector256<float> high) =>
        (Vector256.GreaterThan(value, low) & Vector256.LessThan(value, high)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    /// <summary>
    /// One transpose-and-add tree for four vectors: lane-pair sums, quad sums, then the two 128-bit halves, that is
    /// <c>((e0 + e1) + (e2 + e3)) + ((e4 + e5) + (e6 + e7))</c> per vector, the order of <see cref="Vector256.Sum{T}"/>.
    /// The Vector256 path runs only where AVX2 is (<see cref="KernelIsa.Best"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        return h.GetLower() + h.GetUpper();
    }

    /// <summary>
    /// <see cref="Sum4"/>'s tree for eight vectors: lane-pair sums, then quad sums, then the two 128-bit halves,
    /// <c>((e0 + e1) + (e2 + e3)) + ((e4 + e5) + (e6 + e7))</c> per vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sum8(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d, Vector256<float> e, Vector256<float> f, Vector256<float> g, Vector256<float> h)
    {
        Vector256<float> q0 = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        Vector256<float> q1 = Avx.HorizontalAdd(Avx.HorizontalAdd(e, f), Avx.HorizontalAdd(g, h));
        return Avx.Permute2x128(q0, q1, 0x20) + Avx.Permute2x128(q0, q1, 0x31);
    }
}

/// <summary>512-bit operations (AVX-512F).</summary>
internal readonly struct Vector512Ops : IVectorOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> addend) => Vector512.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FusedMultiplyAddNegated(Vector512<float> a, Vector512<float> b, Vector512<float> addend) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAddNegated(a, b, addend) : Vector512.FusedMultiplyAdd(-a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> value) => Vector512.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BetweenBits(Vector512<float> value, Vector512<float> low, Vector512<float> high) =>
        (Vector512.GreaterThan(value, low) & Vector512.LessThan(value, high)).ExtractMostSignificantBits();

    /// <summary>
    /// The lanes' sum in one fixed order: <c>Q_i = (e0 + e1) + (e2 + e3)</c> within each 128-bit quarter i, then
    /// <c>(Q_0 + Q_1) + (Q_2 + Q_3)</c>. That is the order of <see cref="Vector512.Sum{T}(Vector512{T})"/> in .NET 10's
    /// JIT, written out here so that <see cref="Sum4"/> and <see cref="Sum8"/> can give the same bits by a transpose of
    /// the same tree, and so that the path's bits do not depend on how a runtime reduces. Four shuffle-and-add steps
    /// instead of the runtime's twenty instructions. The Vector512 path runs only where AVX-512F is
    /// (<see cref="KernelIsa.Best"/>); elsewhere (the kernel tests run the path in software on AVX2 machines) the same
    /// tree is taken lane by lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value)
    {
        if (!Avx512F.IsSupported)
        {
            return (QuarterSum(value, 0) + QuarterSum(value, 1)) + (QuarterSum(value, 2) + QuarterSum(value, 3));
        }

        Vector512<float> s = value + Avx512F.Permute4x32(value, 0b10_11_00_01); // lane pairs: e0 + e1, e2 + e3
        s += Avx512F.Permute4x32(s, 0b01_00_11_10); // quarters: (e0 + e1) + (e2 + e3)
        s += Avx512F.Shuffle4x128(s, s, 0b10_11_00_01); // quarter pairs: Q0 + Q1, Q2 + Q3
        return (s.GetLower().GetLower() + s.GetUpper().GetLower()).ToScalar();
    }

    /// <summary>The sums of four vectors, lane i for the i-th, each with the bits of <see cref="Sum"/>: one transpose-and-add tree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        if (!Avx512F.IsSupported)
        {
            return Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));
        }

        Vector512<float> s = QuarterSums(a, b, c, d);
        s += Avx512F.Shuffle4x128(s, s, 0b10_11_00_01); // Q0 + Q1 in quarter 0, Q2 + Q3 in quarter 2
        return s.GetLower().GetLower() + s.GetUpper().GetLower();
    }

    /// <summary>The sums of eight vectors, lane i for the i-th, each with the bits of <see cref="Sum"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sum8(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, Vector512<float> e, Vector512<float> f, Vector512<float> g, Vector512<float> h)
    {
        if (!Avx512F.IsSupported)
        {
            return Vector256.Create(Sum4(a, b, c, d), Sum4(e, f, g, h));
        }

        Vector512<float> s0 = QuarterSums(a, b, c, d), s1 = QuarterSums(e, f, g, h);

        // Quarters (Q0 + Q1, Q2 + Q3) of a-d, then of e-h; then each pair added: a-d's sums in the low 128 bits, e-h's above.
        Vector512<float> t = Avx512F.Shuffle4x128(s0, s1, 0b10_00_10_00) + Avx512F.Shuffle4x128(s0, s1, 0b11_01_11_01);
        return (Avx512F.Shuffle4x128(t, t, 0b10_00_10_00) + Avx512F.Shuffle4x128(t, t, 0b11_01_11_01)).GetLower();
    }

    /// <summary><c>Q_q</c> of <see cref="Sum"/>, lane by lane: <c>(e0 + e1) + (e2 + e3)</c> of quarter <paramref name="q"/>.</summary>
    private static float QuarterSum(Vector512<float> value, int q) =>
        (value.GetElement(4 * q) + value.GetElement((4 * q) + 1)) + (value.GetElement((4 * q) + 2) + value.GetElement((4 * q) + 3));

    /// <summary>
    /// Each quarter i of the result holds <c>Q_i</c> (see <see cref="Sum"/>) of a, b, c and d in its lanes 0 to 3: lane-pair
    /// sums of a with b and of c with d, then the pairs' sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> QuarterSums(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        // Per quarter: (a0 + a1, a2 + a3, b0 + b1, b2 + b3), the same of c and d, then ((a0 + a1) + (a2 + a3), ...).
        Vector512<float> ab = Avx512F.Shuffle(a, b, 0b10_00_10_00) + Avx512F.Shuffle(a, b, 0b11_01_11_01);
        Vector512<float> cd = Avx512F.Shuffle(c, d, 0b10_00_10_00) + Avx512F.Shuffle(c, d, 0b11_01_11_01);
        return Avx512F.Shuffle(ab, cd, 0b10_00_10_00) + Avx512F.Shuffle(ab, cd, 0b11_01_11_01);
    }
}
