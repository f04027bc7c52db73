using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// Writes at the positions of a strided layout (shape, non-negative strides, offset) over a flat span: the adjoint of a
/// strided view, the mark of the elements it covers, and the row writes of advanced-index assignment. Positions are
/// validated by the caller.
/// </summary>
public static class StridedIndexingKernels
{
    /// <summary>dst[offset + Σ iₖ·strides[k]] += src[i] for every index i of <paramref name="shape"/>, src row-major.</summary>
    public static void ScatterAdd<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int offset, Span<T> dst)
        where T : INumberBase<T>
    {
        if (src.Length == 0) return;
        Span<int> pos = stackalloc int[shape.Length];
        int at = offset;
        for (int flat = 0; flat < src.Length; flat++)
        {
            dst[at] += src[flat];
            at = Advance(pos, shape, strides, at);
        }
    }

    /// <summary>dst[offset + Σ iₖ·strides[k]] = 1 for every index i of <paramref name="shape"/>.</summary>
    public static void Mark(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int offset, Span<long> dst)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        Span<int> pos = stackalloc int[shape.Length];
        int at = offset;
        for (int flat = 0; flat < count; flat++)
        {
            dst[at] = 1;
            at = Advance(pos, shape, strides, at);
        }
    }

    /// <summary>
    /// For each row r: dst[rowOffsets[r] + Σ jₖ·restStrides[k]] = values[r, j] (or += when <paramref name="accumulate"/>),
    /// for every index j of <paramref name="restShape"/>; values is row-major (rows, restShape...). Rows are written in
    /// order, so a repeated row keeps the last values unless they accumulate.
    /// </summary>
    public static void PutRows<T>(ReadOnlySpan<T> values, ReadOnlySpan<long> rowOffsets, ReadOnlySpan<int> restShape, ReadOnlySpan<int> restStrides, Span<T> dst, bool accumulate)
        where T : INumberBase<T>
    {
        int rest = 1;
        foreach (int d in restShape) rest *= d;
        if (rest == 0) return;
        Span<int> pos = stackalloc int[restShape.Length];
        for (int r = 0; r < rowOffsets.Length; r++)
        {
            int at = (int)rowOffsets[r];
            var row = values.Slice(r * rest, rest);
            pos.Clear();
            for (int j = 0; j < rest; j++)
            {
                dst[at] = accumulate ? dst[at] + row[j] : row[j];
                at = Advance(pos, restShape, restStrides, at);
            }
        }
    }

    private static int Advance(Span<int> pos, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int at)
    {
        for (int d = pos.Length - 1; d >= 0; d--)
        {
            at += strides[d];
            if (++pos[d] < shape[d]) return at;
            at -= strides[d] * shape[d];
            pos[d] = 0;
        }
        return at;
    }
}
