using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>
/// Reductions and softmax on tensors: each run of adjacent reduced dims is one (outer, reduced, inner) block for
/// <see cref="ReduceKernels"/>; softmax runs on contiguous last-dim rows in <see cref="SoftmaxKernels"/>.
/// </summary>
internal static class Reduction
{
    /// <summary>Reduces <paramref name="x"/> over sorted, distinct <paramref name="dims"/>, keeping them as size 1; a fresh tensor.</summary>
    public static Tensor Reduce<TF, TD, TL>(string op, Tensor x, int[] dims)
        where TF : IReducer<float> where TD : IReducer<double> where TL : IReducer<long> => x.DType switch
        {
            DType.Float32 => Reduce<float, TF>(op, x, dims),
            DType.Float64 => Reduce<double, TD>(op, x, dims),
            _ => Reduce<long, TL>(op, x, dims),
        };

    private static Tensor Reduce<T, TReducer>(string op, Tensor x, int[] dims) where T : unmanaged, INumber<T> where TReducer : IReducer<T>
    {
        var current = x.Materialize();
        int i = dims.Length - 1;
        while (i >= 0)
        {
            int hi = dims[i], lo = hi;
            while (i > 0 && dims[i - 1] == lo - 1)
            {
                lo--;
                i--;
            }
            i--;
            current = ReduceRun<T, TReducer>(op, current, lo, hi);
        }
        return current == x ? x.Copy() : current;
    }

    private static Tensor ReduceRun<T, TReducer>(string op, Tensor x, int lo, int hi) where T : unmanaged, INumber<T> where TReducer : IReducer<T>
    {
        var shape = x.ShapeArray;
        int outer = 1, reduced = 1, inner = 1;
        for (int d = 0; d < lo; d++) outer *= shape[d];
        for (int d = lo; d <= hi; d++) reduced *= shape[d];
        for (int d = hi + 1; d < shape.Length; d++) inner *= shape[d];
        var outShape = (int[])shape.Clone();
        for (int d = lo; d <= hi; d++) outShape[d] = 1;
        if (reduced == 0 && !TReducer.HasIdentity)
            throw new ArgumentException($"{op}: cannot reduce over a dimension of size 0 (input shape {ShapeUtil.Format(shape)}).");
        var result = Tensor.Empty(outShape, x.DType);
        ReduceKernels.Reduce<T, TReducer>(x.AsSpan<T>(), outer, reduced, inner, result.AsSpan<T>());
        return result;
    }

    /// <summary>The index of the first maximum (or minimum) along <paramref name="dim"/>, as int64, keeping the dim.</summary>
    public static Tensor ArgExtreme(Tensor x, int dim, bool max)
    {
        var c = x.Materialize();
        var shape = c.ShapeArray;
        int outer = 1, n = shape[dim], inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        if (n == 0) throw new ArgumentException($"{(max ? "Argmax" : "Argmin")}: cannot reduce over a dimension of size 0 (input shape {ShapeUtil.Format(shape)}).");
        var outShape = (int[])shape.Clone();
        outShape[dim] = 1;
        var result = Tensor.Empty(outShape, DType.Int64);
        var dst = result.AsSpan<long>();
        switch (c.DType)
        {
            case DType.Float32: ReduceKernels.ArgExtreme(c.AsSpan<float>(), outer, n, inner, dst, max); break;
            case DType.Float64: ReduceKernels.ArgExtreme(c.AsSpan<double>(), outer, n, inner, dst, max); break;
            default: ReduceKernels.ArgExtreme(c.AsSpan<long>(), outer, n, inner, dst, max); break;
        }
        return result;
    }

    /// <summary>Softmax or log-softmax along the last dim of a float tensor; a fresh contiguous tensor.</summary>
    public static Tensor SoftmaxLastDim(Tensor x, bool log)
    {
        var c = x.Materialize();
        var result = Tensor.Empty((int[])c.ShapeArray.Clone(), c.DType);
        int n = c.Rank == 0 ? 1 : c.ShapeArray[^1];
        switch (c.DType)
        {
            case DType.Float32 when log: SoftmaxKernels.LogSoftmax(c.AsSpan<float>(), n, result.AsSpan<float>()); break;
            case DType.Float32: SoftmaxKernels.Softmax(c.AsSpan<float>(), n, result.AsSpan<float>()); break;
            case DType.Float64 when log: SoftmaxKernels.LogSoftmax(c.AsSpan<double>(), n, result.AsSpan<double>()); break;
            case DType.Float64: SoftmaxKernels.Softmax(c.AsSpan<double>(), n, result.AsSpan<double>()); break;
            default: throw new NotSupportedException($"{(log ? "LogSoftmax" : "Softmax")}: not defined for int64 tensors.");
        }
        return result;
    }

    /// <summary>
    /// The gradient of softmax (or log-softmax) over the last dim from its output <paramref name="y"/> and the gradient
    /// <paramref name="g"/> of that output, of the same shape and dtype: one fused pass per row.
    /// </summary>
    public static Tensor SoftmaxLastDimBackward(Tensor y, Tensor g, bool log)
    {
        var (cy, cg) = (y.Materialize(), g.Materialize());
        var result = Tensor.Empty((int[])cy.ShapeArray.Clone(), cy.DType);
        int n = cy.Rank == 0 ? 1 : cy.ShapeArray[^1];
        switch (cy.DType)
        {
            case DType.Float32 when log: SoftmaxKernels.LogSoftmaxBackward(cy.AsSpan<float>(), cg.AsSpan<float>(), n, result.AsSpan<float>()); break;
            case DType.Float32: SoftmaxKernels.SoftmaxBackward(cy.AsSpan<float>(), cg.AsSpan<float>(), n, result.AsSpan<float>()); break;
            case DType.Float64 when log: SoftmaxKernels.LogSoftmaxBackward(cy.AsSpan<double>(), cg.AsSpan<double>(), n, result.AsSpan<double>()); break;
            case DType.Float64: SoftmaxKernels.SoftmaxBackward(cy.AsSpan<double>(), cg.AsSpan<double>(), n, result.AsSpan<double>()); break;
            default: throw new NotSupportedException($"{(log ? "LogSoftmax" : "Softmax")}Backward: not defined for {cy.DType.Name()} tensors.");
        }
        return result;
    }
}
