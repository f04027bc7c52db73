using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>log(1 + eˣ) as max(x, 0) + log1p(e^(−|x|)), which never overflows and keeps full precision in both tails.</summary>
public readonly struct SoftplusOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Block = 256;

    /// <inheritdoc/>
    public static void Apply(ReadOnlySpan<T> x, Span<T> y)
    {
        Span<T> t = stackalloc T[Block];
        for (int i = 0; i < x.Length; i += Block)
        {
            int n = Math.Min(Block, x.Length - i);
            var xs = x.Slice(i, n);
            var ys = y.Slice(i, n);
            var ts = t[..n];
            TensorPrimitives.Abs(xs, ts);
            TensorPrimitives.Negate(ts, ts);
            TensorPrimitives.Exp(ts, ts);
            Log1pOperator<T>.Apply(ts, ts);
            TensorPrimitives.Max(xs, T.Zero, ys);
            TensorPrimitives.Add(ys, ts, ys);
        }
    }
}
