namespace Nabla.Kernels;

/// <summary>Reversal of a contiguous array along chosen dimensions.</summary>
public static class FlipKernel
{
    /// <summary>
    /// dst = src reversed along every dim d with <paramref name="flipped"/>[d], both contiguous of
    /// <paramref name="shape"/>: one pass over the rows of the last dim, each copied forwards or backwards.
    /// </summary>
    public static void Flip<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> shape, ReadOnlySpan<bool> flipped, Span<T> dst)
    {
        int n = src.Length;
        if (n == 0) return;
        if (shape.Length == 0)
        {
            dst[0] = src[0];
            return;
        }
        int rank = shape.Length;
        int row = shape[^1];
        int rows = n / row;
        var strides = Strided.ContiguousStrides(shape);
        Span<int> index = stackalloc int[rank];
        for (int r = 0; r < rows; r++)
        {
            int from = 0;
            for (int d = 0; d < rank - 1; d++) from += (flipped[d] ? shape[d] - 1 - index[d] : index[d]) * strides[d];
            var target = dst.Slice(r * row, row);
            src.Slice(from, row).CopyTo(target);
            if (flipped[^1]) target.Reverse();
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
    }
}
