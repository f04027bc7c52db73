using System.Numerics;

namespace Nabla.Kernels;

/// <summary>y = sinh x. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct SinhOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<SinhFunction, T>(x, y);
}

/// <summary>The double function of <see cref="SinhOperator{T}"/>.</summary>
internal readonly struct SinhFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Sinh(x);
}

/// <summary>y = cosh x. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct CoshOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<CoshFunction, T>(x, y);
}

/// <summary>The double function of <see cref="CoshOperator{T}"/>.</summary>
internal readonly struct CoshFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Cosh(x);
}

/// <summary>y = arsinh x. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct AsinhOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<AsinhFunction, T>(x, y);
}

/// <summary>The double function of <see cref="AsinhOperator{T}"/>.</summary>
internal readonly struct AsinhFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Asinh(x);
}

/// <summary>y = arcosh x; NaN below 1. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct AcoshOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<AcoshFunction, T>(x, y);
}

/// <summary>The double function of <see cref="AcoshOperator{T}"/>.</summary>
internal readonly struct AcoshFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Acosh(x);
}

/// <summary>y = artanh x; ±∞ at ±1, NaN outside [−1, 1]. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct AtanhOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<AtanhFunction, T>(x, y);
}

/// <summary>The double function of <see cref="AtanhOperator{T}"/>.</summary>
internal readonly struct AtanhFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Atanh(x);
}
