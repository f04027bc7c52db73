using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>max(x, 0).</summary>
public readonly struct ReluOperator<T> : IUnaryOperator<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);
}
