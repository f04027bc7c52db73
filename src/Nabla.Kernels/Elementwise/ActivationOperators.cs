using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>max(x, 0).</summary>
public readonly struct ReluOperator<T> : IUnaryOperator<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);
}

/// <summary>σ(x) = 1 / (1 + e⁻ˣ).</summary>
public readonly struct SigmoidOperator<T> : IUnaryOperator<T> where T : IExponentialFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        // TensorPrimitives.Sigmoid rejects empty spans, where every other operator writes nothing.
        if (x.Length != 0) TensorPrimitives.Sigmoid(x, y);
    }
}

/// <summary>tanh x.</summary>
public readonly struct TanhOperator<T> : IUnaryOperator<T> where T : IHyperbolicFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);
}

/// <summary>erf x = 2/√π ∫₀ˣ e^(−t²) dt, evaluated in double precision by <see cref="SpecialFunctions.Erf"/>.</summary>
public readonly struct ErfOperator<T> : IUnaryOperator<T> where T : IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x[i])));
    }
}
