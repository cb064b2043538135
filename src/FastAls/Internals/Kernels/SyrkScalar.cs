using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastAls.Internals.Kernels;

/// <summary>The scalar SYRK kernel: row by row of G, skipping zero entries of A (the sqrt-scaled blocks have many).</summary>
internal static class SyrkScalar
{
    /// <summary>See <see cref="IIsa.SyrkUpper"/>: starts row p from column <c>p &amp; ~15</c> of src (or zero), then accumulates.</summary>
    public static void Upper(ref float a, int n, int w, ref float g, ref float src, bool zero)
    {
        Start(w, ref g, ref src, zero);
        for (int p = 0; p < w; p++)
        {
            ref float gp = ref Unsafe.Add(ref g, (nint)p * w);
            for (int j = 0; j < n; j++)
            {
                ref float aj = ref Unsafe.Add(ref a, (nint)j * w);
                float ap = Unsafe.Add(ref aj, p);
                if (ap == 0f)
                {
                    continue;
                }

                for (int q = p; q < w; q++)
                {
                    Unsafe.Add(ref gp, q) += ap * Unsafe.Add(ref aj, q);
                }
            }
        }
    }

    /// <summary>Row p of g from column <c>p &amp; ~15</c>: zero, or a copy of src (nothing when src is g).</summary>
    public static void Start(int w, ref float g, ref float src, bool zero)
    {
        if (!zero && Unsafe.AreSame(ref g, ref src))
        {
            return;
        }

        for (int p = 0; p < w; p++)
        {
            int s = (p * w) + (p & ~15);
            Span<float> dst = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, s), w - (p & ~15));
            if (zero)
            {
                dst.Clear();
            }
            else
            {
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref src, s), w - (p & ~15)).CopyTo(dst);
            }
        }
    }
}
