using System.Numerics;

namespace Nabla.Kernels;

/// <summary>a &amp; b, bit by bit.</summary>
public readonly struct BitwiseAndOperator<T> : IBinaryOperator<T> where T : IBinaryInteger<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] & b[i]; }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] & b; }

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a & b[i]; }
}

/// <summary>a | b, bit by bit.</summary>
public readonly struct BitwiseOrOperator<T> : IBinaryOperator<T> where T : IBinaryInteger<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] | b[i]; }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] | b; }

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a | b[i]; }
}

/// <summary>a ^ b, bit by bit.</summary>
public readonly struct BitwiseXorOperator<T> : IBinaryOperator<T> where T : IBinaryInteger<T>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] ^ b[i]; }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> a, T b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] ^ b; }

    /// <inheritdoc/>
    public static void Apply(T a, ReadOnlySpan<T> b, Span<T> d) { for (int i = 0; i < d.Length; i++) d[i] = a ^ b[i]; }
}

/// <summary>a &lt;&lt; b, the count taken modulo 64 as C# (and the x86 instruction) does.</summary>
public readonly struct ShiftLeftOperator : IBinaryOperator<long>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<long> a, ReadOnlySpan<long> b, Span<long> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] << (int)b[i]; }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<long> a, long b, Span<long> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] << (int)b; }

    /// <inheritdoc/>
    public static void Apply(long a, ReadOnlySpan<long> b, Span<long> d) { for (int i = 0; i < d.Length; i++) d[i] = a << (int)b[i]; }
}

/// <summary>a &gt;&gt; b (arithmetic, the sign bit copied in), the count taken modulo 64.</summary>
public readonly struct ShiftRightOperator : IBinaryOperator<long>
{
    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<long> a, ReadOnlySpan<long> b, Span<long> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] >> (int)b[i]; }

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<long> a, long b, Span<long> d) { for (int i = 0; i < d.Length; i++) d[i] = a[i] >> (int)b; }

    /// <inheritdoc/>
    public static void Apply(long a, ReadOnlySpan<long> b, Span<long> d) { for (int i = 0; i < d.Length; i++) d[i] = a >> (int)b[i]; }
}
