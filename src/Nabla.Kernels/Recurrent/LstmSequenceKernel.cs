using System.Numerics;

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
/// <para>
/// In a batch of variable lengths, the steps past a row's length hold its states (see <see cref="SequenceSteps"/>):
/// the output's row keeps h_(t−1), and a sequence running backwards starts from h₀ and c₀ at its last element.
/// </para>
/// </summary>
public static unsafe class LstmSequenceKernel
{
    /// <summary>The sequence's forward pass.</summary>
    /// <param name="steps">T, the steps (at least 1).</param>
    /// <param name="batch">N, the rows of every step.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="reverse">Whether the steps run from t = T − 1 down to 0.</param>
    /// <param name="lengths">Every row's length, in [1, T]; empty when every row runs all T steps.</param>
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
    public static void Forward<T>(int steps, int batch, int hidden, bool reverse, ReadOnlySpan<int> lengths,
        ReadOnlySpan<T> gates, int gateStepStride, int gateRowStride,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride,
        ReadOnlySpan<T> h0, int h0Stride, ReadOnlySpan<T> c0, int c0Stride,
        Span<T> output, Span<T> cells, Span<T> workspace, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h, parts = SequenceSteps.Parts(n, 5 * h);
        var recurrent = scratch[..(n * 4 * h)];
        using var packedWeight = Gemm.PackB(n, 4 * h, h, weight, weightColStride, weightRowStride);
        fixed (T* pGates = gates, pRecurrent = recurrent, pH0 = h0, pC0 = c0, pOutput = output, pCells = cells, pWorkspace = workspace)
        {
            for (int s = 0; s < steps; s++)
            {
                int t = reverse ? steps - 1 - s : s;
                T* hPrev = pH0, cPrev = pC0;
                int hStride = h0Stride, cStride = c0Stride;
                if (s > 0)
                {
                    int previous = reverse ? t + 1 : t - 1;
                    hPrev = pOutput + (previous * block);
                    cPrev = pCells + (previous * block);
                    hStride = cStride = h;
                }

                // h_(t−1)·W_hhᵀ: W_hh read transposed through its strides, packed once for every step.
                Gemm.Multiply(n, 4 * h, h, T.One, new ReadOnlySpan<T>(hPrev, ((n - 1) * hStride) + h), hStride, 1, packedWeight, T.Zero, recurrent, 4 * h);
                ParallelJob<ForwardRows<T>>.For(parts, new ForwardRows<T>(n, h, parts, pGates + (t * gateStepStride), gateRowStride, pRecurrent,
                    cPrev, cStride, pOutput + (t * block), pCells + (t * block), pWorkspace + (t * 5 * block)));
                if (SequenceSteps.AnyPast(lengths, t))
                {
                    SequenceSteps.CopyPast(lengths, t, h, hPrev, hStride, pOutput + (t * block));
                    SequenceSteps.CopyPast(lengths, t, h, cPrev, cStride, pCells + (t * block));
                }
            }
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
    /// <param name="lengths">Every row's length, as the forward pass had them; empty when every row ran all T steps.</param>
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
    /// <param name="scratch">N·H elements for the gradient of h that one step passes to the step before it, 3·N·H with
    /// <paramref name="lengths"/>.</param>
    public static void Backward<T>(int steps, int batch, int hidden, bool reverse, ReadOnlySpan<int> lengths,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride,
        ReadOnlySpan<T> h0, int h0Stride, ReadOnlySpan<T> c0, int c0Stride,
        ReadOnlySpan<T> output, ReadOnlySpan<T> cells, ReadOnlySpan<T> workspace, ReadOnlySpan<T> gradOutput,
        Span<T> gradGates, Span<T> gradWeight, Span<T> gradH0, Span<T> gradC0, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h, parts = SequenceSteps.Parts(n, 5 * h);

        // The scratch carries the gradient of h_(t−1) from each step to the one before it, gradC0 that of c_(t−1); the
        // first step's go to gradH0 and gradC0. With lengths, the rest of the scratch keeps, over a step, the gradients
        // of the states that rows past their length hold.
        var gradH = scratch[..block];
        gradH.Clear();
        gradOutput.Slice(steps * block, block).CopyTo(gradC0);
        using var packedWeight = Gemm.PackB(n, h, 4 * h, weight, weightRowStride, weightColStride);
        fixed (T* pC0 = c0, pCells = cells, pWorkspace = workspace, pGradOutput = gradOutput, pGradGates = gradGates, pGradH = gradH, pGradC = gradC0,
            pHeldH = lengths.IsEmpty ? default : scratch.Slice(block, block), pHeldC = lengths.IsEmpty ? default : scratch.Slice(2 * block, block),
            pGradH0 = gradH0)
        {
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = reverse ? steps - 1 - s : s;
                T* cPrev = pC0;
                int cStride = c0Stride;
                if (s > 0)
                {
                    cPrev = pCells + ((reverse ? t + 1 : t - 1) * block);
                    cStride = h;
                }

                bool past = SequenceSteps.AnyPast(lengths, t);
                if (past)
                {
                    SequenceSteps.AddPast(lengths, t, h, pGradOutput + (t * block), pGradH, pHeldH);
                    SequenceSteps.CopyPast(lengths, t, h, pGradC, h, pHeldC);
                }
                ParallelJob<BackwardRows<T>>.For(parts, new BackwardRows<T>(n, h, parts, pWorkspace + (t * 5 * block), cPrev, cStride,
                    pGradOutput + (t * block), pGradH, pGradC, pGradGates + (t * 4 * block)));
                if (past)
                {
                    SequenceSteps.ClearPast(lengths, t, 4 * h, pGradGates + (t * 4 * block));
                    SequenceSteps.CopyPast(lengths, t, h, pHeldC, h, pGradC);
                }
                T* target = s > 0 ? pGradH : pGradH0;
                Gemm.Multiply(n, h, 4 * h, T.One, gradGates.Slice(t * 4 * block, 4 * block), 4 * h, 1, packedWeight, T.Zero, new Span<T>(target, block), h);
                if (past)
                    SequenceSteps.CopyPast(lengths, t, h, pHeldH, h, target);
            }
        }

        if (!gradWeight.IsEmpty)
            SequenceSteps.WeightGradient(steps, n, h, 4 * h, reverse, gradGates, output, h0, h0Stride, gradWeight);
    }

    /// <summary>One range of rows of a step's forward cell.</summary>
    private readonly struct ForwardRows<T>(int batch, int hidden, int parts, T* gates, int gateStride, T* recurrent, T* c, int cStride,
        T* hNew, T* cNew, T* workspace) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(batch, parts, part);
            int rows = end - start, h = hidden;
            if (rows == 0)
                return;

            LstmCellKernel.Forward(rows, h, new ReadOnlySpan<T>(gates + ((long)start * gateStride), ((rows - 1) * gateStride) + (4 * h)), gateStride,
                new ReadOnlySpan<T>(recurrent + ((long)start * 4 * h), rows * 4 * h), 4 * h,
                new ReadOnlySpan<T>(c + ((long)start * cStride), ((rows - 1) * cStride) + h), cStride,
                new Span<T>(hNew + ((long)start * h), rows * h), new Span<T>(cNew + ((long)start * h), rows * h),
                new Span<T>(workspace + ((long)start * 5 * h), rows * 5 * h));
        }
    }

    /// <summary>
    /// One range of rows of a step's backward cell: dh is the step's output gradient plus the gradient passed back from the
    /// next step (<c>gradH</c>); the cell gradient is read from and written back to <c>gradC</c>.
    /// </summary>
    private readonly struct BackwardRows<T>(int batch, int hidden, int parts, T* workspace, T* c, int cStride, T* gradOut, T* gradH, T* gradC,
        T* gradGates) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(batch, parts, part);
            int rows = end - start, h = hidden;
            if (rows == 0)
                return;

            long at = (long)start * h;
            var dc = new Span<T>(gradC + at, rows * h);
            LstmCellKernel.Backward(rows, h, new ReadOnlySpan<T>(workspace + (at * 5), rows * 5 * h),
                new ReadOnlySpan<T>(c + ((long)start * cStride), ((rows - 1) * cStride) + h), cStride,
                new ReadOnlySpan<T>(gradOut + at, rows * h), new ReadOnlySpan<T>(gradH + at, rows * h), dc,
                new Span<T>(gradGates + (at * 4), rows * 4 * h), dc);
        }
    }
}
