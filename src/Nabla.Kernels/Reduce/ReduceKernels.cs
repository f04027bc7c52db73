using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// Reductions of a contiguous (outer, reduced, inner) block over its middle dimension into (outer, inner): rows with
/// inner = 1 go to one span reduction each; narrow inner rows are reduced column-wise in registers; wide ones are
/// combined a whole row at a time.
/// </summary>
public static class ReduceKernels
{
    /// <summary>Widest row reduced column-wise in registers; wider rows are combined a whole row at a time.</summary>
    private const int NarrowColumns = 256;

    /// <summary>
    /// dst[o, j] = reduce over r of src[o, r, j], for src of outer·reduced·inner elements and dst of outer·inner. With
    /// <paramref name="reduced"/> = 0 the result is 0 (the caller rejects empty max and min reductions).
    /// </summary>
    public static void Reduce<T, TReducer>(ReadOnlySpan<T> src, int outer, int reduced, int inner, Span<T> dst)
        where T : INumber<T> where TReducer : IReducer<T>
    {
        if (reduced == 0)
        {
            dst[..(outer * inner)].Clear();
            return;
        }
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = TReducer.Reduce(src.Slice(o * reduced, reduced));
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var acc = dst.Slice(o * inner, inner);
            var block = src.Slice(o * reduced * inner, reduced * inner);
            if (inner <= NarrowColumns)
            {
                Columns<T, TReducer>(block, reduced, inner, acc);
                continue;
            }
            block[..inner].CopyTo(acc);
            for (int r = 1; r < reduced; r++) TReducer.Combine(acc, block.Slice(r * inner, inner), acc);
        }
    }

    /// <summary>
    /// Reduces a (reduced, inner) block over its rows, a few vectors of columns at a time kept in registers, so that
    /// narrow rows (a bias gradient's 1000×16, say) cost one load per element and no per-row calls.
    /// </summary>
    private static void Columns<T, TReducer>(ReadOnlySpan<T> block, int reduced, int inner, Span<T> acc)
        where T : INumber<T> where TReducer : IReducer<T>
    {
        ref T src = ref MemoryMarshal.GetReference(block);
        ref T dst = ref MemoryMarshal.GetReference(acc);
        int w = Vector<T>.IsSupported && Vector.IsHardwareAccelerated ? Vector<T>.Count : int.MaxValue;
        int j = 0;
        for (; j <= inner - (2 * w); j += 2 * w)
        {
            // Two independent chains per column vector (even and odd rows) halve the add-latency bound.
            var a0 = Vector.LoadUnsafe(ref src, (nuint)j);
            var a1 = Vector.LoadUnsafe(ref src, (nuint)(j + w));
            var b0 = TReducer.Seed(a0);
            var b1 = TReducer.Seed(a1);
            int r = 1;
            for (; r + 1 < reduced; r += 2)
            {
                nuint at = (nuint)((r * inner) + j);
                a0 = TReducer.Combine(a0, Vector.LoadUnsafe(ref src, at));
                a1 = TReducer.Combine(a1, Vector.LoadUnsafe(ref src, at + (nuint)w));
                b0 = TReducer.Combine(b0, Vector.LoadUnsafe(ref src, at + (nuint)inner));
                b1 = TReducer.Combine(b1, Vector.LoadUnsafe(ref src, at + (nuint)(inner + w)));
            }
            if (r < reduced)
            {
                nuint at = (nuint)((r * inner) + j);
                a0 = TReducer.Combine(a0, Vector.LoadUnsafe(ref src, at));
                a1 = TReducer.Combine(a1, Vector.LoadUnsafe(ref src, at + (nuint)w));
            }
            TReducer.Combine(a0, b0).StoreUnsafe(ref dst, (nuint)j);
            TReducer.Combine(a1, b1).StoreUnsafe(ref dst, (nuint)(j + w));
        }
        for (; j <= inner - w; j += w)
        {
            var a = Vector.LoadUnsafe(ref src, (nuint)j);
            for (int r = 1; r < reduced; r++) a = TReducer.Combine(a, Vector.LoadUnsafe(ref src, (nuint)((r * inner) + j)));
            a.StoreUnsafe(ref dst, (nuint)j);
        }
        for (; j < inner; j++)
        {
            T a = Unsafe.Add(ref src, j);
            for (int r = 1; r < reduced; r++) a = TReducer.Combine(a, Unsafe.Add(ref src, (r * inner) + j));
            Unsafe.Add(ref dst, j) = a;
        }
    }

    /// <summary>
    /// dst[o, j] = the index r of the first maximum (<paramref name="max"/>) or minimum of src[o, r, j] over r, for
    /// src of outer·n·inner elements (n ≥ 1); a NaN counts as the extremum, as in PyTorch.
    /// </summary>
    public static void ArgExtreme<T>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<long> dst, bool max) where T : INumber<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int best = 0;
                T bestValue = src[o * n * inner + j];
                for (int r = 1; r < n && !T.IsNaN(bestValue); r++)
                {
                    T v = src[((o * n) + r) * inner + j];
                    if (T.IsNaN(v) || (max ? v > bestValue : v < bestValue))
                    {
                        best = r;
                        bestValue = v;
                    }
                }
                dst[o * inner + j] = best;
            }
        }
    }
}
