using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>Softmax and log-softmax of every contiguous row of length n, shifted by the row's maximum for stability.</summary>
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
            TensorPrimitives.Subtract(row, Shift(row), d);
            TensorPrimitives.Exp(d, d);
            TensorPrimitives.Divide(d, TensorPrimitives.Sum<T>(d), d);
        }
    }

    /// <summary>dst row = x − max − log Σ e^(x − max) for every row of <paramref name="n"/> elements of <paramref name="src"/>.</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> src, int n, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        if (n == 0) return;
        for (int o = 0; o < src.Length / n; o++)
        {
            var row = src.Slice(o * n, n);
            var d = dst.Slice(o * n, n);
            T max = Shift(row);
            // Exp into the output, sum, then recompute the shifted row: no scratch buffer is needed.
            TensorPrimitives.Subtract(row, max, d);
            TensorPrimitives.Exp(d, d);
            T logSum = T.Log(TensorPrimitives.Sum<T>(d));
            TensorPrimitives.Subtract(row, max + logSum, d);
        }
    }

    /// <summary>The row's maximum, or 0 when that is infinite, so that no infinity is subtracted from itself.</summary>
    private static T Shift<T>(ReadOnlySpan<T> row) where T : IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(row);
        return T.IsInfinity(max) ? T.Zero : max;
    }
}
