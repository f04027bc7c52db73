using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// Selection and accumulation by index along one dimension. A contiguous tensor is seen around that dimension as
/// (outer, size, inner); indices are validated by the caller (0 ≤ index &lt; size).
/// </summary>
public static class IndexingKernels
{
    /// <summary>dst[o, i, :] = src[o, index[i], :], for src (outer, size, inner) and dst (outer, index.Length, inner).</summary>
    public static void IndexSelect<T>(ReadOnlySpan<T> src, int outer, int size, int inner, ReadOnlySpan<long> index, Span<T> dst)
    {
        int k = index.Length;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < k; i++)
                src.Slice(((o * size) + (int)index[i]) * inner, inner).CopyTo(dst.Slice(((o * k) + i) * inner, inner));
        }
    }

    /// <summary>dst[o, index[i], :] += src[o, i, :], for dst (outer, size, inner) and src (outer, index.Length, inner).</summary>
    public static void IndexAdd<T>(ReadOnlySpan<T> src, int outer, int size, int inner, ReadOnlySpan<long> index, Span<T> dst)
        where T : INumberBase<T>
    {
        int k = index.Length;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < k; i++)
            {
                var row = dst.Slice(((o * size) + (int)index[i]) * inner, inner);
                TensorPrimitives.Add(row, src.Slice(((o * k) + i) * inner, inner), row);
            }
        }
    }

    /// <summary>
    /// dst[p] = x[p with its coordinate along <paramref name="dim"/> replaced by index[p]], for every position p of the
    /// contiguous index and destination of <paramref name="shape"/>; x is strided by <paramref name="xStrides"/>.
    /// </summary>
    public static void Gather<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> xStrides, int dim, ReadOnlySpan<long> index, ReadOnlySpan<int> shape, Span<T> dst)
    {
        Span<int> pos = stackalloc int[shape.Length];
        for (int flat = 0; flat < index.Length; flat++)
        {
            int src = 0;
            for (int d = 0; d < pos.Length; d++) src += (d == dim ? (int)index[flat] : pos[d]) * xStrides[d];
            dst[flat] = x[src];
            Advance(pos, shape);
        }
    }

    /// <summary>
    /// dst[p with its coordinate along <paramref name="dim"/> replaced by index[p]] += src[p], for every position p of
    /// the contiguous index and source of <paramref name="shape"/>; dst is strided by <paramref name="dstStrides"/>.
    /// </summary>
    public static void ScatterAdd<T>(ReadOnlySpan<T> src, int dim, ReadOnlySpan<long> index, ReadOnlySpan<int> shape, Span<T> dst, ReadOnlySpan<int> dstStrides)
        where T : INumberBase<T>
    {
        Span<int> pos = stackalloc int[shape.Length];
        for (int flat = 0; flat < index.Length; flat++)
        {
            int to = 0;
            for (int d = 0; d < pos.Length; d++) to += (d == dim ? (int)index[flat] : pos[d]) * dstStrides[d];
            dst[to] += src[flat];
            Advance(pos, shape);
        }
    }

    private static void Advance(Span<int> pos, ReadOnlySpan<int> shape)
    {
        for (int d = pos.Length - 1; d >= 0 && ++pos[d] == shape[d]; d--) pos[d] = 0;
    }
}
