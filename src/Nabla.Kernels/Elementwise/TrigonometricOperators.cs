using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// y = sin x. Double: within one ulp, vectorized at the widest accelerated width. |x| = k·π/2 + r with π/2 in three
/// parts and r kept as a sum of two doubles, |r| ≤ π/4; then ±sin r or ±cos r by minimax polynomials, chosen by k mod 4,
/// and the sign of x restored (sin is exactly odd, −0 stays −0). |x| beyond 2³⁰, ±∞ (NaN) take <see cref="Math.Sin"/>;
/// NaN propagates. Float and other element types use <see cref="TensorPrimitives.Sin{T}(ReadOnlySpan{T}, Span{T})"/>,
/// within 0.57 ulp over the whole float range.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct SinOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Writes sin x[i] to y[i] for every i; x and y may be the same span.</summary>
    /// <param name="x">The arguments, in radians.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) == typeof(double))
            VectorFunction.Apply<SinFunction>(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y));
        else
            TensorPrimitives.Sin(x, y);
    }
}

/// <summary>
/// y = cos x: the reduction and polynomials of <see cref="SinOperator{T}"/>, with the quadrant advanced by one
/// (cos is exactly even). Double: within one ulp; float and other element types use
/// <see cref="TensorPrimitives.Cos{T}(ReadOnlySpan{T}, Span{T})"/>, within 0.57 ulp over the whole float range.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct CosOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Writes cos x[i] to y[i] for every i; x and y may be the same span.</summary>
    /// <param name="x">The arguments, in radians.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) == typeof(double))
            VectorFunction.Apply<CosFunction>(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y));
        else
            TensorPrimitives.Cos(x, y);
    }
}

/// <summary>The double lane code of <see cref="SinOperator{T}"/>.</summary>
internal readonly struct SinFunction : IVectorFunction, IScalarFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Evaluate<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>
    {
        var sign = x & TVector.FromBits(long.MinValue);
        var result = Trigonometric.Quadrant(x ^ sign, quarterTurns: 0, out var outside) ^ sign;
        return TVector.Any(outside) ? VectorFunction.Patch<SinFunction, TVector>(x, result, outside) : result;
    }

    public static double Invoke(double x) => Math.Sin(x);
}

/// <summary>The double lane code of <see cref="CosOperator{T}"/>.</summary>
internal readonly struct CosFunction : IVectorFunction, IScalarFunction
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Evaluate<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>
    {
        var result = Trigonometric.Quadrant(TVector.Abs(x), quarterTurns: 1, out var outside);
        return TVector.Any(outside) ? VectorFunction.Patch<CosFunction, TVector>(x, result, outside) : result;
    }

    public static double Invoke(double x) => Math.Cos(x);
}

/// <summary>The argument reduction and polynomials that sine and cosine share.</summary>
internal static class Trigonometric
{
    /// <summary>
    /// Beyond 2³⁰ the quadrant count k no longer keeps k·P1 exact against x; the library reduces with all of π's
    /// digits there.
    /// </summary>
    private const double Reducible = 1073741824.0;

    private const double TwoOverPi = 0.6366197723675814;

    /// <summary>1.5·2⁵²: adding it rounds to an integer, which then sits in the low bits of the sum.</summary>
    private const double Shifter = 6755399441055744.0;

    /// <summary>π/2 = P1 + P2 + P3 to 2⁻¹⁶⁰; k·P1 is exact against x because both are multiples of 2⁻⁵³.</summary>
    private const double P1 = 1.5707963267948966;

    private const double P2 = 6.123233995736766e-17;

    private const double P3 = -1.4973849048591698e-33;

    /// <summary>
    /// sin(a + quarterTurns·π/2) for a ≥ 0: with a = k·π/2 + r, the sine or cosine of r by (k + quarterTurns) mod 4.
    /// <paramref name="outside"/> marks the lanes beyond the reduction's range (and ∞), whose results are not valid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Quadrant<TVector>(TVector a, int quarterTurns, out TVector outside)
        where TVector : struct, IDoubleVector<TVector>
    {
        outside = TVector.GreaterThan(a, TVector.Create(Reducible));
        var shifted = TVector.MultiplyAdd(a, TVector.Create(TwoOverPi), TVector.Create(Shifter));
        var k = shifted - TVector.Create(Shifter);

        // r = a − k·(P1 + P2 + P3) as rh + rl: the first step is exact, k·P2 is split exactly, and the two-sum
        // keeps what rounding rh drops even where r is far smaller than k·P2.
        var r1 = TVector.MultiplyAdd(-k, TVector.Create(P1), a);
        var th = k * TVector.Create(P2);
        var tl = TVector.MultiplyAdd(k, TVector.Create(P2), -th);
        var rh = r1 - th;
        var bb = rh - r1;
        var rl = (r1 - (rh - bb)) - (th + bb);
        rl = TVector.MultiplyAdd(-k, TVector.Create(P3), rl - tl);

        var z = rh * rh;
        var sine = Sine(rh, rl, z);
        var cosine = Cosine(rh, rl, z);
        if (quarterTurns != 0)
            shifted = TVector.AddBits(shifted, TVector.FromBits(quarterTurns));
        var odd = TVector.BitsEqual(shifted & TVector.FromBits(1), TVector.FromBits(1));
        var negative = TVector.ShiftBitsLeft(shifted, 62) & TVector.FromBits(long.MinValue);
        return TVector.Select(odd, cosine, sine) ^ negative;
    }

    /// <summary>sin(rh + rl) ≈ rh + (rh³·S(z) + rl·(1 − z/2)), z = rh², S minimax to a relative 2⁻⁵⁴ on |rh| ≤ π/4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Sine<TVector>(TVector rh, TVector rl, TVector z)
        where TVector : struct, IDoubleVector<TVector>
    {
        var s = TVector.MultiplyAdd(TVector.Create(-7.586576588171073e-13), z, TVector.Create(1.6058529572267877e-10));
        s = TVector.MultiplyAdd(s, z, TVector.Create(-2.5052106219521895e-08));
        s = TVector.MultiplyAdd(s, z, TVector.Create(2.755731921930192e-06));
        s = TVector.MultiplyAdd(s, z, TVector.Create(-0.00019841269841265017));
        s = TVector.MultiplyAdd(s, z, TVector.Create(0.008333333333333331));
        s = TVector.MultiplyAdd(s, z, TVector.Create(-0.16666666666666666));
        var tail = TVector.MultiplyAdd(rl, TVector.MultiplyAdd(TVector.Create(-0.5), z, TVector.Create(1)), rh * z * s);
        return rh + tail;
    }

    /// <summary>
    /// cos(rh + rl) ≈ 1 − z/2 + z²·C(z) − rh·rl, z = rh² kept exact as z + zl, the rounding of 1 − z/2 recovered;
    /// C minimax to a relative 2⁻⁵⁴ on |rh| ≤ π/4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Cosine<TVector>(TVector rh, TVector rl, TVector z)
        where TVector : struct, IDoubleVector<TVector>
    {
        var one = TVector.Create(1);
        var c = TVector.MultiplyAdd(TVector.Create(-1.1382456778061306e-11), z, TVector.Create(2.0876143827993133e-09));
        c = TVector.MultiplyAdd(c, z, TVector.Create(-2.7557317260008837e-07));
        c = TVector.MultiplyAdd(c, z, TVector.Create(2.480158729874307e-05));
        c = TVector.MultiplyAdd(c, z, TVector.Create(-0.0013888888888887382));
        c = TVector.MultiplyAdd(c, z, TVector.Create(0.041666666666666664));
        var zl = TVector.MultiplyAdd(rh, rh, -z);
        var hz = TVector.Create(0.5) * z;
        var w = one - hz;
        var tail = TVector.MultiplyAdd(z * z, c, TVector.MultiplyAdd(-rh, rl, TVector.MultiplyAdd(TVector.Create(-0.5), zl, (one - w) - hz)));
        return w + tail;
    }
}
