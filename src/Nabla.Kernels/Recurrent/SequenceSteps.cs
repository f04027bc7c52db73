using System.Numerics;

namespace Nabla.Kernels;

/// <summary>What the whole-sequence recurrent kernels share: how a step's rows split between threads, and W_hh's gradient.</summary>
internal static class SequenceSteps
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
}
