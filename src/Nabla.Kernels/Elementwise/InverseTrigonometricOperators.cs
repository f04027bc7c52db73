using System.Numerics;

namespace Nabla.Kernels;

/// <summary>y = tan x (x in radians). Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct TanOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<TanFunction, T>(x, y);
}

/// <summary>The double function of <see cref="TanOperator{T}"/>.</summary>
internal readonly struct TanFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Tan(x);
}

/// <summary>y = arcsin x in [−π/2, π/2]; NaN outside [−1, 1]. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct AsinOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<AsinFunction, T>(x, y);
}

/// <summary>The double function of <see cref="AsinOperator{T}"/>.</summary>
internal readonly struct AsinFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Asin(x);
}

/// <summary>y = arccos x in [0, π]; NaN outside [−1, 1]. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct AcosOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<AcosFunction, T>(x, y);
}

/// <summary>The double function of <see cref="AcosOperator{T}"/>.</summary>
internal readonly struct AcosFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Acos(x);
}

/// <summary>y = arctan x in (−π/2, π/2). Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct AtanOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<AtanFunction, T>(x, y);
}

/// <summary>The double function of <see cref="AtanOperator{T}"/>.</summary>
internal readonly struct AtanFunction : IScalarFunction
{
    public static double Invoke(double x) => Math.Atan(x);
}
