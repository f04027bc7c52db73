using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>a + b.</summary>
public readonly struct AddOperator<T> : IBinaryOperator<T> where T : INumberBase<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Add(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Add(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Add(b, a, d);
}

/// <summary>a − b.</summary>
public readonly struct SubtractOperator<T> : IBinaryOperator<T> where T : INumberBase<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Subtract(a, b, d);
}

/// <summary>a · b.</summary>
public readonly struct MultiplyOperator<T> : IBinaryOperator<T> where T : INumberBase<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Multiply(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Multiply(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Multiply(b, a, d);
}

/// <summary>a / b.</summary>
public readonly struct DivideOperator<T> : IBinaryOperator<T> where T : INumberBase<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Divide(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Divide(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Divide(a, b, d);
}

/// <summary>a raised to the power b.</summary>
public readonly struct PowOperator<T> : IBinaryOperator<T> where T : IPowerFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Pow(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Pow(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Pow(a, b, d);
}

/// <summary>max(a, b); NaN if either is NaN.</summary>
public readonly struct MaximumOperator<T> : IBinaryOperator<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Max(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Max(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Max(b, a, d);
}

/// <summary>min(a, b); NaN if either is NaN.</summary>
public readonly struct MinimumOperator<T> : IBinaryOperator<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Min(a, b, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => TensorPrimitives.Min(a, b, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Min(b, a, d);
}

/// <summary>−x.</summary>
public readonly struct NegateOperator<T> : IUnaryOperator<T> where T : INumberBase<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Negate(x, y);
}

/// <summary>|x|.</summary>
public readonly struct AbsOperator<T> : IUnaryOperator<T> where T : INumberBase<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Abs(x, y);
}

/// <summary>√x.</summary>
public readonly struct SqrtOperator<T> : IUnaryOperator<T> where T : IRootFunctions<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);
}
