using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// Softmax and log-softmax of every contiguous row of length n, shifted by the row's maximum for stability. As in PyTorch,
/// a row whose maximum is infinite (+∞ anywhere, or all −∞) comes out NaN.
/// </summary>
public static class SoftmaxKernels
{
    /// <summary>dst row = e^(x − max) / Σ e^(x − max) for every row of <paramref name="n"/> elements of <paramref name="src"/>.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> src, int n, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        for (int o = 0; o < src.Length / n; o++)
        {
            var row = src.Slice(o * n, n);
            var d = dst.Slice(o * n, n);
            TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), d);
            TensorPrimitives.Exp(d, d);
            TensorPrimitives.Divide(d, TensorPrimitives.Sum<T>(d), d);
        }
    }

    /// <summary>dst row = x − max − log Σ e^(x − max) for every row of <paramref name="n"/> elements of <paramref name="src"/>.</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> src, int n, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        for (int o = 0; o < src.Length / n; o++)
        {
            var row = src.Slice(o * n, n);
            var d = dst.Slice(o * n, n);
            int top = TensorPrimitives.IndexOfMax(row);
            T max = row[top];
            // Exp into the output and sum, then shift the row again: no scratch buffer is needed. The maximum's own term
            // is exactly 1, so log Σ = log1p(Σ of the others) keeps a dominant entry's log-probability, near 0, exact to
            // rounding, and (x − max) − log Σ, in that order, does not round log Σ to the maximum's ulp.
            TensorPrimitives.Subtract(row, max, d);
            TensorPrimitives.Exp(d, d);
            T logSum;
            if (T.IsFinite(max))
            {
                d[top] = T.Zero;
                logSum = Log1pOperator<T>.Invoke(TensorPrimitives.Sum<T>(d));
            }
            else
            {
                logSum = T.Log(TensorPrimitives.Sum<T>(d));
            }

            TensorPrimitives.Subtract(row, max, d);
            TensorPrimitives.Subtract(d, logSum, d);
        }
    }
}
