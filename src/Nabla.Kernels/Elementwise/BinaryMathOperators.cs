using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// atan2(a, b): the angle of the point (b, a) in [−π, π], with the signs of zeros and infinities as in C's
/// <c>atan2</c>. Evaluated in double by the C library; float operands are widened and the result rounded once.
/// </summary>
public readonly struct Atan2Operator<T> : IBinaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => ScalarFunctions.Apply<Atan2Function, T>(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => ScalarFunctions.Apply<Atan2Function, T>(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => ScalarFunctions.Apply<Atan2Function, T>(a, b, d);
}

/// <summary>
/// √(a² + b²) without overflow or underflow in the squares; +∞ if either is infinite, even against NaN. Evaluated in
/// double; float operands are widened and the result rounded once.
/// </summary>
public readonly struct HypotOperator<T> : IBinaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => ScalarFunctions.Apply<HypotFunction, T>(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => ScalarFunctions.Apply<HypotFunction, T>(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => ScalarFunctions.Apply<HypotFunction, T>(a, b, d);
}

/// <summary>The double function of <see cref="Atan2Operator{T}"/>.</summary>
internal readonly struct Atan2Function : IScalarBinaryFunction
{
    public static double Invoke(double a, double b) => Math.Atan2(a, b);
}

/// <summary>The double function of <see cref="HypotOperator{T}"/>.</summary>
internal readonly struct HypotFunction : IScalarBinaryFunction
{
    public static double Invoke(double a, double b) => double.Hypot(a, b);
}

/// <summary>
/// C's <c>fmod</c>: a − trunc(a / b)·b, exact, with the sign of the dividend a (fmod(−5, 3) = −2). For floats b = 0 or
/// a = ±∞ give NaN and b = ±∞ gives a; for integers b = 0 throws <see cref="DivideByZeroException"/>.
/// </summary>
public readonly struct FmodOperator<T> : IBinaryOperator<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d)
    {
        Remainders.Check(a.Length, b.Length, d.Length);
        for (int i = 0; i < a.Length; i++) d[i] = Remainders.Truncated(a[i], b[i]);
    }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d)
    {
        Remainders.Check(a.Length, a.Length, d.Length);
        for (int i = 0; i < a.Length; i++) d[i] = Remainders.Truncated(a[i], b);
    }

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d)
    {
        Remainders.Check(b.Length, b.Length, d.Length);
        for (int i = 0; i < b.Length; i++) d[i] = Remainders.Truncated(a, b[i]);
    }
}

/// <summary>
/// Python's <c>%</c> (PyTorch's <c>remainder</c>): a − floor(a / b)·b, with the sign of the divisor b
/// (remainder(−5, 3) = 1): the C remainder, plus b where the two differ in sign and it is not zero. For integers
/// b = 0 throws <see cref="DivideByZeroException"/>.
/// </summary>
public readonly struct RemainderOperator<T> : IBinaryOperator<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d)
    {
        Remainders.Check(a.Length, b.Length, d.Length);
        for (int i = 0; i < a.Length; i++) d[i] = Remainders.Floored(a[i], b[i]);
    }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d)
    {
        Remainders.Check(a.Length, a.Length, d.Length);
        for (int i = 0; i < a.Length; i++) d[i] = Remainders.Floored(a[i], b);
    }

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d)
    {
        Remainders.Check(b.Length, b.Length, d.Length);
        for (int i = 0; i < b.Length; i++) d[i] = Remainders.Floored(a, b[i]);
    }
}

/// <summary>The element functions of <see cref="FmodOperator{T}"/> and <see cref="RemainderOperator{T}"/>.</summary>
internal static class Remainders
{
    /// <summary>The remainder of truncated division; an integer divided by −1 leaves 0 (no overflow at the minimum).</summary>
    public static T Truncated<T>(T a, T b) where T : INumber<T> =>
        typeof(T) != typeof(float) && typeof(T) != typeof(double) && b == -T.One ? T.Zero : a % b;

    /// <summary>The remainder of floored division.</summary>
    public static T Floored<T>(T a, T b) where T : INumber<T>
    {
        T r = Truncated(a, b);
        return r != T.Zero && (r < T.Zero) != (b < T.Zero) ? r + b : r;
    }

    public static void Check(int a, int b, int d)
    {
        if (b != a) throw new ArgumentException($"The operands differ in length ({a} and {b}).", nameof(b));
        if (d < a) throw new ArgumentException($"The destination ({d} elements) is shorter than the source ({a}).", nameof(d));
    }
}
