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

    /// <summary>f(a, b) over the broadcast <paramref name="shape"/> for int64 operands.</summary>
    public static Tensor BinaryInt64<TL>(Tensor a, Tensor b, int[] shape) where TL : IBinaryOperator<long> => Binary<long, TL>(a, b, shape);

    private static Tensor Binary<T, TOperator>(Tensor a, Tensor b, int[] shape) where T : unmanaged where TOperator : IBinaryOperator<T>
    {
        var result = Tensor.Empty(shape, a.DType);
        ElementwiseKernels.Binary<T, TOperator>(a.Data<T>(), ShapeUtil.BroadcastStrides(a, shape), b.Data<T>(), ShapeUtil.BroadcastStrides(b, shape),
            shape, result.AsSpan<T>());
        return result;
    }

    /// <summary>
    /// a = f(a, b) in place for a float <paramref name="a"/> and a <paramref name="b"/> of its dtype that broadcasts to
    /// its shape and shares none of its memory: one pass and no temporary, split between the threads when large.
    /// False, with nothing written, for the layouts <see cref="ElementwiseKernels.TryBinaryInPlace{T, TOperator}"/>
    /// leaves to the caller.
    /// </summary>
    public static bool TryBinaryInPlace<TF, TD>(Tensor a, Tensor b)
        where TF : IBinaryOperator<float> where TD : IBinaryOperator<double> => a.DType switch
        {
            DType.Float32 => InPlace<float, TF>(a, b),
            DType.Float64 => InPlace<double, TD>(a, b),
            _ => false,
        };

    private static bool InPlace<T, TOperator>(Tensor a, Tensor b) where T : unmanaged where TOperator : IBinaryOperator<T> =>
        ElementwiseKernels.TryBinaryInPlace<T, TOperator>(a.Data<T>(), a.StridesArray, b.Data<T>(),
            ShapeUtil.BroadcastStrides(b, a.ShapeArray), a.ShapeArray);

    /// <summary>cond ≠ 0 ? a : b over the broadcast <paramref name="shape"/>; a and b share a dtype.</summary>
    public static Tensor Where(Tensor cond, Tensor a, Tensor b, int[] shape)
    {
        if (a.DType is DType.Float32 or DType.Float64 or DType.Int64)
        {
            var c = cond.DType == a.DType ? cond : Cast(cond.DType == DType.Bool ? cond : Cast(cond, DType.Bool), a.DType);
            return a.DType switch
            {
                DType.Float32 => Where<float>(c, a, b, shape),
                DType.Float64 => Where<double>(c, a, b, shape),
                _ => Where<long>(c, a, b, shape),
            };
        }
        var mask = cond.DType == DType.UInt8 ? cond : Cast(cond, DType.Bool);
        return a.DType.ElementSize() switch
        {
            1 => Select<byte>(mask, a, b, shape),
            2 => Select<ushort>(mask, a, b, shape),
            _ => Select<int>(mask, a, b, shape),
        };
    }

    private static Tensor Select<T>(Tensor cond, Tensor a, Tensor b, int[] shape) where T : unmanaged
    {
        var result = Tensor.Empty(shape, a.DType);
        ElementwiseKernels.Select(cond.Raw<byte>(), ShapeUtil.BroadcastStrides(cond, shape), a.Raw<T>(), ShapeUtil.BroadcastStrides(a, shape),
            b.Raw<T>(), ShapeUtil.BroadcastStrides(b, shape), shape, result.RawSpan<T>());
        return result;
    }

    private static Tensor Where<T>(Tensor cond, Tensor a, Tensor b, int[] shape) where T : unmanaged, INumber<T>
    {
        var result = Tensor.Empty(shape, a.DType);
        ElementwiseKernels.Where(cond.Data<T>(), ShapeUtil.BroadcastStrides(cond, shape), a.Data<T>(), ShapeUtil.BroadcastStrides(a, shape),
            b.Data<T>(), ShapeUtil.BroadcastStrides(b, shape), shape, result.AsSpan<T>());
        return result;
    }

    /// <summary>
    /// Every element converted to <paramref name="dtype"/> with PyTorch's results (see <see cref="ConvertKernels"/>):
    /// floats to integers truncate toward zero, anything to bool is "≠ 0", float16 and bfloat16 go through float32.
    /// </summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        var src = x.Materialize();
        var result = Tensor.Empty((int[])x.ShapeArray.Clone(), dtype);
        switch (src.DType)
        {
            case DType.Float32: ConvertFloat<float>(src.AsSpan<float>(), result); break;
            case DType.Float64: ConvertFloat<double>(src.AsSpan<double>(), result); break;
            case DType.Float16 when dtype == DType.Float32: ConvertKernels.Numeric<Half, float>(src.AsSpan<Half>(), result.AsSpan<float>()); break;
            case DType.Float16 or DType.BFloat16: ConvertFloat<float>(WidenToFloat(src), result); break;
            case DType.Int64: ConvertInteger<long>(src.AsSpan<long>(), result); break;
            case DType.Int32: ConvertInteger<int>(src.AsSpan<int>(), result); break;
            case DType.UInt8: ConvertInteger<byte>(src.AsSpan<byte>(), result); break;
            case DType.Bool: ConvertInteger<byte>(System.Runtime.InteropServices.MemoryMarshal.Cast<bool, byte>(src.AsSpan<bool>()), result); break;
            default: throw new ArgumentOutOfRangeException(nameof(x), src.DType, "Cast: unknown dtype.");
        }
        return result;
    }

    /// <summary>A float16 or bfloat16 tensor's elements as float32 (exact).</summary>
    private static float[] WidenToFloat(Tensor src)
    {
        var wide = new float[src.Numel];
        if (src.DType == DType.Float16)
        {
            ConvertKernels.Numeric<Half, float>(src.AsSpan<Half>(), wide);
        }
        else
        {
            var narrow = src.AsSpan<BFloat16>();
            for (int i = 0; i < wide.Length; i++) wide[i] = narrow[i];
        }
        return wide;
    }

    private static void ConvertFloat<TFrom>(ReadOnlySpan<TFrom> from, Tensor dst) where TFrom : unmanaged, IFloatingPointIeee754<TFrom>
    {
        switch (dst.DType)
        {
            case DType.Float32: ConvertKernels.Numeric(from, dst.AsSpan<float>()); break;
            case DType.Float64: ConvertKernels.Numeric(from, dst.AsSpan<double>()); break;
            case DType.Int64: ConvertKernels.FloatToInt64(from, dst.AsSpan<long>()); break;
            case DType.Int32: ConvertKernels.FloatToInt32(from, dst.AsSpan<int>()); break;
            case DType.UInt8: ConvertKernels.FloatToUInt8(from, dst.AsSpan<byte>()); break;
            case DType.Bool: ConvertKernels.ToBool(from, dst.AsSpan<bool>()); break;
            default: NarrowFloat(from, dst); break;
        }
    }

    private static void ConvertInteger<TFrom>(ReadOnlySpan<TFrom> from, Tensor dst) where TFrom : unmanaged, IBinaryInteger<TFrom>
    {
        switch (dst.DType)
        {
            case DType.Float32: ConvertKernels.Numeric(from, dst.AsSpan<float>()); break;
            case DType.Float64: ConvertKernels.Numeric(from, dst.AsSpan<double>()); break;
            case DType.Int64: ConvertKernels.Numeric(from, dst.AsSpan<long>()); break;
            case DType.Int32: ConvertKernels.Numeric(from, dst.AsSpan<int>()); break;
            case DType.UInt8: ConvertKernels.Numeric(from, dst.AsSpan<byte>()); break;
            case DType.Bool: ConvertKernels.ToBool(from, dst.AsSpan<bool>()); break;
            default: NarrowFloat(from, dst); break;
        }
    }

    /// <summary>Into float16 or bfloat16, through float32 as PyTorch converts.</summary>
    private static void NarrowFloat<TFrom>(ReadOnlySpan<TFrom> from, Tensor dst) where TFrom : unmanaged, INumberBase<TFrom>
    {
        var single = new float[from.Length];
        ConvertKernels.Numeric(from, single.AsSpan());
        if (dst.DType == DType.Float16)
        {
            ConvertKernels.Numeric<float, Half>(single, dst.AsSpan<Half>());
        }
        else
        {
            var narrow = dst.AsSpan<BFloat16>();
            for (int i = 0; i < single.Length; i++) narrow[i] = (BFloat16)single[i];
        }
    }

    private static NotSupportedException NotDefined(OpKind op, DType dtype) =>
        new($"{op.Name}: not defined for {dtype.Name()} tensors; convert with .To(DType.Float32) first.");
}
