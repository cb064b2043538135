using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastAls.Internals.Solvers;

/// <summary>
/// Counter-based starting factors: the value of (seed, side, row, column) is a pure function of those four
/// numbers (a SplitMix64 stream keyed by them feeding a ziggurat normal sampler), so any process can initialise
/// any range of rows and get the bits a single-process fit gets. Rows without interactions start (and stay) at zero.
/// </summary>
/// <remarks>
/// The sampler is the 256-layer ziggurat (Marsaglia and Tsang 2000, in the form of Doornik 2005): an exact standard
/// normal, not an approximation. About 98.5 % of the values take the fast path, one hash, two table reads and a
/// multiply; the rest need <c>exp</c> (a wedge) or <c>log</c> (the tail beyond 3.654) and further draws from the
/// element's own stream. The layer table is a literal, so it is the same on every platform; only the rare slow
/// paths go through the platform's <c>exp</c>/<c>log</c>. Box-Muller through libm <c>log</c>/<c>cos</c> cost about
/// 40 ns a value; this costs a few.
/// </remarks>
internal static class RowInit
{
    /// <summary>Rows per part of a parallel fill.</summary>
    private const int FillRows = 1024;

    /// <summary>
    /// Fills rows [firstRow, firstRow + factors.Rows) of a side (0: users, 1: items); row r has interactions when
    /// offsets[r + 1] &gt; offsets[r] (block-local r). Parts of rows run on up to <see cref="AlsOptions.Threads"/>
    /// workers; every row's bits are a function of (seed, side, row) alone, so they do not depend on the split.
    /// Every float of every padded row is written (values, zero padding, zero rows), so <paramref name="factors"/> may
    /// come uncleared (<see cref="FactorMatrix.Uninitialized"/>).
    /// </summary>
    public static unsafe void Fill(AlsOptions options, int side, int firstRow, ReadOnlySpan<long> rowOffsets, FactorMatrix factors)
    {
        if (rowOffsets.Length != (long)factors.Rows + 1)
        {
            throw new ArgumentException($"row_offsets has {rowOffsets.Length} entries; {(long)factors.Rows + 1} are needed.", nameof(rowOffsets));
        }

        float scale = options.InitScale / MathF.Sqrt(options.Factors);
        int rows = factors.Rows;
        int parts = (rows + FillRows - 1) / FillRows;
        fixed (long* offsets = rowOffsets)
        {
            long* off = offsets;
            int next = -1;
            HalfStepSolver.RunWorkers(Math.Min(AlsTrainer.ResolveThreads(options.Threads), parts), _ =>
            {
                int part;
                while ((part = Interlocked.Increment(ref next)) < parts)
                {
                    int end = Math.Min(rows, (part + 1) * FillRows);
                    for (int r = part * FillRows; r < end; r++)
                    {
                        // The whole padded row is written (the padding kept zero), so the matrix may come uncleared.
                        Span<float> padded = factors.PaddedRow(r);
                        if (off[r + 1] > off[r])
                        {
                            FillRow(options.Seed, side, (long)firstRow + r, padded[..factors.Factors], scale);
                            padded[factors.Factors..].Clear();
                        }
                        else
                        {
                            padded.Clear();
                        }
                    }
                }
            });
        }
    }

    /// <summary>The starting factors of one row: f[i] = scale * N(0, 1) drawn from the stream of (seed, side, row, i).</summary>
    /// <remarks>
    /// Four elements at a time where AVX2 is there (<see cref="FillFour"/>), the rest one by one
    /// (<see cref="FillFrom"/>): the same bits either way, so a row's values do not depend on the machine.
    /// </remarks>
    public static void FillRow(int seed, int side, long row, Span<float> f, float scale)
    {
        ulong key = RowKey(seed, side, row);
        FillFrom(key, f, scale, Avx2.IsSupported ? FillFour(key, f, scale) : 0);
    }

    /// <summary>Elements <paramref name="start"/> .. f.Length - 1 of the row of <paramref name="key"/>, one at a time.</summary>
    internal static void FillFrom(ulong key, Span<float> f, float scale, int start)
    {
        ReadOnlySpan<double> x = ZigguratX;
        for (int i = start; i < f.Length; i++)
        {
            // Element i's stream starts at key ^ i: draws n and m of elements i and j meet only if
            // (key ^ i) - (key ^ j) = (m - n) * Golden (mod 2^64), which no small column and draw numbers reach.
            // The ziggurat's fast path inline (draw 0 of the stream); StandardNormal starts from the same draw.
            double v = Abscissa(Mix(key ^ (ulong)i), x, out int layer);
            f[i] = (float)((Math.Abs(v) < x[layer + 1] ? v : StandardNormal(key ^ (ulong)i)) * scale);
        }
    }

    /// <summary>
    /// <see cref="FillFrom"/>'s fast path for four elements at a time (AVX2): the hash in 64-bit lanes, the two layer
    /// bounds by gathers, the same double operations in the same order (the JIT fuses none of them), and
    /// <c>vcvtpd2ps</c>, which rounds to nearest as the scalar conversion does. A lane that leaves the fast path is
    /// redone by <see cref="StandardNormal"/>, as in the scalar loop. Returns the number of elements written (a multiple of
    /// four); a profile of a Python fit's setup had the scalar loop at about a fifth of it (k = 64, 250,000 rows).
    /// </summary>
    internal static unsafe int FillFour(ulong key, Span<float> f, float scale)
    {
        if (!Avx2.IsSupported)
        {
            throw new PlatformNotSupportedException("FillFour needs AVX2.");
        }

        int n = f.Length & ~3;
        Vector256<ulong> keys = Vector256.Create(key), lanes = Vector256.Create(0UL, 1UL, 2UL, 3UL);
        Vector256<double> scales = Vector256.Create((double)scale);
        fixed (double* x = ZigguratX)
        fixed (float* dst = f)
        {
            for (int i = 0; i < n; i += 4)
            {
                Vector256<ulong> h = Mix(keys ^ (lanes + Vector256.Create((ulong)i)));
                Vector256<long> layer = (h & Vector256.Create((ulong)(Layers - 1))).AsInt64();
                Vector256<double> u = Vector256.ConvertToDouble((h >> 11).AsInt64()) * (1.0 / (1UL << 53));
                Vector256<double> v = ((Vector256.Create(2.0) * u) - Vector256<double>.One) * Avx2.GatherVector256(x, layer, sizeof(double));
                Vector256<double> bound = Avx2.GatherVector256(x + 1, layer, sizeof(double));
                Avx.ConvertToVector128Single(v * scales).Store(dst + i);
                uint slow = (~Vector256.LessThan(Vector256.Abs(v), bound)).ExtractMostSignificantBits();
                while (slow != 0)
                {
                    int l = i + BitOperations.TrailingZeroCount(slow);
                    dst[l] = (float)(StandardNormal(key ^ (ulong)l) * scale);
                    slow &= slow - 1;
                }
            }
        }

        return n;
    }

    internal static ulong RowKey(int seed, int side, long row) =>
        Mix(Mix((ulong)(uint)seed ^ 0x5FA1_5A15_0000_0000UL) ^ ((ulong)(uint)side << 48) ^ (ulong)row);

    /// <summary>Draw n of an element's stream: SplitMix64 output n from the element's state.</summary>
    private static ulong Draw(ulong state, ulong n) => Mix(state + (n * Golden));

    /// <summary>A uniform in [0, 1) from the top 53 bits of a hash.</summary>
    private static double Uniform(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// The ziggurat's draw: the low bits of <paramref name="h"/> pick the layer, its top bits the abscissa
    /// <c>v = u x_layer</c> with u in [-1, 1). <c>|v| &lt; x_(layer+1)</c> puts v inside the layer's rectangle, under the
    /// curve for sure (the fast path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Abscissa(ulong h, ReadOnlySpan<double> x, out int layer)
    {
        layer = (int)(h & (Layers - 1));
        return ((2.0 * Uniform(h)) - 1.0) * x[layer];
    }

    /// <summary>One standard normal from the stream of <paramref name="state"/> (the ziggurat, see the remarks above).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static double StandardNormal(ulong state)
    {
        ReadOnlySpan<double> x = ZigguratX;
        for (ulong n = 0; ; n += 3)
        {
            double v = Abscissa(Draw(state, n), x, out int layer);
            if (Math.Abs(v) < x[layer + 1])
            {
                return v;
            }

            if (layer == 0)
            {
                // The base layer beyond the rectangle: the tail |z| > R (Marsaglia's exponential method).
                double t, y;
                do
                {
                    t = Math.Log(1.0 - Uniform(Draw(state, n + 1))) / x[1];
                    y = Math.Log(1.0 - Uniform(Draw(state, n + 2)));
                    n += 2;
                }
                while (-2.0 * y < t * t);
                return v < 0 ? t - x[1] : x[1] - t; // v has u's sign (x_0 > 0)
            }

            // The wedge between the rectangle and the curve: accept under exp(-v^2 / 2).
            double f0 = Math.Exp(-0.5 * ((x[layer] * x[layer]) - (v * v)));
            double f1 = Math.Exp(-0.5 * ((x[layer + 1] * x[layer + 1]) - (v * v)));
            if (f1 + (Uniform(Draw(state, n + 1)) * (f0 - f1)) < 1.0)
            {
                return v;
            }
        }
    }

    private const int Layers = 256;

    private const ulong Golden = 0x9E37_79B9_7F4A_7C15UL;

    /// <summary>
    /// The ziggurat's layer edges x_0 ... x_256 for f(x) = exp(-x^2 / 2), 256 layers of area 0.00492867323399 each:
    /// x_1 = R = 3.6541528853610088, x_{i+1} = sqrt(-2 ln(V / x_i + f(x_i))), x_256 = 0, and x_0 = V / f(R) the
    /// base layer's width with its tail. Computed once in double and written out, so no platform's libm shapes them.
    /// </summary>
    private static ReadOnlySpan<double> ZigguratX =>
    [
        3.91075795953709, 3.654152885361009, 3.4492782985609645, 3.320244733839166,
        3.224575052047029, 3.14788928951715, 3.083526132001233, 3.0278377917686354,
        2.978603279880845, 2.9343668672078542, 2.894121053612348, 2.8571387308721325,
        2.822877396825325, 2.7909211740007858, 2.7609440052788226, 2.732685359042827,
        2.705933656121858, 2.680514643284522, 2.6562830375755024, 2.6331163936303246,
        2.6109105184875485, 2.589575986706995, 2.5690354526805366, 2.5492215503234608,
        2.530075232158517, 2.5115444416253423, 2.4935830412696807, 2.4761499396691433,
        2.4592083743333113, 2.4427253181989568, 2.426670984935726, 2.4110184138996855,
        2.3957431197804806, 2.380822795170626, 2.3662370567158186, 2.35196722737766,
        2.3379961487950314, 2.324308018869623, 2.31088825059985, 2.2977233489013296,
        2.284800802722946, 2.272108990226824, 2.259637095172218, 2.2473750329458078,
        2.235313384928328, 2.2234433400909057, 2.2117566428825444, 2.200245546609648,
        2.1889027716247207, 2.1777214677386416, 2.166695180352646, 2.1558178198750633,
        2.1450836340462036, 2.13448718284432, 2.1240233156878157, 2.113687150684934,
        2.103474055713147, 2.0933796311370503, 2.083399693996552, 2.0735302635169788,
        2.0637675478099564, 2.054107931648865, 2.044547965215733, 2.0350843537278087,
        2.025713947862033, 2.0164337349043717, 2.007240830558685, 1.9981324713565642,
        1.9891060076155713, 1.9801588968985984, 1.9712886979317696, 1.962493064942462,
        1.953769742382734, 1.945116560006754, 1.936531428273759, 1.9280123340507183,
        1.9195573365912288, 1.9111645637692822, 1.9028322085484464, 1.89455852566871,
        1.8863418285347764, 1.8781804862909777, 1.8700729210692368, 1.8620176053976323,
        1.8540130597581481, 1.8460578502831198, 1.8381505865807286, 1.8302899196806666,
        1.8224745400917832, 1.8147031759641676, 1.8069745913486934, 1.7992875845475802,
        1.79164098655001, 1.7840336595472763, 1.776464495522345, 1.768932414909078,
        1.7614363653167067, 1.753975320315455, 1.746548278279493, 1.739154261283669,
        1.7317923140507072, 1.7244615029457757, 1.7171609150155407, 1.709889657069006,
        1.702646854797614, 1.6954316519322385, 1.6882432094348587, 1.6810807047228233,
        1.6739433309237604, 1.6668302961592867, 1.6597408228557895, 1.6526741470806485,
        1.6456295179023603, 1.6386061967731111, 1.631603456932422, 1.6246205828305684,
        1.6176568695705342, 1.6107116223673337, 1.603784156023583, 1.5968737944202613,
        1.5899798700216485, 1.5831017233934714, 1.5762387027333329, 1.5693901634125345,
        1.5625554675284397, 1.555733983466555, 1.5489250854715355, 1.5421281532263476,
        1.5353425714388431, 1.5285677294350246, 1.521803020758293, 1.5150478427739924,
        1.508301596278572, 1.5015636851127065, 1.4948335157777184, 1.4881104970546544,
        1.4813940396253757, 1.4746835556950255, 1.467978458615231, 1.4612781625074078,
        1.4545820818855233, 1.4478896312776697, 1.441200224845798, 1.4345132760029464,
        1.4278281970272904, 1.4211443986723231, 1.4144612897724647, 1.4077782768433715,
        1.4010947636762026, 1.3944101509250713, 1.3877238356868846, 1.381035211072742,
        1.3743436657700305, 1.367648583594318, 1.3609493430301018, 1.3542453167594306,
        1.3475358711773593, 1.3408203658931521, 1.3340981532160836, 1.3273685776246247,
        1.32063097521773, 1.313884673146869, 1.3071289890273539, 1.3003632303274337,
        1.2935866937335176, 1.2867986644897864, 1.2799984157103332, 1.2731852076618437,
        1.2663582870146883, 1.2595168860601442, 1.2526602218912979, 1.245787495544998,
        1.2388978911020274, 1.231990574742445, 1.225064693752808, 1.2181193754817266,
        1.2111537262399112, 1.2041668301405601, 1.197157747875586, 1.1901255154228016,
        1.1830691426787607, 1.1759876120114898, 1.1688798767268338, 1.1617448594415742,
        1.1545814503558518, 1.1473885054167339, 1.1401648443639958, 1.132909248648337,
        1.1256204592112944, 1.118297174115063, 1.1109380460092495, 1.1035416794202682,
        1.0961066278476035, 1.0886313906495142, 1.0811144096988894, 1.0735540657878717,
        1.0659486747575067, 1.0582964833260065, 1.0505956645862071, 1.0428443131393705,
        1.0350404398286053, 1.0271819660307513, 1.0192667174605292, 1.0112924174349784,
        1.0032566795395914, 0.9951569996299431, 0.9869907470938463, 0.9787551552889378,
        0.9704473110588646, 0.9620641432176052, 0.9536024098755727, 0.9450586844625711,
        0.9364293402808969, 0.9277105333962348, 0.918898183643735, 0.909987953490769,
        0.9009752244551745, 0.8918550707267924, 0.8826222295789101, 0.8732710680824946,
        0.8637955455468269, 0.8541891710015606, 0.8444449549024237, 0.8345553540795188,
        0.8245122087452886, 0.8143066701280643, 0.8039291169826649, 0.7933690588331528,
        0.7826150232995888, 0.7716544242167394, 0.7604734064220832, 0.7490566620095817,
        0.7373872114258386, 0.7254461409013035, 0.7132122851820227, 0.7006618410975844,
        0.6877678927862577, 0.6744998228274365, 0.660822574234206, 0.6466957148843889,
        0.6320722363750246, 0.6168969899962355, 0.6011046177439404, 0.5846167660937223,
        0.567338257040473, 0.5491517023130268, 0.5299097206464951, 0.5094233295859334,
        0.48744396612175434, 0.46363433677176324, 0.43751840218666266, 0.40838913458800075,
        0.3751213328504657, 0.33573751918045946, 0.2861745917472605, 0.2152418959132738,
        0.0
    ];

    /// <summary>The values of one block-local row.</summary>
    internal delegate ReadOnlySpan<float> RowValues(int row);

    /// <summary>
    /// Per-chunk sums (in double, row order within a chunk) of the values of rows [firstRow, firstRow + rows) of a
    /// side of totalRows rows, on the side's fixed Gram chunking; the block must be aligned to it. The global mean
    /// of a biased explicit fit is the sum of all chunks' sums in chunk order over nnz, so blocks agree with fit.
    /// </summary>
    public static void ValueSums(AlsLayout layout, int totalRows, int firstRow, int rows, RowValues rowValues, Span<double> sums)
    {
        (int first, int count) = HalfStepSolver.ChunkSpan(totalRows, layout.W, firstRow, rows);
        (_, int size) = HalfStepSolver.GramChunking(totalRows, layout.W);
        if (sums.Length != count)
        {
            throw new ArgumentException($"sums has {sums.Length} entries; the block covers {count} chunks.", nameof(sums));
        }

        for (int c = 0; c < count; c++)
        {
            int start = (first + c) * size - firstRow, end = Math.Min(rows, start + size);
            double s = 0;
            for (int r = start; r < end; r++)
            {
                foreach (float v in rowValues(r))
                {
                    s += v;
                }
            }

            sums[c] = s;
        }
    }

    /// <summary><see cref="Mix(ulong)"/> in each 64-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Mix(Vector256<ulong> z)
    {
        z += Vector256.Create(Golden);
        z = (z ^ (z >> 30)) * Vector256.Create(0xBF58_476D_1CE4_E5B9UL);
        z = (z ^ (z >> 27)) * Vector256.Create(0x94D0_49BB_1331_11EBUL);
        return z ^ (z >> 31);
    }

    private static ulong Mix(ulong z)
    {
        z += Golden;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
