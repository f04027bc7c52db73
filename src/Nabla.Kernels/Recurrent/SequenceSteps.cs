using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// What the whole-sequence recurrent kernels share: how a step's rows split between threads, W_hh's gradient, and the
/// steps past a sequence's length in a batch of variable lengths. Such a step holds the row's state (h_t = h_(t−1), and
/// for the LSTM c_t = c_(t−1)), so its gates get no gradient and the gradient of h_t and c_t passes to the step before
/// unchanged.
/// </summary>
internal static unsafe class SequenceSteps
{
    /// <summary>The fewest elements a step's cell touches worth splitting its rows between threads.</summary>
    private const int MinParallelElements = 16 * 1024;

    /// <summary>How many row ranges a step's cell runs in: one per thread when the step touches enough elements.</summary>
    /// <param name="batch">N, the rows of a step.</param>
    /// <param name="rowElements">The elements the cell touches per row.</param>
    public static int Parts(int batch, int rowElements) =>
        (long)batch * rowElements >= MinParallelElements ? Math.Clamp(Parallelism.NumThreads, 1, batch) : 1;

    /// <summary>
    /// W_hh's gradient (G, H) = Σ_t dgates_tᵀ·h_(t−1) from the gradients of every step's recurrent gates (T, N, G) and the
    /// hidden states (T, N, H) in time order: the steps after the first read h_(t−1) from the hidden states, all in one
    /// product with K = (T − 1)·N; the first step (t = 0, or T − 1 running backwards) reads h₀.
    /// </summary>
    public static void WeightGradient<T>(int steps, int batch, int hidden, int gates, bool reverse, ReadOnlySpan<T> gradGates,
        ReadOnlySpan<T> states, ReadOnlySpan<T> h0, int h0Stride, Span<T> gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, gateBlock = n * gates, block = n * h;
        int first = reverse ? steps - 1 : 0;
        var beta = T.Zero;
        if (steps > 1)
        {
            int gatesFrom = reverse ? 0 : 1, hiddenFrom = reverse ? 1 : 0;
            int rows = (steps - 1) * n;
            Gemm.Multiply(gates, h, rows, T.One, gradGates.Slice(gatesFrom * gateBlock, rows * gates), 1, gates,
                states.Slice(hiddenFrom * block, rows * h), h, 1, T.Zero, gradWeight, h);
            beta = T.One;
        }

        Gemm.Multiply(gates, h, n, T.One, gradGates.Slice(first * gateBlock, gateBlock), 1, gates, h0, h0Stride, 1, beta, gradWeight, h);
    }

    /// <summary>Whether step <paramref name="t"/> lies past the length of some sequence; never when all are full (no lengths).</summary>
    public static bool AnyPast(ReadOnlySpan<int> lengths, int t)
    {
        foreach (int length in lengths)
        {
            if (t >= length)
                return true;
        }
        return false;
    }

    /// <summary>
    /// Copies the <paramref name="width"/> elements of every row past its length at step <paramref name="t"/> from
    /// <paramref name="source"/> (row stride <paramref name="sourceStride"/>) to <paramref name="target"/> (rows of
    /// <paramref name="width"/>): the state a finished sequence holds, or the gradient it passes back.
    /// </summary>
    public static void CopyPast<T>(ReadOnlySpan<int> lengths, int t, int width, T* source, int sourceStride, T* target)
        where T : unmanaged
    {
        for (int row = 0; row < lengths.Length; row++)
        {
            if (t >= lengths[row])
                new ReadOnlySpan<T>(source + ((long)row * sourceStride), width).CopyTo(new Span<T>(target + ((long)row * width), width));
        }
    }

    /// <summary>
    /// Writes into <paramref name="target"/> (rows of <paramref name="width"/>), for every row past its length at step
    /// <paramref name="t"/>, the sum of that row of <paramref name="a"/> and <paramref name="b"/>: the whole gradient of a
    /// held state, the step's own plus the one passed back.
    /// </summary>
    public static void AddPast<T>(ReadOnlySpan<int> lengths, int t, int width, T* a, T* b, T* target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < lengths.Length; row++)
        {
            if (t >= lengths[row])
            {
                long at = (long)row * width;
                TensorPrimitives.Add(new ReadOnlySpan<T>(a + at, width), new ReadOnlySpan<T>(b + at, width), new Span<T>(target + at, width));
            }
        }
    }

    /// <summary>Zeroes the <paramref name="width"/> elements of every row past its length at step <paramref name="t"/> of <paramref name="target"/>.</summary>
    public static void ClearPast<T>(ReadOnlySpan<int> lengths, int t, int width, T* target)
        where T : unmanaged
    {
        for (int row = 0; row < lengths.Length; row++)
        {
            if (t >= lengths[row])
                new Span<T>(target + ((long)row * width), width).Clear();
        }
    }
}
