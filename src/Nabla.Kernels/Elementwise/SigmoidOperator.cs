using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// y = σ(x) = 1 / (1 + e⁻ˣ), vectorized at the widest accelerated width. Float computes e⁻ˣ and the quotient in double
/// and rounds once: within half an ulp plus 2⁻²⁰ everywhere, including the subnormal results of x below −87.3 that a
/// float e⁻ˣ would overflow to 0. NaN propagates. Double and other element types use
/// <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/>: a few ulps, and 0 for the subnormal σ below
/// x = −709.8. An empty span is a no-op (TensorPrimitives would reject it).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct SigmoidOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Writes σ(x[i]) to y[i] for every i; x and y may be the same span.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) == typeof(float))
            VectorFunction.Apply<SigmoidFunction>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
        else if (!x.IsEmpty)
            TensorPrimitives.Sigmoid(x, y);
    }
}

/// <summary>The float lane code of <see cref="SigmoidOperator{T}"/>.</summary>
internal readonly struct SigmoidFunction : ISingleVectorFunction
{
    /// <summary>Beyond ±110, σ rounds to 0 or 1 in float; clamping there keeps e⁻ˣ a normal double.</summary>
    private const double Limit = 110;

    /// <summary>1 / (1 + e⁻ˣ) in double, e⁻ˣ to a relative 2⁻³⁰.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector EvaluateForSingle<TVector>(TVector x)
        where TVector : struct, IDoubleVector<TVector>
    {
        var one = TVector.Create(1);
        var z = TVector.Max(TVector.Create(-Limit), TVector.Min(TVector.Create(Limit), -x));
        var r = ExpFunction.ReduceBinary(z, out var shifted);
        return one / (one + ExpFunction.ScaleByPowerOfTwo(TVector.MultiplyAdd(r, ExpFunction.Exp2M1Ratio(r), one), shifted));
    }
}
