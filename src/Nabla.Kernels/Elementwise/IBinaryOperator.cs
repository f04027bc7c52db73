namespace Nabla.Kernels;

/// <summary>
/// An elementwise function d = f(a, b) in its three contiguous forms: span with span, span with scalar and scalar
/// with span. The destination has the spans' length and may be one of them (in place).
/// </summary>
public interface IBinaryOperator<T>
{
    /// <summary>Writes f(a[i], b[i]) to d[i] for every i.</summary>
    static abstract void Apply(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d);

    /// <summary>Writes f(a[i], b) to d[i] for every i.</summary>
    static abstract void Apply(ReadOnlySpan<T> a, T b, Span<T> d);

    /// <summary>Writes f(a, b[i]) to d[i] for every i.</summary>
    static abstract void Apply(T a, ReadOnlySpan<T> b, Span<T> d);
}
