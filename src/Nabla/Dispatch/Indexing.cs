using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>
/// The index-based ops, concatenation and padding on tensors, computed by <see cref="IndexingKernels"/> and strided
/// copies. Indices are validated by the caller.
/// </summary>
internal static class Indexing
{
    /// <summary>Splits a contiguous shape around <paramref name="dim"/> into (outer, size, inner).</summary>
    private static (int Outer, int Size, int Inner) Around(ReadOnlySpan<int> shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, shape[dim], inner);
    }

    /// <summary>The slices of <paramref name="x"/> at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public static Tensor IndexSelect(Tensor x, int dim, long[] index)
    {
        var c = x.Materialize();
        var (outer, size, inner) = Around(c.ShapeArray, dim);
        var outShape = (int[])c.ShapeArray.Clone();
        outShape[dim] = index.Length;
        var result = Tensor.Empty(outShape, x.DType);
        switch (x.DType.ElementSize())
        {
            case 1: IndexingKernels.IndexSelect<byte>(c.RawSpan<byte>(), outer, size, inner, index, result.RawSpan<byte>()); break;
            case 2: IndexingKernels.IndexSelect<ushort>(c.RawSpan<ushort>(), outer, size, inner, index, result.RawSpan<ushort>()); break;
            case 4: IndexingKernels.IndexSelect<int>(c.RawSpan<int>(), outer, size, inner, index, result.RawSpan<int>()); break;
            default: IndexingKernels.IndexSelect<long>(c.RawSpan<long>(), outer, size, inner, index, result.RawSpan<long>()); break;
        }
        return result;
    }

    /// <summary>A copy of <paramref name="x"/> with the slices of <paramref name="src"/> added at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public static Tensor IndexAdd(Tensor x, int dim, long[] index, Tensor src)
    {
        var result = x.Copy();
        var s = src.Materialize();
        var (outer, size, inner) = Around(result.ShapeArray, dim);
        switch (x.DType)
        {
            case DType.Float32: IndexingKernels.IndexAdd(s.AsSpan<float>(), outer, size, inner, index, result.AsSpan<float>()); break;
            case DType.Float64: IndexingKernels.IndexAdd(s.AsSpan<double>(), outer, size, inner, index, result.AsSpan<double>()); break;
            default: IndexingKernels.IndexAdd(s.AsSpan<long>(), outer, size, inner, index, result.AsSpan<long>()); break;
        }
        return result;
    }

    /// <summary>out[..., i, ...] = x[..., index[..., i, ...], ...] along <paramref name="dim"/>; the output has the index's shape.</summary>
    public static Tensor Gather(Tensor x, int dim, Tensor index)
    {
        var idx = index.ToArray<long>();
        var result = Tensor.Empty((int[])index.ShapeArray.Clone(), x.DType);
        switch (x.DType.ElementSize())
        {
            case 1: IndexingKernels.Gather<byte>(x.Raw<byte>(), x.StridesArray, dim, idx, index.ShapeArray, result.RawSpan<byte>()); break;
            case 2: IndexingKernels.Gather<ushort>(x.Raw<ushort>(), x.StridesArray, dim, idx, index.ShapeArray, result.RawSpan<ushort>()); break;
            case 4: IndexingKernels.Gather<int>(x.Raw<int>(), x.StridesArray, dim, idx, index.ShapeArray, result.RawSpan<int>()); break;
            default: IndexingKernels.Gather<long>(x.Raw<long>(), x.StridesArray, dim, idx, index.ShapeArray, result.RawSpan<long>()); break;
        }
        return result;
    }

    /// <summary>A copy of <paramref name="self"/> with src[p] added at self[p with index[p] along <paramref name="dim"/>].</summary>
    public static Tensor ScatterAdd(Tensor self, int dim, Tensor index, Tensor src)
    {
        var result = self.Copy();
        var idx = index.ToArray<long>();
        var values = src.Materialize();
        switch (self.DType)
        {
            case DType.Float32: ScatterAdd<float>(values, dim, idx, index.ShapeArray, result); break;
            case DType.Float64: ScatterAdd<double>(values, dim, idx, index.ShapeArray, result); break;
            default: ScatterAdd<long>(values, dim, idx, index.ShapeArray, result); break;
        }
        return result;
    }

    private static void ScatterAdd<T>(Tensor values, int dim, long[] index, int[] shape, Tensor result) where T : unmanaged, INumberBase<T> =>
        IndexingKernels.ScatterAdd(values.AsSpan<T>(), dim, index, shape, result.AsSpan<T>(), result.StridesArray);

    /// <summary>Concatenation of same-dtype tensors along <paramref name="dim"/> (shapes already validated).</summary>
    public static Tensor Cat(Tensor[] tensors, int dim, int[] outShape)
    {
        var result = Tensor.Empty(outShape, tensors[0].DType);
        int offset = 0;
        foreach (var t in tensors)
        {
            int len = t.ShapeArray[dim];
            if (len == 0) continue;
            result.NarrowView(dim, offset, len).CopyFromUnchecked(t);
            offset += len;
        }
        return result;
    }

    /// <summary>Zeros of the padded shape with <paramref name="x"/> copied into the middle along <paramref name="dim"/>.</summary>
    public static Tensor Pad(Tensor x, int dim, int before, int after)
    {
        var shape = (int[])x.ShapeArray.Clone();
        shape[dim] += before + after;
        var result = Tensor.ZerosInternal(shape, x.DType);
        result.NarrowView(dim, before, x.ShapeArray[dim]).CopyFromUnchecked(x);
        return result;
    }

    /// <summary>A contiguous copy of <paramref name="x"/> reversed along every dim d with <paramref name="flipped"/>[d].</summary>
    public static Tensor Flip(Tensor x, bool[] flipped)
    {
        var c = x.Materialize();
        var result = Tensor.Empty((int[])c.ShapeArray.Clone(), x.DType);
        switch (x.DType)
        {
            case DType.Float32: FlipKernel.Flip<float>(c.AsSpan<float>(), c.ShapeArray, flipped, result.AsSpan<float>()); break;
            case DType.Float64: FlipKernel.Flip<double>(c.AsSpan<double>(), c.ShapeArray, flipped, result.AsSpan<double>()); break;
            default: FlipKernel.Flip<long>(c.AsSpan<long>(), c.ShapeArray, flipped, result.AsSpan<long>()); break;
        }
        return result;
    }

    /// <summary>Zeros of <paramref name="shape"/> with <paramref name="x"/> written into the diagonal view <paramref name="diagonal"/> makes of them.</summary>
    public static Tensor DiagEmbed(Tensor x, int[] shape, Func<Tensor, Tensor> diagonal)
    {
        var result = Tensor.ZerosInternal(shape, x.DType);
        if (x.Numel > 0) diagonal(result).CopyFromUnchecked(x);
        return result;
    }
}
