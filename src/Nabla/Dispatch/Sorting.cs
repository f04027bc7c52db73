using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>
/// Scans, sorts and counts on tensors: a tensor is made contiguous and seen around the dim as (outer, n, inner) for
/// <see cref="ScanKernels"/> and <see cref="SortKernels"/>; unique rows, bincount and histc go to
/// <see cref="UniqueKernels"/>. Arguments are validated by the caller.
/// </summary>
internal static class Sorting
{
    private static (int Outer, int N, int Inner) Around(ReadOnlySpan<int> shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, shape.Length == 0 ? 1 : shape[dim], inner);
    }

    /// <summary>The running sum (or product) of <paramref name="x"/> along <paramref name="dim"/>, from the back when <paramref name="reverse"/>; a fresh tensor.</summary>
    public static Tensor Scan(Tensor x, int dim, bool reverse, bool product)
    {
        var c = x.Materialize();
        var (outer, n, inner) = Around(c.ShapeArray, dim);
        var result = Tensor.Empty((int[])c.ShapeArray.Clone(), c.DType);
        switch (c.DType)
        {
            case DType.Float32 when product: ScanKernels.CumProd(c.AsSpan<float>(), outer, n, inner, result.AsSpan<float>(), reverse); break;
            case DType.Float32: ScanKernels.CumSum(c.AsSpan<float>(), outer, n, inner, result.AsSpan<float>(), reverse); break;
            case DType.Float64 when product: ScanKernels.CumProd(c.AsSpan<double>(), outer, n, inner, result.AsSpan<double>(), reverse); break;
            case DType.Float64: ScanKernels.CumSum(c.AsSpan<double>(), outer, n, inner, result.AsSpan<double>(), reverse); break;
            default:
                if (product) ScanKernels.CumProd(c.AsSpan<long>(), outer, n, inner, result.AsSpan<long>(), reverse);
                else ScanKernels.CumSum(c.AsSpan<long>(), outer, n, inner, result.AsSpan<long>(), reverse);
                break;
        }
        return result;
    }

    /// <summary>The running log-sum-exp of the float tensor <paramref name="x"/> along <paramref name="dim"/>, from the back when <paramref name="reverse"/>; a fresh tensor.</summary>
    public static Tensor LogCumSumExp(Tensor x, int dim, bool reverse)
    {
        var c = x.Materialize();
        var (outer, n, inner) = Around(c.ShapeArray, dim);
        var result = Tensor.Empty((int[])c.ShapeArray.Clone(), c.DType);
        if (c.DType == DType.Float32) ScanKernels.LogCumSumExp(c.AsSpan<float>(), outer, n, inner, result.AsSpan<float>(), reverse);
        else ScanKernels.LogCumSumExp(c.AsSpan<double>(), outer, n, inner, result.AsSpan<double>(), reverse);
        return result;
    }

    /// <summary>The positions (int64) of the running maximum or minimum of <paramref name="x"/> along <paramref name="dim"/>.</summary>
    public static Tensor CumExtremeIndices(Tensor x, int dim, bool max)
    {
        var c = x.Materialize();
        var (outer, n, inner) = Around(c.ShapeArray, dim);
        var result = Tensor.Empty((int[])c.ShapeArray.Clone(), DType.Int64);
        var dst = result.AsSpan<long>();
        switch (c.DType)
        {
            case DType.Float32: ScanKernels.CumExtremeIndices(c.AsSpan<float>(), outer, n, inner, dst, max); break;
            case DType.Float64: ScanKernels.CumExtremeIndices(c.AsSpan<double>(), outer, n, inner, dst, max); break;
            default: ScanKernels.CumExtremeIndices(c.AsSpan<long>(), outer, n, inner, dst, max); break;
        }
        return result;
    }

    /// <summary><paramref name="x"/> sorted along <paramref name="dim"/> (stable, NaN largest) and the int64 source positions; fresh tensors.</summary>
    public static (Tensor Values, Tensor Indices) Sort(Tensor x, int dim, bool descending)
    {
        var c = x.Materialize();
        var (outer, n, inner) = Around(c.ShapeArray, dim);
        var values = Tensor.Empty((int[])c.ShapeArray.Clone(), c.DType);
        var indices = Tensor.Empty((int[])c.ShapeArray.Clone(), DType.Int64);
        var dst = indices.AsSpan<long>();
        switch (c.DType)
        {
            case DType.Float32: SortKernels.Sort(c.AsSpan<float>(), outer, n, inner, values.AsSpan<float>(), dst, descending); break;
            case DType.Float64: SortKernels.Sort(c.AsSpan<double>(), outer, n, inner, values.AsSpan<double>(), dst, descending); break;
            default: SortKernels.Sort(c.AsSpan<long>(), outer, n, inner, values.AsSpan<long>(), dst, descending); break;
        }
        return (values, indices);
    }

    /// <summary>The position along <paramref name="dim"/> (int64, the dim kept as 1) of each line's mode in a tensor sorted ascending along it.</summary>
    public static Tensor ModePositions(Tensor sorted, int dim)
    {
        var c = sorted.Materialize();
        var (outer, n, inner) = Around(c.ShapeArray, dim);
        var shape = (int[])c.ShapeArray.Clone();
        shape[dim] = 1;
        var result = Tensor.Empty(shape, DType.Int64);
        var dst = result.AsSpan<long>();
        switch (c.DType)
        {
            case DType.Float32: SortKernels.ModePositions(c.AsSpan<float>(), outer, n, inner, dst); break;
            case DType.Float64: SortKernels.ModePositions(c.AsSpan<double>(), outer, n, inner, dst); break;
            default: SortKernels.ModePositions(c.AsSpan<long>(), outer, n, inner, dst); break;
        }
        return result;
    }

    /// <summary>
    /// The groups of equal rows of a (rows, width) view of <paramref name="x"/>: the first row of each group, the group of
    /// every row (int64) and the group sizes (int64); distinct rows ascending, or runs of equal adjacent rows.
    /// </summary>
    public static (long[] Representatives, Tensor Inverse, Tensor Counts) Unique(Tensor x, int rows, int width, bool consecutive)
    {
        var c = x.Materialize();
        var inverse = Tensor.Empty([rows], DType.Int64);
        var representative = new int[rows];
        var counts = new long[rows];
        int groups = c.DType switch
        {
            DType.Float32 => UniqueKernels.Unique(c.AsSpan<float>(), rows, width, consecutive, inverse.AsSpan<long>(), representative, counts),
            DType.Float64 => UniqueKernels.Unique(c.AsSpan<double>(), rows, width, consecutive, inverse.AsSpan<long>(), representative, counts),
            _ => UniqueKernels.Unique(c.AsSpan<long>(), rows, width, consecutive, inverse.AsSpan<long>(), representative, counts),
        };
        var firsts = new long[groups];
        for (int g = 0; g < groups; g++) firsts[g] = representative[g];
        return (firsts, inverse, Tensor.FromArray(counts[..groups]));
    }

    /// <summary>The counts (int64), or the summed weights, of each value 0..length−1 of a 1-D int64 tensor.</summary>
    public static Tensor Bincount(Tensor x, Tensor? weights, int length)
    {
        var values = x.ReadContiguous<long>();
        switch (weights?.DType)
        {
            case null:
                var counts = Tensor.Empty([length], DType.Int64);
                UniqueKernels.Bincount<long>(values, default, counts.AsSpan<long>());
                return counts;
            case DType.Float32:
                var f = Tensor.Empty([length], DType.Float32);
                UniqueKernels.Bincount(values, weights.ReadContiguous<float>(), f.AsSpan<float>());
                return f;
            case DType.Float64:
                var d = Tensor.Empty([length], DType.Float64);
                UniqueKernels.Bincount(values, weights.ReadContiguous<double>(), d.AsSpan<double>());
                return d;
            default:
                // Integer weights sum in float64, as in PyTorch.
                return Bincount(x, weights.To(DType.Float64), length);
        }
    }

    /// <summary>The histogram of a float tensor's elements in <paramref name="bins"/> equal bins over [min, max], in its dtype.</summary>
    public static Tensor Histc(Tensor x, int bins, double min, double max)
    {
        var result = Tensor.Empty([bins], x.DType);
        if (x.DType == DType.Float32) UniqueKernels.Histc(x.ReadContiguous<float>(), (float)min, (float)max, result.AsSpan<float>());
        else UniqueKernels.Histc(x.ReadContiguous<double>(), min, max, result.AsSpan<double>());
        return result;
    }
}
