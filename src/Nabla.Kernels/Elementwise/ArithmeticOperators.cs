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

/// <summary>
/// Integer a raised to the integer power b, as PyTorch computes it: products wrap around, and a negative power gives
/// 1 for a = 1, ±1 for a = −1 (by the parity of b) and 0 otherwise.
/// </summary>
public readonly struct IntegerPowOperator : IBinaryOperator<long>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<long> a, ReadOnlySpan<long> b, Span<long> d)
    {
        KernelArguments.CheckLengths("IntegerPow", [("b", b.Length, a.Length), ("d", d.Length, a.Length)]);
        for (int i = 0; i < a.Length; i++) d[i] = Pow(a[i], b[i]);
    }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<long> a, long b, Span<long> d)
    {
        KernelArguments.CheckLengths("IntegerPow", [("d", d.Length, a.Length)]);
        for (int i = 0; i < a.Length; i++) d[i] = Pow(a[i], b);
    }

    /// <inheritdoc/>
    public static void Apply(long a, ReadOnlySpan<long> b, Span<long> d)
    {
        KernelArguments.CheckLengths("IntegerPow", [("d", d.Length, b.Length)]);
        for (int i = 0; i < b.Length; i++) d[i] = Pow(a, b[i]);
    }

    private static long Pow(long a, long b)
    {
        if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) == 0 ? 1 : -1) : 0;
        long result = 1;
        unchecked
        {
            for (; b > 0; b >>= 1)
            {
                if ((b & 1) != 0) result *= a;
                a *= a;
            }
        }
        return result;
    }
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
