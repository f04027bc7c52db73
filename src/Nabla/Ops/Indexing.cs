namespace Nabla.Ops;

/// <summary>Forward kernels for the index-based ops and concatenation. Indices are validated by the caller.</summary>
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

    public static Tensor IndexSelect(Tensor x, int dim, long[] index)
    {
        var c = x.Materialize();
        var (outer, size, inner) = Around(c._shape, dim);
        var outShape = (int[])c._shape.Clone();
        outShape[dim] = index.Length;
        var result = Tensor.Empty(outShape, x.DType);
        switch (c.Storage, result.Storage)
        {
            case (Storage<float> s, Storage<float> d): Select(s.Data, c.Offset, d.Data, outer, size, inner, index); break;
            case (Storage<double> s, Storage<double> d): Select(s.Data, c.Offset, d.Data, outer, size, inner, index); break;
            case (Storage<long> s, Storage<long> d): Select(s.Data, c.Offset, d.Data, outer, size, inner, index); break;
        }
        return result;
    }

    private static void Select<T>(T[] src, int offset, T[] dst, int outer, int size, int inner, long[] index)
    {
        int k = index.Length;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < k; i++)
                src.AsSpan(offset + (o * size + (int)index[i]) * inner, inner).CopyTo(dst.AsSpan((o * k + i) * inner, inner));
    }

    /// <summary>A copy of <paramref name="x"/> with the slices of <paramref name="src"/> added at <paramref name="index"/> along dim.</summary>
    public static Tensor IndexAdd(Tensor x, int dim, long[] index, Tensor src)
    {
        var result = x.Copy();
        var s = src.Materialize();
        var (outer, size, inner) = Around(result._shape, dim);
        int k = index.Length;
        switch (result.Storage, s.Storage)
        {
            case (Storage<float> d, Storage<float> v): AddSlices(v.Data, s.Offset, d.Data, outer, size, inner, index); break;
            case (Storage<double> d, Storage<double> v): AddSlices(v.Data, s.Offset, d.Data, outer, size, inner, index); break;
            case (Storage<long> d, Storage<long> v): AddSlices(v.Data, s.Offset, d.Data, outer, size, inner, index); break;
        }
        return result;

        static void AddSlices<T>(T[] src, int offset, T[] dst, int outer, int size, int inner, long[] index) where T : System.Numerics.INumberBase<T>
        {
            int k = index.Length;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < k; i++)
                {
                    var row = dst.AsSpan((o * size + (int)index[i]) * inner, inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, src.AsSpan(offset + (o * k + i) * inner, inner), row);
                }
        }
    }

    /// <summary>out[..., i, ...] = x[..., index[..., i, ...], ...] along dim; index has the output's shape.</summary>
    public static Tensor Gather(Tensor x, int dim, Tensor index)
    {
        var c = x.Materialize();
        var idx = index.ToArray<long>();
        var result = Tensor.Empty((int[])index._shape.Clone(), x.DType);
        var xStrides = c._strides;
        var outShape = result._shape;
        var pos = new int[outShape.Length];
        for (int flat = 0; flat < idx.Length; flat++)
        {
            int src = c.Offset;
            for (int d = 0; d < pos.Length; d++) src += (d == dim ? (int)idx[flat] : pos[d]) * xStrides[d];
            result.SetFromDoubleOrLong(flat, c, src);
            for (int d = pos.Length - 1; d >= 0 && ++pos[d] == outShape[d]; d--) pos[d] = 0;
        }
        return result;
    }

    /// <summary>A copy of <paramref name="self"/> with src[i] added at self[..., index[i], ...] along dim.</summary>
    public static Tensor ScatterAdd(Tensor self, int dim, Tensor index, Tensor src)
    {
        var result = self.Copy();
        var idx = index.ToArray<long>();
        var values = src.Materialize();
        var rStrides = result._strides;
        var iShape = index._shape;
        var sStrides = ShapeUtil.ContiguousStrides(values._shape);
        var pos = new int[iShape.Length];
        for (int flat = 0; flat < idx.Length; flat++)
        {
            int dst = 0, from = values.Offset;
            for (int d = 0; d < pos.Length; d++)
            {
                dst += (d == dim ? (int)idx[flat] : pos[d]) * rStrides[d];
                from += pos[d] * sStrides[d];
            }
            result.AddFrom(dst, values, from);
            for (int d = pos.Length - 1; d >= 0 && ++pos[d] == iShape[d]; d--) pos[d] = 0;
        }
        return result;
    }

    /// <summary>Concatenation of same-dtype tensors along dim (shapes already validated).</summary>
    public static Tensor Cat(Tensor[] tensors, int dim, int[] outShape)
    {
        var result = Tensor.Empty(outShape, tensors[0].DType);
        int offset = 0;
        foreach (var t in tensors)
        {
            int len = t._shape[dim];
            if (len == 0) continue;
            result.NarrowView(dim, offset, len).CopyFromUnchecked(t);
            offset += len;
        }
        return result;
    }

    /// <summary>Zeros of the padded shape with x copied into the middle along dim.</summary>
    public static Tensor Pad(Tensor x, int dim, int before, int after)
    {
        var shape = (int[])x._shape.Clone();
        shape[dim] += before + after;
        var result = Tensor.ZerosInternal(shape, x.DType);
        result.NarrowView(dim, before, x._shape[dim]).CopyFromUnchecked(x);
        return result;
    }
}
