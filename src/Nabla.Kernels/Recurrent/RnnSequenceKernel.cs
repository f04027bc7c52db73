using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// One Elman RNN layer (tanh or ReLU) in one direction over a whole sequence, fused: h_t = act(gi_t + h_(t−1)·W_hhᵀ),
/// where the input gates gi_t = x_t·W_ihᵀ + b_ih + b_hh carry both biases. The forward pass runs, for every step, the
/// recurrent product and the activation; the backward pass runs the steps backwards through time, takes the
/// activation's derivative from the saved h_t and computes the weight's gradient at the end as one product over all
/// steps, Σ_t dpre_tᵀ·h_(t−1).
/// <para>
/// Layouts: the input gates (T, N, H) have their own step and row strides and contiguous rows; the weight W_hh (H, H)
/// has any strides; h₀ (N, H) has contiguous rows with its own row stride. The output (T, N, H) holds h_t at row block t
/// (in time order, also when running backwards).
/// </para>
/// <para>
/// In a batch of variable lengths, the steps past a row's length hold its state (see <see cref="SequenceSteps"/>): the
/// output's row keeps h_(t−1), and a sequence running backwards starts from h₀ at its last element.
/// </para>
/// </summary>
public static unsafe class RnnSequenceKernel
{
    /// <summary>The sequence's forward pass.</summary>
    /// <param name="steps">T, the steps (at least 1).</param>
    /// <param name="batch">N, the rows of every step.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="reverse">Whether the steps run from t = T − 1 down to 0.</param>
    /// <param name="lengths">Every row's length, in [1, T]; empty when every row runs all T steps.</param>
    /// <param name="relu">ReLU as the activation instead of tanh.</param>
    /// <param name="gates">The input gates, rows of H.</param>
    /// <param name="gateStepStride">The stride between the steps of <paramref name="gates"/>.</param>
    /// <param name="gateRowStride">The stride between the rows of a step of <paramref name="gates"/>.</param>
    /// <param name="weight">W_hh, (H, H).</param>
    /// <param name="weightRowStride">The stride between the rows of <paramref name="weight"/>.</param>
    /// <param name="weightColStride">The stride between the columns of <paramref name="weight"/>.</param>
    /// <param name="h0">The initial hidden state, rows of H.</param>
    /// <param name="h0Stride">The row stride of <paramref name="h0"/>.</param>
    /// <param name="output">(T, N, H) contiguous: every h_t.</param>
    /// <param name="scratch">N·H elements for one step's recurrent product.</param>
    public static void Forward<T>(int steps, int batch, int hidden, bool reverse, ReadOnlySpan<int> lengths, bool relu,
        ReadOnlySpan<T> gates, int gateStepStride, int gateRowStride,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride,
        ReadOnlySpan<T> h0, int h0Stride, Span<T> output, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h, parts = SequenceSteps.Parts(n, 3 * h);
        var recurrent = scratch[..block];
        using var packedWeight = Gemm.PackB(n, h, h, weight, weightColStride, weightRowStride);
        fixed (T* pGates = gates, pRecurrent = recurrent, pH0 = h0, pOutput = output)
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

                // h_(t−1)·W_hhᵀ: W_hh read transposed through its strides, packed once for every step.
                Gemm.Multiply(n, h, h, T.One, new ReadOnlySpan<T>(hPrev, ((n - 1) * hStride) + h), hStride, 1, packedWeight, T.Zero, recurrent, h);
                ParallelJob<ForwardRows<T>>.For(parts, new ForwardRows<T>(n, h, parts, relu, pGates + (t * gateStepStride), gateRowStride, pRecurrent,
                    pOutput + (t * block)));
                if (SequenceSteps.AnyPast(lengths, t))
                    SequenceSteps.CopyPast(lengths, t, h, hPrev, hStride, pOutput + (t * block));
            }
        }
    }

    /// <summary>
    /// The sequence's backward pass from the gradient of the (T, N, H) output: the gradient of the input gates
    /// (T, N, H), of W_hh (H, H) and of h₀ (N, H), all contiguous. The operands are those of <see cref="Forward{T}"/>,
    /// with its output.
    /// </summary>
    /// <param name="steps">T, the steps (at least 1).</param>
    /// <param name="batch">N, the rows of every step.</param>
    /// <param name="hidden">H, the hidden size.</param>
    /// <param name="reverse">Whether the forward pass ran from t = T − 1 down to 0.</param>
    /// <param name="lengths">Every row's length, as the forward pass had them; empty when every row ran all T steps.</param>
    /// <param name="relu">Whether the activation is ReLU rather than tanh.</param>
    /// <param name="weight">W_hh, (H, H).</param>
    /// <param name="weightRowStride">The stride between the rows of <paramref name="weight"/>.</param>
    /// <param name="weightColStride">The stride between the columns of <paramref name="weight"/>.</param>
    /// <param name="h0">The initial hidden state, rows of H.</param>
    /// <param name="h0Stride">The row stride of <paramref name="h0"/>.</param>
    /// <param name="output">The forward pass's output.</param>
    /// <param name="gradOutput">The gradient of the output, (T, N, H) contiguous.</param>
    /// <param name="gradGates">(T, N, H): the gradient of the input gates, which is that of each step's pre-activation.</param>
    /// <param name="gradWeight">(H, H): the gradient of W_hh; empty when it is not wanted.</param>
    /// <param name="gradH0">(N, H): the gradient of h₀.</param>
    /// <param name="scratch">N·H elements for the gradient of h that one step passes to the step before it, 2·N·H with
    /// <paramref name="lengths"/>.</param>
    public static void Backward<T>(int steps, int batch, int hidden, bool reverse, ReadOnlySpan<int> lengths, bool relu,
        ReadOnlySpan<T> weight, int weightRowStride, int weightColStride, ReadOnlySpan<T> h0, int h0Stride,
        ReadOnlySpan<T> output, ReadOnlySpan<T> gradOutput, Span<T> gradGates, Span<T> gradWeight, Span<T> gradH0, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = batch, h = hidden, block = n * h, parts = SequenceSteps.Parts(n, 3 * h);
        var gradH = scratch[..block];
        gradH.Clear();
        using var packedWeight = Gemm.PackB(n, h, h, weight, weightRowStride, weightColStride);
        fixed (T* pOutput = output, pGradOutput = gradOutput, pGradGates = gradGates, pGradH = gradH, pGradH0 = gradH0,
            pHeld = lengths.IsEmpty ? default : scratch.Slice(block, block))
        {
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = reverse ? steps - 1 - s : s;
                bool past = SequenceSteps.AnyPast(lengths, t);
                if (past)
                    SequenceSteps.AddPast(lengths, t, h, pGradOutput + (t * block), pGradH, pHeld);
                ParallelJob<BackwardRows<T>>.For(parts, new BackwardRows<T>(n, h, parts, relu, pOutput + (t * block), pGradOutput + (t * block), pGradH,
                    pGradGates + (t * block)));
                if (past)
                    SequenceSteps.ClearPast(lengths, t, h, pGradGates + (t * block));
                T* target = s > 0 ? pGradH : pGradH0;
                Gemm.Multiply(n, h, h, T.One, gradGates.Slice(t * block, block), h, 1, packedWeight, T.Zero, new Span<T>(target, block), h);
                if (past)
                    SequenceSteps.CopyPast(lengths, t, h, pHeld, h, target);
            }
        }

        if (!gradWeight.IsEmpty)
            SequenceSteps.WeightGradient(steps, n, h, h, reverse, gradGates, output, h0, h0Stride, gradWeight);
    }

    /// <summary>One range of rows of a step's forward pass: h = act(gi + recurrent).</summary>
    private readonly struct ForwardRows<T>(int batch, int hidden, int parts, bool relu, T* gates, int gateStride, T* recurrent, T* hNew) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(batch, parts, part);
            int h = hidden;
            for (int row = start; row < end; row++)
            {
                var y = new Span<T>(hNew + ((long)row * h), h);
                TensorPrimitives.Add(new ReadOnlySpan<T>(gates + ((long)row * gateStride), h), new ReadOnlySpan<T>(recurrent + ((long)row * h), h), y);
                if (relu)
                    ReluOperator<T>.Apply(y, y);
                else
                    TanhOperator<T>.Apply(y, y);
            }
        }
    }

    /// <summary>
    /// One range of rows of a step's backward pass: dpre = (dh + the gradient passed back from the next step) times the
    /// activation's derivative, (1 − h)(1 + h) for tanh and [h &gt; 0] for ReLU.
    /// </summary>
    private readonly struct BackwardRows<T>(int batch, int hidden, int parts, bool relu, T* output, T* gradOut, T* gradH, T* gradPre) : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            var (start, end) = WorkRanges.Part(batch, parts, part);
            long from = (long)start * hidden, to = (long)end * hidden;
            long j = from;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                var one = Vector<T>.One;
                for (; j <= to - Vector<T>.Count; j += Vector<T>.Count)
                {
                    var y = Vector.Load(output + j);
                    var dh = Vector.Load(gradOut + j) + Vector.Load(gradH + j);
                    var derivative = relu ? Vector.ConditionalSelect(Vector.GreaterThan(y, Vector<T>.Zero), one, Vector<T>.Zero) : (one - y) * (one + y);
                    Vector.Store(dh * derivative, gradPre + j);
                }
            }
            for (; j < to; j++)
            {
                T y = output[j], dh = gradOut[j] + gradH[j];
                gradPre[j] = dh * (relu ? (y > T.Zero ? T.One : T.Zero) : (T.One - y) * (T.One + y));
            }
        }
    }
}
