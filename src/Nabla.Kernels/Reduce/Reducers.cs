using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>An associative reduction (sum, max, min) in the forms the reduction kernels combine it in.</summary>
public interface IReducer<T>
{
    /// <summary>The reduction of a whole contiguous row.</summary>
    static abstract T Reduce(ReadOnlySpan<T> row);

    /// <summary>d[i] = combine(a[i], b[i]).</summary>
    static abstract void Combine(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d);

    /// <summary>The lane-wise combination of two vectors.</summary>
    static abstract Vector<T> Combine(Vector<T> a, Vector<T> b);

    /// <summary>The combination of two values.</summary>
    static abstract T Combine(T a, T b);

    /// <summary>
    /// The start of a second, independent accumulator whose first row is <paramref name="first"/>'s row: the identity
    /// where there is one (0 for a sum), otherwise that row itself (combining it twice does not change a max or min).
    /// </summary>
    static abstract Vector<T> Seed(Vector<T> first);

    /// <summary>Whether the reduction has an identity, and so a value (the identity) over no elements at all.</summary>
    static abstract bool HasIdentity { get; }
}

/// <summary>Σ x.</summary>
public readonly struct SumReducer<T> : IReducer<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static T Reduce(ReadOnlySpan<T> row) => TensorPrimitives.Sum(row);

    /// <inheritdoc/>
    public static void Combine(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Add(a, b, d);

    /// <inheritdoc/>
    public static Vector<T> Combine(Vector<T> a, Vector<T> b) => a + b;

    /// <inheritdoc/>
    public static T Combine(T a, T b) => a + b;

    /// <inheritdoc/>
    public static Vector<T> Seed(Vector<T> first) => Vector<T>.Zero;

    /// <inheritdoc/>
    public static bool HasIdentity => true;
}

/// <summary>max x; NaN if any element is NaN.</summary>
public readonly struct MaxReducer<T> : IReducer<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static T Reduce(ReadOnlySpan<T> row) => TensorPrimitives.Max(row);

    /// <inheritdoc/>
    public static void Combine(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Max(a, b, d);

    /// <inheritdoc/>
    public static Vector<T> Combine(Vector<T> a, Vector<T> b) => Vector.Max(a, b);

    /// <inheritdoc/>
    public static T Combine(T a, T b) => T.IsNaN(a) || a >= b ? a : b;

    /// <inheritdoc/>
    public static Vector<T> Seed(Vector<T> first) => first;

    /// <inheritdoc/>
    public static bool HasIdentity => false;
}

/// <summary>min x; NaN if any element is NaN.</summary>
public readonly struct MinReducer<T> : IReducer<T> where T : INumber<T>
{
    /// <inheritdoc/>
    public static T Reduce(ReadOnlySpan<T> row) => TensorPrimitives.Min(row);

    /// <inheritdoc/>
    public static void Combine(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => TensorPrimitives.Min(a, b, d);

    /// <inheritdoc/>
    public static Vector<T> Combine(Vector<T> a, Vector<T> b) => Vector.Min(a, b);

    /// <inheritdoc/>
    public static T Combine(T a, T b) => T.IsNaN(a) || a <= b ? a : b;

    /// <inheritdoc/>
    public static Vector<T> Seed(Vector<T> first) => first;

    /// <inheritdoc/>
    public static bool HasIdentity => false;
}
