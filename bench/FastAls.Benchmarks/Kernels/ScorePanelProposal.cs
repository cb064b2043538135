using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using FastAls.Benchmarks.EndToEnd;
using FastAls.Internals.Kernels;

namespace FastAls.Benchmarks.Kernels;

/// <summary>
/// A proposal for the serving score kernel, kept in the bench project to measure what it would gain
/// (the kernel itself belongs to the model work): instead of one dot product per (user, item) pair,
/// which ends every pair with a horizontal sum, transpose the item block once into a k x items panel
/// and run a GEMM micro-kernel, 8 users x 32 items in 16 accumulators, one broadcast user factor per
/// pair of FMAs and the scores stored straight from the accumulators. Same result layout and same
/// arguments as <see cref="ScoreKernel"/>; the summation order differs (per factor, not per lane).
/// </summary>
internal static class ScorePanelProposal
{
    /// <summary>Panel width (items padded to a multiple of 32) for <paramref name="itemCount"/> items.</summary>
    public static int PanelWidth(int itemCount) => (itemCount + 31) & ~31;

    /// <summary>
    /// Transposes item rows into the k x <see cref="PanelWidth"/> panel (<c>panel[p * pw + i] = items[i * stride + p]</c>,
    /// padding zero), 16 items at a time so each panel row is written in runs. Done once per item block
    /// for a whole batch (or kept beside the item factors), not once per user block.
    /// </summary>
    public static void Transpose(ReadOnlySpan<float> items, int itemCount, int stride, int k, Span<float> panel)
    {
        int pw = PanelWidth(itemCount);
        for (int i0 = 0; i0 < pw; i0 += 16)
        {
            int n = Math.Min(16, itemCount - i0);
            for (int p = 0; p < k; p++)
            {
                Span<float> dst = panel.Slice(p * pw + i0, 16);
                for (int i = 0; i < 16; i++)
                {
                    dst[i] = i < n ? items[(i0 + i) * stride + p] : 0f;
                }
            }
        }
    }

    /// <summary>Scores against a panel made by <see cref="Transpose"/>.</summary>
    public static void Score512(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> panel, int itemCount, ReadOnlySpan<float> items, int stride, int k, Span<float> scores, int ld)
    {
        int pw = PanelWidth(itemCount);
        ref float u0 = ref MemoryMarshal.GetReference(users);
        ref float pn = ref MemoryMarshal.GetReference(panel);
        ref float s0 = ref MemoryMarshal.GetReference(scores);
        int u = 0;
        for (; u + 8 <= userCount; u += 8)
        {
            for (int i = 0; i + 32 <= pw; i += 32)
            {
                Tile8x32(ref Unsafe.Add(ref u0, (nint)u * stride), stride, ref Unsafe.Add(ref pn, i), pw, k, ref Unsafe.Add(ref s0, (nint)u * ld + i), ld, Math.Min(32, itemCount - i), 8);
            }
        }

        // Remaining users one at a time with the scalar path of the shipped kernel.
        if (u < userCount)
        {
            ScoreKernel.Score(KernelPath.Scalar, users[(u * stride)..], userCount - u, items, itemCount, stride, scores[(u * ld)..], ld);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(ref float u, int stride, ref float panel, int pw, int k, ref float s, int ld, int cols, int rows)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++)
        {
            ref float pr = ref Unsafe.Add(ref panel, (nint)p * pw);
            Vector512<float> b0 = Vector512.LoadUnsafe(ref pr), b1 = Vector512.LoadUnsafe(ref pr, 16);
            ref float up = ref Unsafe.Add(ref u, p);
            Vector512<float> x = Vector512.Create(up);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref up, stride));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref up, 2 * stride));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref up, 3 * stride));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref up, 4 * stride));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref up, 5 * stride));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(Unsafe.Add(ref up, 6 * stride));
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref up, 7 * stride));
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }

        Store(ref s, c00, c01, cols);
        Store(ref Unsafe.Add(ref s, ld), c10, c11, cols);
        Store(ref Unsafe.Add(ref s, 2 * ld), c20, c21, cols);
        Store(ref Unsafe.Add(ref s, 3 * ld), c30, c31, cols);
        Store(ref Unsafe.Add(ref s, 4 * ld), c40, c41, cols);
        Store(ref Unsafe.Add(ref s, 5 * ld), c50, c51, cols);
        Store(ref Unsafe.Add(ref s, 6 * ld), c60, c61, cols);
        Store(ref Unsafe.Add(ref s, 7 * ld), c70, c71, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float dst, Vector512<float> a, Vector512<float> b, int cols)
    {
        if (cols == 32)
        {
            a.StoreUnsafe(ref dst);
            b.StoreUnsafe(ref dst, 16);
            return;
        }

        for (int i = 0; i < cols; i++)
        {
            Unsafe.Add(ref dst, i) = i < 16 ? a.GetElement(i) : b.GetElement(i - 16);
        }
    }
}

/// <summary>The proposed panel score kernel (<see cref="ScorePanelProposal"/>) on the same block as <see cref="ScoreBenchmarks"/>, and its transpose.</summary>
public class ScorePanelProposalBenchmarks
{
    private const int Users = 64;
    private const int ItemCount = 1024;
    private float[] _u = [];
    private float[] _i = [];
    private float[] _s = [];
    private float[] _panel = [];
    private int _w;

    [Params(32, 64, 128)]
    public int K { get; set; }

    public static double Flops(BenchmarkCase c) =>
        c.Descriptor.WorkloadMethod.Name == nameof(PanelScore512) ? FlopCounts.Score(Users, ItemCount, RateColumn.Param(c, nameof(K))) : 0;

    public static double Items(BenchmarkCase c) => c.Descriptor.WorkloadMethod.Name == nameof(TransposeItemBlock) ? ItemCount : 0;


    [GlobalSetup]
    public void Setup()
    {
        _w = (K + 15) / 16 * 16;
        _u = KernelProbe.RandomBlock(Users * _w, K, _w, 2);
        _i = KernelProbe.RandomBlock(ItemCount * _w, K, _w, 3);
        _s = new float[Users * ItemCount];
        _panel = new float[K * ScorePanelProposal.PanelWidth(ItemCount)];
        ScorePanelProposal.Transpose(_i, ItemCount, _w, K, _panel);
    }

    /// <summary>The GEMM tile on a pre-transposed panel (the transpose is amortized over every user block of a batch).</summary>
    [Benchmark]
    public void PanelScore512() => ScorePanelProposal.Score512(_u, Users, _panel, ItemCount, _i, _w, K, _s, ItemCount);

    /// <summary>The one-off transpose of a 1024-item block.</summary>
    [Benchmark]
    public void TransposeItemBlock() => ScorePanelProposal.Transpose(_i, ItemCount, _w, K, _panel);
}
