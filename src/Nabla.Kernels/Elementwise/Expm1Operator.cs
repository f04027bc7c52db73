using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// y = eˣ − 1, exact to a few rounding errors even for tiny x, where e to the x minus one would lose its digits: with
/// u = eˣ rounded, (u − 1)·(x / ln u) (Kahan's correction), x itself where u rounds to 1 (so −0 stays −0), −1 where
/// u − 1 rounds to −1 and +∞ where u overflows. Float arguments are evaluated in double and rounded once.
/// </summary>
public readonly struct Expm1Operator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => ScalarFunctions.Apply<Expm1Function, T>(x, y);
}

/// <summary>The double function of <see cref="Expm1Operator{T}"/>.</summary>
internal readonly struct Expm1Function : IScalarFunction
{
    public static double Invoke(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double d = u - 1.0;
        if (d == -1.0) return -1.0;
        if (double.IsPositiveInfinity(u)) return u;
        return d * (x / Math.Log(u));
    }
}
