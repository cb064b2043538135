using FastAls.Internals.Kernels;

namespace FastAls.Tests.Engine;

/// <summary>
/// The grouped neighbour kernels (eight rows at a time) and the eight-accumulator column mat-vec against the
/// row-by-row references: each row's dot as <see cref="KernelSet.Dot"/> on the same path gives it, its update as
/// scalar fused multiply-adds in row order (plain multiply-adds on the scalar path). They must give the same bits on
/// every path, for every stride and for row counts on both sides of the group size.
/// </summary>
public class GroupedRowsTests
{
    /// <summary>
    /// Every path this machine runs, and Vector512 even where it cannot run natively: .NET runs Vector512
    /// operations in software where the hardware lacks them, with the same per-lane results (fused multiply-adds
    /// stay fused; Vector512Ops.Sum is the same call in the kernel and in the reference), so the Vector512 kernels'
    /// bits are checked on AVX2 machines too. (The Vector256 grouped kernels use AVX instructions directly, which
    /// the Vector256 path may: it runs only where AVX2 and FMA are.)
    /// </summary>
    public static TheoryData<string> Paths()
    {
        var d = new TheoryData<string>();
        foreach (KernelPath p in KernelIsa.Supported)
        {
            d.Add(p.ToString());
        }

        if (!KernelIsa.IsSupported(KernelPath.Vector512))
        {
            d.Add(KernelPath.Vector512.ToString());
        }

        return d;
    }

    /// <summary>The kernels of <paramref name="path"/>; Vector512's also where it runs in software (see <see cref="Paths"/>).</summary>
    internal static KernelSet Kernels(KernelPath path) =>
        path == KernelPath.Vector512 && !KernelIsa.IsSupported(path) ? KernelSet<Vector512Isa>.Instance : KernelSet.For(path);

    private static readonly int[] s_strides = [16, 32, 48, 64, 80, 96, 128, 144];
    private static readonly int[] s_rows = [0, 1, 3, 4, 5, 7, 8, 9, 12, 16, 23, 37];

    private static float[] RandomArray(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)((rng.NextDouble() * 2) - 1) * (rng.Next(4) == 0 ? 1000f : 1f);
        }

        return a;
    }

    private static float RowDot(KernelSet k, float[] block, int row, int w, float[] x) => k.Dot(block.AsSpan(row * w, w), x);

    [Theory]
    [MemberData(nameof(Paths))]
    public void RowDots_equal_row_by_row_dot_bitwise(string pathName)
    {
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        KernelSet k = Kernels(path);
        var rng = new Random(42);
        foreach (int w in s_strides)
        {
            foreach (int rows in s_rows)
            {
                float[] block = RandomArray(rng, rows * w), x = RandomArray(rng, w);
                float[] got = new float[rows];
                k.RowDots(block, rows, w, x, got);
                for (int j = 0; j < rows; j++)
                {
                    Assert.Equal(RowDot(k, block, j, w, x), got[j]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void WeightedRows_equal_row_by_row_dot_and_axpy_bitwise(string pathName)
    {
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        KernelSet k = Kernels(path);
        var rng = new Random(43);
        foreach (int w in s_strides)
        {
            foreach (int rows in s_rows)
            {
                float[] block = RandomArray(rng, rows * w), v = RandomArray(rng, w), wt = RandomArray(rng, rows), q = RandomArray(rng, rows), y = RandomArray(rng, w);
                foreach (bool residual in new[] { false, true })
                {
                    float[] coefficients = new float[rows];
                    for (int j = 0; j < rows; j++)
                    {
                        float t = RowDot(k, block, j, w, v) * wt[j];
                        coefficients[j] = residual ? q[j] - t : t;
                    }

                    float[] expected = (float[])y.Clone();
                    AddRowsAsTheKernelDoes(path, w, rows, coefficients, block, expected);

                    float[] got = (float[])y.Clone();
                    if (residual)
                    {
                        k.WeightedRowsResidual(block, rows, w, wt, q, v, got);
                    }
                    else
                    {
                        k.WeightedRowsMatVec(block, rows, w, wt, v, got);
                    }

                    Assert.True(expected.AsSpan().SequenceEqual(got), $"w={w} rows={rows} residual={residual}");
                }
            }
        }
    }

    /// <summary>
    /// <c>y += sum_j t[j] * block[j, :]</c> in the weighted-rows kernels' order on <paramref name="path"/>: each column one
    /// chain in row order (fused multiply-adds; plain multiply-adds on the scalar path), except at the Vector512 path's
    /// stride of two vectors (32), whose register kernel puts the odd rows of each whole group of four into a second
    /// chain from zero and adds it to the first after the groups (when there is a group); the rows after the last whole
    /// group then go to the first chain.
    /// </summary>
    internal static void AddRowsAsTheKernelDoes(KernelPath path, int w, int rows, float[] t, float[] block, float[] y)
    {
        bool split = path == KernelPath.Vector512 && w == 32;
        int grouped = rows & ~3;
        for (int c = 0; c < w; c++)
        {
            float first = y[c], second = 0f;
            for (int j = 0; j < rows; j++)
            {
                float b = block[(j * w) + c];
                if (path == KernelPath.Scalar)
                {
                    first += t[j] * b;
                }
                else if (split && j < grouped && (j & 1) == 1)
                {
                    second = MathF.FusedMultiplyAdd(t[j], b, second);
                }
                else
                {
                    first = MathF.FusedMultiplyAdd(t[j], b, first);
                }

                if (split && j == grouped - 1)
                {
                    // The last whole group is in: the second chain joins the first.
                    first += second;
                }
            }

            y[c] = first;
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void WeightedRowsResidualAndSum_equals_the_residual_pass_and_the_weighted_sum_bitwise(string pathName)
    {
        // The biased models' residual pass takes m = sum_j w_j row_j in the same pass where the register kernel covers
        // the stride (Vector512: 32 and 64); both outputs must have the bits of the two separate passes, on every path.
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        KernelSet k = Kernels(path);
        var rng = new Random(45);
        foreach (int w in s_strides)
        {
            foreach (int rows in s_rows)
            {
                float[] block = RandomArray(rng, rows * w), v = RandomArray(rng, w), wt = RandomArray(rng, rows), q = RandomArray(rng, rows);
                float[] y = RandomArray(rng, w), m = RandomArray(rng, w);
                float[] y1 = (float[])y.Clone(), m1 = (float[])m.Clone(), y2 = (float[])y.Clone(), m2 = (float[])m.Clone();
                k.WeightedRowsResidualAndSum(block, rows, w, wt, q, v, y1, m1);
                k.WeightedRowsResidual(block, rows, w, wt, q, v, y2);
                k.AddWeightedRows(block, rows, w, wt, m2);
                Assert.True(y2.AsSpan().SequenceEqual(y1), $"y: w={w} rows={rows}");
                Assert.True(m2.AsSpan().SequenceEqual(m1), $"m: w={w} rows={rows}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void InPlace_passes_have_the_bits_of_the_gathered_ones(string pathName)
    {
        // Segments of rows longer than the workspace are read in place through their columns on the vector paths (the
        // register kernels and the grouped ones; with the biased residual's weighted sum, Vector512 at 32 and 64 only);
        // the result must be that of gathering the rows first and running the block kernels, for repeated and unsorted
        // columns, and row counts on both sides of the groups.
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        KernelSet k = Kernels(path);
        var rng = new Random(47);
        int taken = 0;
        foreach (int w in s_strides)
        {
            const int fixedRows = 50;
            float[] factors = RandomArray(rng, fixedRows * w);
            foreach (int rows in s_rows.Append(101))
            {
                int[] cols = Enumerable.Range(0, rows).Select(_ => rng.Next(fixedRows)).ToArray();
                float[] block = new float[rows * w];
                for (int j = 0; j < rows; j++)
                {
                    factors.AsSpan(cols[j] * w, w).CopyTo(block.AsSpan(j * w));
                }

                float[] v = RandomArray(rng, w), wt = RandomArray(rng, rows), q = RandomArray(rng, rows), y = RandomArray(rng, w), m = RandomArray(rng, w);
                foreach (bool residual in new[] { false, true })
                {
                    float[] expected = (float[])y.Clone(), got = (float[])y.Clone();
                    if (residual)
                    {
                        k.WeightedRowsResidual(block, rows, w, wt, q, v, expected);
                    }
                    else
                    {
                        k.WeightedRowsMatVec(block, rows, w, wt, v, expected);
                    }

                    bool ran = k.TryWeightedRowsIndexed(factors, w, cols, wt, q, residual, v, got);
                    Assert.Equal(ran, path != KernelPath.Scalar);
                    Assert.True(!ran || expected.AsSpan().SequenceEqual(got), $"w={w} rows={rows} residual={residual}");
                    Assert.True(ran || y.AsSpan().SequenceEqual(got), "a pass that did not run must leave y alone");
                    taken += ran ? 1 : 0;
                }

                float[] ySum = (float[])y.Clone(), mSum = (float[])m.Clone(), yIn = (float[])y.Clone(), mIn = (float[])m.Clone();
                k.WeightedRowsResidualAndSum(block, rows, w, wt, q, v, ySum, mSum);
                bool sumRan = k.TryWeightedRowsResidualAndSumIndexed(factors, w, cols, wt, q, v, yIn, mIn);
                Assert.Equal(sumRan, path == KernelPath.Vector512 && w is 32 or 64);
                Assert.True(!sumRan || (ySum.AsSpan().SequenceEqual(yIn) && mSum.AsSpan().SequenceEqual(mIn)), $"with the sum: w={w} rows={rows}");
            }
        }

        Assert.True(path == KernelPath.Scalar || taken > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => k.TryWeightedRowsIndexed(new float[64], 32, [0, 2], new float[2], new float[2], false, new float[32], new float[32]));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ColumnMatVec_equals_its_fma_chains_per_column_bitwise(string pathName)
    {
        // Each column is one FMA chain over the rows, except at a stride of exactly four vectors (row i to chain i mod 2,
        // the chains added) or two vectors (chain i mod 4, added as (0 + 1) + (2 + 3)) on the vector paths.
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        KernelSet k = Kernels(path);
        int lanes = path switch { KernelPath.Vector256 => 8, KernelPath.Vector512 => 16, _ => 0 };
        var rng = new Random(44);
        foreach (int w in s_strides.Append(4 * lanes).Append(2 * lanes).Where(w => w > 0).Distinct())
        {
            int split = lanes > 0 && w == 4 * lanes ? 2 : lanes > 0 && w == 2 * lanes ? 4 : 1;
            foreach (int rows in new[] { 1, 2, 3, 5, 6, 7, w - 3, w })
            {
                float[] a = RandomArray(rng, w * w), x = RandomArray(rng, rows), y = new float[w];
                k.ColumnMatVec(a, rows, w, x, y);
                for (int c = 0; c < w; c++)
                {
                    var chains = new float[split];
                    for (int i = 0; i < rows; i++)
                    {
                        ref float s = ref chains[i % split];
                        s = path == KernelPath.Scalar ? s + (x[i] * a[(i * w) + c]) : MathF.FusedMultiplyAdd(x[i], a[(i * w) + c], s);
                    }

                    float expected = split switch
                    {
                        1 => chains[0],
                        2 => chains[0] + chains[1],
                        _ => (chains[0] + chains[1]) + (chains[2] + chains[3]),
                    };
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[c]), $"w={w} rows={rows} column {c}: {expected} != {y[c]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ColumnMatVec2_has_the_bits_of_two_single_products(string pathName)
    {
        // The paired product (two rows' CG mat-vecs with G0 read once) must give each vector exactly ColumnMatVec's
        // bits, on strides whose vector part the single call blocks differently (multiples of 8 vectors or not), and on
        // a stride with a scalar tail.
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        KernelSet k = Kernels(path);
        var rng = new Random(45);
        foreach (int w in s_strides.Append(20))
        {
            foreach (int rows in new[] { 1, w - 3, w })
            {
                float[] a = RandomArray(rng, w * w), x0 = RandomArray(rng, rows), x1 = RandomArray(rng, rows);
                float[] e0 = new float[w], e1 = new float[w], y0 = new float[w], y1 = new float[w];
                k.ColumnMatVec(a, rows, w, x0, e0);
                k.ColumnMatVec(a, rows, w, x1, e1);
                k.ColumnMatVec2(a, rows, w, x0, y0, x1, y1);
                for (int c = 0; c < w; c++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(e0[c]), BitConverter.SingleToInt32Bits(y0[c]));
                    Assert.Equal(BitConverter.SingleToInt32Bits(e1[c]), BitConverter.SingleToInt32Bits(y1[c]));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ColumnMatVec4_has_the_bits_of_four_single_products(string pathName)
    {
        // The grouped product (four rows' CG mat-vecs with G0 read once), as ColumnMatVec2 above.
        KernelSet k = Kernels(Enum.Parse<KernelPath>(pathName));
        var rng = new Random(46);
        foreach (int w in s_strides.Append(20))
        {
            foreach (int rows in new[] { 1, w - 3, w })
            {
                float[] a = RandomArray(rng, w * w);
                float[][] x = [RandomArray(rng, rows), RandomArray(rng, rows), RandomArray(rng, rows), RandomArray(rng, rows)];
                float[][] e = [new float[w], new float[w], new float[w], new float[w]];
                float[][] y = [new float[w], new float[w], new float[w], new float[w]];
                for (int i = 0; i < 4; i++)
                {
                    k.ColumnMatVec(a, rows, w, x[i], e[i]);
                }

                k.ColumnMatVec4(a, rows, w, x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3]);
                for (int i = 0; i < 4; i++)
                {
                    for (int c = 0; c < w; c++)
                    {
                        Assert.True(
                            BitConverter.SingleToInt32Bits(e[i][c]) == BitConverter.SingleToInt32Bits(y[i][c]),
                            $"w={w} rows={rows} vector {i} column {c}: {y[i][c]:R}, expected {e[i][c]:R}");
                    }
                }
            }
        }
    }
}
