using System.Numerics;
using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>
/// Elementwise ops on tensors of any layout: allocates the result, picks the kernel instantiation for the dtype, and
/// hands the operands to <see cref="ElementwiseKernels"/> with their (broadcast) strides. The operators to run arrive
/// as type arguments, one per dtype an op supports.
/// </summary>
internal static class Elementwise
{
    /// <summary>f(x) for a float tensor.</summary>
    public static Tensor Unary<TF, TD>(OpKind op, Tensor x)
        where TF : IUnaryOperator<float> where TD : IUnaryOperator<double> => x.DType switch
        {
            DType.Float32 => Unary<float, TF>(x),
            DType.Float64 => Unary<double, TD>(x),
            _ => throw NotDefined(op, x.DType),
        };

    /// <summary>f(x) for a float or int64 tensor.</summary>
    public static Tensor Unary<TF, TD, TL>(Tensor x)
        where TF : IUnaryOperator<float> where TD : IUnaryOperator<double> where TL : IUnaryOperator<long> => x.DType switch
        {
            DType.Float32 => Unary<float, TF>(x),
            DType.Float64 => Unary<double, TD>(x),
            _ => Unary<long, TL>(x),
        };

    private static Tensor Unary<T, TOperator>(Tensor x) where T : unmanaged where TOperator : IUnaryOperator<T>
    {
        var result = Tensor.Empty((int[])x.ShapeArray.Clone(), x.DType);
        ElementwiseKernels.Unary<T, TOperator>(x.Data<T>(), x.ShapeArray, x.StridesArray, result.AsSpan<T>());
        return result;
    }

    /// <summary>f(a, b) over the broadcast <paramref name="shape"/> for float operands of one dtype.</summary>
    public static Tensor Binary<TF, TD>(OpKind op, Tensor a, Tensor b, int[] shape)
        where TF : IBinaryOperator<float> where TD : IBinaryOperator<double> => a.DType switch
        {
            DType.Float32 => Binary<float, TF>(a, b, shape),
            DType.Float64 => Binary<double, TD>(a, b, shape),
            _ => throw NotDefined(op, a.DType),
        };

    /// <summary>f(a, b) over the broadcast <paramref name="shape"/> for float or int64 operands of one dtype.</summary>
    public static Tensor Binary<TF, TD, TL>(Tensor a, Tensor b, int[] shape)
        where TF : IBinaryOperator<float> where TD : IBinaryOperator<double> where TL : IBinaryOperator<long> => a.DType switch
        {
            DType.Float32 => Binary<float, TF>(a, b, shape),
            DType.Float64 => Binary<double, TD>(a, b, shape),
            _ => Binary<long, TL>(a, b, shape),
        };

    private static Tensor Binary<T, TOperator>(Tensor a, Tensor b, int[] shape) where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        var result = Tensor.Empty(shape, a.DType);
        ElementwiseKernels.Binary<T, TOperator>(a.Data<T>(), ShapeUtil.BroadcastStrides(a, shape), b.Data<T>(), ShapeUtil.BroadcastStrides(b, shape),
            shape, result.AsSpan<T>());
        return result;
    }

    /// <summary>cond ≠ 0 ? a : b over the broadcast <paramref name="shape"/>; a and b share a dtype.</summary>
    public static Tensor Where(Tensor cond, Tensor a, Tensor b, int[] shape)
    {
        var c = cond.DType == a.DType ? cond : Cast(cond, a.DType);
        return a.DType switch
        {
            DType.Float32 => Where<float>(c, a, b, shape),
            DType.Float64 => Where<double>(c, a, b, shape),
            _ => Where<long>(c, a, b, shape),
        };
    }

    private static Tensor Where<T>(Tensor cond, Tensor a, Tensor b, int[] shape) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Empty(shape, a.DType);
        ElementwiseKernels.Where(cond.Data<T>(), ShapeUtil.BroadcastStrides(cond, shape), a.Data<T>(), ShapeUtil.BroadcastStrides(a, shape),
            b.Data<T>(), ShapeUtil.BroadcastStrides(b, shape), shape, result.AsSpan<T>());
        return result;
    }

    /// <summary>Every element converted to <paramref name="dtype"/> (floats to int64 truncate toward zero, like PyTorch).</summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        var src = x.Materialize();
        var result = Tensor.Empty((int[])x.ShapeArray.Clone(), dtype);
        switch (src.DType)
        {
            case DType.Float32: Convert<float>(src, result); break;
            case DType.Float64: Convert<double>(src, result); break;
            default: Convert<long>(src, result); break;
        }
        return result;
    }

    private static void Convert<TFrom>(Tensor src, Tensor dst) where TFrom : unmanaged, INumberBase<TFrom>
    {
        var from = src.AsSpan<TFrom>();
        switch (dst.DType)
        {
            case DType.Float32: ElementwiseKernels.Convert(from, dst.AsSpan<float>()); break;
            case DType.Float64: ElementwiseKernels.Convert(from, dst.AsSpan<double>()); break;
            default: ElementwiseKernels.Convert(from, dst.AsSpan<long>()); break;
        }
    }

    private static NotSupportedException NotDefined(OpKind op, DType dtype) =>
        new($"{op.Name}: not defined for {dtype.Name()} tensors; convert with .To(DType.Float32) first.");
}
