using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>Matrix decompositions: a batch of (…, m, n) float matrices made contiguous and handed to <see cref="SvdKernels"/>. Arguments are validated by the caller.</summary>
internal static class LinearAlgebra
{
    /// <summary>
    /// The reduced SVD of each matrix of <paramref name="a"/>, flattened side by side along the last dim as
    /// (…, k·m + k + k·n): U (m×k), S (k) and Vh (k×n), each row-major, k = min(m, n).
    /// </summary>
    public static Tensor Svd(Tensor a)
    {
        var c = a.Materialize();
        int rank = c.Rank, m = c.ShapeArray[rank - 2], n = c.ShapeArray[rank - 1], k = Math.Min(m, n);
        int batch = 1;
        for (int d = 0; d < rank - 2; d++) batch *= c.ShapeArray[d];
        var shape = new int[rank - 1];
        Array.Copy(c.ShapeArray, shape, rank - 2);
        int width = (k * m) + k + (k * n);
        shape[^1] = width;
        var result = Tensor.Empty(shape, c.DType);
        // Each matrix is decomposed straight into its slot of the packed result: U, then S, then Vh.
        for (int b = 0; b < batch; b++)
        {
            if (c.DType == DType.Float32)
            {
                var slot = result.AsSpan<float>().Slice(b * width, width);
                SvdKernels.Svd(c.AsSpan<float>().Slice(b * m * n, m * n), 1, m, n, slot[..(k * m)], slot.Slice(k * m, k), slot[((k * m) + k)..]);
            }
            else
            {
                var slot = result.AsSpan<double>().Slice(b * width, width);
                SvdKernels.Svd(c.AsSpan<double>().Slice(b * m * n, m * n), 1, m, n, slot[..(k * m)], slot.Slice(k * m, k), slot[((k * m) + k)..]);
            }
        }
        return result;
    }

    /// <summary>Orthonormal columns (…, m, m − k) completing the orthonormal columns of <paramref name="q"/> (…, m, k) to a basis; not differentiable.</summary>
    public static Tensor Complement(Tensor q)
    {
        var c = q.Detach().To(DType.Float64).Materialize();
        int rank = c.Rank, rows = c.ShapeArray[rank - 2], cols = c.ShapeArray[rank - 1];
        int batch = 1;
        for (int d = 0; d < rank - 2; d++) batch *= c.ShapeArray[d];
        var shape = (int[])c.ShapeArray.Clone();
        shape[^1] = rows - cols;
        var result = Tensor.Empty(shape, DType.Float64);
        SvdKernels.Complement(c.AsSpan<double>(), batch, rows, cols, result.AsSpan<double>());
        return result.To(q.DType);
    }
}
