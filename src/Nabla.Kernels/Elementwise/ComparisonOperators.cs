using System.Numerics;

namespace Nabla.Kernels;

/// <summary>A comparison of two values, in scalar and vector form (the vector form gives all-ones lanes where true).</summary>
public interface IComparison<T> where T : struct
{
    /// <summary>Whether the comparison holds for a and b.</summary>
    static abstract bool Test(T a, T b);

    /// <summary>All-ones lanes where the comparison holds, zero lanes elsewhere.</summary>
    static abstract Vector<T> Test(Vector<T> a, Vector<T> b);
}

/// <summary>a &gt; b.</summary>
public readonly struct GreaterThan<T> : IComparison<T> where T : struct, INumber<T>
{
    /// <inheritdoc/>
    public static bool Test(T a, T b) => a > b;

    /// <inheritdoc/>
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.GreaterThan(a, b);
}

/// <summary>a ≥ b.</summary>
public readonly struct GreaterThanOrEqual<T> : IComparison<T> where T : struct, INumber<T>
{
    /// <inheritdoc/>
    public static bool Test(T a, T b) => a >= b;

    /// <inheritdoc/>
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.GreaterThanOrEqual(a, b);
}

/// <summary>a &lt; b.</summary>
public readonly struct LessThan<T> : IComparison<T> where T : struct, INumber<T>
{
    /// <inheritdoc/>
    public static bool Test(T a, T b) => a < b;

    /// <inheritdoc/>
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.LessThan(a, b);
}

/// <summary>a ≤ b.</summary>
public readonly struct LessThanOrEqual<T> : IComparison<T> where T : struct, INumber<T>
{
    /// <inheritdoc/>
    public static bool Test(T a, T b) => a <= b;

    /// <inheritdoc/>
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.LessThanOrEqual(a, b);
}

/// <summary>a = b (NaN equals nothing).</summary>
public readonly struct EqualTo<T> : IComparison<T> where T : struct, INumber<T>
{
    /// <inheritdoc/>
    public static bool Test(T a, T b) => a == b;

    /// <inheritdoc/>
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => Vector.Equals(a, b);
}

/// <summary>a ≠ b (NaN differs from everything).</summary>
public readonly struct NotEqualTo<T> : IComparison<T> where T : struct, INumber<T>
{
    /// <inheritdoc/>
    public static bool Test(T a, T b) => a != b;

    /// <inheritdoc/>
    public static Vector<T> Test(Vector<T> a, Vector<T> b) => ~Vector.Equals(a, b);
}

/// <summary>A comparison as a binary operator: 1 where it holds and 0 elsewhere, in the operands' type.</summary>
public readonly struct CompareOperator<T, TComparison> : IBinaryOperator<T> where T : struct, INumber<T> where TComparison : IComparison<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) => Run(a, false, b, false, d);

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) => Run(a, false, [b], true, d);

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) => Run([a], true, b, false, d);

    private static void Run(ReadOnlySpan<T> a, bool aScalar, ReadOnlySpan<T> b, bool bScalar, Span<T> d)
    {
        int n = d.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<T>.One;
            var va0 = aScalar ? new Vector<T>(a[0]) : default;
            var vb0 = bScalar ? new Vector<T>(b[0]) : default;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var va = aScalar ? va0 : new Vector<T>(a.Slice(i));
                var vb = bScalar ? vb0 : new Vector<T>(b.Slice(i));
                (TComparison.Test(va, vb) & one).CopyTo(d.Slice(i));
            }
        }
        for (; i < n; i++)
            d[i] = TComparison.Test(aScalar ? a[0] : a[i], bScalar ? b[0] : b[i]) ? T.One : T.Zero;
    }
}
