using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// y = tanh x, within one ulp in float and double, vectorized at the widest accelerated width. With E = e^(2|x|),
/// tanh|x| = (E − 1)/(E + 1) and the sign of x is restored afterwards, so tanh is exactly odd, −0 stays −0, tiny
/// arguments return themselves and NaN propagates; |x| beyond the point where tanh rounds to ±1 gives ±1. E comes from
/// 2|x| = k·ln 2 + r, |r| ≤ ln 2 / 2, as 2^k·(1 + p(r)) with a minimax polynomial p for e^r − 1 (no cancellation near
/// 0). Double keeps E − 1 and E + 1 as unevaluated sums of two doubles and corrects the quotient by its residual, so
/// that only the final rounding remains (1 − 2/(E + 1) for |x| &gt; 9.5); float computes u = E − 1 and u/(u + 2) in
/// double and rounds once. Other element types use <see cref="TensorPrimitives.Tanh{T}(ReadOnlySpan{T}, Span{T})"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct TanhOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Writes tanh x[i] to y[i] for every i; x and y may be the same span.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) == typeof(float))
            VectorFunction.Apply<TanhFunction>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else if (typeof(T) == typeof(double))
            VectorFunction.Apply<TanhFunction>(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y));
        else
            TensorPrimitives.Tanh(x, y);
    }
}

/// <summary>The lane code of <see cref="TanhOperator{T}"/>.</summary>
internal readonly struct TanhFunction : IVectorFunction, ISingleVectorFunction
{
    /// <summary>tanh rounds to 1 in double from 19.06 on; clamping there keeps e^(2|x|) finite.</summary>
    private const double DoubleSaturation = 20;

    /// <summary>From here on k ≥ 27, 2^k ± 1 may be inexact, and 1 − 2/(e^(2|x|) + 1) is accurate without them.</summary>
    private const double DoubleLarge = 9.5;

    /// <summary>tanh rounds to 1 in float from 9.01 on.</summary>
    private const double SingleSaturation = 10;

    /// <summary>
    /// tanh x within one ulp as (E − 1)/(E + 1), E = e^(2|x|) = 2^k·(1 + p): numerator and denominator are kept as
    /// unevaluated sums of two doubles, and the quotient is corrected by its residual.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Evaluate<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>
    {
        var one = TVector.Create(1);
        var y = TVector.Min(TVector.Create(DoubleSaturation), TVector.Abs(x));
        var rh = ExpFunction.ReduceNatural(y + y, out var shifted, out var rl);

        // p = e^r − 1 = r + r²·Q(r) as ph + pl (rh dominates r²·Q, so the two-sum needs no ordering).
        var c = rh * rh * ExpFunction.ExpM1Remainder(rh);
        var ph = rh + c;
        var pl = (rh - ph) + c + TVector.MultiplyAdd(rl, ph, rl);

        // E ∓ 1 = (2^k ∓ 1) + 2^k·p; 2^k ∓ 1 outweighs 2^k·p (or is zero), and both are exact while k ≤ 52.
        var scale = ExpFunction.PowerOfTwo(shifted);
        var b = scale * ph;
        var bl = scale * pl;
        var an = scale - one;
        var nh = an + b;
        var nl = (an - nh) + b + bl;
        var ad = scale + one;
        var dh = ad + b;
        var dl = (ad - dh) + b + bl;

        var inverse = one / dh;
        var th = nh * inverse;
        var residual = TVector.MultiplyAdd(-th, dh, nh) + TVector.MultiplyAdd(-th, dl, nl);
        var t = TVector.MultiplyAdd(residual, inverse, th);
        t = TVector.Select(TVector.GreaterThan(y, TVector.Create(DoubleLarge)), TVector.MultiplyAdd(TVector.Create(-2), inverse, one), t);
        return CopySign(t, x);
    }

    /// <summary>
    /// tanh x for a float widened to double: u = e^(2|x|) − 1 in plain double, then u / (u + 2), far below float's
    /// rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector EvaluateForSingle<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>
    {
        var one = TVector.Create(1);
        var y = TVector.Min(TVector.Create(SingleSaturation), TVector.Abs(x));
        var r = ExpFunction.ReduceBinary(y + y, out var shifted);
        var scale = ExpFunction.PowerOfTwo(shifted);
        var u = TVector.MultiplyAdd(scale, ExpFunction.Exp2M1(r), scale - one);
        return CopySign(u / (u + TVector.Create(2)), x);
    }

    /// <summary>|t| with the sign of x: one bitwise select.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector CopySign<TVector>(TVector t, TVector x)
        where TVector : struct, IDoubleVector<TVector> =>
        TVector.Select(TVector.FromBits(long.MinValue), x, t);
}
