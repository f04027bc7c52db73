using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>Batched matrix product over strided operands, handed to the packed GEMM without copying transposed views.</summary>
internal static class MatMul
{
    /// <summary>a (…, m, k) · b (…, k, n) → (broadcast …, m, n). Both operands have rank ≥ 2 and a float dtype.</summary>
    public static Tensor Batched(Tensor a, Tensor b, int[] batchShape)
    {
        int m = a.ShapeArray[^2], k = a.ShapeArray[^1], n = b.ShapeArray[^1];
        var outShape = new int[batchShape.Length + 2];
        batchShape.CopyTo(outShape, 0);
        outShape[^2] = m;
        outShape[^1] = n;
        var result = Tensor.Empty(outShape, a.DType);
        if (result.Numel == 0) return result;

        var aBatch = BatchStrides(a, batchShape);
        var bBatch = BatchStrides(b, batchShape);
        var cBatch = Strided.ContiguousStrides(outShape)[..batchShape.Length];
        var (cs, st) = Strided.Collapse(batchShape, aBatch, bBatch, cBatch);
        int inner = cs[^1];
        int rows = Strided.Rows(cs);
        Span<int> index = stackalloc int[cs.Length];
        Span<int> offs = stackalloc int[3] { a.Offset, b.Offset, 0 };
        int ars = a.StridesArray[^2], acs = a.StridesArray[^1], brs = b.StridesArray[^2], bcs = b.StridesArray[^1];
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

    /// <summary>
    /// x (…, in) · wᵀ + bias over the last dim, as (…, out): the bias rows are written into the output first and the
    /// product accumulates onto them (beta = 1), so no separate pass adds the bias. All share one float dtype.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor w, Tensor? bias)
    {
        int features = w.ShapeArray[1], outputs = w.ShapeArray[0];
        var outShape = (int[])x.ShapeArray.Clone();
        outShape[^1] = outputs;
        var result = Tensor.Empty(outShape, x.DType);
        if (result.Numel == 0) return result;
        int rows = result.Numel / outputs;

        // Rows of x: a 2-D view is used as it is, whatever its strides; higher ranks are flattened (copied if they must be).
        Tensor rowsOfX;
        using (Autograd.NoGrad()) rowsOfX = x.Rank == 2 ? x : x.Reshape(rows, features);
        int xrs = rowsOfX.StridesArray[0], xcs = rowsOfX.StridesArray[1];
        switch (rowsOfX.Storage, w.Storage, result.Storage)
        {
            case (Storage<float> sx, Storage<float> sw, Storage<float> sc):
                float betaF = FillRows(bias, sc.Data.AsSpan(0, result.Numel), outputs);
                Gemm.Multiply(rows, outputs, features, 1f, sx.Data.AsSpan(rowsOfX.Offset), xrs, xcs,
                    sw.Data.AsSpan(w.Offset), w.StridesArray[1], w.StridesArray[0], betaF, sc.Data, outputs);
                break;
            case (Storage<double> sx, Storage<double> sw, Storage<double> sc):
                double betaD = FillRows(bias, sc.Data.AsSpan(0, result.Numel), outputs);
                Gemm.Multiply(rows, outputs, features, 1.0, sx.Data.AsSpan(rowsOfX.Offset), xrs, xcs,
                    sw.Data.AsSpan(w.Offset), w.StridesArray[1], w.StridesArray[0], betaD, sc.Data, outputs);
                break;
            default:
                throw new NotSupportedException($"Linear: not defined for {x.DType.Name()} tensors.");
        }
        return result;
    }

    /// <summary>Writes the bias into every row of <paramref name="c"/>; the beta that keeps it (1), or 0 without a bias.</summary>
    private static T FillRows<T>(Tensor? bias, Span<T> c, int width) where T : unmanaged, INumberBase<T>
    {
        if (bias is null) return T.Zero;
        Strided.FillRows(bias.ReadContiguous<T>()[..width], c);
        return T.One;
    }

    private static int[] BatchStrides(Tensor t, int[] batchShape)
    {
        var strides = new int[batchShape.Length];
        int lead = batchShape.Length - (t.Rank - 2);
        for (int i = 0; i < t.Rank - 2; i++)
            strides[lead + i] = t.ShapeArray[i] == 1 ? 0 : t.StridesArray[i];
        return strides;
    }
}
