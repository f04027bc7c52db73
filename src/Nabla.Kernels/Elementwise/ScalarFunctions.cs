using System.Numerics;

namespace Nabla.Kernels;

/// <summary>A function of two doubles, for the binary operators that evaluate element by element.</summary>
internal interface IScalarBinaryFunction
{
    /// <summary>f(a, b).</summary>
    static abstract double Invoke(double a, double b);
}

/// <summary>
/// Runs a double function element by element over spans of float or double. A float argument is widened, the function
/// evaluated in double and the result rounded once to float, so a function within an ulp in double is within about half
/// an ulp in float. Sources and destination may be the same span.
/// </summary>
internal static class ScalarFunctions
{
    /// <summary>Writes f(x[i]) to y[i] for every i.</summary>
    public static void Apply<TFunction, T>(ReadOnlySpan<T> x, Span<T> y)
        where TFunction : IScalarFunction where T : IFloatingPointIeee754<T>
    {
        CheckLength(x.Length, y.Length, nameof(y));
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(TFunction.Invoke(double.CreateTruncating(x[i])));
    }

    /// <summary>Writes f(a[i], b[i]) to d[i] for every i.</summary>
    public static void Apply<TFunction, T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d)
        where TFunction : IScalarBinaryFunction where T : IFloatingPointIeee754<T>
    {
        if (b.Length != a.Length)
            throw new ArgumentException($"The operands differ in length ({a.Length} and {b.Length}).", nameof(b));
        CheckLength(a.Length, d.Length, nameof(d));
        for (int i = 0; i < a.Length; i++) d[i] = T.CreateTruncating(TFunction.Invoke(double.CreateTruncating(a[i]), double.CreateTruncating(b[i])));
    }

    /// <summary>Writes f(a[i], b) to d[i] for every i.</summary>
    public static void Apply<TFunction, T>(ReadOnlySpan<T> a, T b, Span<T> d)
        where TFunction : IScalarBinaryFunction where T : IFloatingPointIeee754<T>
    {
        CheckLength(a.Length, d.Length, nameof(d));
        double s = double.CreateTruncating(b);
        for (int i = 0; i < a.Length; i++) d[i] = T.CreateTruncating(TFunction.Invoke(double.CreateTruncating(a[i]), s));
    }

    /// <summary>Writes f(a, b[i]) to d[i] for every i.</summary>
    public static void Apply<TFunction, T>(T a, ReadOnlySpan<T> b, Span<T> d)
        where TFunction : IScalarBinaryFunction where T : IFloatingPointIeee754<T>
    {
        CheckLength(b.Length, d.Length, nameof(d));
        double s = double.CreateTruncating(a);
        for (int i = 0; i < b.Length; i++) d[i] = T.CreateTruncating(TFunction.Invoke(s, double.CreateTruncating(b[i])));
    }

    private static void CheckLength(int source, int destination, string paramName)
    {
        if (destination < source)
            throw new ArgumentException($"The destination ({destination} elements) is shorter than the source ({source}).", paramName);
    }
}
