using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// y = eˣ, vectorized at the widest accelerated width: within half an ulp plus 2⁻²⁰ in float, within one ulp in
/// double. With x = k·ln 2 + r, |r| ≤ ln 2 / 2, eˣ = 2^k·(1 + p(r)) for a minimax polynomial p, scaled once. Float
/// computes in double and rounds once, so e⁰ is exactly 1, overflow gives +∞ and the subnormal range is correctly
/// rounded; double arguments beyond ±708 (overflow, the subnormal range, ±∞) take <see cref="Math.Exp"/>.
/// NaN propagates. Other element types use <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct ExpOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Writes e^x[i] to y[i] for every i; x and y may be the same span.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) == typeof(float))
            VectorFunction.Apply<ExpFunction>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else if (typeof(T) == typeof(double))
            VectorFunction.Apply<ExpFunction>(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y));
        else
            TensorPrimitives.Exp(x, y);
    }
}

/// <summary>
/// The lane code of <see cref="ExpOperator{T}"/>, and the argument reduction and polynomials that the other
/// exponential-based functions share.
/// </summary>
internal readonly struct ExpFunction : IVectorFunction, ISingleVectorFunction
{
    /// <summary>Beyond this |x| a double result may overflow or be subnormal, which 2^k alone cannot scale to.</summary>
    private const double DoubleScalable = 708;

    /// <summary>e⁸⁹ overflows float; e⁻¹⁰⁴ rounds to zero in float. Clamping there keeps 2^k a normal double.</summary>
    private const double SingleHigh = 89;

    private const double SingleLow = -104;

    private const double InvLn2 = 1.4426950408889634;

    /// <summary>1.5·2⁵²: adding it rounds to an integer, which then sits in the low bits of the sum.</summary>
    private const double Shifter = 6755399441055744.0;

    /// <summary>ln 2 with its low 32 bits zero, so that k·Ln2Hi is exact for |k| &lt; 2²⁰.</summary>
    private const double Ln2Hi = 0.6931471803691238;

    /// <summary>ln 2 − Ln2Hi.</summary>
    private const double Ln2Lo = 1.9082149292705877e-10;

    private const double Ln2 = 0.6931471805599453;

    /// <summary>eˣ = 2^k·(1 + rh + rh²·Q(rh) + rl), scaled by one fused multiply-add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Evaluate<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>
    {
        var outside = TVector.GreaterThan(TVector.Abs(x), TVector.Create(DoubleScalable));
        var rh = ReduceNatural(x, out var shifted, out var rl);
        var p = rh + TVector.MultiplyAdd(rh * rh, ExpM1Remainder(rh), rl);
        var scale = PowerOfTwo(shifted);
        var result = TVector.MultiplyAdd(scale, p, scale);
        return TVector.Any(outside) ? VectorFunction.Patch<LibraryExp, TVector>(x, result, outside) : result;
    }

    /// <summary>eˣ for a float widened to double, reduced in units of ln 2 to a float-accurate polynomial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector EvaluateForSingle<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>
    {
        x = TVector.Max(TVector.Create(SingleLow), TVector.Min(TVector.Create(SingleHigh), x));
        var r = ReduceBinary(x, out var shifted);
        return ScaleByPowerOfTwo(TVector.MultiplyAdd(r, Exp2M1Ratio(r), TVector.Create(1)), shifted);
    }

    /// <summary>
    /// x = k·ln 2 + rh + rl with |rh| ≤ ln 2 / 2 (a little more where x/ln 2 rounds off a half), |rl| within an ulp of
    /// rh; <paramref name="shifted"/> holds k in its low bits for <see cref="PowerOfTwo"/>. Exact for |x| &lt; 2²⁰·ln 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector ReduceNatural<TVector>(TVector x, out TVector shifted, out TVector rl)
        where TVector : struct, IDoubleVector<TVector>
    {
        shifted = TVector.MultiplyAdd(x, TVector.Create(InvLn2), TVector.Create(Shifter));
        var k = shifted - TVector.Create(Shifter);
        var r1 = TVector.MultiplyAdd(k, TVector.Create(-Ln2Hi), x);
        var rh = TVector.MultiplyAdd(k, TVector.Create(-Ln2Lo), r1);
        rl = TVector.MultiplyAdd(k, TVector.Create(-Ln2Lo), r1 - rh);
        return rh;
    }

    /// <summary>x / ln 2 = k + r with |r| ≤ ½, to about 2⁻⁴⁵ for |x| ≤ 128; <paramref name="shifted"/> as for <see cref="ReduceNatural"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector ReduceBinary<TVector>(TVector x, out TVector shifted)
        where TVector : struct, IDoubleVector<TVector>
    {
        shifted = TVector.MultiplyAdd(x, TVector.Create(InvLn2), TVector.Create(Shifter));
        return TVector.MultiplyAdd(x, TVector.Create(InvLn2), TVector.Create(Shifter) - shifted);
    }

    /// <summary>2^k for the k in the low bits of <paramref name="shifted"/>, −1022 ≤ k ≤ 1023, built in the exponent field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector PowerOfTwo<TVector>(TVector shifted)
        where TVector : struct, IDoubleVector<TVector> =>
        ScaleByPowerOfTwo(TVector.Create(1), shifted);

    /// <summary>v·2^k for the k of <paramref name="shifted"/>, by adding k to v's exponent field: exact while the result stays normal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector ScaleByPowerOfTwo<TVector>(TVector v, TVector shifted)
        where TVector : struct, IDoubleVector<TVector> =>
        TVector.AddBits(v, TVector.ShiftBitsLeft(shifted, 52));

    /// <summary>Q(r) = (e^r − 1 − r) / r² on |r| ≤ ln 2 / 2, minimax to a relative 2⁻⁵⁷.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector ExpM1Remainder<TVector>(TVector r)
        where TVector : struct, IDoubleVector<TVector>
    {
        var q = TVector.MultiplyAdd(TVector.Create(2.0914686968086876e-09), r, TVector.Create(2.5105217004720745e-08));
        q = TVector.MultiplyAdd(q, r, TVector.Create(2.75572736431103e-07));
        q = TVector.MultiplyAdd(q, r, TVector.Create(2.7557255400206422e-06));
        q = TVector.MultiplyAdd(q, r, TVector.Create(2.4801587325547743e-05));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.00019841269874820627));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.0013888888888883748));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.008333333333326136));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.04166666666666667));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.1666666666666667));
        return TVector.MultiplyAdd(q, r, TVector.Create(0.5));
    }

    /// <summary>
    /// 2^r − 1 on |r| ≤ ½ as r·(ln 2 + r·Q(r)), Q minimax to a relative 2⁻²⁸: relative error below 2⁻³⁰, ample for
    /// float results, and exact in sign and scale for tiny r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Exp2M1<TVector>(TVector r)
        where TVector : struct, IDoubleVector<TVector> =>
        r * Exp2M1Ratio(r);

    /// <summary>(2^r − 1)/r = ln 2 + r·Q(r) on |r| ≤ ½, the factor of <see cref="Exp2M1"/>; 2^r is r times it plus 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Exp2M1Ratio<TVector>(TVector r)
        where TVector : struct, IDoubleVector<TVector>
    {
        var q = TVector.MultiplyAdd(TVector.Create(1.5290963856140986e-05), r, TVector.Create(0.0001545318282995974));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.001333352227890674));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.009618082519990467));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.055504108714660536));
        q = TVector.MultiplyAdd(q, r, TVector.Create(0.24022650760645808));
        return TVector.MultiplyAdd(r, q, TVector.Create(Ln2));
    }
}

/// <summary>eˣ from the library, for the double lanes beyond ±708.</summary>
internal readonly struct LibraryExp : IScalarFunction
{
    public static double Invoke(double x) => Math.Exp(x);
}
