using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// One LSTM layer in one direction over a whole sequence, fused. The forward pass runs, for every step, the recurrent
/// product h·W_hhᵀ and the <see cref="LstmCellKernel"/> step; the backward pass runs the steps backwards through time
/// and computes the weight's gradient at the end as one product over all steps, Σ_t dgates_tᵀ·h_(t−1), instead of one
/// thin product and one sum per step.
/// <para>
/// Layouts: the input gates x_t·W_ihᵀ + b (T, N, 4H) have their own step and row strides and contiguous rows; the
/// weight W_hh (4H, H) has any strides; h₀ and c₀ (N, H) have contiguous rows with their own row strides. The output
/// (T + 1, N, H) holds h_t at row block t (in time order, also when running backwards) and the last cell state at
/// row block T; the cells (T, N, H) hold c_t and the workspace (T, N, 5H) each step's activated gates and tanh c_t,
/// both for the backward pass.
/// </para>
/// </summary>
public static class LstmSequenceKernel
{
    /// <summary>The sequence's forward pass.</summary>
    /// <param name="steps">T, the steps (at least 1).</param>
    /// <param name="batch">N, the rows of every step.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="reverse">Whether the steps run from t = T − 1 down to 0.</param>
    /// <param name="gates">The input gates, rows of 4H.</param>
    /// <param name="gateStepStride">The stride between the steps of <paramref name="gates"/>.</param>
    /// <param name="gateRowStride">The stride between the rows of a step of <paramref name="gates"/>.</param>
    /// <param name="weight">W_hh, (4H, H).</param>
    /// <param name="weightRowStride">The stride between the rows of <paramref name="weight"/>.</param>
    /// <param name="weightColStride">The stride between the columns of <paramref name="weight"/>.</param>
    /// <param name="h0">The initial hidden state, rows of H.</param>
    /// <param name="h0Stride">The row stride of <paramref name="h0"/>.</param>
    /// <param name="c0">The initial cell state, rows of H.</param>
    /// <param name="c0Stride">The row stride of <paramref name="c0"/>.</param>
    /// <param name="output">(T + 1, N, H) contiguous: every h_t, then the last c.</param>
    /// <param name="cells">(T, N, H) contiguous: every c_t.</param>
    /// <param name="workspace">(T, N, 5H) contiguous: every step's activated gates and tanh c_t.</param>
    /// <param name="scratch">N·4H elements for one step's recurrent gates.</param>
    public static void Forward<T>(int steps, int batch, int hidden, bool reverse,
        ReadOnlySpan<T> gates, int gateStepStride, int gateRowStride,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride,
        ReadOnlySpan<T> h0, int h0Stride, ReadOnlySpan<T> c0, int c0Stride,
        Span<T> output, Span<T> cells, Span<T> workspace, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h;
        var recurrent = scratch[..(n * 4 * h)];
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            ReadOnlySpan<T> hPrev = h0, cPrev = c0;
            int hStride = h0Stride, cStride = c0Stride;
            if (s > 0)
            {
                int previous = reverse ? t + 1 : t - 1;
                hPrev = output.Slice(previous * block, block);
                cPrev = cells.Slice(previous * block, block);
                hStride = cStride = h;
            }

            // h_(t−1)·W_hhᵀ: W_hh read transposed through its strides.
            Gemm.Multiply(n, 4 * h, h, T.One, hPrev, hStride, 1, weight, weightColStride, weightRowStride, T.Zero, recurrent, 4 * h);
            LstmCellKernel.Forward(n, h, gates[(t * gateStepStride)..], gateRowStride, recurrent, 4 * h, cPrev, cStride,
                output.Slice(t * block, block), cells.Slice(t * block, block), workspace.Slice(t * 5 * block, 5 * block));
        }

        int last = reverse ? 0 : steps - 1;
        cells.Slice(last * block, block).CopyTo(output.Slice(steps * block, block));
    }

    /// <summary>
    /// The sequence's backward pass from the gradient of the (T + 1, N, H) output: the gradient of the input gates
    /// (T, N, 4H), of W_hh (4H, H), and of h₀ and c₀ (N, H), all contiguous. The operands are those of
    /// <see cref="Forward{T}"/>, with its output, cells and workspace.
    /// </summary>
    /// <param name="steps">T, the steps (at least 1).</param>
    /// <param name="batch">N, the rows of every step.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="reverse">Whether the forward pass ran from t = T − 1 down to 0.</param>
    /// <param name="weight">W_hh, (4H, H).</param>
    /// <param name="weightRowStride">The stride between the rows of <paramref name="weight"/>.</param>
    /// <param name="weightColStride">The stride between the columns of <paramref name="weight"/>.</param>
    /// <param name="h0">The initial hidden state, rows of H.</param>
    /// <param name="h0Stride">The row stride of <paramref name="h0"/>.</param>
    /// <param name="c0">The initial cell state, rows of H.</param>
    /// <param name="c0Stride">The row stride of <paramref name="c0"/>.</param>
    /// <param name="output">The forward pass's output.</param>
    /// <param name="cells">The forward pass's cells.</param>
    /// <param name="workspace">The forward pass's workspace.</param>
    /// <param name="gradOutput">The gradient of the output, (T + 1, N, H) contiguous.</param>
    /// <param name="gradGates">(T, N, 4H): the gradient of the input gates.</param>
    /// <param name="gradWeight">(4H, H): the gradient of W_hh; empty when it is not wanted.</param>
    /// <param name="gradH0">(N, H): the gradient of h₀.</param>
    /// <param name="gradC0">(N, H): the gradient of c₀.</param>
    /// <param name="scratch">N·H elements for one step's gradient of h.</param>
    public static void Backward<T>(int steps, int batch, int hidden, bool reverse,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride,
        ReadOnlySpan<T> h0, int h0Stride, ReadOnlySpan<T> c0, int c0Stride,
        ReadOnlySpan<T> output, ReadOnlySpan<T> cells, ReadOnlySpan<T> workspace, ReadOnlySpan<T> gradOutput,
        Span<T> gradGates, Span<T> gradWeight, Span<T> gradH0, Span<T> gradC0, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h;
        var gradH = scratch[..block];

        // gradH0 and gradC0 carry the gradients of h_t and c_t from one step to the one before it.
        gradH0[..block].Clear();
        gradOutput.Slice(steps * block, block).CopyTo(gradC0);
        for (int s = steps - 1; s >= 0; s--)
        {
            int t = reverse ? steps - 1 - s : s;
            ReadOnlySpan<T> cPrev = c0;
            int cStride = c0Stride;
            if (s > 0)
            {
                cPrev = cells.Slice((reverse ? t + 1 : t - 1) * block, block);
                cStride = h;
            }

            TensorPrimitives.Add(gradOutput.Slice(t * block, block), gradH0[..block], gradH);
            var stepGates = gradGates.Slice(t * 4 * block, 4 * block);
            LstmCellKernel.Backward(n, h, workspace.Slice(t * 5 * block, 5 * block), cPrev, cStride, gradH, gradC0, stepGates, gradC0);
            Gemm.Multiply(n, h, 4 * h, T.One, stepGates, 4 * h, 1, weight, weightRowStride, weightColStride, T.Zero, gradH0, h);
        }

        if (gradWeight.IsEmpty)
            return;

        // Σ_t dgates_tᵀ·h_(t−1): the steps after the first read h_(t−1) from the output, all in one product; the first
        // step reads h₀.
        int first = reverse ? steps - 1 : 0;
        var beta = T.Zero;
        if (steps > 1)
        {
            int gatesFrom = reverse ? 0 : 1, hiddenFrom = reverse ? 1 : 0;
            int rows = (steps - 1) * n;
            Gemm.Multiply(4 * h, h, rows, T.One, gradGates.Slice(gatesFrom * 4 * block, rows * 4 * h), 1, 4 * h,
                output.Slice(hiddenFrom * block, rows * h), h, 1, T.Zero, gradWeight, h);
            beta = T.One;
        }

        Gemm.Multiply(4 * h, h, n, T.One, gradGates.Slice(first * 4 * block, 4 * block), 1, 4 * h, h0, h0Stride, 1, beta, gradWeight, h);
    }
}
