using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>eˣ.</summary>
public readonly struct ExpOperator<T> : IUnaryOperator<T> where T : IExponentialFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Exp(x, y);
}

/// <summary>ln x.</summary>
public readonly struct LogOperator<T> : IUnaryOperator<T> where T : ILogarithmicFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);
}

/// <summary>√x.</summary>
public readonly struct SqrtOperator<T> : IUnaryOperator<T> where T : IRootFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);
}
