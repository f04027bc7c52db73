namespace Nabla.Kernels;

/// <summary>
/// An elementwise function y = f(x) over contiguous spans of <typeparamref name="T"/>. <c>x</c> and <c>y</c> have the
/// same length and may be the same span (in place), but must not otherwise overlap.
/// </summary>
public interface IUnaryOperator<T>
{
    /// <summary>Writes f(x[i]) to y[i] for every i.</summary>
    static abstract void Apply(ReadOnlySpan<T> x, Span<T> y);
}
