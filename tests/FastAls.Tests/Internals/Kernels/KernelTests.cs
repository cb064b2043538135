using FastAls.Internals.Kernels;
using FastAls.Internals.Solvers;

namespace FastAls.Tests.Engine;

/// <summary>Every kernel path against the scalar one (and against double-precision references).</summary>
public class KernelTests
{
    public static TheoryData<string> Paths() => EngineTestData.Paths();

    private static float[] RandomArray(Random rng, int n, double zeroFraction = 0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = rng.NextDouble() < zeroFraction ? 0f : (float)(rng.NextDouble() * 2 - 1);
        }

        return a;
    }

    [Fact]
    public void SupportedPaths_include_scalar_and_active_is_supported()
    {
        Assert.Contains(KernelPath.Scalar, KernelIsa.Supported);
        Assert.Contains(KernelIsa.Active, KernelIsa.Supported);
        Assert.Equal(KernelIsa.Active, KernelSet.Active.Path);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void KernelSet_for_is_the_path_it_names_and_the_row_solver_takes_the_model_type(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        KernelSet k = KernelSet.For(path);
        Assert.Equal(path, k.Path);
        Assert.Same(k, KernelSet.For(path));
        var seen = new HashSet<Type>();
        foreach (AlsModelKind kind in Enum.GetValues<AlsModelKind>())
        {
            foreach (ConfidenceKind c in Enum.GetValues<ConfidenceKind>())
            {
                foreach (AlsSolver solver in Enum.GetValues<AlsSolver>())
                {
                    var options = new AlsOptions { Kind = kind, Confidence = c, Solver = solver };
                    Type[] types = RowKernels.For(k, options).GetType().GetGenericArguments();
                    Assert.Equal(path, (KernelPath)types[0].GetProperty(nameof(IIsa.Path))!.GetValue(null)!);

                    // The type says what the options say: the solver, bias, implicit, and the implicit models' confidence.
                    Type model = types[1];
                    bool Flag(string name) => (bool)model.GetProperty(name)!.GetValue(null)!;
                    Assert.Equal(solver == AlsSolver.ConjugateGradient, Flag(nameof(IRowModel.Cg)));
                    Assert.Equal(options.HasBiases, Flag(nameof(IModelRows.Biased)));
                    Assert.Equal(options.IsImplicit, Flag(nameof(IModelRows.Implicit)));
                    Type rows = model.GetGenericArguments()[0];
                    if (options.IsImplicit)
                    {
                        Assert.Equal(c + "Confidence", rows.GetGenericArguments()[0].Name);
                        Assert.True(seen.Add(model), $"{kind} with {c} confidence and {solver} shares its row solver with another model.");
                    }
                    else
                    {
                        Assert.DoesNotContain(rows.GetGenericArguments(), t => typeof(IConfidence).IsAssignableFrom(t));
                        seen.Add(model);
                    }
                }
            }
        }

        // One compiled row solve per model and solver: two explicit kinds, and two implicit kinds per confidence.
        Assert.Equal(2 * (2 + (2 * Enum.GetValues<ConfidenceKind>().Length)), seen.Count);
    }

    [Fact]
    public void Row_kernels_refuse_a_context_of_another_model()
    {
        using var fixedFactors = new FactorMatrix(4, 8);
        var explicitOptions = new AlsOptions { Kind = AlsModelKind.Explicit, Factors = 8 };
        var ctx = new HalfStepContext(explicitOptions, KernelSet.Active, fixedFactors, null, null, 0f, "user");
        var ws = new RowWorkspace(ctx.Layout, 4);
        float bias = 0f;
        foreach (AlsOptions other in new[] { explicitOptions with { Kind = AlsModelKind.BiasedExplicit }, explicitOptions with { Solver = explicitOptions.Solver == AlsSolver.Cholesky ? AlsSolver.ConjugateGradient : AlsSolver.Cholesky } })
        {
            RowKernels wrong = RowKernels.For(KernelSet.Active, other);
            var ex = Assert.Throws<InvalidOperationException>(() => wrong.Solve(ctx, ws, 0, [1], [3f], new float[8], ref bias, out _, out _));
            Assert.Contains("Explicit model", ex.Message);
        }
    }

    [Fact]
    public void KernelSet_for_refuses_a_path_this_machine_cannot_run()
    {
        Assert.Throws<PlatformNotSupportedException>(() => KernelSet.For((KernelPath)3));
        foreach (KernelPath p in Enum.GetValues<KernelPath>().Where(p => !KernelIsa.IsSupported(p)))
        {
            Assert.Throws<PlatformNotSupportedException>(() => KernelSet.For(p));
        }
    }

    [Theory]
    [InlineData(ConfidenceKind.Linear, 2.5f, 1f + 1.5f * 2.5f)]
    [InlineData(ConfidenceKind.Scaled, -2.5f, 1.5f * 2.5f)]
    [InlineData(ConfidenceKind.Log, 2.5f, 1f + 1.5f * 1.7917595f)]
    public void ConfidenceOf_is_the_operator_type_of_the_kind(ConfidenceKind kind, float r, float want)
    {
        var o = new AlsOptions { Kind = AlsModelKind.Implicit, Confidence = kind, Alpha = 1.5f, Epsilon = 0.5f };
        Assert.Equal(want, HalfStepContext.ConfidenceOf(o, r), 1e-5f);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Dot_and_axpy_match_scalar_for_all_lengths(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(1);
        for (int n = 0; n <= 70; n++)
        {
            float[] x = RandomArray(rng, n), y = RandomArray(rng, n);
            double exact = 0;
            for (int i = 0; i < n; i++)
            {
                exact += (double)x[i] * y[i];
            }

            float got = KernelSet.For(path).Dot(x, y);
            Assert.True(Math.Abs(got - exact) <= 1e-5 * (1 + n), $"n={n}: {got} vs {exact}");
            Assert.Equal(KernelSet.For(KernelPath.Scalar).Dot(x, y), got, 1e-4f);

            float[] ys = (float[])y.Clone(), yv = (float[])y.Clone();
            KernelSet.For(KernelPath.Scalar).Axpy(0.37f, x, ys);
            KernelSet.For(path).Axpy(0.37f, x, yv);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(ys[i], yv[i], 1e-6f);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void RowKernels_match_scalar(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(2);
        const int rows = 13, w = 48;
        float[] block = RandomArray(rng, rows * w), x = RandomArray(rng, w), q = RandomArray(rng, rows);
        float[] d0 = new float[rows], d1 = new float[rows];
        KernelSet.For(KernelPath.Scalar).RowDots(block, rows, w, x, d0);
        KernelSet.For(path).RowDots(block, rows, w, x, d1);
        Assert.Equal(d0, d1, (a, b) => Math.Abs(a - b) < 1e-5f);

        float[] y0 = RandomArray(rng, w), y1 = (float[])y0.Clone();
        KernelSet.For(KernelPath.Scalar).AddWeightedRows(block, rows, w, q, y0);
        KernelSet.For(path).AddWeightedRows(block, rows, w, q, y1);
        Assert.Equal(y0, y1, (a, b) => Math.Abs(a - b) < 1e-5f);

        float[] s0 = new float[rows * w], s1 = new float[rows * w];
        KernelSet.For(KernelPath.Scalar).ScaleRows(block, rows, w, q, s0);
        KernelSet.For(path).ScaleRows(block, rows, w, q, s1);
        Assert.Equal(s0, s1);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void WeightedRowsMatVec_matches_double_reference_and_unfused_kernels_bitwise(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(21);
        foreach (int w in new[] { 16, 32, 48, 64, 80, 128 })
        {
            foreach (int rows in new[] { 0, 1, 5, 37 })
            {
                float[] block = RandomArray(rng, rows * w), v = RandomArray(rng, w), wt = RandomArray(rng, rows), y = RandomArray(rng, w);
                float[] fused = (float[])y.Clone();
                KernelSet.For(path).WeightedRowsMatVec(block, rows, w, wt, v, fused);

                // The unfused sequence on the same path gives the same bits: the path's row dots, then the updates in the
                // kernel's order (one chain a column in row order, two at the Vector512 path's stride 32; see
                // GroupedRowsTests.AddRowsAsTheKernelDoes).
                float[] t = new float[rows], unfused = (float[])y.Clone();
                KernelSet.For(path).RowDots(block, rows, w, v, t);
                for (int j = 0; j < rows; j++)
                {
                    t[j] *= wt[j];
                }

                FastAls.Tests.Engine.GroupedRowsTests.AddRowsAsTheKernelDoes(path, w, rows, t, block, unfused);
                Assert.Equal(unfused, fused);

                float[] scalar = (float[])y.Clone();
                KernelSet.For(KernelPath.Scalar).WeightedRowsMatVec(block, rows, w, wt, v, scalar);
                for (int c = 0; c < w; c++)
                {
                    double exact = y[c];
                    double mag = Math.Abs(y[c]);
                    for (int j = 0; j < rows; j++)
                    {
                        double dot = 0;
                        for (int q = 0; q < w; q++)
                        {
                            dot += (double)block[j * w + q] * v[q];
                        }

                        exact += wt[j] * dot * block[j * w + c];
                        mag += Math.Abs(wt[j] * dot * block[j * w + c]);
                    }

                    Assert.True(Math.Abs(fused[c] - exact) <= 1e-5 * (1 + mag), $"w={w} rows={rows} c={c}: {fused[c]} vs {exact}");
                    Assert.True(Math.Abs(scalar[c] - fused[c]) <= 1e-5 * (1 + mag), $"w={w} rows={rows} c={c}: scalar {scalar[c]} vs {fused[c]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void WeightedRowsResidual_matches_double_reference(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(24);
        foreach (int w in new[] { 16, 32, 48, 64, 80 })
        {
            foreach (int rows in new[] { 0, 1, 6, 41 })
            {
                float[] block = RandomArray(rng, rows * w), v = RandomArray(rng, w), wt = RandomArray(rng, rows), q = RandomArray(rng, rows), y = RandomArray(rng, w);
                float[] got = (float[])y.Clone(), scalar = (float[])y.Clone();
                KernelSet.For(path).WeightedRowsResidual(block, rows, w, wt, q, v, got);
                KernelSet.For(KernelPath.Scalar).WeightedRowsResidual(block, rows, w, wt, q, v, scalar);
                for (int c = 0; c < w; c++)
                {
                    double exact = y[c];
                    double mag = Math.Abs(y[c]);
                    for (int j = 0; j < rows; j++)
                    {
                        double dot = 0;
                        for (int k = 0; k < w; k++)
                        {
                            dot += (double)block[j * w + k] * v[k];
                        }

                        double t = q[j] - (wt[j] * dot);
                        exact += t * block[j * w + c];
                        mag += Math.Abs(t * block[j * w + c]);
                    }

                    Assert.True(Math.Abs(got[c] - exact) <= 1e-5 * (1 + mag), $"w={w} rows={rows} c={c}: {got[c]} vs {exact}");
                    Assert.True(Math.Abs(scalar[c] - exact) <= 1e-5 * (1 + mag), $"scalar w={w} rows={rows} c={c}: {scalar[c]} vs {exact}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void AddWeightedRows_equals_row_by_row_axpy_bitwise(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(25);
        foreach (int w in new[] { 16, 32, 48, 64, 80, 112, 144 })
        {
            foreach (int rows in new[] { 0, 1, 7, 33 })
            {
                float[] block = RandomArray(rng, rows * w), q = RandomArray(rng, rows), y = RandomArray(rng, w);
                float[] expected = (float[])y.Clone(), got = (float[])y.Clone();
                for (int j = 0; j < rows; j++)
                {
                    KernelSet.For(path).Axpy(q[j], block.AsSpan(j * w, w), expected);
                }

                KernelSet.For(path).AddWeightedRows(block, rows, w, q, got);
                Assert.Equal(expected, got);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ColumnMatVec_matches_row_product_of_symmetric_matrix(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(22);
        foreach (int w in new[] { 16, 32, 48, 64, 80, 144 })
        {
            foreach (int rows in new[] { 1, w - 3, w })
            {
                float[] a = new float[w * w];
                for (int p = 0; p < w; p++)
                {
                    for (int q = p; q < w; q++)
                    {
                        a[p * w + q] = a[q * w + p] = (float)((rng.NextDouble() * 2) - 1);
                    }
                }

                float[] x = new float[w];
                RandomArray(rng, rows).CopyTo(x, 0);
                float[] y = RandomArray(rng, w), ys = new float[w];
                KernelSet.For(path).ColumnMatVec(a, rows, w, x, y);
                KernelSet.For(KernelPath.Scalar).ColumnMatVec(a, rows, w, x, ys);
                for (int c = 0; c < w; c++)
                {
                    double exact = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        exact += (double)a[c * w + i] * x[i];
                    }

                    Assert.True(Math.Abs(y[c] - exact) <= 1e-5 * (1 + rows), $"w={w} rows={rows} c={c}: {y[c]} vs {exact}");
                    Assert.True(Math.Abs(ys[c] - exact) <= 1e-5 * (1 + rows), $"scalar w={w} rows={rows} c={c}: {ys[c]} vs {exact}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SyrkUpperFrom_equals_copy_then_syrk_upper_bitwise(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(23);
        foreach (int w in new[] { 16, 32, 48, 80, 144 })
        {
            foreach (int n in new[] { 0, 1, 9, 70 })
            {
                float[] a = RandomArray(rng, n * w, zeroFraction: 0.05);
                float[] init = RandomArray(rng, w * w);
                foreach (bool zero in new[] { false, true })
                {
                    float[] expected = RandomArray(rng, w * w);
                    float[] got = (float[])expected.Clone();
                    if (zero)
                    {
                        Array.Clear(expected);
                    }
                    else
                    {
                        init.CopyTo(expected, 0);
                    }

                    KernelSet.For(path).SyrkUpper(a, n, w, expected);
                    KernelSet.For(path).SyrkUpperFrom(zero ? ReadOnlySpan<float>.Empty : init, a, n, w, got);
                    for (int p = 0; p < w; p++)
                    {
                        for (int q = p & ~15; q < w; q++)
                        {
                            Assert.True(
                                BitConverter.SingleToInt32Bits(expected[p * w + q]) == BitConverter.SingleToInt32Bits(got[p * w + q]) || (expected[p * w + q] == 0f && got[p * w + q] == 0f),
                                $"w={w} n={n} zero={zero} ({p}, {q}): {got[p * w + q]} vs {expected[p * w + q]}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Syrk256_entries_are_one_fma_chain_in_row_order_whatever_the_tile()
    {
        // The 6 x 16 and 4 x 16 tiles of a band give each entry (p, q >= p & ~15) the chain
        // src + fma(a[n-1,p], a[n-1,q], ... fma(a[0,p], a[0,q], 0)), bit for bit: the tile shape is not in the bits.
        var rng = new Random(11);
        foreach (int w in new[] { 16, 32, 48, 64, 80 })
        {
            foreach (int n in new[] { 0, 1, 5, 37 })
            {
                float[] a = RandomArray(rng, n * w, zeroFraction: 0.05);
                float[] g = RandomArray(rng, w * w);
                float[] src = (float[])g.Clone();
                Syrk256.Upper(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(a), n, w, ref g[0], ref g[0], false);
                for (int p = 0; p < w; p++)
                {
                    for (int q = p & ~15; q < w; q++)
                    {
                        float chain = 0f;
                        for (int j = 0; j < n; j++)
                        {
                            chain = MathF.FusedMultiplyAdd(a[j * w + p], a[j * w + q], chain);
                        }

                        Assert.True(BitConverter.SingleToInt32Bits(src[p * w + q] + chain) == BitConverter.SingleToInt32Bits(g[p * w + q]), $"w={w} n={n} ({p},{q})");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SyrkUpper_matches_double_reference_and_scalar(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(3);
        foreach (int w in new[] { 16, 32, 48, 80, 144 })
        {
            foreach (int n in new[] { 0, 1, 7, 64, 300 })
            {
                float[] a = RandomArray(rng, n * w, zeroFraction: 0.05);
                float[] g = RandomArray(rng, w * w);
                float[] g0 = (float[])g.Clone();
                float[] gs = (float[])g.Clone();
                KernelSet.For(path).SyrkUpper(a, n, w, g);
                KernelSet.For(KernelPath.Scalar).SyrkUpper(a, n, w, gs);
                for (int p = 0; p < w; p++)
                {
                    for (int q = p; q < w; q++)
                    {
                        double exact = g0[p * w + q];
                        for (int j = 0; j < n; j++)
                        {
                            exact += (double)a[j * w + p] * a[j * w + q];
                        }

                        Assert.True(Math.Abs(g[p * w + q] - exact) <= 1e-5 * (1 + n), $"w={w} n={n} ({p},{q}): {g[p * w + q]} vs {exact}");
                        Assert.True(Math.Abs(g[p * w + q] - gs[p * w + q]) <= 1e-5 * (1 + n), $"w={w} n={n} ({p},{q}) differs from scalar");
                    }
                }

                Syrk.MirrorUpper(g, w, w);
                for (int p = 0; p < w; p++)
                {
                    for (int q = 0; q < p; q++)
                    {
                        Assert.Equal(g[q * w + p], g[p * w + q]);
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Cholesky_solves_spd_systems_like_double_reference(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        var rng = new Random(4);
        foreach (int d in new[] { 1, 2, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 130 })
        {
            float[] a = RandomSpd(rng, d, 10, 0.5f, out int w);
            Syrk.MirrorUpper(a, d, w);

            var ad = new double[d, d];
            for (int p = 0; p < d; p++)
            {
                for (int q = 0; q < d; q++)
                {
                    ad[p, q] = a[p * w + q];
                }
            }

            float[] b = RandomArray(rng, w);
            b.AsSpan(d).Clear();
            double[] expected = EngineTestData.SolveSpd(ad, b.Take(d).Select(v => (double)v).ToArray());
            Assert.Equal(-1, KernelSet.For(path).CholeskyFactor(a, d, w));
            KernelSet.For(path).CholeskySolve(a, d, w, b);
            double err = EngineTestData.RelativeError(expected, b.Take(d).Select(v => (double)v).ToArray());
            Assert.True(err < 1e-4, $"d={d}: relative error {err:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(GroupedRowsTests.Paths), MemberType = typeof(GroupedRowsTests))]
    public void Cholesky_factor_has_the_right_looking_forms_bits(string pathName)
    {
        // The factor is computed left-looking in register tiles (CholeskyRows), but every entry must get the arithmetic
        // of the plain right-looking form below, in the same order: one FMA per pivot on the vector paths, and the scalar
        // path's rank-4 groups. Sizes around the tile's 4 rows and 16 columns; the lower triangle and the padding hold
        // garbage, which the factor must not read. Vector512 runs in software where the machine lacks it (see
        // GroupedRowsTests.Paths).
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        bool fused = path != KernelPath.Scalar;
        var rng = new Random(12);
        foreach (int d in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 80, 100, 128, 144 })
        {
            float[] a = RandomSpd(rng, d, 7, 0.25f, out int w);
            for (int p = 0; p < w; p++)
            {
                for (int q = 0; q < w; q++)
                {
                    if (q < p || q >= d || p >= d)
                    {
                        a[p * w + q] = (float)(rng.NextDouble() * 1e3);
                    }
                }
            }

            float[] expected = (float[])a.Clone();
            RightLookingFactor(expected, d, w, fused);
            Assert.Equal(-1, GroupedRowsTests.Kernels(path).CholeskyFactor(a, d, w));
            for (int p = 0; p < d; p++)
            {
                for (int q = p; q < d; q++)
                {
                    Assert.True(
                        BitConverter.SingleToInt32Bits(expected[p * w + q]) == BitConverter.SingleToInt32Bits(a[p * w + q]),
                        $"d={d} R[{p},{q}]: {a[p * w + q]:R}, right-looking {expected[p * w + q]:R}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(GroupedRowsTests.Paths), MemberType = typeof(GroupedRowsTests))]
    public void Cholesky_solve_on_the_vector_paths_has_the_blocked_forms_bits(string pathName)
    {
        // Both vector widths (Vector512 in software where the machine lacks it) solve in blocks of eight unknowns with
        // one fixed arithmetic (BlockedSolve), written out plainly below; every block shape around 8 and 16.
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        if (path == KernelPath.Scalar)
        {
            return;
        }

        var rng = new Random(21);
        foreach (int d in new[] { 1, 3, 8, 9, 16, 23, 24, 25, 32, 40, 57, 64, 72, 100, 128, 144 })
        {
            float[] a = RandomSpd(rng, d, 5, 0.5f, out int w);

            Assert.Equal(-1, KernelSet.For(KernelPath.Scalar).CholeskyFactor(a, d, w));
            float[] b = RandomArray(rng, w);
            float[] expected = (float[])b.Clone();
            BlockedSolveReference(a, d, w, expected);
            GroupedRowsTests.Kernels(path).CholeskySolve(a, d, w, b);
            for (int i = 0; i < d; i++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(b[i]),
                    $"d={d} x[{i}]: {b[i]:R}, reference {expected[i]:R}");
            }
        }
    }

    /// <summary>
    /// A random SPD system of d unknowns at the stride <paramref name="w"/> (d rounded up to 16): the upper triangle of
    /// the Gram matrix of d + <paramref name="extra"/> random rows (zero past d), plus <paramref name="shift"/> on the diagonal.
    /// </summary>
    private static float[] RandomSpd(Random rng, int d, int extra, float shift, out int w)
    {
        w = (d + 15) / 16 * 16;
        int n = d + extra;
        float[] m = RandomArray(rng, n * w);
        for (int j = 0; j < n; j++)
        {
            m.AsSpan(j * w + d, w - d).Clear();
        }

        var a = new float[w * w];
        KernelSet.For(KernelPath.Scalar).SyrkUpper(m, n, w, a);
        for (int p = 0; p < d; p++)
        {
            a[p * w + p] += shift;
        }

        return a;
    }

    [Fact]
    public void Blocked_solve_lane_sums_are_the_same_tree_with_and_without_avx()
    {
        // The backward solve reduces eight rows' dot lanes with horizontal adds where AVX is, and one by one where a
        // vector path runs in software without it: both must give the order the plain-loop reference writes out.
        var rng = new Random(31);
        for (int rep = 0; rep < 200; rep++)
        {
            var v = new System.Runtime.Intrinsics.Vector256<float>[8];
            for (int t = 0; t < 8; t++)
            {
                float[] lanes = RandomArray(rng, 8);
                for (int l = 0; l < 8; l++)
                {
                    lanes[l] *= MathF.Pow(2f, rng.Next(-20, 20));
                }

                v[t] = System.Runtime.Intrinsics.Vector256.Create(lanes);
            }

            System.Runtime.Intrinsics.Vector256<float> sums = BlockedSolve.Sums(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
            for (int t = 0; t < 8; t++)
            {
                float expected = ((v[t][0] + v[t][1]) + (v[t][2] + v[t][3])) + ((v[t][4] + v[t][5]) + (v[t][6] + v[t][7]));
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(sums[t]));
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(BlockedSolve.Tree(v[t])));
            }
        }
    }

    /// <summary>
    /// BlockedSolve's arithmetic in plain loops: forward <c>y_j = b_j * (1 / r_jj)</c>, then <c>fma(-y_j, r_jc, b_c)</c>
    /// for j ascending; backward, per block of eight from the last, a whole block's rows take their dot with the solved
    /// unknowns past it (eight lane sums over whole vectors, reduced as ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)), then
    /// the scalar tail by FMA), then the block's unknowns from the last, FMAs over the later block entries, the nearest last.
    /// </summary>
    private static void BlockedSolveReference(float[] r, int d, int w, float[] b)
    {
        var inv = new float[d];
        for (int i = 0; i < d; i++)
        {
            inv[i] = 1f / r[i * w + i];
        }

        for (int j = 0; j < d; j++)
        {
            b[j] *= inv[j];
            for (int c = j + 1; c < d; c++)
            {
                b[c] = MathF.FusedMultiplyAdd(-b[j], r[j * w + c], b[c]);
            }
        }

        for (int i0 = (d - 1) & ~7; i0 >= 0; i0 -= 8)
        {
            int iEnd = Math.Min(d, i0 + 8);
            if (iEnd < d)
            {
                int whole = iEnd + (d - iEnd) / 8 * 8;
                for (int i = i0; i < iEnd; i++)
                {
                    var lane = new float[8];
                    for (int c = iEnd; c < whole; c++)
                    {
                        lane[(c - iEnd) % 8] = MathF.FusedMultiplyAdd(r[i * w + c], b[c], lane[(c - iEnd) % 8]);
                    }

                    float t = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
                    for (int c = whole; c < d; c++)
                    {
                        t = MathF.FusedMultiplyAdd(r[i * w + c], b[c], t);
                    }

                    b[i] -= t;
                }
            }

            for (int i = iEnd - 1; i >= i0; i--)
            {
                float s = b[i];
                for (int c = iEnd - 1; c > i; c--)
                {
                    s = MathF.FusedMultiplyAdd(-r[i * w + c], b[c], s);
                }

                b[i] = s * inv[i];
            }
        }
    }

    /// <summary>
    /// The right-looking Cholesky in plain loops: blocks of four pivots; inside a block each pivot row is scaled and
    /// applied to the block's later rows; after a full block, its rank-4 update goes to every later row, as one FMA per
    /// pivot (<paramref name="fused"/>) or the scalar path's <c>a += ((r0 x0 + r1 x1) + r2 x2) + r3 x3</c>.
    /// </summary>
    private static void RightLookingFactor(float[] a, int d, int w, bool fused)
    {
        for (int j0 = 0; j0 < d; j0 += 4)
        {
            int jEnd = Math.Min(d, j0 + 4);
            for (int j = j0; j < jEnd; j++)
            {
                float r = MathF.Sqrt(a[j * w + j]);
                float inv = 1f / r;
                for (int c = j + 1; c < d; c++)
                {
                    a[j * w + c] = inv * a[j * w + c];
                }

                a[j * w + j] = r;
                for (int i = j + 1; i < jEnd; i++)
                {
                    float mult = -a[j * w + i];
                    for (int c = i; c < d; c++)
                    {
                        a[i * w + c] = fused ? MathF.FusedMultiplyAdd(mult, a[j * w + c], a[i * w + c]) : a[i * w + c] + (mult * a[j * w + c]);
                    }
                }
            }

            if (jEnd - j0 < 4)
            {
                continue;
            }

            for (int i = jEnd; i < d; i++)
            {
                for (int c = i; c < d; c++)
                {
                    float y = a[i * w + c];
                    if (fused)
                    {
                        for (int j = j0; j < jEnd; j++)
                        {
                            y = MathF.FusedMultiplyAdd(-a[j * w + i], a[j * w + c], y);
                        }
                    }
                    else
                    {
                        y += (-a[j0 * w + i] * a[j0 * w + c]) + (-a[(j0 + 1) * w + i] * a[(j0 + 1) * w + c])
                            + (-a[(j0 + 2) * w + i] * a[(j0 + 2) * w + c]) + (-a[(j0 + 3) * w + i] * a[(j0 + 3) * w + c]);
                    }

                    a[i * w + c] = y;
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Cholesky_reports_the_first_non_positive_pivot(string pathName)
    {
        KernelPath path = FastAls.Tests.Engine.EngineTestData.Path(pathName);
        // Rank one: [1 2; 2 4] plus an identity block; pivot 1 is (numerically) zero.
        const int w = 16;
        var a = new float[w * w];
        a[0] = 1;
        a[1] = 2;
        a[w] = 2;
        a[w + 1] = 4;
        a[2 * w + 2] = 1;
        Assert.Equal(1, KernelSet.For(path).CholeskyFactor(a, 3, w));

        var neg = new float[w * w];
        neg[0] = -1;
        Assert.Equal(0, KernelSet.For(path).CholeskyFactor(neg, 1, w));
    }
}
