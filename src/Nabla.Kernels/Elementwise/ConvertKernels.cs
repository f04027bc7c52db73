using System.Numerics;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// Conversions between element types with PyTorch's results on x86: a float converted to an integer type is truncated
/// toward zero, and NaN, ±∞ or a value outside the target's range gives the target's minimum (the processor's
/// "integer indefinite"); a float converted to uint8 goes through int32 and keeps the low byte; integers narrow by
/// wrapping around; anything converted to bool is true where it is nonzero (NaN included).
/// </summary>
public static class ConvertKernels
{
    private const double TwoPow63 = 9223372036854775808.0;
    private const double TwoPow31 = 2147483648.0;

    /// <summary>v truncated toward zero, or <see cref="long.MinValue"/> for NaN and values outside the int64 range.</summary>
    public static long TruncateToInt64(double v) => v >= -TwoPow63 && v < TwoPow63 ? (long)v : long.MinValue;

    /// <summary>v truncated toward zero, or <see cref="int.MinValue"/> for NaN and values outside the int32 range.</summary>
    public static int TruncateToInt32(double v) => v > -TwoPow31 - 1 && v < TwoPow31 ? (int)v : int.MinValue;

    /// <summary>y = x converted as C# converts between numeric types of these kinds (float to float rounds, integers wrap, integers to float round).</summary>
    public static void Numeric<TFrom, TTo>(ReadOnlySpan<TFrom> x, Span<TTo> y)
        where TFrom : INumberBase<TFrom> where TTo : INumberBase<TTo> =>
        System.Numerics.Tensors.TensorPrimitives.ConvertTruncating(x, y);

    /// <summary>y = x truncated toward zero (NaN and out-of-range values give <see cref="long.MinValue"/>).</summary>
    public static void FloatToInt64<T>(ReadOnlySpan<T> x, Span<long> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = TruncateToInt64(double.CreateTruncating(x[i]));
    }

    /// <summary>y = x truncated toward zero (NaN and out-of-range values give <see cref="int.MinValue"/>).</summary>
    public static void FloatToInt32<T>(ReadOnlySpan<T> x, Span<int> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = TruncateToInt32(double.CreateTruncating(x[i]));
    }

    /// <summary>y = the low byte of x truncated to int32.</summary>
    public static void FloatToUInt8<T>(ReadOnlySpan<T> x, Span<byte> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = unchecked((byte)TruncateToInt32(double.CreateTruncating(x[i])));
    }

    /// <summary>y = x ≠ 0 (NaN is nonzero).</summary>
    public static void ToBool<T>(ReadOnlySpan<T> x, Span<bool> y) where T : INumberBase<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] != T.Zero;
    }

    /// <summary>y = 1 where x is true, else 0.</summary>
    public static void FromBool<TTo>(ReadOnlySpan<bool> x, Span<TTo> y) where TTo : INumberBase<TTo> =>
        Numeric<byte, TTo>(MemoryMarshal.Cast<bool, byte>(x), y);
}
