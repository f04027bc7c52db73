using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// Softmax and log-softmax of every contiguous row of length n, shifted by the row's maximum for stability, and their
/// backward passes, one pass per row each. As in PyTorch, a row whose maximum is infinite (+∞ anywhere, or all −∞) comes
/// out NaN. Rows are independent, so large inputs split their rows between threads without changing a bit.
/// </summary>
public static unsafe class SoftmaxKernels
{
    /// <summary>The fewest elements worth splitting between threads.</summary>
    private const int MinParallelElements = 32 * 1024;

    /// <summary>dst row = e^(x − max) / Σ e^(x − max) for every row of <paramref name="n"/> elements of <paramref name="src"/>.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> src, int n, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(RowOp.Softmax, src, default, n, dst);

    /// <summary>dst row = x − max − log Σ e^(x − max) for every row of <paramref name="n"/> elements of <paramref name="src"/>.</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> src, int n, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(RowOp.LogSoftmax, src, default, n, dst);

    /// <summary>
    /// The gradient of softmax from its output y and the gradient g of the output, row by row: y·(g − Σ g·y).
    /// </summary>
    public static void SoftmaxBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, int n, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(RowOp.SoftmaxBackward, y, g, n, dst);

    /// <summary>
    /// The gradient of log-softmax from its output y and the gradient g of the output, row by row: g − e^y·Σ g.
    /// </summary>
    public static void LogSoftmaxBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, int n, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T> =>
        Run(RowOp.LogSoftmaxBackward, y, g, n, dst);

    private enum RowOp
    {
        Softmax,
        LogSoftmax,
        SoftmaxBackward,
        LogSoftmaxBackward,
    }

    private static void Run<T>(RowOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> g, int n, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 0)
            return;

        int rows = x.Length / n;
        int parts = (long)rows * n >= MinParallelElements ? Math.Clamp(Parallelism.NumThreads, 1, rows) : 1;
        fixed (T* px = x, pg = g, pd = dst)
            ParallelJob<Rows<T>>.For(parts, new Rows<T>(op, px, pg, pd, n, rows, parts));
    }

    /// <summary>One range of rows.</summary>
    private readonly struct Rows<T>(RowOp op, T* x, T* g, T* dst, int n, int rows, int parts) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(rows, parts, part);
            for (int r = start; r < end; r++)
            {
                var row = new ReadOnlySpan<T>(x + ((long)r * n), n);
                var d = new Span<T>(dst + ((long)r * n), n);
                switch (op)
                {
                    case RowOp.Softmax:
                        SoftmaxRow(row, d);
                        break;
                    case RowOp.LogSoftmax:
                        LogSoftmaxRow(row, d);
                        break;
                    case RowOp.SoftmaxBackward:
                        SoftmaxBackwardRow(row, new ReadOnlySpan<T>(g + ((long)r * n), n), d);
                        break;
                    default:
                        LogSoftmaxBackwardRow(row, new ReadOnlySpan<T>(g + ((long)r * n), n), d);
                        break;
                }
            }
        }
    }

    private static void SoftmaxRow<T>(ReadOnlySpan<T> row, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), d);
        TensorPrimitives.Exp(d, d);
        TensorPrimitives.Divide(d, TensorPrimitives.Sum<T>(d), d);
    }

    private static void LogSoftmaxRow<T>(ReadOnlySpan<T> row, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
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

    private static void SoftmaxBackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T dot = TensorPrimitives.Dot(g, y);
        TensorPrimitives.Subtract(g, dot, d);
        TensorPrimitives.Multiply(d, y, d);
    }

    private static void LogSoftmaxBackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = TensorPrimitives.Sum(g);
        ExpOperator<T>.Apply(y, d);
        TensorPrimitives.Multiply(d, sum, d);
        TensorPrimitives.Subtract(g, d, d);
    }
}
