using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// One GRU layer in one direction over a whole sequence, fused. The forward pass runs, for every step, the recurrent
/// gates h·W_hhᵀ + b_hh (the bias written first and the product added onto it, as a linear layer computes them) and the
/// <see cref="GruCellKernel"/> step; the backward pass runs the steps backwards through time and computes the weight's
/// gradient at the end as one product over all steps, Σ_t dgh_tᵀ·h_(t−1), and the bias's as one sum, instead of one thin
/// product and one sum per step.
/// <para>
/// Layouts: the input gates x_t·W_ihᵀ + b_ih (T, N, 3H) have their own step and row strides and contiguous rows; the
/// weight W_hh (3H, H) has any strides; the bias b_hh (3H) is contiguous or empty; h₀ (N, H) has contiguous rows with its
/// own row stride. The output (T, N, H) holds h_t at row block t (in time order, also when running backwards); the
/// recurrent gates (T, N, 3H) and the workspace (T, N, 3H) of each step's r, z and n are kept for the backward pass.
/// </para>
/// <para>
/// In a batch of variable lengths, the steps past a row's length hold its state (see <see cref="SequenceSteps"/>): the
/// output's row keeps h_(t−1), and a sequence running backwards starts from h₀ at its last element.
/// </para>
/// </summary>
public static unsafe class GruSequenceKernel
{
    /// <summary>The sequence's forward pass.</summary>
    /// <param name="steps">T, the steps (at least 1).</param>
    /// <param name="batch">N, the rows of every step.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="reverse">Whether the steps run from t = T − 1 down to 0.</param>
    /// <param name="lengths">Every row's length, in [1, T]; empty when every row runs all T steps.</param>
    /// <param name="gates">The input gates, rows of 3H.</param>
    /// <param name="gateStepStride">The stride between the steps of <paramref name="gates"/>.</param>
    /// <param name="gateRowStride">The stride between the rows of a step of <paramref name="gates"/>.</param>
    /// <param name="weight">W_hh, (3H, H).</param>
    /// <param name="weightRowStride">The stride between the rows of <paramref name="weight"/>.</param>
    /// <param name="weightColStride">The stride between the columns of <paramref name="weight"/>.</param>
    /// <param name="bias">b_hh, 3H contiguous; empty for none.</param>
    /// <param name="h0">The initial hidden state, rows of H.</param>
    /// <param name="h0Stride">The row stride of <paramref name="h0"/>.</param>
    /// <param name="output">(T, N, H) contiguous: every h_t.</param>
    /// <param name="recurrent">(T, N, 3H) contiguous: every step's recurrent gates.</param>
    /// <param name="workspace">(T, N, 3H) contiguous: every step's r, z and n.</param>
    public static void Forward<T>(int steps, int batch, int hidden, bool reverse, ReadOnlySpan<int> lengths,
        ReadOnlySpan<T> gates, int gateStepStride, int gateRowStride,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride, ReadOnlySpan<T> bias,
        ReadOnlySpan<T> h0, int h0Stride, Span<T> output, Span<T> recurrent, Span<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h, parts = SequenceSteps.Parts(n, 4 * h);
        var beta = bias.IsEmpty ? T.Zero : T.One;
        using var packedWeight = Gemm.PackB(n, 3 * h, h, weight, weightColStride, weightRowStride);
        fixed (T* pGates = gates, pH0 = h0, pOutput = output, pRecurrent = recurrent, pWorkspace = workspace)
        {
            for (int s = 0; s < steps; s++)
            {
                int t = reverse ? steps - 1 - s : s;
                T* hPrev = pH0;
                int hStride = h0Stride;
                if (s > 0)
                {
                    hPrev = pOutput + ((reverse ? t + 1 : t - 1) * block);
                    hStride = h;
                }

                // h_(t−1)·W_hhᵀ + b_hh: the bias in every row, then the product added onto it, W_hh read transposed
                // through its strides and packed once for every step.
                var stepRecurrent = recurrent.Slice(t * 3 * block, 3 * block);
                if (!bias.IsEmpty)
                {
                    for (int row = 0; row < n; row++)
                        bias.CopyTo(stepRecurrent.Slice(row * 3 * h, 3 * h));
                }
                Gemm.Multiply(n, 3 * h, h, T.One, new ReadOnlySpan<T>(hPrev, ((n - 1) * hStride) + h), hStride, 1, packedWeight, beta, stepRecurrent, 3 * h);
                ParallelJob<ForwardRows<T>>.For(parts, new ForwardRows<T>(n, h, parts, pGates + (t * gateStepStride), gateRowStride,
                    pRecurrent + (t * 3 * block), hPrev, hStride, pOutput + (t * block), pWorkspace + (t * 3 * block)));
                if (SequenceSteps.AnyPast(lengths, t))
                    SequenceSteps.CopyPast(lengths, t, h, hPrev, hStride, pOutput + (t * block));
            }
        }
    }

    /// <summary>
    /// The sequence's backward pass from the gradient of the (T, N, H) output: the gradient of the input gates
    /// (T, N, 3H), of the recurrent gates (T, N, 3H), of W_hh (3H, H), of b_hh (3H) and of h₀ (N, H), all contiguous. The
    /// operands are those of <see cref="Forward{T}"/>, with its output, recurrent gates and workspace.
    /// </summary>
    /// <param name="steps">T, the steps (at least 1).</param>
    /// <param name="batch">N, the rows of every step.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="reverse">Whether the forward pass ran from t = T − 1 down to 0.</param>
    /// <param name="lengths">Every row's length, as the forward pass had them; empty when every row ran all T steps.</param>
    /// <param name="weight">W_hh, (3H, H).</param>
    /// <param name="weightRowStride">The stride between the rows of <paramref name="weight"/>.</param>
    /// <param name="weightColStride">The stride between the columns of <paramref name="weight"/>.</param>
    /// <param name="h0">The initial hidden state, rows of H.</param>
    /// <param name="h0Stride">The row stride of <paramref name="h0"/>.</param>
    /// <param name="output">The forward pass's output.</param>
    /// <param name="recurrent">The forward pass's recurrent gates.</param>
    /// <param name="workspace">The forward pass's workspace.</param>
    /// <param name="gradOutput">The gradient of the output, (T, N, H) contiguous.</param>
    /// <param name="gradGates">(T, N, 3H): the gradient of the input gates.</param>
    /// <param name="gradRecurrent">(T, N, 3H): the gradient of the recurrent gates.</param>
    /// <param name="gradWeight">(3H, H): the gradient of W_hh; empty when it is not wanted.</param>
    /// <param name="gradBias">3H: the gradient of b_hh; empty when it is not wanted.</param>
    /// <param name="gradH0">(N, H): the gradient of h₀.</param>
    /// <param name="scratch">N·H elements for the gradient of h that one step passes to the step before it, 2·N·H with
    /// <paramref name="lengths"/>.</param>
    public static void Backward<T>(int steps, int batch, int hidden, bool reverse, ReadOnlySpan<int> lengths,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride, ReadOnlySpan<T> h0, int h0Stride,
        ReadOnlySpan<T> output, ReadOnlySpan<T> recurrent, ReadOnlySpan<T> workspace, ReadOnlySpan<T> gradOutput,
        Span<T> gradGates, Span<T> gradRecurrent, Span<T> gradWeight, Span<T> gradBias, Span<T> gradH0, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h, parts = SequenceSteps.Parts(n, 4 * h);

        // The scratch carries the gradient of h_(t−1) from each step to the one before it: the cell writes the part
        // through z, the product with W_hh adds the part through the recurrent gates. The first step's goes to gradH0.
        // With lengths, the rest of the scratch keeps, over a step, the gradient of the state that rows past their length hold.
        var gradH = scratch[..block];
        gradH.Clear();
        using var packedWeight = Gemm.PackB(n, h, 3 * h, weight, weightRowStride, weightColStride);
        fixed (T* pH0 = h0, pOutput = output, pRecurrent = recurrent, pWorkspace = workspace, pGradOutput = gradOutput,
            pGradGates = gradGates, pGradRecurrent = gradRecurrent, pGradH = gradH, pGradH0 = gradH0,
            pHeld = lengths.IsEmpty ? default : scratch.Slice(block, block))
        {
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = reverse ? steps - 1 - s : s;
                T* hPrev = pH0;
                int hStride = h0Stride;
                if (s > 0)
                {
                    hPrev = pOutput + ((reverse ? t + 1 : t - 1) * block);
                    hStride = h;
                }

                T* target = s > 0 ? pGradH : pGradH0;
                bool past = SequenceSteps.AnyPast(lengths, t);
                if (past)
                    SequenceSteps.AddPast(lengths, t, h, pGradOutput + (t * block), pGradH, pHeld);
                ParallelJob<BackwardRows<T>>.For(parts, new BackwardRows<T>(n, h, parts, pWorkspace + (t * 3 * block), pRecurrent + (t * 3 * block),
                    hPrev, hStride, pGradOutput + (t * block), pGradH, pGradGates + (t * 3 * block), pGradRecurrent + (t * 3 * block), target));
                if (past)
                {
                    SequenceSteps.ClearPast(lengths, t, 3 * h, pGradGates + (t * 3 * block));
                    SequenceSteps.ClearPast(lengths, t, 3 * h, pGradRecurrent + (t * 3 * block));
                }
                Gemm.Multiply(n, h, 3 * h, T.One, gradRecurrent.Slice(t * 3 * block, 3 * block), 3 * h, 1, packedWeight, T.One, new Span<T>(target, block), h);
                if (past)
                    SequenceSteps.CopyPast(lengths, t, h, pHeld, h, target);
            }
        }

        if (!gradBias.IsEmpty)
        {
            // Σ over every step and row of the recurrent gates' gradient, in time order.
            gradBias.Clear();
            for (int row = 0; row < steps * n; row++)
                TensorPrimitives.Add(gradBias, gradRecurrent.Slice(row * 3 * h, 3 * h), gradBias);
        }

        if (!gradWeight.IsEmpty)
            SequenceSteps.WeightGradient(steps, n, h, 3 * h, reverse, gradRecurrent, output, h0, h0Stride, gradWeight);
    }

    /// <summary>One range of rows of a step's forward cell.</summary>
    private readonly struct ForwardRows<T>(int batch, int hidden, int parts, T* gates, int gateStride, T* recurrent, T* hPrev, int hStride,
        T* hNew, T* workspace) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(batch, parts, part);
            int rows = end - start, h = hidden;
            if (rows == 0)
                return;

            GruCellKernel.Forward(rows, h, new ReadOnlySpan<T>(gates + ((long)start * gateStride), ((rows - 1) * gateStride) + (3 * h)), gateStride,
                new ReadOnlySpan<T>(recurrent + ((long)start * 3 * h), rows * 3 * h), 3 * h,
                new ReadOnlySpan<T>(hPrev + ((long)start * hStride), ((rows - 1) * hStride) + h), hStride,
                new Span<T>(hNew + ((long)start * h), rows * h), new Span<T>(workspace + ((long)start * 3 * h), rows * 3 * h));
        }
    }

    /// <summary>
    /// One range of rows of a step's backward cell: dh is the step's output gradient plus the gradient passed back from the
    /// next step (<c>gradH</c>); the part of the previous state's gradient through z goes to <c>target</c>, which may be
    /// <c>gradH</c> itself.
    /// </summary>
    private readonly struct BackwardRows<T>(int batch, int hidden, int parts, T* workspace, T* recurrent, T* hPrev, int hStride, T* gradOut, T* gradH,
        T* gradGates, T* gradRecurrent, T* target) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(batch, parts, part);
            int rows = end - start, h = hidden;
            if (rows == 0)
                return;

            long at = (long)start * h;
            GruCellKernel.Backward(rows, h, new ReadOnlySpan<T>(workspace + (at * 3), rows * 3 * h), new ReadOnlySpan<T>(recurrent + (at * 3), rows * 3 * h), 3 * h,
                new ReadOnlySpan<T>(hPrev + ((long)start * hStride), ((rows - 1) * hStride) + h), hStride,
                new ReadOnlySpan<T>(gradOut + at, rows * h), new ReadOnlySpan<T>(gradH + at, rows * h),
                new Span<T>(gradGates + (at * 3), rows * 3 * h), new Span<T>(gradRecurrent + (at * 3), rows * 3 * h), new Span<T>(target + at, rows * h));
        }
    }
}
