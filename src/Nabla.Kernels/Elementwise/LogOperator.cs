using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>ln x.</summary>
public readonly struct LogOperator<T> : IUnaryOperator<T> where T : ILogarithmicFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);
}
