using System.Reflection;
using FastAls.Internals.Kernels;

namespace FastAls.Tests.Engine;

/// <summary>
/// The block kernels that are built from <c>AggressiveInlining</c> helpers are never inlined themselves (see
/// <see cref="GroupedRows.WeightedRows{TOps, TVec}"/>): inlined into a large caller, their helpers could stay calls, and
/// which way the JIT went depended on what the process had trained before.
/// </summary>
public class BlockKernelInliningTests
{
    public static TheoryData<string, string> Kernels() => new()
    {
        { nameof(WeightedRowKernels), "RegisterRows" },
        { nameof(GroupedRows), nameof(GroupedRows.WeightedRows) },
        { nameof(GroupedRows), nameof(GroupedRows.RowDots) },
        { nameof(Syrk256), nameof(Syrk256.Upper) },
        { nameof(Syrk512), nameof(Syrk512.Upper) },
        { nameof(ScorePacked256), nameof(ScorePacked256.Tile) },
        { nameof(ScorePacked512), nameof(ScorePacked512.Tile) },
    };

    [Fact]
    public void The_chunk_solve_is_a_call_and_the_row_solve_helpers_are_inlined()
    {
        MethodInfo solveRows = typeof(FastAls.Internals.Solvers.RowSolver).GetMethods(BindingFlags.NonPublic | BindingFlags.Static).Single(m => m.Name == "SolveRows" && m.IsGenericMethodDefinition);
        Assert.True(solveRows.MethodImplementationFlags.HasFlag(MethodImplAttributes.NoInlining));
        foreach (string name in new[] { nameof(Blas.Dot), nameof(Blas.Axpy) })
        {
            MethodInfo m = typeof(Blas).GetMethods(BindingFlags.Public | BindingFlags.Static).Single(x => x.Name == name);
            Assert.True(m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveInlining), name);
        }
    }

    // Each measured slower inside its caller (RowSolver's remarks on each):
    // PrepareApart, the unbiased models' whole-row gather: its loop reloaded about a dozen values from the stack;
    // AddToDiagonal: lambda was stored and reloaded every entry;
    // CgStart and CgStep: they used up the chunk solve's inlining budget, and Blas.Dot and Blas.Axpy stayed calls.
    [Theory]
    [InlineData("PrepareApart")]
    [InlineData("AddToDiagonal")]
    [InlineData("CgStart")]
    [InlineData("CgStep")]
    public void Row_solve_step_is_compiled_apart(string method)
    {
        MethodInfo m = typeof(FastAls.Internals.Solvers.RowSolver).GetMethods(BindingFlags.NonPublic | BindingFlags.Static).Single(x => x.Name == method);
        Assert.True(m.MethodImplementationFlags.HasFlag(MethodImplAttributes.NoInlining), method);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Block_kernel_is_not_inlined(string type, string method)
    {
        Type t = typeof(GroupedRows).Assembly.GetType("FastAls.Internals.Kernels." + type, throwOnError: true)!;
        MethodInfo[] found = t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(m => m.Name == method).ToArray();
        Assert.NotEmpty(found);
        Assert.All(found, m => Assert.True(m.MethodImplementationFlags.HasFlag(MethodImplAttributes.NoInlining), $"{type}.{method} may be inlined"));
    }

    [Fact]
    public void Helpers_of_the_register_kernel_are_inlined()
    {
        // The other half of the rule: the helpers go into the kernel's own body.
        MethodInfo[] helpers = typeof(WeightedRowKernels).GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.Name is "Coefficients4" or "DotParts" or "AddRows4" or "AddRow").ToArray();
        Assert.Equal(4, helpers.Length);
        Assert.All(helpers, m => Assert.True(m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveInlining), m.Name));
    }
}
