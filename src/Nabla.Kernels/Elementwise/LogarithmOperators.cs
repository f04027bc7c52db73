using System.Numerics;

namespace Nabla.Kernels;

/// <summary>y = log₂ x, exact at powers of two. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct Log2Operator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<Log2Function, T>(x, y);
}

/// <summary>The double function of <see cref="Log2Operator{T}"/>.</summary>
internal readonly struct Log2Function : IScalarFunction
{
    public static double Invoke(double x) => Math.Log2(x);
}

/// <summary>y = log₁₀ x, exact at powers of ten. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct Log10Operator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<Log10Function, T>(x, y);
}

/// <summary>The double function of <see cref="Log10Operator{T}"/>.</summary>
internal readonly struct Log10Function : IScalarFunction
{
    public static double Invoke(double x) => Math.Log10(x);
}

/// <summary>y = 2ˣ, exact at integers. Evaluated in double by the C library (within an ulp); float arguments are widened and the result rounded once.</summary>
public readonly struct Exp2Operator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<Exp2Function, T>(x, y);
}

/// <summary>The double function of <see cref="Exp2Operator{T}"/>.</summary>
internal readonly struct Exp2Function : IScalarFunction
{
    public static double Invoke(double x) => Math.Pow(2.0, x);
}
