using System.Numerics;

namespace Nabla.Kernels;

/// <summary>
/// Averaging over windows that are products of per-axis ranges (<see cref="IWindowAxis"/>), forward or backward,
/// over planes of <c>input</c> (height × width) and <c>output</c> (outHeight × outWidth). Forward, output[i, j] is
/// the sum of its window divided by the product of the axes' counts, or 0 for a window with no input element.
/// Backward (<c>output</c> holding the output gradient), every output's gradient divided by its divisor is added to
/// each input element of its window, starting from zero.
/// </summary>
internal readonly unsafe struct AveragePool<T, TAxis>(
    int height, int width, int outHeight, int outWidth, TAxis rows, TAxis columns, T* input, T* output, bool backward) : IPlaneKernel
    where T : unmanaged, IFloatingPointIeee754<T>
    where TAxis : struct, IWindowAxis
{
    public void Run(int start, int end)
    {
        if (backward)
            Walk<Spreading>(start, end);
        else
            Walk<Averaging>(start, end);
    }

    private void Walk<TDirection>(int start, int end)
        where TDirection : struct, IDirection
    {
        int w = width, oh = outHeight, ow = outWidth, planeIn = height * width;
        TAxis r = rows, c = columns;

        // Every row of every plane has the same column windows: worked out once, they cost the loop no divisions.
        int* windows = ScratchBuffer<int, ColumnWindows>.Rent(3 * ow);
        for (int j = 0; j < ow; j++)
            (windows[3 * j], windows[(3 * j) + 1], windows[(3 * j) + 2]) = c.Window(j);

        if (TDirection.Spreads)
            new Span<T>(input + ((nint)start * planeIn), (end - start) * planeIn).Clear();

        for (int plane = start; plane < end; plane++)
        {
            T* x = input + ((nint)plane * planeIn);
            T* y = output + ((nint)plane * oh * ow);
            for (int i = 0; i < oh; i++)
            {
                (int h0, int h1, int rowCount) = r.Window(i);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = windows[3 * j], w1 = windows[(3 * j) + 1], columnCount = windows[(3 * j) + 2];
                    bool empty = h0 >= h1 || w0 >= w1;
                    if (!TDirection.Spreads)
                        y[(i * ow) + j] = empty ? T.Zero : Sum(x, w, h0, h1, w0, w1) / T.CreateTruncating(rowCount * columnCount);
                    else if (!empty)
                        Spread(x, w, h0, h1, w0, w1, y[(i * ow) + j] / T.CreateTruncating(rowCount * columnCount));
                }
            }
        }
    }

    private static T Sum(T* x, int w, int h0, int h1, int w0, int w1)
    {
        T sum = T.Zero;
        for (int r = h0; r < h1; r++)
        {
            for (int c = w0; c < w1; c++)
                sum += x[(r * w) + c];
        }

        return sum;
    }

    private static void Spread(T* x, int w, int h0, int h1, int w0, int w1, T share)
    {
        for (int r = h0; r < h1; r++)
        {
            for (int c = w0; c < w1; c++)
                x[(r * w) + c] += share;
        }
    }

    /// <summary>Names the per-thread <see cref="ScratchBuffer{T, TUse}"/> that holds the column windows of one walk.</summary>
    private readonly struct ColumnWindows;

    /// <summary>Whether a walk computes the averages or spreads their gradients over the windows.</summary>
    private interface IDirection
    {
        static abstract bool Spreads { get; }
    }

    private readonly struct Averaging : IDirection
    {
        public static bool Spreads => false;
    }

    private readonly struct Spreading : IDirection
    {
        public static bool Spreads => true;
    }
}
