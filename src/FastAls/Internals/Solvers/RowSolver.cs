using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FastAls.Internals.Kernels;

namespace FastAls.Internals.Solvers;

/// <summary>Per-worker scratch for row solves; made once per worker and reused for every row.</summary>
internal sealed class RowWorkspace
{
    /// <summary>Most neighbour rows gathered at once; longer rows are processed in segments.</summary>
    internal const int MaxCapacity = 4096;

    /// <summary>Rows per SYRK call (keeps the streamed block in L1/L2).</summary>
    internal const int SyrkRows = 256;

    public RowWorkspace(AlsLayout layout, int maxRowLength, int maxCapacity = MaxCapacity)
    {
        int w = layout.W, fs = layout.FactorStride;
        _layout = layout;
        Capacity = CapacityFor(w, maxRowLength, maxCapacity);
        _u = AlignedFloats.Allocate(Capacity * fs);
        _s = AlignedFloats.Allocate(Math.Min(Capacity, SyrkRows) * w);
        A = new float[w * w];
        _vectors = AlignedFloats.Allocate(VectorCount * w);
        // The per-neighbour arrays end on a whole vector of sixteen: the gather's lanes write eight at a time
        // (RowSolver.WeighLanes), and the biased residual's shifted targets run over whole vectors (RowSolver.Whole).
        int padded = RowSolver.Whole(Capacity);
        Weight = new float[padded];
        SqrtWeight = new float[padded];
        Q = new float[padded];
        Tmp = new float[padded];
        Gram = new GramScratch(layout);
    }

    public int Capacity { get; }

    /// <summary>
    /// Rows gathered at once: the longest row, but at most <paramref name="maxCapacity"/> and about
    /// 8 MiB of gathered floats (fewer rows per segment for very large k).
    /// </summary>
    public static int CapacityFor(int w, int maxRowLength, int maxCapacity = MaxCapacity)
    {
        int byMemory = Math.Max(64, (8 << 20) / (w * sizeof(float)));
        return Math.Clamp(maxRowLength, 1, Math.Min(maxCapacity, byMemory));
    }

    /// <summary>The vector stride (<see cref="AlsLayout.W"/>) this workspace was made for.</summary>
    public int W => _layout.W;

    /// <summary>The row vectors B, Z, R, P, Ap and M, one after another in <see cref="_vectors"/>.</summary>
    private const int VectorCount = 6;

    /// <summary>Row vector <paramref name="i"/> (of <see cref="VectorCount"/>), W floats from a cache line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<float> RowVector(int i) => _vectors.Slice(i * W, W);

    // The gathered block, the SYRK block and the row vectors start on 64-byte boundaries (so does every row and vector
    // in them: the factor stride and W are multiples of 16 floats): arrays of the GC heap start anywhere past 8 bytes,
    // and a Vector512 load of a row that straddles two cache lines costs two. In the in-process A/B (bench/run-ab.sh,
    // bench/results/Intel-R-Xeon-R-Processor-family-6-model-207-2c/aligned-blocks-start.md) the iteration took a few
    // percent less at k = 64 and 128 (per-pair medians 0.89-0.96), exact and CG; nothing measurable at k = 32.
    private readonly AlignedFloats _u, _s, _vectors;

    /// <summary>
    /// Gathered neighbour rows (unscaled): their factors, Capacity x the factor stride. The biased models' constant 1
    /// of <c>(f_j, 1)</c> is not stored: the first CG residual takes it as a scalar (RowSolver.Residual), and both CG's
    /// steps and the exact solver eliminate the bias.
    /// </summary>
    public Span<float> U { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _u.Span; }

    /// <summary>Confidence-scaled copy of a sub-block of <see cref="U"/> for the SYRK kernel; the low-rank solve's <c>V</c> (<see cref="LowRankSolve"/>).</summary>
    public Span<float> S { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _s.Span; }

    public float[] A { get; }

    public Span<float> B { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => RowVector(0); }

    public Span<float> Z { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => RowVector(1); }

    public Span<float> R { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => RowVector(2); }

    public Span<float> P { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => RowVector(3); }

    public Span<float> Ap { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => RowVector(4); }

    public float[] Weight { get; }

    public float[] SqrtWeight { get; }

    /// <summary>
    /// The biased models: <c>m = sum_j w_j f_j</c> over the row's neighbours (the bias column of their share), made by the
    /// first residual; CG then adds G0's bias column to it (RowSolver.BiasOptimalResidual).
    /// </summary>
    public Span<float> M { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => RowVector(5); }

    /// <summary>CG of the biased models: the row's bias diagonal entry, by which its steps eliminate the bias (RowSolver.BiasOptimalResidual).</summary>
    public float BiasPivot { get; set; }

    /// <summary>
    /// The biased models: <c>sum_j w_j</c> over the row's neighbours (the bias diagonal's neighbour share), summed by the
    /// gather (RowSolver.Prepare) in neighbour order, for CG's bias pivot, the full residual's bias entry (the low-rank
    /// solve's check) and the exact solver's bias pivot.
    /// </summary>
    public float WeightSum { get; set; }

    /// <summary>The biased models: <c>sum_j q_j</c> over the row's neighbours (their targets), summed with <see cref="WeightSum"/>.</summary>
    public float TargetSum { get; set; }

    public float[] Q { get; }

    public float[] Tmp { get; }

    public GramScratch Gram { get; }

    /// <summary>Neighbours of the rows that <see cref="RowSolver.SolveRows"/> solves several at a time (CG with G0).</summary>
    internal const int PairCapacity = 1024;

    private readonly AlsLayout _layout;
    private RowWorkspace?[]? _members;

    /// <summary>
    /// The workspace of member <paramref name="i"/> of a CG group (<see cref="RowSolver.SolveRows"/>): this one for 0,
    /// else one for rows of at most <see cref="PairCapacity"/> neighbours, made on first use, once per worker, and kept.
    /// </summary>
    public RowWorkspace Member(int i)
    {
        if (i == 0)
        {
            return this;
        }

        _members ??= new RowWorkspace?[RowSolver.CgGroupRows];
        return _members[i] ??= new RowWorkspace(_layout, Math.Min(Capacity, PairCapacity), PairCapacity);
    }

    /// <summary>Neighbours of the rows that <see cref="RowSolver.SolveRows"/> solves in lanes (the exact solver at small k).</summary>
    internal const int LaneCapacity = 256;

    private LaneBatch? _lanes;

    /// <summary>
    /// The exact solver's batch of <paramref name="lanes"/> systems of <paramref name="k"/> unknowns: made on first use,
    /// once per worker, and kept. Its lane workspaces (for rows of at most <see cref="LaneCapacity"/> neighbours) are
    /// made only when rows are batched; lane 0 is this workspace.
    /// </summary>
    public LaneBatch Lanes(int k, int lanes) => _lanes is { } l && l.K == k && l.Lanes == lanes ? l : _lanes = new LaneBatch(k, lanes);

    /// <summary>The lane workspaces of <see cref="Lanes"/>: this one, then one per other lane, made like a <see cref="Member"/>'s.</summary>
    internal RowWorkspace[] LaneWorkspaces(LaneBatch batch)
    {
        if (batch.Workspaces is null)
        {
            var all = new RowWorkspace[batch.Lanes];
            all[0] = this;
            for (int l = 1; l < all.Length; l++)
            {
                all[l] = new RowWorkspace(_layout, Math.Min(Capacity, LaneCapacity), LaneCapacity);
            }

            batch.Workspaces = all;
            batch.Matrices = Array.ConvertAll(all, w => w.A);
        }

        return batch.Workspaces;
    }
}

/// <summary>What the exact solver's system of a row came out as (see <c>RowSolver.BuildSystem</c>).</summary>
internal enum RowSystem : byte
{
    /// <summary>Finite, ready to factor.</summary>
    Finite,

    /// <summary>Not finite: overflowed inputs, a divergence that the caller reports.</summary>
    NotFinite,

    /// <summary>The biased models' bias pivot is not positive: the normal equations are not positive definite.</summary>
    BiasNotPositive,
}

/// <summary>Scratch of the exact solver's batched rows (<see cref="LaneCholesky{TOps, TVec}"/>): the systems, one per lane, and per-lane state.</summary>
internal sealed class LaneBatch
{
    private readonly float[] _t;
    private readonly float[] _rhs;
    private readonly int _tLength;

    /// <param name="k">Unknowns per system (at most <see cref="LaneCholesky.MaxD"/>).</param>
    /// <param name="lanes">Systems per batch: 8 (Vector256) or 16 (Vector512).</param>
    public LaneBatch(int k, int lanes)
    {
        if (!LaneCholesky.Applies(k) || lanes is not (8 or LaneCholesky.MaxLanes))
        {
            throw new ArgumentOutOfRangeException(nameof(lanes), lanes, $"A batch holds 8 or {LaneCholesky.MaxLanes} systems of 1 to {LaneCholesky.MaxD} unknowns ({k}).");
        }

        K = k;
        Lanes = lanes;

        // The kernel's rows and right-hand sides from a 64-byte boundary, so that no lane vector straddles two cache lines:
        // pinned (they never move) with a cache line to spare.
        _tLength = LaneCholesky.MatrixLength(k, lanes);
        _t = GC.AllocateArray<float>(_tLength + 16, pinned: true);
        _rhs = GC.AllocateArray<float>((k * lanes) + 16, pinned: true);
        Bad = new int[lanes];
        BiasPivot = new float[lanes];
        BiasRhs = new float[lanes];
        Systems = new RowSystem[lanes];
    }

    public int K { get; }

    /// <summary>Systems per batch.</summary>
    public int Lanes { get; }

    /// <summary>The lane-interleaved systems (see <see cref="LaneCholesky{TOps, TVec}"/>), from a 64-byte boundary.</summary>
    public Span<float> T => LaneCholesky.Aligned(_t)[.._tLength];

    /// <summary>The lane-interleaved right-hand sides, then solutions, from a 64-byte boundary.</summary>
    public Span<float> Rhs => LaneCholesky.Aligned(_rhs)[..(K * Lanes)];

    public int[] Bad { get; }

    public float[] BiasPivot { get; }

    public float[] BiasRhs { get; }

    /// <summary>What each lane's row's system came out as (<see cref="RowSystem.Finite"/>: the lane holds it).</summary>
    public RowSystem[] Systems { get; }

    /// <summary>Lane workspaces (<see cref="RowWorkspace.LaneWorkspaces"/>), made on first use.</summary>
    public RowWorkspace[]? Workspaces { get; set; }

    /// <summary>The lane workspaces' systems (their <see cref="RowWorkspace.A"/>), in lane order.</summary>
    public float[][] Matrices { get; set; } = [];
}

/// <summary>
/// Solves one row's regularized least-squares problem against the fixed side.
/// </summary>
/// <remarks>
/// Every model reduces to <c>(G0 + sum_j w_j f_j f_j^T + lambda_r I) z = h0 + sum_j q_j f_j</c> over the
/// row's stored neighbours j, with f_j the neighbour's factors (augmented by a 1 at index k for the
/// biased models, so that z = (x, b)):
/// <list type="bullet">
/// <item>explicit: G0 = 0, w = 1, q = r - mu - g_j (mu and g zero when unbiased), h0 = 0;</item>
/// <item>implicit: G0 = Y~'Y~ (all rows of the fixed side), w = c - 1, q = c p - (c - 1) g_j,
/// h0 = -Y~'g (zero when unbiased), with p = [r &gt; 0], c = confidence(|r|).</item>
/// </list>
/// lambda_r is lambda, or lambda times the row's count (ALS-WR).
/// </remarks>
internal static partial class RowSolver
{
    /// <summary>
    /// Solves the row. <paramref name="x"/> (k floats) and <paramref name="bias"/> are the warm start for
    /// CG and receive the solution. <paramref name="loss"/> is the row's observed-pairs loss (explicit:
    /// the squared residuals; implicit: <c>sum_j (c-1)(p-pred)^2 + p^2 - 2 p pred</c>, the unobserved
    /// share being added from the Gram matrices), <paramref name="reg"/> is <c>lambda_r |z|^2</c> (both 0 where the
    /// context does not compute the loss). Returns false when the solution is not finite.
    /// </summary>
    public static bool Solve(HalfStepContext c, RowWorkspace ws, long row, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, Span<float> x, ref float bias, out double loss, out double reg) =>
        c.RowKernels.Solve(c, ws, row, cols, vals, x, ref bias, out loss, out reg);

    /// <summary>
    /// Solves rows [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="rows"/> into
    /// <paramref name="solved"/> (and <paramref name="biases"/>): the sum of their losses and regularization
    /// terms, and the first row whose solution is not finite (or -1).
    /// </summary>
    /// <remarks>
    /// Not inlined: a worker's loop calls it once a chunk. Inlined there (through the virtual call's guess), the loop's
    /// tier-1 compile took in the whole row solve, ran out of inlining budget, and left <c>Blas.Dot</c> and
    /// <c>Blas.Axpy</c> as calls, more so where the process had trained another model first.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static (double Loss, double Reg, long Bad) SolveRows<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int start, int end, FactorMatrix solved, float[]? biases)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        if (InLanes<TIsa, TModel>(c))
        {
            return WideLanes<TIsa>(c.Layout.K)
                ? SolveRowsInLanes<TIsa, TModel, Vector512Ops, Vector512<float>>(c, ws, rows, start, end, solved, biases)
                : SolveRowsInLanes<TIsa, TModel, Vector256Ops, Vector256<float>>(c, ws, rows, start, end, solved, biases);
        }

        double loss = 0, reg = 0;
        long bad = -1;
        float dummyBias = 0f;
        bool groups = GroupsPay(c);
        for (int r = start; r < end; r++)
        {
            if (groups)
            {
                int n = 0;
                while (n < CgGroupRows && r + n < end && Groupable(rows.RowLength(r + n), ws))
                {
                    n++;
                }

                if (n >= 2)
                {
                    SolveGroup<TIsa, TModel>(c, ws, rows, r, n, end, solved, biases, ref loss, ref reg, ref bad);
                    r += n - 1;
                    continue;
                }
            }

            ref float bias = ref biases is null ? ref dummyBias : ref biases[r];
            SolveAlone<TIsa, TModel>(c, ws, rows, r, end, solved, ref bias, ref loss, ref reg, ref bad);
        }

        return (loss, reg, bad);
    }

    /// <summary>Row r of a chunk ending at <paramref name="end"/>, solved alone (<see cref="Solve"/>, asking for row r + 1's first neighbours), and tallied.</summary>
    private static void SolveAlone<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int r, int end, FactorMatrix solved, ref float bias, ref double loss, ref double reg, ref long bad)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        ReadOnlySpan<int> next = r + 1 < end ? rows.RowIndices(r + 1) : default;
        bool ok = Solve<TIsa, TModel>(c, ws, r, rows.RowIndices(r), rows.RowValues(r), solved.Row(r), ref bias, out double l, out double g, next);
        Tally(r, ok, l, g, ref loss, ref reg, ref bad);
    }

    /// <summary>Adds a row's loss and regularization term to the chunk's sums (in row order), and notes the first row that is not finite.</summary>
    private static void Tally(long row, bool ok, double rowLoss, double rowReg, ref double loss, ref double reg, ref long bad)
    {
        loss += rowLoss;
        reg += rowReg;
        if (!ok && bad < 0)
        {
            bad = row;
        }
    }

    /// <summary>
    /// Whether the exact solver factors and solves its systems in lanes (<see cref="LaneCholesky"/>): on the vector paths,
    /// for k up to <see cref="LaneCholesky.MaxD"/>, where one row's factorization is a chain of dependent pivots too short
    /// to fill a vector. A row solved alone (see <see cref="Solve"/>) gets the bits it gets in a batch: the per-row factor
    /// gives the lane's R, and <see cref="LaneCholesky.SolveOne"/> solves in the lane's order. So a row's bits do not
    /// depend on how rows are grouped.
    /// </summary>
    private static bool InLanes<TIsa, TModel>(HalfStepContext c)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel =>
        TIsa.IsVector && !TModel.Cg && LaneCholesky.Applies(c.Layout.K);

    /// <summary>Largest k whose systems go sixteen to a batch on the Vector512 path (more than that, eight).</summary>
    internal const int WideLanesMaxK = 64;

    /// <summary>
    /// Whether the batches are sixteen systems wide (Vector512 lanes) instead of eight: on the Vector512 path, for k up
    /// to <see cref="WideLanesMaxK"/>. A lane's arithmetic does not depend on the width, so neither do the bits.
    /// </summary>
    private static bool WideLanes<TIsa>(int k)
        where TIsa : struct, IIsa => TIsa.Path == KernelPath.Vector512 && k <= WideLanesMaxK;

    /// <summary>Whether a row of <paramref name="n"/> neighbours goes in a lane of a batch (gathered in one segment in any lane workspace).</summary>
    private static bool Batchable(int n, RowWorkspace ws) => n > 0 && n <= Math.Min(ws.Capacity, RowWorkspace.LaneCapacity);

    /// <summary>
    /// <see cref="SolveRows"/> for the exact solver in lanes (<see cref="InLanes"/>): consecutive rows that are
    /// <see cref="Batchable"/> build their systems one by one, each in its lane's workspace, are factored and solved
    /// together, and are finished in row order, as <see cref="Solve"/> would, with the same bits; other rows (empty, or
    /// longer than a lane workspace) are solved alone.
    /// </summary>
    private static (double Loss, double Reg, long Bad) SolveRowsInLanes<TIsa, TModel, TOps, TVec>(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int start, int end, FactorMatrix solved, float[]? biases)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        AlsLayout layout = c.Layout;
        int k = layout.K, fs = layout.FactorStride, lanes = LaneCholesky<TOps, TVec>.Lanes;
        LaneBatch batch = ws.Lanes(k, lanes);
        RowWorkspace[] lane = ws.LaneWorkspaces(batch);
        Span<int> members = stackalloc int[LaneCholesky.MaxLanes];
        double loss = 0, reg = 0;
        long bad = -1;
        float dummyBias = 0f;
        int r = start;
        while (r < end)
        {
            if (!Batchable(rows.RowLength(r), ws))
            {
                SolveAlone<TIsa, TModel>(c, ws, rows, r, end, solved, ref biases is null ? ref dummyBias : ref biases[r], ref loss, ref reg, ref bad);
                r++;
                continue;
            }

            // The batch: up to one consecutive batchable row per lane.
            int count = 0;
            while (r < end && count < lanes && Batchable(rows.RowLength(r), ws))
            {
                members[count] = r;
                RowWorkspace lw = lane[count];
                ReadOnlySpan<int> cols = rows.RowIndices(r);
                ReadOnlySpan<float> vals = rows.RowValues(r);
                Prepare<TIsa, TModel>(c, lw, cols, vals, 0, cols.Length);
                PrefetchNext<TIsa>(c, r + 1 < end ? rows.RowIndices(r + 1) : default);
                batch.Systems[count] = BuildSystem<TIsa, TModel>(c, lw, cols, vals, true, RowLambda(c.Options, cols.Length), out batch.BiasPivot[count], out batch.BiasRhs[count]);
                LaneCholesky<TOps, TVec>.PutRhs(batch.Rhs, k, count, lw.B);

                count++;
                r++;
            }

            // Every lane's matrix at once; a lane without a row, or whose system did not come out finite, factors what
            // its workspace holds, and its result is not read. A row whose system failed fails here, in row order,
            // after the batch's earlier rows, as it would alone.
            LaneCholesky<TOps, TVec>.PutAll(batch.T, k, batch.Matrices, fs);
            LaneCholesky<TOps, TVec>.FactorSolve(batch.T, batch.Rhs, k, batch.Bad);
            for (int l = 0; l < count; l++)
            {
                int row = members[l];
                RowWorkspace lw = lane[l];
                ReadOnlySpan<int> cols = rows.RowIndices(row);
                ReadOnlySpan<float> vals = rows.RowValues(row);
                float lambda = RowLambda(c.Options, cols.Length);
                RowSystem system = batch.Systems[l];
                if (system == RowSystem.BiasNotPositive)
                {
                    SolverThrow.NotPositiveDefinite(c, row, cols.Length, k, lambda);
                }

                if (system == RowSystem.Finite)
                {
                    if (batch.Bad[l] >= 0)
                    {
                        SolverThrow.NotPositiveDefinite(c, row, cols.Length, batch.Bad[l], lambda);
                    }

                    LaneCholesky<TOps, TVec>.Get(batch.Rhs, k, l, lw.Z);
                    SolveBias<TIsa, TModel>(layout, lw, batch.BiasPivot[l], batch.BiasRhs[l]);
                }
                else
                {
                    // Overflowed inputs: a divergence, reported by the caller, not a rank problem.
                    lw.Z.Fill(float.NaN);
                }

                ref float bias = ref biases is null ? ref dummyBias : ref biases[row];
                bool ok = Finish<TIsa, TModel>(c, lw, cols, vals, true, lambda, solved.Row(row), ref bias, out double l1, out double g1);
                Tally(row, ok, l1, g1, ref loss, ref reg, ref bad);
            }
        }

        return (loss, reg, bad);
    }

    /// <summary>Bytes of G0's mat-vec block from which CG rows are solved in groups: the L1 data cache of current x86 cores.</summary>
    internal const int PairG0Bytes = 32 << 10;

    /// <summary>
    /// Rows of a CG group (<see cref="ConjugateGradientGroup"/>): each step's G0 products of up to four rows are one pass
    /// over G0 (<see cref="Blas.ColumnMatVec4{TIsa}"/>), so that G0 streams from L2 once per four rows' step instead of
    /// once per two (pairs) or per row.
    /// </summary>
    internal const int CgGroupRows = 4;

    /// <summary>
    /// Whether CG rows go in groups (<see cref="ConjugateGradientGroup"/>): only with G0 (the implicit models) and where
    /// G0's block, as the mat-vec reads it, does not fit in L1, so that each mat-vec streams it from L2 (k = 128: 64 KiB).
    /// A smaller G0 stays in L1 between a row's mat-vecs, and a group only adds to the working set: at k = 64 (16 KiB)
    /// pairs measured about 10 % slower, at k = 128 7-19 % faster (one thread, AVX2).
    /// </summary>
    private static bool GroupsPay(HalfStepContext c)
    {
        if (c.Options.Solver != AlsSolver.ConjugateGradient || !c.HasG0)
        {
            return false;
        }

        AlsLayout l = c.Layout;
        long bytes = l.Biased ? (long)l.K * l.FactorStride * sizeof(float) : (long)l.D * l.W * sizeof(float);
        return bytes >= PairG0Bytes;
    }

    /// <summary>Whether a row of <paramref name="n"/> neighbours can be a member of a CG group (gathered in one segment in any member's workspace).</summary>
    private static bool Groupable(int n, RowWorkspace ws) => n > 0 && n <= Math.Min(ws.Capacity, RowWorkspace.PairCapacity);

    /// <summary>
    /// Rows r .. r + n - 1 (2 &lt;= n &lt;= <see cref="CgGroupRows"/>, all <see cref="Groupable"/>) by CG in lockstep
    /// (<see cref="ConjugateGradientGroup"/>): each gathered in its own workspace, solved, and finished and tallied in row
    /// order as <see cref="Solve"/> would, with the same bits.
    /// </summary>
    private static void SolveGroup<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int r, int n, int end, FactorMatrix solved, float[]? biases, ref double loss, ref double reg, ref long bad)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        Span<float> lambdas = stackalloc float[CgGroupRows];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<int> cols = rows.RowIndices(r + i);
            lambdas[i] = RowLambda(c.Options, cols.Length);
            Prepare<TIsa, TModel>(c, ws.Member(i), cols, rows.RowValues(r + i), 0, cols.Length);
        }

        // The next group's first neighbours, while this group solves (as a lone row asks for the next row's).
        for (int i = 0; i < n && r + n + i < end; i++)
        {
            PrefetchNext<TIsa>(c, rows.RowIndices(r + n + i));
        }

        float dummyBias = 0f;
        for (int i = 0; i < n; i++)
        {
            StartFrom<TModel>(c.Layout, solved.Row(r + i), biases is null ? 0f : biases[r + i], ws.Member(i).Z);
        }

        ConjugateGradientGroup<TIsa, TModel>(c, ws, rows, r, n, lambdas);
        for (int i = 0; i < n; i++)
        {
            ref float bias = ref biases is null ? ref dummyBias : ref biases[r + i];
            bool ok = Finish<TIsa, TModel>(c, ws.Member(i), rows.RowIndices(r + i), rows.RowValues(r + i), true, lambdas[i], solved.Row(r + i), ref bias, out double l, out double g);
            Tally(r + i, ok, l, g, ref loss, ref reg, ref bad);
        }
    }

    /// <summary>lambda_r: lambda, or lambda times the row's count (ALS-WR).</summary>
    private static float RowLambda(AlsOptions o, int n) =>
        o.RegularizationScaling == RegularizationScaling.ByCount ? o.Regularization * n : o.Regularization;

    /// <summary>
    /// <c>dst[..src.Length] = src</c> for the few vectors of one row solve (z, r, x), with the loads and stores inline: the
    /// call to Memmove that CopyTo makes cost more than such a copy (seen in a profile at k = 32).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(ReadOnlySpan<float> src, Span<float> dst)
    {
        int n = src.Length;
        if ((uint)n > (uint)dst.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(dst));
        }

        ref float s0 = ref MemoryMarshal.GetReference(src);
        ref float d0 = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256.LoadUnsafe(ref s0, (nuint)i).StoreUnsafe(ref d0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d0, i) = Unsafe.Add(ref s0, i);
        }
    }

    /// <summary>Zeroes the few floats of <paramref name="span"/> inline (see <see cref="CopyShort"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearShort(Span<float> span)
    {
        int n = span.Length, i = 0;
        ref float s0 = ref MemoryMarshal.GetReference(span);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float>.Zero.StoreUnsafe(ref s0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref s0, i) = 0f;
        }
    }

    /// <summary>CG's warm start: z = (x, bias), zero past d.</summary>
    private static void StartFrom<TModel>(AlsLayout layout, ReadOnlySpan<float> x, float bias, Span<float> z)
        where TModel : struct, IRowModel
    {
        CopyShort(x[..layout.K], z);
        ClearShort(z[layout.K..]);
        if (TModel.Biased)
        {
            z[layout.K] = bias;
        }
    }

    /// <summary><see cref="Solve"/> on the path <typeparamref name="TIsa"/> for the model <typeparamref name="TModel"/>.</summary>
    internal static bool Solve<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, long row, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, Span<float> x, ref float bias, out double loss, out double reg, ReadOnlySpan<int> next = default)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int n = cols.Length;
        AlsLayout layout = c.Layout;
        int k = layout.K;
        if (n == 0)
        {
            x[..k].Clear();
            bias = 0f;
            loss = 0;
            reg = 0;
            return true;
        }

        AlsOptions o = c.Options;
        float lambda = RowLambda(o, n);
        bool single = n <= ws.Capacity;
        Span<float> z = ws.Z;
        if (single)
        {
            if (TModel.Biased)
            {
                Prepare<TIsa, TModel>(c, ws, cols, vals, 0, n);
            }
            else
            {
                PrepareApart<TIsa, TModel>(c, ws, cols, vals, n);
            }
        }

        if (!TModel.Cg)
        {
            PrefetchNext<TIsa>(c, next);
            SolveExact<TIsa, TModel>(c, ws, row, cols, vals, single, lambda);
        }
        else
        {
            StartFrom<TModel>(layout, x, bias, z);

            // The right-hand side (h0 + sum_j q_j f_j) is never formed: the first residual takes the q_j terms in
            // the same pass as the mat-vec (see Residual).
            ConjugateGradient<TIsa, TModel>(c, ws, cols, vals, single, lambda, next);
        }

        return Finish<TIsa, TModel>(c, ws, cols, vals, single, lambda, x, ref bias, out loss, out reg);
    }

    /// <summary>
    /// The exact solver's row (its n neighbours gathered in ws when <paramref name="single"/>) into ws.Z: by the Woodbury
    /// identity where few neighbours meet a large k (<see cref="LowRankSolve"/>, whose solution is checked), else by its
    /// system's Cholesky factor. Throws for a system that is not positive definite; a system that overflowed gives NaN.
    /// </summary>
    private static void SolveExact<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, long row, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int n = cols.Length;
        AlsLayout layout = c.Layout;
        int k = layout.K;
        Span<float> z = ws.Z;
        if (single && c.LowRank is { } lowRank && n <= lowRank.MaxRows && lowRank.TrySolve<TIsa, TModel>(c, ws, cols, vals, lambda))
        {
            return;
        }

        RowSystem system = BuildSystem<TIsa, TModel>(c, ws, cols, vals, single, lambda, out float biasPivot, out float biasRhs);
        if (system == RowSystem.BiasNotPositive)
        {
            SolverThrow.NotPositiveDefinite(c, row, n, k, lambda);
        }

        if (system == RowSystem.Finite)
        {
            Span<float> a = ws.A;
            int bad = Cholesky.Factor<TIsa>(a, k, layout.FactorStride);
            if (bad >= 0)
            {
                SolverThrow.NotPositiveDefinite(c, row, n, bad, lambda);
            }

            ws.B.CopyTo(z);
            if (InLanes<TIsa, TModel>(c))
            {
                // A lone row gets the bits it gets in a batch of SolveRowsInLanes: the factor is the lane's, the
                // solves are the lane's order.
                LaneCholesky.SolveOne(a, k, layout.FactorStride, z);
            }
            else
            {
                Cholesky.Solve<TIsa>(a, k, layout.FactorStride, z);
            }

            SolveBias<TIsa, TModel>(layout, ws, biasPivot, biasRhs);
        }
        else
        {
            // Overflowed inputs: a divergence, reported by the caller, not a rank problem.
            z.Fill(float.NaN);
        }
    }

    /// <summary>
    /// The exact solver's system of a row of n &gt; 0 neighbours (gathered in ws when <paramref name="single"/>): the upper
    /// triangle of the factors' block in ws.A (row p from column p &amp; ~15), its right-hand side in ws.B, and for the
    /// biased models the bias's pivot and right-hand side, eliminated from both (ws.M keeps its column). The caller
    /// reports a system that is not finite (overflowed inputs) or whose bias pivot is not positive, in row order.
    /// </summary>
    private static RowSystem BuildSystem<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda, out float biasPivot, out float biasRhs)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int n = cols.Length;
        AlsLayout layout = c.Layout;
        int k = layout.K;
        AlsOptions o = c.Options;
        Span<float> b = ws.B;
        if (c.H0 is { } h0)
        {
            CopyShort(h0, b);
        }
        else
        {
            ClearShort(b);
        }

        // The system is built over the factors only, at the factor stride (for the unbiased models that is W and
        // k = d: the augmented form and this one coincide). The biased models' bias is eliminated first: with
        // the bias row (m', s_b) and right-hand side t, the factors solve (A - m m' / s_b) x = h - m t / s_b and
        // the bias is (t - m . x) / s_b. The first SYRK call starts from G0's factor block (or zero) instead of a
        // separate copy into A; it writes every entry that SYRK and the Cholesky kernel use (row p from column
        // p & ~15).
        int fs = layout.FactorStride;
        bool biased = TModel.Biased;
        Span<float> a = ws.A;
        ReadOnlySpan<float> init = biased ? c.G0Factors : c.G0;
        Span<float> m = ws.M;
        if (biased)
        {
            ClearShort(m);
        }

        bool first = true;
        for (int s = 0; s < n; s += ws.Capacity)
        {
            int cnt = Math.Min(ws.Capacity, n - s);
            if (!single)
            {
                Prepare<TIsa, TModel>(c, ws, cols, vals, s, cnt);
            }

            Blas.AddWeightedRows<TIsa>(ws.U, cnt, fs, ws.Q, b);
            if (biased)
            {
                Blas.AddWeightedRows<TIsa>(ws.U, cnt, fs, ws.Weight, m);
            }

            for (int t = 0; t < cnt; t += RowWorkspace.SyrkRows)
            {
                int rowsNow = Math.Min(RowWorkspace.SyrkRows, cnt - t);
                ReadOnlySpan<float> sub = ws.U.Slice(t * fs, rowsNow * fs);
                if (TModel.Implicit)
                {
                    Blas.ScaleRows<TIsa>(sub, rowsNow, fs, ws.SqrtWeight.AsSpan(t, rowsNow), ws.S);
                    sub = ws.S.Slice(0, rowsNow * fs);
                }

                if (first)
                {
                    Syrk.SyrkUpperFrom<TIsa>(init, sub, rowsNow, fs, a);
                    first = false;
                }
                else
                {
                    Syrk.SyrkUpper<TIsa>(sub, rowsNow, fs, a);
                }
            }

            if (c.MayHaveNegativeWeights)
            {
                AddNegativeWeights(ws, cnt, fs, k, a);
            }
        }

        // The Cholesky kernel reads only the upper triangle, which SYRK and G0 fill.
        bool finiteSystem = AddToDiagonal(a, k, fs, lambda);

        biasPivot = 1f;
        biasRhs = 0f;
        if (biased)
        {
            // The weights' and targets' sums, made by the gather in neighbour order (see Prepare).
            float sw = ws.WeightSum, sq = ws.TargetSum;
            if (c.G0BiasColumn is { } column)
            {
                Blas.Axpy<TIsa>(1f, column, m[..fs]);
            }

            biasPivot = sw + c.G0Corner + lambda;
            biasRhs = b[k] + sq;
            finiteSystem &= float.IsFinite(biasPivot) && float.IsFinite(biasRhs);
            if (finiteSystem && !(biasPivot > 0f))
            {
                return RowSystem.BiasNotPositive;
            }

            EliminateBias(a, fs, k, m, b, biasPivot, biasRhs);
        }

        return finiteSystem ? RowSystem.Finite : RowSystem.NotFinite;
    }

    /// <summary>
    /// The Schur complement of the bias (<see cref="BuildSystem"/>): <c>A -= m m' / s_b</c> over the upper triangle of
    /// the k x k system in <paramref name="a"/> (stride <paramref name="fs"/>) and <c>h -= m t / s_b</c>, with
    /// <c>m_p / s_b</c> rounded first, then each product and each subtraction rounded apart (never fused).
    /// </summary>
    /// <remarks>
    /// In whole 256-bit vectors from column <c>p &amp; ~7</c> of row p to k rounded up to eight, the first and the last
    /// keeping their lanes' old values outside <c>p &lt;= q &lt; k</c>: the same operations on the same entries as the
    /// loop over each row's columns p to k, so the same bits. That loop (up to seven entries of every row one by one, and
    /// a loop exit that moved with p) was about 8 % of the biased implicit model's exact iteration at k = 32.
    /// </remarks>
    internal static void EliminateBias(Span<float> a, int fs, int k, ReadOnlySpan<float> m, Span<float> b, float pivot, float rhs)
    {
        int kr = (k + 7) & ~7;
        if (k < 1 || fs < kr || a.Length < ((k - 1) * fs) + kr || m.Length < kr || b.Length < k)
        {
            throw new ArgumentException($"A system of {k} unknowns at stride {fs} needs {((k - 1) * fs) + kr} floats and a column of {kr}.", nameof(a));
        }

        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float m0 = ref MemoryMarshal.GetReference(m);
        bool lanes = Vector256.IsHardwareAccelerated;
        Vector256<int> column = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<int> end = Vector256.Create(k);
        for (int p = 0; p < k; p++)
        {
            float mp = Unsafe.Add(ref m0, p) / pivot;
            ref float row = ref Unsafe.Add(ref a0, p * fs);
            int q = p;
            if (lanes)
            {
                // The vector holding the diagonal keeps the lanes left of it (and past k); whole vectors follow, then
                // a last one past k keeps its lanes from k on.
                Vector256<float> vmp = Vector256.Create(mp);
                q = p & ~7;
                SubtractMasked(ref row, ref m0, q, vmp, Vector256.GreaterThanOrEqual(column + Vector256.Create(q), Vector256.Create(p)) & Vector256.LessThan(column + Vector256.Create(q), end));
                for (q += 8; q + 8 <= k; q += 8)
                {
                    (Vector256.LoadUnsafe(ref row, (nuint)q) - (vmp * Vector256.LoadUnsafe(ref m0, (nuint)q))).StoreUnsafe(ref row, (nuint)q);
                }

                if (q < k)
                {
                    SubtractMasked(ref row, ref m0, q, vmp, Vector256.LessThan(column + Vector256.Create(q), end));
                }
            }
            else
            {
                for (; q < k; q++)
                {
                    Unsafe.Add(ref row, q) -= mp * Unsafe.Add(ref m0, q);
                }
            }

            b[p] -= mp * rhs;
        }

        static void SubtractMasked(ref float row, ref float m0, int q, Vector256<float> vmp, Vector256<int> keep)
        {
            Vector256<float> old = Vector256.LoadUnsafe(ref row, (nuint)q);
            Vector256<float> updated = old - (vmp * Vector256.LoadUnsafe(ref m0, (nuint)q));
            Vector256.ConditionalSelect(keep.AsSingle(), updated, old).StoreUnsafe(ref row, (nuint)q);
        }
    }

    /// <summary>
    /// Adds <paramref name="lambda"/> to the diagonal of the k x k system in <paramref name="a"/> (stride
    /// <paramref name="fs"/>); false when an entry of the diagonal is not finite. A method of its own: inside
    /// <c>BuildSystem</c> the JIT kept lambda on the stack and stored and reloaded it every entry, a chain through memory
    /// that cost about 1-3 % of the exact solver's iteration at k = 32 and 64. Same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool AddToDiagonal(Span<float> a, int k, int fs, float lambda)
    {
        if (k < 1 || fs < k || a.Length < ((k - 1) * fs) + k)
        {
            throw new ArgumentException($"A system of {k} unknowns at stride {fs} needs {((k - 1) * fs) + k} floats.", nameof(a));
        }

        ref float d = ref MemoryMarshal.GetReference(a);
        bool finite = true;
        for (int p = 0; p < k; p++)
        {
            ref float e = ref Unsafe.Add(ref d, (p * fs) + p);
            e += lambda;
            finite &= float.IsFinite(e);
        }

        return finite;
    }

    /// <summary>The biased models' bias from the factors' solution in ws.Z (none for the others); zero past it.</summary>
    private static void SolveBias<TIsa, TModel>(AlsLayout layout, RowWorkspace ws, float biasPivot, float biasRhs)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int k = layout.K;
        Span<float> z = ws.Z;
        ClearShort(z[k..]);
        if (TModel.Biased)
        {
            z[k] = (biasRhs - Blas.Dot<TIsa>(ws.M.Slice(0, k), z[..k])) / biasPivot;
        }
    }

    /// <summary>
    /// The end of a row solve, from the solution in ws.Z: the loss of the row's stored pairs (<see cref="Solve"/>), the
    /// regularization term, and the copy into <paramref name="x"/> and <paramref name="bias"/>; false when the solution
    /// is not finite. With <paramref name="single"/>, ws.U and the weights still hold the row's gathered neighbours.
    /// </summary>
    private static bool Finish<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda, Span<float> x, ref float bias, out double loss, out double reg)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int n = cols.Length;
        AlsLayout layout = c.Layout;
        int k = layout.K, d = layout.D;
        AlsOptions o = c.Options;
        Span<float> z = ws.Z;

        // Loss of the row's stored pairs with the new solution (summed in a local: through the out parameter, every
        // neighbour's add would wait on a store and a reload), where the half-step reports its loss.
        double sum = 0;
        for (int s = 0; c.ComputeLoss && s < n; s += ws.Capacity)
        {
            int cnt = Math.Min(ws.Capacity, n - s);
            if (!single)
            {
                Prepare<TIsa, TModel>(c, ws, cols, vals, s, cnt);
            }

            Blas.RowDots<TIsa>(ws.U, cnt, layout.FactorStride, z, ws.Tmp);
            if (TModel.Biased)
            {
                // Blocks hold the factors only (see RowWorkspace.U): add the neighbour's 1 times the bias.
                float zb = z[k];
                float[] dots = ws.Tmp;
                for (int j = 0; j < cnt; j++)
                {
                    dots[j] += zb;
                }
            }

            // Each segment's share in four partial sums (RowLoss gives the order), then added to the row's.
            sum += TModel.Implicit
                ? RowLoss.Implicit(vals.Slice(s, cnt), cols.Slice(s, cnt), c.FixedBiases, ws.Weight, ws.Tmp)
                : RowLoss.Explicit(ws.Q.AsSpan(0, cnt), ws.Tmp);
        }

        loss = sum;
        bool finite = true;
        if (c.ComputeLoss)
        {
            double zz = 0;
            for (int p = 0; p < d; p++)
            {
                float v = z[p];
                finite &= float.IsFinite(v);
                zz += (double)v * v;
            }

            reg = lambda * zz;
        }
        else
        {
            // Nothing reads the cost (see HalfStepContext.ComputeLoss): only whether the solution is finite, without
            // the chain of d dependent double adds (1.6 % of explicit CG's time at k = 32).
            finite = AllFinite(z[..d]);
            reg = 0;
        }

        CopyShort(z[..k], x);
        bias = TModel.Biased ? z[k] : 0f;
        return finite;
    }

    /// <summary>Whether every value of <paramref name="z"/> is finite: <c>v - v</c> is 0 for a finite v, NaN for an infinity or a NaN.</summary>
    private static bool AllFinite(ReadOnlySpan<float> z)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> zero = Vector256<float>.Zero;
            Vector256<int> bad = Vector256<int>.Zero;
            for (; i <= z.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.Create(z.Slice(i, Vector256<float>.Count));
                bad |= ~Vector256.Equals(v - v, zero).AsInt32();
            }

            if (bad != Vector256<int>.Zero)
            {
                return false;
            }
        }

        for (; i < z.Length; i++)
        {
            if (!float.IsFinite(z[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <see cref="Prepare"/> of a whole row for the unbiased models, compiled apart from the row solve that calls it.
    /// </summary>
    /// <remarks>
    /// The JIT had inlined the gather into the chunk solve (<see cref="SolveRows"/>), where its loop reloaded about a
    /// dozen values from the stack every neighbour. Apart, it has registers of its own. The effect was measured with
    /// bench/run-ab.sh on one thread:
    /// <list type="bullet">
    /// <item>unbiased CG at k = 32: 0.96-0.97 (implicit) and 0.89-0.96 (explicit) of the time;</item>
    /// <item>unbiased CG at k = 64: no difference;</item>
    /// <item>biased models: 1.03-1.05 when their gather was made a call too, so theirs stays inline.</item>
    /// </list>
    /// Same bits: the same code runs either way.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PrepareApart<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, int count)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel =>
        Prepare<TIsa, TModel>(c, ws, cols, vals, 0, count);

    /// <summary>
    /// Gathers neighbours [start, start + count) into U (unless <paramref name="copyRows"/> is false: a pass that reads
    /// them in place) and computes their weights and targets; with biases, also their sums
    /// (<see cref="RowWorkspace.WeightSum"/>, <see cref="RowWorkspace.TargetSum"/>), from zero at a row's first segment and
    /// carried across the next ones, in neighbour order.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Two passes: the copy of the rows (<see cref="GatherRows"/>), then the weights and targets, which read only the row's
    /// values (and the fixed biases, asked for by the copy). Done in one loop, the per-neighbour arithmetic and its spilled
    /// registers sat between the copies, about a third of the gather's time at k = 32 (implicit CG: 12 of 34 ms an
    /// iteration on one thread); apart, the unbiased models weigh eight neighbours at a time (<see cref="WeighLanes"/>).
    /// </para>
    /// <para>
    /// Bounds: <c>cols</c> is a row of a <see cref="CsrMatrix"/>, whose construction (validated, or built by this
    /// library) guarantees every column is in [0, Cols); the half-step solvers check Cols equals the fixed side's
    /// row count, so <c>f + col * fs</c> and <c>fb[col]</c> stay inside the fixed factors and biases.
    /// </para>
    /// </remarks>
    private static unsafe void Prepare<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, int start, int count, bool copyRows = true)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        float[]? fb = c.FixedBiases;
        if (TModel.Biased && fb is null)
        {
            // Read through a pointer below: a biased model's context always has them (RowKernels checks the model).
            throw new InvalidOperationException("A biased model's half-step has no fixed-side biases.");
        }

        if ((uint)count > (uint)ws.Capacity)
        {
            // The copies below write through a pointer: the segment must fit the workspace (callers cut it to Capacity).
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A segment holds at most {ws.Capacity} neighbours.");
        }

        // The per-pair outputs through refs checked once here (Capacity long, count <= Capacity): as array fields of ws
        // they were reloaded and bounds-checked for every pair.
        if (ws.Weight.Length < count || ws.SqrtWeight.Length < count || ws.Q.Length < count
            || start < 0 || cols.Length - start < count || vals.Length - start < count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "The segment runs past the row or the workspace.");
        }

        ref int col0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(cols), start);
        ref float val0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(vals), start);
        if (copyRows)
        {
            GatherRows<TIsa, TModel>(c, ws, ref col0, count);
        }

        var weigh = new Weigher<TModel>(c.Options, c.GlobalMean, ws);
        int j = 0;
        if (!TModel.Biased && TModel.HasLaneConfidence && TIsa.IsVector && Vector256.IsHardwareAccelerated)
        {
            j = WeighLanes<TModel>(c.Options, c.GlobalMean, ws, vals.Slice(start, count));
        }

        if (!TModel.Biased)
        {
            for (; j < count; j++)
            {
                weigh.At(j, Unsafe.Add(ref val0, j), 0f);
            }

            return;
        }

        // The biased models' running sums of the weights and targets, in neighbour order across a row's segments.
        float sw = start == 0 ? 0f : ws.WeightSum, sq = start == 0 ? 0f : ws.TargetSum;
        ref float g0 = ref MemoryMarshal.GetArrayDataReference(fb!);
        for (; j < count; j++)
        {
            (float wt, float t) = weigh.At(j, Unsafe.Add(ref val0, j), Unsafe.Add(ref g0, Unsafe.Add(ref col0, j)));
            sw += wt;
            sq += t;
        }

        ws.WeightSum = sw;
        ws.TargetSum = sq;
    }

    /// <summary>
    /// <see cref="Prepare"/>'s copy of <paramref name="count"/> neighbour rows into U, asking for the rows (and their fixed
    /// biases) a few neighbours ahead, so that several misses are in flight while a row is copied.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void GatherRows<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ref int col0, int count)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int fs = c.Layout.FactorStride;
        float* f = c.FixedFactors.Pointer;
        ref float u0 = ref MemoryMarshal.GetReference(ws.U);
        int ahead = RowPrefetch.Ahead(fs);
        fixed (float* fbp = c.FixedBiases) // null without biases
        {
            for (int j = 0; j < count; j++)
            {
                if (TIsa.IsVector && j + ahead < count)
                {
                    // The neighbour rows are scattered over the fixed side: ask for a later one's cache lines now.
                    int later = Unsafe.Add(ref col0, j + ahead);
                    byte* line = (byte*)(f + ((long)later * fs));
                    for (int l = 0; l < fs * sizeof(float); l += 64)
                    {
                        TIsa.Prefetch(line + l);
                    }

                    if (TModel.Biased)
                    {
                        TIsa.Prefetch((byte*)(fbp + later));
                    }
                }

                TIsa.CopyRow(ref *(f + ((long)Unsafe.Add(ref col0, j) * fs)), ref Unsafe.Add(ref u0, j * fs), fs);
            }
        }
    }

    /// <summary>
    /// A neighbour's weight and target into the workspace (<see cref="Prepare"/>): one definition for the scalar loop, the
    /// lanes' tail and the biased models.
    /// </summary>
    internal readonly ref struct Weigher<TModel>
        where TModel : struct, IRowModel
    {
        private readonly ref float _weight, _sqrtWeight, _target;
        private readonly float _alpha, _epsilon, _mu;
        private readonly bool _exact;

        /// <summary>The weigher of <paramref name="o"/>'s model (mu: the biased explicit model's global mean, else 0) into <paramref name="ws"/>.</summary>
        public Weigher(AlsOptions o, float mu, RowWorkspace ws)
        {
            _weight = ref MemoryMarshal.GetArrayDataReference(ws.Weight);
            _sqrtWeight = ref MemoryMarshal.GetArrayDataReference(ws.SqrtWeight);
            _target = ref MemoryMarshal.GetArrayDataReference(ws.Q);
            _alpha = o.Alpha;
            _epsilon = o.Epsilon;
            _mu = mu;
            _exact = !TModel.Cg;
        }

        /// <summary>Neighbour <paramref name="j"/> of value <paramref name="v"/> and fixed bias <paramref name="g"/> (0 without): its weight and target.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (float Weight, float Target) At(int j, float v, float g)
        {
            if (TModel.Implicit)
            {
                float conf = TModel.Confidence(_alpha, _epsilon, v);
                float p = v > 0 ? 1f : 0f;
                float wt = conf - 1f;
                Unsafe.Add(ref _weight, j) = wt;
                if (_exact)
                {
                    // A negative weight (scaled confidence below 1) cannot go through the sqrt-scaled SYRK:
                    // its row gets 0 there and AddNegativeWeights subtracts it afterwards.
                    Unsafe.Add(ref _sqrtWeight, j) = wt >= 0f ? MathF.Sqrt(wt) : 0f;
                }

                float t = (conf * p) - (wt * g);
                Unsafe.Add(ref _target, j) = t;
                return (wt, t);
            }
            else
            {
                float t = v - _mu - g;
                Unsafe.Add(ref _weight, j) = 1f;
                Unsafe.Add(ref _target, j) = t;
                return (1f, t);
            }
        }
    }

    /// <summary>
    /// The unbiased models' weights and targets of the neighbours of values <paramref name="vals"/> eight at a time (<see cref="Weigher{TModel}.At"/>
    /// with the fixed bias 0, each lane the same IEEE operations, so the same bits), the last few in a vector loaded
    /// under a mask (zero in the lanes past the row, which land in the arrays' padding: <see cref="RowWorkspace"/> rounds
    /// them up to eight); returns the count. Without AVX, the last few are left to the caller's scalar loop.
    /// </summary>
    /// <remarks>
    /// The last few used to be copied into a zeroed stackalloc'd vector: with rows of about 30 neighbours, that copy (a
    /// call to Memmove), the clearing and the stack frame's guard cost about as much as the row's whole vectors, and the
    /// pass was 4 % of explicit CG's time at k = 32 (perf, Zen 5). A masked load reads only the row's own values, so it
    /// cannot fault past the row.
    /// </remarks>
    internal static unsafe int WeighLanes<TModel>(AlsOptions o, float mu, RowWorkspace ws, ReadOnlySpan<float> vals)
        where TModel : struct, IRowModel
    {
        ref float weight = ref MemoryMarshal.GetArrayDataReference(ws.Weight);
        ref float sqrtWeight = ref MemoryMarshal.GetArrayDataReference(ws.SqrtWeight);
        ref float target = ref MemoryMarshal.GetArrayDataReference(ws.Q);
        int count = vals.Length, lanes = Vector256<float>.Count, whole = (count + lanes - 1) & -lanes;
        if (ws.Weight.Length < whole || ws.SqrtWeight.Length < whole || ws.Q.Length < whole)
        {
            throw new ArgumentOutOfRangeException(nameof(vals), count, "More neighbours than the workspace holds (to a whole vector).");
        }

        int end = Avx.IsSupported ? count : count & -lanes;

        float alpha = o.Alpha, epsilon = o.Epsilon;
        bool exact = !TModel.Cg;
        Vector256<float> zero = Vector256<float>.Zero, one = Vector256<float>.One, mus = Vector256.Create(mu);
        int j = 0;
        fixed (float* pv = vals)
        {
            for (; j < end; j += lanes)
            {
                Vector256<float> v;
                if (j + lanes <= count)
                {
                    v = Vector256.Load(pv + j);
                }
                else
                {
                    // The last few values, zero past the row: their lanes go to the arrays' padding, which no pass reads.
                    Vector256<float> inRow = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count - j)).AsSingle();
                    v = Avx.MaskLoad(pv + j, inRow);
                }

                if (TModel.Implicit)
                {
                    Vector256<float> conf = TModel.Confidence(alpha, epsilon, v);
                    Vector256<float> p = Vector256.ConditionalSelect(Vector256.GreaterThan(v, zero), one, zero);
                    Vector256<float> wt = conf - one;
                    wt.StoreUnsafe(ref weight, (nuint)j);
                    if (exact)
                    {
                        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(wt, zero), Vector256.Sqrt(wt), zero).StoreUnsafe(ref sqrtWeight, (nuint)j);
                    }

                    ((conf * p) - (wt * zero)).StoreUnsafe(ref target, (nuint)j);
                }
                else
                {
                    one.StoreUnsafe(ref weight, (nuint)j);
                    (v - mus - zero).StoreUnsafe(ref target, (nuint)j);
                }
            }
        }

        return Math.Min(j, count);
    }

    /// <summary>
    /// Adds <c>w_j f_j f_j'</c> to the upper triangle of <paramref name="a"/> for the gathered neighbours whose
    /// weight is negative (only <see cref="ConfidenceKind.Scaled"/> has them; the SYRK pass gave them weight 0).
    /// </summary>
    private static void AddNegativeWeights(RowWorkspace ws, int cnt, int w, int d, Span<float> a)
    {
        Span<float> u = ws.U;
        for (int j = 0; j < cnt; j++)
        {
            float wt = ws.Weight[j];
            if (wt >= 0f)
            {
                continue;
            }

            int row = j * w;
            for (int p = 0; p < d; p++)
            {
                float s = wt * u[row + p];
                int ap = p * w;
                for (int q = p; q < d; q++)
                {
                    a[ap + q] += s * u[row + q];
                }
            }
        }
    }

    /// <summary>
    /// <c>dst[i] = y[i] - s * x[i]</c> for i in [0, y.Length) (dst may be y), with the multiply and the subtract rounded
    /// separately (never fused), in vector lanes or not: every element gets the same two IEEE operations as the scalar
    /// loop, so the bits do not depend on the width. The biased residual's shifted targets (<see cref="ShiftedTargets"/>).
    /// </summary>
    private static void SubtractScaled(float s, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dst)
    {
        int n = y.Length, i = 0;
        if (x.Length < n || dst.Length < n)
        {
            throw new ArgumentException($"The scaled vector and the output must hold at least {n} floats.", nameof(dst));
        }

        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        ref float d0 = ref MemoryMarshal.GetReference(dst);
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vs = Vector256.Create(s);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref y0, (nuint)i) - (vs * Vector256.LoadUnsafe(ref x0, (nuint)i))).StoreUnsafe(ref d0, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d0, i) = Unsafe.Add(ref y0, i) - (s * Unsafe.Add(ref x0, i));
        }
    }

    /// <summary>Bytes of the next row's neighbours that <see cref="PrefetchNext"/> asks for (a quarter of a 32 KiB L1).</summary>
    private const int NextRowPrefetchBytes = 8192;

    /// <summary>
    /// Asks for the first neighbours of the next row (up to <see cref="NextRowPrefetchBytes"/>) while this row's
    /// solve runs from its gathered block: <see cref="Prepare"/>'s own prefetch runs only a few neighbours ahead
    /// inside one row, so each row's first neighbours used to miss in turn, with nothing to overlap them. Same bits:
    /// a prefetch changes no value.
    /// </summary>
    /// <remarks>Bounds: <paramref name="next"/> is the next row of the same CSR block (see <see cref="Prepare"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchNext<TIsa>(HalfStepContext c, ReadOnlySpan<int> next)
        where TIsa : struct, IIsa =>
        PrefetchNextRange<TIsa>(c, next, 0, NextRowPrefetchCount(c, next));

    /// <summary>How many of the next row's first neighbours <see cref="PrefetchNext"/> asks for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextRowPrefetchCount(HalfStepContext c, ReadOnlySpan<int> next) =>
        Math.Min(next.Length, Math.Max(1, NextRowPrefetchBytes / (c.Layout.FactorStride * sizeof(float))));

    /// <summary><see cref="PrefetchNext"/> of the next row's neighbours [<paramref name="from"/>, from + <paramref name="count"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchNextRange<TIsa>(HalfStepContext c, ReadOnlySpan<int> next, int from, int count)
        where TIsa : struct, IIsa
    {
        if (!TIsa.IsVector || count <= 0)
        {
            return;
        }

        next = next.Slice(from, count);
        int fs = c.Layout.FactorStride, rowBytes = fs * sizeof(float);
        float* f = c.FixedFactors.Pointer;
        for (int j = 0; j < count; j++)
        {
            byte* p = (byte*)(f + ((long)next[j] * fs));
            for (int l = 0; l < rowBytes; l += 64)
            {
                TIsa.Prefetch(p + l);
            }
        }

        if (c.FixedBiases is { } fb)
        {
            fixed (float* fbp = fb)
            {
                for (int j = 0; j < count; j++)
                {
                    TIsa.Prefetch((byte*)(fbp + next[j]));
                }
            }
        }
    }

    /// <summary>The smallest normal float32, 2^-126.</summary>
    private const float SmallestNormal = 1.17549435e-38f;

    /// <summary>2^-100: CG stops once |r|^2 has dropped by this factor (the residual by 2^-50).</summary>
    private const float ResidualDrop = 7.88860905e-31f;

    /// <summary>
    /// CG on (G0 + U^T diag(w) U + lambda I) z = b from the warm start in ws.Z, asking for the first neighbours of the
    /// <paramref name="next"/> row along the way (<see cref="PrefetchNext"/>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Besides <see cref="AlsOptions.CgSteps"/> and <see cref="AlsOptions.CgTolerance"/>, the loop stops when
    /// float32 can take it no further, so that any number of steps ends at the Cholesky optimum (within float32
    /// tolerance) instead of blowing up:
    /// </para>
    /// <list type="bullet">
    /// <item>breakdown: p'Ap is not positive and finite, or the step length alpha is not finite (z is left as it is);</item>
    /// <item>convergence to working precision: |r|^2 has fallen below |r0|^2 * 2^-48 (the residual is 2^-24, the
    /// float32 unit round-off, of the starting one), or below the smallest normal float. Past that point the
    /// recursively updated residual is round-off: its squared norm goes subnormal, alpha and beta lose their
    /// precision and the iteration starts to grow again (observed with 200 and 1000 steps);</item>
    /// <item>a non-finite residual norm: at the start it means the system overflowed, and z becomes NaN so that
    /// the caller reports a divergence (as the Cholesky path does for a non-finite diagonal).</item>
    /// </list>
    /// <para>
    /// None of these fires while the iteration is making progress (the residual must first drop by 2^50, or the
    /// step be degenerate), so the steps that plain CG took before these checks are unchanged, bit for bit.
    /// </para>
    /// </remarks>
    private static void ConjugateGradient<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda, ReadOnlySpan<int> next)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        // The next row's first neighbours, asked for a share before each pass over this row's neighbours (the first
        // residual and each step) instead of all at once: asked at once, they filled the miss buffers, and the loop
        // stalled there (about 3 % of explicit CG's time at k = 32). A prefetch changes no value.
        int ahead = NextRowPrefetchCount(c, next), passes = Math.Min(c.Options.CgSteps, ahead) + 1;
        int share = (ahead + passes - 1) / passes, asked = Math.Min(share, ahead);
        PrefetchNextRange<TIsa>(c, next, 0, asked);
        CgG0Product<TIsa, TModel>(c, ws.Z, ws.R);
        CgState state = CgStart<TIsa, TModel>(c, ws, cols, vals, single, lambda);
        if (single && TryRegisterCgSteps<TIsa, TModel>(c, ws, cols.Length, lambda, next, state, ahead, share, ref asked))
        {
            PrefetchNextRange<TIsa>(c, next, asked, ahead - asked);
            return;
        }

        while (CgContinues(c, ref state))
        {
            int more = Math.Min(share, ahead - asked);
            PrefetchNextRange<TIsa>(c, next, asked, more);
            asked += more;
            CgG0Product<TIsa, TModel>(c, ws.P, ws.Ap);
            CgStep<TIsa, TModel>(c, ws, cols, vals, single, lambda, ref state);
        }

        PrefetchNextRange<TIsa>(c, next, asked, ahead - asked);
    }

    /// <summary>
    /// <see cref="ConjugateGradient"/> of n rows in lockstep (rows r .. r + n - 1, each gathered in one segment in
    /// <paramref name="ws"/>'s member workspace): each step's G0 products of the rows still running are one pass over G0
    /// (<see cref="G0Products"/>), which at k = 128 (64 KiB, more than L1) is about a third of a lone row's CG. Each row
    /// gets exactly its lone steps, so its bits are those of <see cref="ConjugateGradient"/>, whatever the other rows.
    /// </summary>
    private static void ConjugateGradientGroup<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, CsrMatrix rows, int r, int n, ReadOnlySpan<float> lambdas)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        Span<CgState> states = stackalloc CgState[CgGroupRows];
        Span<int> running = stackalloc int[CgGroupRows];
        for (int i = 0; i < n; i++)
        {
            running[i] = i;
        }

        G0Products<TIsa, TModel>(c, ws, running[..n], start: true);
        for (int i = 0; i < n; i++)
        {
            states[i] = CgStart<TIsa, TModel>(c, ws.Member(i), rows.RowIndices(r + i), rows.RowValues(r + i), true, lambdas[i]);
        }

        while (true)
        {
            int m = 0;
            for (int i = 0; i < n; i++)
            {
                if (CgContinues(c, ref states[i]))
                {
                    running[m++] = i;
                }
            }

            if (m == 0)
            {
                break;
            }

            G0Products<TIsa, TModel>(c, ws, running[..m], start: false);
            foreach (int i in running[..m])
            {
                CgStep<TIsa, TModel>(c, ws.Member(i), rows.RowIndices(r + i), rows.RowValues(r + i), true, lambdas[i], ref states[i]);
            }
        }
    }

    /// <summary>Where one row's CG stands between steps.</summary>
    private struct CgState
    {
        /// <summary>|r|^2.</summary>
        public float Rr;

        /// <summary>|r|^2 at which the residual is 2^-50 of the starting one (see <see cref="ConjugateGradient"/>).</summary>
        public float Floor;

        public int Step;

        public bool Done;
    }

    /// <summary>
    /// The first residual (ws.R holds G0 z on entry; see <see cref="CgG0Product"/>), p = r and |r|^2; an overflowed system
    /// sets z to NaN and ends. The biased models' residual is that of their factors with the bias at its optimum for them
    /// (<see cref="BiasOptimalResidual"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CgState CgStart<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int fs = c.Layout.FactorStride;
        Span<float> z = ws.Z, r = ws.R;
        if (!TModel.Biased)
        {
            Residual<TIsa, TModel>(c, ws, cols, vals, single, lambda, z, r);
        }
        else if (!BiasOptimalResidual<TIsa, TModel>(c, ws, cols, vals, single, lambda))
        {
            return new CgState { Done = true };
        }

        r = r[..fs];
        CopyShort(r, ws.P);
        float rr = Blas.Dot<TIsa>(r, r);
        if (!float.IsFinite(rr))
        {
            // The system itself overflowed (as the Cholesky path's non-finite diagonal): a divergence that the
            // caller reports, not a solution to keep.
            z.Fill(float.NaN);
            return new CgState { Done = true };
        }

        // |r|^2 at which the residual is 2^-50 of the starting one (2^-100 in squares), far below float32 round-off.
        return new CgState { Rr = rr, Floor = Math.Max(rr * ResidualDrop, SmallestNormal) };
    }

    /// <summary>
    /// The biased models' CG runs on the factors alone, with the bias kept at its optimum for them. From ws.R holding
    /// <c>F x</c> (F: G0's factor block, <see cref="CgG0Product"/>) and the warm start z = (x, s), this sets the bias to
    /// that optimum, <c>z_b = (b_b - g . x) / a</c>, and leaves in ws.R the residual of the factors with it,
    /// <c>r = b_f - A_ff x - z_b g</c>, whose bias entry is zero. Here <c>a = G0_bb + lambda + sum_j w_j</c> is the bias's
    /// diagonal entry, <c>g = G0_fb + m</c> (<c>m = sum_j w_j f_j</c>) its column over the factors, and
    /// <c>b_b = h0_b + sum_j q_j</c> its right-hand side; g stays in ws.M and a in ws.BiasPivot for the mat-vecs. False
    /// ends the row: a pivot that is not positive (the system is not positive definite) leaves z as it was; one that is
    /// not finite (an overflow) sets it to NaN, a divergence that the caller reports.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The steps then run CG on the Schur complement <c>S = A_ff - g g' / a</c> (<see cref="MatVec"/>): CG on the full
    /// system restricted to the solutions whose bias is optimal for their factors. Each step's direction p over the
    /// factors carries the bias direction <c>-(g . p) / a</c>, so that the bias follows the factors exactly (see
    /// <see cref="CgStep"/>). S is no worse conditioned than A (its eigenvalues interlace A's), and enough steps reach the
    /// same optimum.
    /// </para>
    /// <para>
    /// Against CG over the k + 1 unknowns (before 2026-12-03), every pass is the unbiased one: no bias entry, no shifted
    /// targets or coefficients, and vectors of the factor stride instead of W (at k = 32: 32 floats instead of 48). This is
    /// a deliberate change of the biased CG's results.
    /// </para>
    /// </remarks>
    private static bool BiasOptimalResidual<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int k = c.Layout.K, fs = c.Layout.FactorStride;
        Span<float> z = ws.Z, r = ws.R, x = z[..fs], g = ws.M[..fs];
        CgVectors.StartResidual<TIsa>(r, c.H0, z, lambda, k);
        NeighbourResidual<TIsa, TModel>(c, ws, cols, vals, single, false, 0f, x, r);

        // The sums of the weights and targets, made by the gather in neighbour order (see Prepare).
        float pivot = (TModel.Implicit ? c.G0Corner : 0f) + lambda + ws.WeightSum;
        ws.BiasPivot = pivot;
        if (!(pivot > 0f) || !float.IsFinite(pivot))
        {
            if (!float.IsFinite(pivot))
            {
                z.Fill(float.NaN);
            }

            return false;
        }

        float rhs = ws.TargetSum;
        if (TModel.Implicit)
        {
            // g = G0's bias column plus m (m is zero past k, as the factor rows are).
            Blas.Axpy<TIsa>(1f, c.G0BiasColumn.AsSpan(0, k), g[..k]);
            rhs += c.H0![k];
        }

        // x is z over the factor stride: its bias entry (k < fs) meets g's zero there.
        float bias = (rhs - Blas.Dot<TIsa>(g, x)) / pivot;
        Blas.Axpy<TIsa>(-bias, g, r[..fs]);
        z[k] = bias;
        r[k] = 0f;
        return true;
    }

    /// <summary>Whether the row takes another step (the step count, the tolerance, and the stops listed on <see cref="ConjugateGradient"/>).</summary>
    private static bool CgContinues(HalfStepContext c, ref CgState state)
    {
        float rr = state.Rr, tol = c.Options.CgTolerance;
        if (state.Done || state.Step >= c.Options.CgSteps || rr <= tol * tol || rr == 0f || !(rr >= state.Floor) || !float.IsFinite(rr))
        {
            state.Done = true;
            return false;
        }

        return true;
    }

    /// <summary>One CG step (ws.Ap holds G0 p on entry); a breakdown ends the row with z as it is.</summary>
    /// <remarks>
    /// Not inlined, nor is <see cref="CgStart"/>: a call a step or a row. Inlined into the chunk solve
    /// (<see cref="SolveRows"/>) with the rest of the row, they used up its inlining budget, and the JIT left forced-inline
    /// helpers (<see cref="Blas.Dot{TIsa}"/>, <see cref="Blas.Axpy{TIsa}"/>, span conversions) as calls: 4-5 % of the biased
    /// explicit model's CG samples at k = 32. Apart, each has a budget of its own. In-process A/B after the e2e's other
    /// k = 32 models (bench/run-ab.sh with AB_BEFORE, 20 pairs; minima / per-pair median): biased explicit 0.944 / 0.953,
    /// biased implicit 0.989 / 0.967, the unbiased models 1.005-1.018 / 0.972-1.006. Same bits: the same code runs.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CgStep<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda, ref CgState state)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int k = c.Layout.K, fs = c.Layout.FactorStride;
        Span<float> z = ws.Z, r = ws.R[..fs], p = ws.P[..fs], ap = ws.Ap[..fs];
        float biasStep = MatVec<TIsa, TModel>(c, ws, cols, vals, single, lambda, p, ap);
        float pap = Blas.Dot<TIsa>(p, ap);
        if (!(pap > 0f) || !float.IsFinite(pap))
        {
            state.Done = true;
            return;
        }

        float alpha = state.Rr / pap;
        if (!float.IsFinite(alpha))
        {
            state.Done = true;
            return;
        }

        Blas.Axpy<TIsa>(alpha, p, z[..fs]);
        if (TModel.Biased)
        {
            // The bias follows the factors at its optimum (see BiasOptimalResidual); p is zero at index k.
            z[k] -= alpha * biasStep;
        }

        Blas.Axpy<TIsa>(-alpha, ap, r);
        float rrNew = Blas.Dot<TIsa>(r, r);
        float beta = rrNew / state.Rr;
        CgVectors.Direction<TIsa>(p, r, beta, fs);
        state.Rr = rrNew;
        state.Step++;
    }

    /// <summary>
    /// r = b - (G0 + U^T diag(w) U + lambda I) v with b = h0 + U^T q, r past d kept zero, from r = G0 v (made by the
    /// caller, <see cref="G0Product"/>): one pass over the neighbours, each contributing <c>(q_j - w_j u_j . v) u_j</c>.
    /// </summary>
    /// <remarks>
    /// The biased models' neighbour vectors are <c>u_j = (f_j, 1)</c>, but the CG block holds <c>f_j</c> only (see
    /// <see cref="RowWorkspace.U"/>): with <c>s = v[k]</c> the bias, the coefficient is <c>(q_j - w_j s) - w_j f_j . v</c>,
    /// applied to <c>f_j</c> by the kernel at the factor stride, and its sum over j, <c>sum q - s sum w - m . v</c> with
    /// <c>m = sum_j w_j f_j</c>, goes to the bias entry. The same pass accumulates m for the mat-vecs; <c>sum w</c> and
    /// <c>sum q</c> come from the gather (<see cref="Prepare"/>), which adds them up in the same neighbour order that a
    /// loop here took (so the same bits), but inside a loop long enough to hide the two chains of dependent adds: here
    /// they were the whole loop, about 7 % of a biased model's CG at k = 32. G0 is applied the same way
    /// (<see cref="G0Product"/>).
    /// </remarks>
    internal static void Residual<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda, Span<float> v, Span<float> r)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int d = c.Layout.D, k = c.Layout.K, bs = c.Layout.FactorStride;
        bool biased = TModel.Biased;
        CgVectors.StartResidual<TIsa>(r, c.H0, v, lambda, d);

        float bias = biased ? v[k] : 0f;
        Span<float> m = ws.M;
        NeighbourResidual<TIsa, TModel>(c, ws, cols, vals, single, biased, bias, v, r);
        if (biased)
        {
            // The sums of the weights and targets, made by the gather in neighbour order (see Prepare).
            float sw = ws.WeightSum, sq = ws.TargetSum;
            r[k] += sq - (bias * sw) - Blas.Dot<TIsa>(m[..bs], v[..bs]);
        }
    }

    /// <summary>
    /// The neighbour share of a residual: <c>r[0..fs) += sum_j (t_j - w_j f_j . v) f_j</c> over the row's neighbours, with
    /// the targets <c>t_j = q_j</c>, or <c>q_j - w_j s</c> when <paramref name="shifted"/> (see <see cref="Residual"/>); the
    /// biased models also make <c>m = sum_j w_j f_j</c> in ws.M, from zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NeighbourResidual<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, bool shifted, float s, Span<float> v, Span<float> r)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int bs = c.Layout.FactorStride, n = cols.Length;
        bool biased = TModel.Biased;
        Span<float> m = ws.M;
        if (biased)
        {
            ClearShort(m);
        }

        if (!single && WeightedRowKernels.HasIndexed(TIsa.Path, bs, withSum: biased))
        {
            InPlacePasses<TIsa, TModel>(c, ws, cols, vals, PassKind.Residual, shifted, s, v, r);
            return;
        }

        for (int start = 0; start < n; start += ws.Capacity)
        {
            int cnt = Math.Min(ws.Capacity, n - start);
            if (!single)
            {
                Prepare<TIsa, TModel>(c, ws, cols, vals, start, cnt);
            }

            float[] targets = shifted ? ShiftedTargets(ws, s, cnt) : ws.Q;
            if (!biased)
            {
                Blas.WeightedRowsResidual<TIsa>(ws.U, cnt, bs, ws.Weight, targets, v, r);
                continue;
            }

            Blas.WeightedRowsResidualAndSum<TIsa>(ws.U, cnt, bs, ws.Weight, targets, v, r, m);
        }
    }

    /// <summary>
    /// y = G0 v (zero without G0), y past d zero (y and v of W floats). Biased models: G0 = [[F, g], [g', c]] over
    /// (factors, bias) is taken as the product with the compact factor block F at the factor stride, plus <c>v_b g</c>,
    /// and <c>g . v + c v_b</c> for the bias entry, instead of d columns of the W-wide matrix. Without a bias entry (the
    /// unbiased models, or no G0) this is CG's product, <see cref="CgG0Product"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void G0Product<TIsa, TModel>(HalfStepContext c, Span<float> v, Span<float> y)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        if (!TModel.Implicit || !TModel.Biased)
        {
            CgG0Product<TIsa, TModel>(c, v, y);
            return;
        }

        int k = c.Layout.K, fs = c.Layout.FactorStride;
        // The bias entry, g . v + c v_b; the factor block's product is CG's.
        float yb = Blas.Dot<TIsa>(c.G0BiasColumn!, v[..fs]) + (c.G0Corner * v[k]);
        CgG0Product<TIsa, TModel>(c, v, y);
        Blas.Axpy<TIsa>(v[k], c.G0BiasColumn!, y[..fs]);
        ClearShort(y[fs..]);
        y[k] = yb;
    }

    /// <summary>
    /// CG's product y = G0 v over the factors (zero without G0; y zero from k to the factor stride): the whole G0 for the
    /// unbiased models (the same as <see cref="G0Product"/>), its factor block F for the biased ones, whose CG keeps the
    /// bias apart (see <see cref="BiasOptimalResidual"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CgG0Product<TIsa, TModel>(HalfStepContext c, Span<float> v, Span<float> y)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        if (!TModel.Implicit)
        {
            ClearShort(y);
            return;
        }

        ReadOnlySpan<float> block = G0Block<TModel>(c, out int rows, out int stride);
        Blas.ColumnMatVec<TIsa>(block, rows, stride, v, y);
        CgG0Finish(c, y);
    }

    /// <summary>Completes <see cref="CgG0Product"/> from the block's product in y: zero from k to the factor stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CgG0Finish(HalfStepContext c, Span<float> y) => ClearShort(y[c.Layout.K..c.Layout.FactorStride]);

    /// <summary><see cref="CgG0Product"/> of two vectors with G0 read once (<see cref="Blas.ColumnMatVec2"/>): each gets the bits of its own call.</summary>
    private static void CgG0Product2<TIsa, TModel>(HalfStepContext c, Span<float> v0, Span<float> y0, Span<float> v1, Span<float> y1)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        if (!TModel.Implicit)
        {
            ClearShort(y0);
            ClearShort(y1);
            return;
        }

        ReadOnlySpan<float> block = G0Block<TModel>(c, out int rows, out int stride);
        Blas.ColumnMatVec2<TIsa>(block, rows, stride, v0, y0, v1, y1);
        CgG0Finish(c, y0);
        CgG0Finish(c, y1);
    }

    /// <summary>
    /// The G0 products (<see cref="CgG0Product"/>) of a CG group's <paramref name="members"/> (indices of
    /// <paramref name="ws"/>'s member workspaces): <c>R = G0 Z</c> at the start, else <c>Ap = G0 P</c>; four at once with
    /// G0 read once (<see cref="Blas.ColumnMatVec4{TIsa}"/>), the rest in a pair and alone. Each gets the bits of its own
    /// call.
    /// </summary>
    private static void G0Products<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> members, bool start)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int i = 0;
        if (members.Length == 4 && TModel.Implicit)
        {
            RowWorkspace w0 = ws.Member(members[0]), w1 = ws.Member(members[1]), w2 = ws.Member(members[2]), w3 = ws.Member(members[3]);
            Span<float> v0 = start ? w0.Z : w0.P, v1 = start ? w1.Z : w1.P, v2 = start ? w2.Z : w2.P, v3 = start ? w3.Z : w3.P;
            Span<float> y0 = start ? w0.R : w0.Ap, y1 = start ? w1.R : w1.Ap, y2 = start ? w2.R : w2.Ap, y3 = start ? w3.R : w3.Ap;
            ReadOnlySpan<float> block = G0Block<TModel>(c, out int rows, out int stride);
            Blas.ColumnMatVec4<TIsa>(block, rows, stride, v0, v1, v2, v3, y0, y1, y2, y3);
            CgG0Finish(c, y0);
            CgG0Finish(c, y1);
            CgG0Finish(c, y2);
            CgG0Finish(c, y3);
            return;
        }

        for (; i + 1 < members.Length; i += 2)
        {
            RowWorkspace a = ws.Member(members[i]), b = ws.Member(members[i + 1]);
            if (start)
            {
                CgG0Product2<TIsa, TModel>(c, a.Z, a.R, b.Z, b.R);
            }
            else
            {
                CgG0Product2<TIsa, TModel>(c, a.P, a.Ap, b.P, b.Ap);
            }
        }

        if (i < members.Length)
        {
            RowWorkspace a = ws.Member(members[i]);
            CgG0Product<TIsa, TModel>(c, start ? a.Z : a.P, start ? a.R : a.Ap);
        }
    }

    /// <summary>
    /// The block of G0 that the mat-vec takes column-wise (G0 is symmetric, so no horizontal sums; v is zero past d): all
    /// of G0 (d rows at the stride W), or for the biased models its factor block (k rows at the factor stride).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<float> G0Block<TModel>(HalfStepContext c, out int rows, out int stride)
        where TModel : struct, IRowModel
    {
        bool biased = TModel.Biased;
        rows = biased ? c.Layout.K : c.Layout.D;
        stride = biased ? c.Layout.FactorStride : c.Layout.W;
        return biased ? c.G0Factors : c.G0;
    }

    /// <summary>
    /// y = (G0 + U^T diag(w) U + lambda I) v over the factors (v and y of the factor stride, zero past k), from y = G0 v
    /// (made by the caller, <see cref="CgG0Product"/>); returns 0, or for the biased models <c>(g . v) / a</c>, the
    /// bias direction's negative.
    /// </summary>
    /// <remarks>
    /// The biased models' CG runs on the Schur complement <c>S = A_ff - g g' / a</c> (see <see cref="BiasOptimalResidual"/>):
    /// their neighbour pass is the unbiased one, and <c>(g . v) / a</c> times g is subtracted after it. The dot is taken
    /// before the pass, which it does not depend on.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MatVec<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, bool single, float lambda, Span<float> v, Span<float> y)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int k = c.Layout.K, bs = c.Layout.FactorStride;
        int n = cols.Length;
        float biasStep = TModel.Biased ? Blas.Dot<TIsa>(ws.M[..bs], v) / ws.BiasPivot : 0f;
        CgVectors.AddShift<TIsa>(y, v, lambda, k);
        if (!single && WeightedRowKernels.HasIndexed(TIsa.Path, bs, withSum: false))
        {
            InPlacePasses<TIsa, TModel>(c, ws, cols, vals, PassKind.MatVec, false, 0f, v, y);
        }
        else
        {
            for (int s = 0; s < n; s += ws.Capacity)
            {
                int cnt = Math.Min(ws.Capacity, n - s);
                if (!single)
                {
                    Prepare<TIsa, TModel>(c, ws, cols, vals, s, cnt);
                }

                Blas.WeightedRowsMatVec<TIsa>(ws.U, cnt, bs, ws.Weight, v, y);
            }
        }

        if (TModel.Biased)
        {
            Blas.Axpy<TIsa>(-biasStep, ws.M[..bs], y);
        }

        return biasStep;
    }

    /// <summary>
    /// The full biased residual's targets of a segment's <paramref name="count"/> neighbours, <c>q_j - w_j s</c> with s
    /// the bias entry (see <see cref="Residual"/>; CG's residual takes the plain targets, see
    /// <see cref="BiasOptimalResidual"/>), into ws.Tmp: the same for a gathered and an in-place pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float[] ShiftedTargets(RowWorkspace ws, float bias, int count)
    {
        float[] shifted = ws.Tmp;
        int whole = Whole(count);
        SubtractScaled(bias, ws.Weight.AsSpan(0, whole), ws.Q.AsSpan(0, whole), shifted.AsSpan(0, whole));
        return shifted;
    }

    /// <summary>
    /// <paramref name="count"/> rounded up to a whole vector of sixteen floats, the length that the per-neighbour arrays
    /// are padded to (<see cref="RowWorkspace"/>): <see cref="ShiftedTargets"/> runs its element-wise operations over it,
    /// with no scalar tail (up to 15 elements one by one, and a mispredicted loop exit). The elements past count come
    /// from earlier rows and are never read: each element is its own operation, so the first count are what the shorter
    /// loop made, bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Whole(int count) => (count + 15) & ~15;

    /// <summary>Which neighbour pass <see cref="InPlacePasses"/> makes.</summary>
    private enum PassKind
    {
        /// <summary><see cref="Residual"/>'s: <c>(q_j - w_j u_j . v) u_j</c> (biased: with their sum m).</summary>
        Residual,

        /// <summary><see cref="MatVec"/>'s: <c>w_j (f_j . v) f_j</c> (all models: see <see cref="BiasOptimalResidual"/>).</summary>
        MatVec,
    }

    /// <summary>
    /// The neighbour share of <see cref="Residual"/> or <see cref="MatVec"/> for a row longer than the workspace, segment
    /// by segment, reading the neighbours' factors in place (<see cref="Blas.TryWeightedRowsIndexed{TIsa}"/>) instead of
    /// gathering them again for every pass: the gather only forms each segment's weights and targets. The same terms in
    /// the same order as the gathered passes, so the same bits. Callers check that the path has the in-place kernel
    /// (<see cref="WeightedRowKernels.HasIndexed"/>). Apart from its callers, whose single-segment code stays as it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void InPlacePasses<TIsa, TModel>(HalfStepContext c, RowWorkspace ws, ReadOnlySpan<int> cols, ReadOnlySpan<float> vals, PassKind kind, bool shifted, float bias, Span<float> v, Span<float> y)
        where TIsa : struct, IIsa
        where TModel : struct, IRowModel
    {
        int bs = c.Layout.FactorStride, n = cols.Length;
        bool biased = TModel.Biased, residual = kind == PassKind.Residual;
        ref float f0 = ref *c.FixedFactors.Pointer;
        long fixedRows = c.FixedFactors.Rows;
        for (int s = 0; s < n; s += ws.Capacity)
        {
            int cnt = Math.Min(ws.Capacity, n - s);
            ReadOnlySpan<int> segment = cols.Slice(s, cnt);
            Prepare<TIsa, TModel>(c, ws, cols, vals, s, cnt, copyRows: false);
            // The biased models' mat-vec is the unbiased one (see MatVec); their residual also sums m.
            float[] targets = residual && shifted ? ShiftedTargets(ws, bias, cnt) : ws.Q;
            bool done = biased && residual
                ? Blas.TryWeightedRowsResidualAndSumIndexed<TIsa>(ref f0, fixedRows, bs, segment, ws.Weight, targets, v, y, ws.M)
                : Blas.TryWeightedRowsIndexed<TIsa>(ref f0, fixedRows, bs, segment, ws.Weight, targets, residual, v, y);

            if (!done)
            {
                // Only if HasIndexed and the kernels disagreed: nothing was added, and the rows were not gathered.
                throw new InvalidOperationException($"No in-place kernel for stride {bs} on the {TIsa.Path} path.");
            }
        }
    }
}
