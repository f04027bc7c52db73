using Nabla.Kernels;

namespace Nabla.Ops;

/// <summary>Batched matrix product over strided operands, handed to the packed GEMM without copying transposed views.</summary>
internal static class MatMulKernel
{
    /// <summary>a (…, m, k) · b (…, k, n) → (broadcast …, m, n). Both operands have rank ≥ 2 and a float dtype.</summary>
    public static Tensor Run(Tensor a, Tensor b, int[] batchShape)
    {
        int m = a._shape[^2], k = a._shape[^1], n = b._shape[^1];
        var outShape = new int[batchShape.Length + 2];
        batchShape.CopyTo(outShape, 0);
        outShape[^2] = m;
        outShape[^1] = n;
        var result = Tensor.Empty(outShape, a.DType);
        if (result.Numel == 0) return result;

        var aBatch = BatchStrides(a, batchShape);
        var bBatch = BatchStrides(b, batchShape);
        var cBatch = ShapeUtil.ContiguousStrides(outShape)[..batchShape.Length];
        var (cs, st) = Strided.Collapse(batchShape, aBatch, bBatch, cBatch);
        int inner = cs[^1];
        int rows = Strided.Rows(cs);
        var index = new int[cs.Length];
        Span<int> offs = stackalloc int[3] { a.Offset, b.Offset, 0 };
        int ars = a._strides[^2], acs = a._strides[^1], brs = b._strides[^2], bcs = b._strides[^1];
        for (int r = 0; r < rows; r++)
        {
            switch (a.Storage, b.Storage, result.Storage)
            {
                case (Storage<float> sa, Storage<float> sb, Storage<float> sc):
                    Gemm.MultiplyBatched(inner, m, n, k, 1f, sa.Data.AsSpan(offs[0]), st[0][^1], ars, acs,
                        sb.Data.AsSpan(offs[1]), st[1][^1], brs, bcs, 0f, sc.Data.AsSpan(offs[2]), st[2][^1], n);
                    break;
                case (Storage<double> sa, Storage<double> sb, Storage<double> sc):
                    Gemm.MultiplyBatched(inner, m, n, k, 1.0, sa.Data.AsSpan(offs[0]), st[0][^1], ars, acs,
                        sb.Data.AsSpan(offs[1]), st[1][^1], brs, bcs, 0.0, sc.Data.AsSpan(offs[2]), st[2][^1], n);
                    break;
                default:
                    throw new NotSupportedException($"MatMul: not defined for {a.DType.Name()} tensors.");
            }
            Strided.Next(index, cs, st, offs);
        }
        return result;
    }

    private static int[] BatchStrides(Tensor t, int[] batchShape)
    {
        var strides = new int[batchShape.Length];
        int lead = batchShape.Length - (t.Rank - 2);
        for (int i = 0; i < t.Rank - 2; i++)
            strides[lead + i] = t._shape[i] == 1 ? 0 : t._strides[i];
        return strides;
    }
}
