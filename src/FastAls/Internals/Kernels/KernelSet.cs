using System.Runtime.InteropServices;
namespace FastAls.Internals.Kernels;

/// <summary>Code to run on one kernel path, given as a type (see <see cref="KernelSet.Visit{TVisitor, TResult}"/>).</summary>
internal interface IIsaVisitor<out TResult>
{
    TResult Visit<TIsa>()
        where TIsa : struct, IIsa;
}

/// <summary>
/// The kernels of one path as an object, for the callers that hold a run-time choice (training and fold-in
/// contexts, serving, tests and benchmarks). <see cref="For"/> is the one place where a <see cref="KernelPath"/>
/// value becomes an ISA type (<see cref="ScalarIsa"/>, <see cref="Vector256Isa"/>, <see cref="Vector512Isa"/>);
/// <see cref="Active"/> is the path the process uses, picked once by <see cref="KernelIsa.Active"/> (which
/// honours <c>FASTALS_FORCE_KERNEL</c>). Each member dispatches into the generic code once, at the top of a
/// call; hot loops run inside the specialized code and never branch on the path.
/// </summary>
internal abstract class KernelSet
{
    private static KernelSet? s_active;

    private protected KernelSet()
    {
    }

    /// <summary>The kernels of the process's path (<see cref="KernelIsa.Active"/>).</summary>
    /// <exception cref="InvalidOperationException"><c>FASTALS_FORCE_KERNEL</c> names an unknown path or one this machine cannot run.</exception>
    public static KernelSet Active => s_active ??= For(KernelIsa.Active);

    /// <summary>The path these kernels run (a value for reports).</summary>
    public abstract KernelPath Path { get; }

    /// <summary>The kernels of <paramref name="path"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">This machine cannot run <paramref name="path"/>.</exception>
    public static KernelSet For(KernelPath path)
    {
        if (!KernelIsa.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"This machine cannot run the {path} kernels (best is {KernelIsa.Best}).");
        }

        return path switch
        {
            KernelPath.Vector512 => KernelSet<Vector512Isa>.Instance,
            KernelPath.Vector256 => KernelSet<Vector256Isa>.Instance,
            KernelPath.Scalar => KernelSet<ScalarIsa>.Instance,
            _ => throw new ArgumentOutOfRangeException(nameof(path), path, "Not a kernel path."),
        };
    }

    /// <summary>Runs <paramref name="visitor"/> specialized for this path (for choices made once, such as a solver's operator types).</summary>
    public abstract TResult Visit<TVisitor, TResult>(TVisitor visitor)
        where TVisitor : IIsaVisitor<TResult>;

    /// <inheritdoc cref="Blas.Dot{TIsa}"/>
    public abstract float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <inheritdoc cref="Blas.Axpy{TIsa}"/>
    public abstract void Axpy(float a, ReadOnlySpan<float> x, Span<float> y);

    /// <inheritdoc cref="Blas.RowDots{TIsa}"/>
    public abstract void RowDots(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> x, Span<float> y);

    /// <inheritdoc cref="Blas.AddWeightedRows{TIsa}"/>
    public abstract void AddWeightedRows(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> q, Span<float> y);

    /// <inheritdoc cref="Blas.ScaleRows{TIsa}"/>
    public abstract void ScaleRows(ReadOnlySpan<float> src, int rows, int stride, ReadOnlySpan<float> s, Span<float> dst);

    /// <inheritdoc cref="Blas.WeightedRowsMatVec{TIsa}"/>
    public abstract void WeightedRowsMatVec(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> v, Span<float> y);

    /// <inheritdoc cref="Blas.WeightedRowsResidual{TIsa}"/>
    public abstract void WeightedRowsResidual(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y);

    /// <inheritdoc cref="Blas.WeightedRowsResidualAndSum{TIsa}"/>
    public abstract void WeightedRowsResidualAndSum(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y, Span<float> m);

    /// <summary><see cref="Blas.TryWeightedRowsIndexed{TIsa}"/> over the rows of <paramref name="factors"/> (row count <c>factors.Length / stride</c>).</summary>
    public abstract bool TryWeightedRowsIndexed(ReadOnlySpan<float> factors, int stride, ReadOnlySpan<int> cols, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, bool residual, ReadOnlySpan<float> v, Span<float> y);

    /// <summary><see cref="Blas.TryWeightedRowsResidualAndSumIndexed{TIsa}"/> over the rows of <paramref name="factors"/>.</summary>
    public abstract bool TryWeightedRowsResidualAndSumIndexed(ReadOnlySpan<float> factors, int stride, ReadOnlySpan<int> cols, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y, Span<float> m);

    /// <inheritdoc cref="Blas.ColumnMatVec{TIsa}"/>
    public abstract void ColumnMatVec(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x, Span<float> y);

    /// <inheritdoc cref="Blas.ColumnMatVec2{TIsa}"/>
    public abstract void ColumnMatVec2(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x0, Span<float> y0, ReadOnlySpan<float> x1, Span<float> y1);

    /// <inheritdoc cref="Blas.ColumnMatVec4{TIsa}"/>
    public abstract void ColumnMatVec4(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> x3, Span<float> y0, Span<float> y1, Span<float> y2, Span<float> y3);

    /// <inheritdoc cref="Syrk.SyrkUpper{TIsa}"/>
    public abstract void SyrkUpper(ReadOnlySpan<float> a, int n, int w, Span<float> g);

    /// <inheritdoc cref="Syrk.SyrkUpperFrom{TIsa}"/>
    public abstract void SyrkUpperFrom(ReadOnlySpan<float> init, ReadOnlySpan<float> a, int n, int w, Span<float> g);

    /// <inheritdoc cref="Cholesky.Factor{TIsa}"/>
    public abstract int CholeskyFactor(Span<float> a, int d, int w);

    /// <inheritdoc cref="Cholesky.Solve{TIsa}"/>
    public abstract void CholeskySolve(ReadOnlySpan<float> r, int d, int w, Span<float> b);

    /// <inheritdoc cref="ScoreKernel.Score{TIsa}"/>
    public abstract void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld);

    /// <inheritdoc cref="Kernels.ScorePacked.Score{TIsa}"/>
    public abstract void ScorePacked(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> panels, int itemCount, int stride, Span<float> scores, int ld);
}

/// <summary>The kernels of the path <typeparamref name="TIsa"/>: each member calls the generic kernel specialized for it.</summary>
internal sealed class KernelSet<TIsa> : KernelSet
    where TIsa : struct, IIsa
{
    public static readonly KernelSet<TIsa> Instance = new();

    private KernelSet()
    {
    }

    public override KernelPath Path => TIsa.Path;

    public override TResult Visit<TVisitor, TResult>(TVisitor visitor) => visitor.Visit<TIsa>();

    public override float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Blas.Dot<TIsa>(x, y);

    public override void Axpy(float a, ReadOnlySpan<float> x, Span<float> y) => Blas.Axpy<TIsa>(a, x, y);

    public override void RowDots(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> x, Span<float> y) => Blas.RowDots<TIsa>(block, rows, stride, x, y);

    public override void AddWeightedRows(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> q, Span<float> y) => Blas.AddWeightedRows<TIsa>(block, rows, stride, q, y);

    public override void ScaleRows(ReadOnlySpan<float> src, int rows, int stride, ReadOnlySpan<float> s, Span<float> dst) => Blas.ScaleRows<TIsa>(src, rows, stride, s, dst);

    public override void WeightedRowsMatVec(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> v, Span<float> y) =>
        Blas.WeightedRowsMatVec<TIsa>(block, rows, stride, wt, v, y);

    public override void WeightedRowsResidual(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y) =>
        Blas.WeightedRowsResidual<TIsa>(block, rows, stride, wt, q, v, y);

    public override void WeightedRowsResidualAndSum(ReadOnlySpan<float> block, int rows, int stride, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y, Span<float> m) =>
        Blas.WeightedRowsResidualAndSum<TIsa>(block, rows, stride, wt, q, v, y, m);

    public override bool TryWeightedRowsIndexed(ReadOnlySpan<float> factors, int stride, ReadOnlySpan<int> cols, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, bool residual, ReadOnlySpan<float> v, Span<float> y)
    {
        CheckColumns(factors, stride, cols);
        return Blas.TryWeightedRowsIndexed<TIsa>(ref MemoryMarshal.GetReference(factors), factors.Length / stride, stride, cols, wt, q, residual, v, y);
    }

    public override bool TryWeightedRowsResidualAndSumIndexed(ReadOnlySpan<float> factors, int stride, ReadOnlySpan<int> cols, ReadOnlySpan<float> wt, ReadOnlySpan<float> q, ReadOnlySpan<float> v, Span<float> y, Span<float> m)
    {
        CheckColumns(factors, stride, cols);
        return Blas.TryWeightedRowsResidualAndSumIndexed<TIsa>(ref MemoryMarshal.GetReference(factors), factors.Length / stride, stride, cols, wt, q, v, y, m);
    }

    /// <summary>The columns the in-place kernels trust (their callers' CSR rows are validated): checked here for every caller of this set.</summary>
    private static void CheckColumns(ReadOnlySpan<float> factors, int stride, ReadOnlySpan<int> cols)
    {
        int rows = stride > 0 ? factors.Length / stride : 0;
        foreach (int col in cols)
        {
            if ((uint)col >= (uint)rows)
            {
                throw new ArgumentOutOfRangeException(nameof(cols), col, $"A column must be in [0, {rows}).");
            }
        }
    }

    public override void ColumnMatVec(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x, Span<float> y) => Blas.ColumnMatVec<TIsa>(a, rows, stride, x, y);

    public override void ColumnMatVec2(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x0, Span<float> y0, ReadOnlySpan<float> x1, Span<float> y1) =>
        Blas.ColumnMatVec2<TIsa>(a, rows, stride, x0, y0, x1, y1);

    public override void ColumnMatVec4(ReadOnlySpan<float> a, int rows, int stride, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> x3, Span<float> y0, Span<float> y1, Span<float> y2, Span<float> y3) =>
        Blas.ColumnMatVec4<TIsa>(a, rows, stride, x0, x1, x2, x3, y0, y1, y2, y3);

    public override void SyrkUpper(ReadOnlySpan<float> a, int n, int w, Span<float> g) => Syrk.SyrkUpper<TIsa>(a, n, w, g);

    public override void SyrkUpperFrom(ReadOnlySpan<float> init, ReadOnlySpan<float> a, int n, int w, Span<float> g) => Syrk.SyrkUpperFrom<TIsa>(init, a, n, w, g);

    public override int CholeskyFactor(Span<float> a, int d, int w) => Cholesky.Factor<TIsa>(a, d, w);

    public override void CholeskySolve(ReadOnlySpan<float> r, int d, int w, Span<float> b) => Cholesky.Solve<TIsa>(r, d, w, b);

    public override void Score(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> items, int itemCount, int stride, Span<float> scores, int ld) =>
        ScoreKernel.Score<TIsa>(users, userCount, items, itemCount, stride, scores, ld);

    public override void ScorePacked(ReadOnlySpan<float> users, int userCount, ReadOnlySpan<float> panels, int itemCount, int stride, Span<float> scores, int ld) =>
        Kernels.ScorePacked.Score<TIsa>(users, userCount, panels, itemCount, stride, scores, ld);
}
