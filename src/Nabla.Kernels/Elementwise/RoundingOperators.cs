using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>⌊x⌋, the largest integer not above x (exact; ±0, ±∞ and NaN map to themselves).</summary>
public readonly struct FloorOperator<T> : IUnaryOperator<T> where T : IFloatingPoint<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Floor(x, y);
}

/// <summary>⌈x⌉, the smallest integer not below x (exact; −0.5 gives −0).</summary>
public readonly struct CeilOperator<T> : IUnaryOperator<T> where T : IFloatingPoint<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Ceiling(x, y);
}

/// <summary>x rounded to the nearest integer, halfway cases to the even one (2.5 → 2, −0.5 → −0), as PyTorch rounds.</summary>
public readonly struct RoundOperator<T> : IUnaryOperator<T> where T : IFloatingPoint<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Round(x, y);
}

/// <summary>x with its fraction dropped, rounding toward zero (exact; −0.5 gives −0).</summary>
public readonly struct TruncOperator<T> : IUnaryOperator<T> where T : IFloatingPoint<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Truncate(x, y);
}

/// <summary>−1, 0 or 1 by the sign of x; ±0 and NaN give 0, as in PyTorch.</summary>
public readonly struct SignOperator<T> : IUnaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"The destination ({y.Length} elements) is shorter than the source ({x.Length}).", nameof(y));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var minusOne = -Vector<T>.One;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(x[i..]);
                var negative = Vector.ConditionalSelect(Vector.LessThan(v, Vector<T>.Zero), minusOne, Vector<T>.Zero);
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<T>.Zero), Vector<T>.One, negative).CopyTo(y[i..]);
            }
        }

        for (; i < x.Length; i++) y[i] = x[i] > T.Zero ? T.One : x[i] < T.Zero ? -T.One : T.Zero;
    }
}
