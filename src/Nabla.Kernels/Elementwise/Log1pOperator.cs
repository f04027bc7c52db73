using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// y = ln(1 + x) by Goldberg's correction: with u = 1 + x rounded, ln(u)·(x/(u − 1)) is exact to rounding (to the
/// accuracy of ln) even where u has lost most of x's digits, and x itself where u rounds to 1. The quotient is formed
/// first, so that huge x cannot overflow the product. Vectorized a block at a time; x and y may be the same span.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly struct Log1pOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Block = 256;

    /// <summary>Writes ln(1 + x[i]) to y[i] for every i.</summary>
    /// <param name="x">The arguments.</param>
    /// <param name="y">The results, at least as long as <paramref name="x"/>.</param>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"The destination ({y.Length} elements) is shorter than the source ({x.Length}).", nameof(y));
        Span<T> u = stackalloc T[Block];
        Span<T> logU = stackalloc T[Block];
        for (int i = 0; i < x.Length; i += Block)
        {
            int n = Math.Min(Block, x.Length - i);
            var xs = x.Slice(i, n);
            var ys = y.Slice(i, n);
            var us = u[..n];
            var ls = logU[..n];
            TensorPrimitives.Add(xs, T.One, us);
            TensorPrimitives.Log(us, ls);
            int j = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                var infinity = new Vector<T>(T.PositiveInfinity);
                for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
                {
                    var vx = new Vector<T>(xs[j..]);
                    var vl = new Vector<T>(ls[j..]);
                    var d = new Vector<T>(us[j..]) - Vector<T>.One;
                    var r = Vector.ConditionalSelect(Vector.Equals(d, Vector<T>.Zero), vx, vl * (vx / d));
                    Vector.ConditionalSelect(Vector.Equals(vx, infinity), vl, r).CopyTo(ys[j..]);
                }
            }

            for (; j < n; j++) ys[j] = Corrected(xs[j], us[j], ls[j]);
        }
    }

    /// <summary>ln(1 + x) of one value.</summary>
    public static T Invoke(T x)
    {
        T u = x + T.One;
        return Corrected(x, u, T.Log(u));
    }

    /// <summary>ln(1 + x) from u = 1 + x and ln u.</summary>
    private static T Corrected(T x, T u, T logU)
    {
        T d = u - T.One;
        if (d == T.Zero) return x;
        if (T.IsInfinity(x)) return logU;
        return logU * (x / d);
    }
}
