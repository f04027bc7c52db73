using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// 2-D convolution (cross-correlation, as in PyTorch) on contiguous NCHW data for <see cref="float"/> and
/// <see cref="double"/>: forward, and the three gradients backward needs. Each (image, group) is one GEMM over an
/// im2col matrix (built in row tiles in a per-thread scratch buffer that is reused across calls), and the input
/// gradient is scattered back with col2im; a 1×1 kernel with stride 1 and no padding needs neither. A weight
/// gradient with a short im2col column (K = (C/G)·KH·KW ≤ 32, as in a first layer) is computed as blocked dot
/// products instead of a GEMM. Images are spread over <see cref="Parallelism.NumThreads"/> threads when there are at
/// least as many images as threads, the GEMMs inside then running on their image's thread; otherwise images run one
/// after another and <see cref="Gemm"/> may parallelise inside each. Steady-state calls do not allocate.
/// </summary>
public static class Conv2dKernels
{
    /// <summary>Below this many multiply-adds in total a convolution runs on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 16;

    /// <summary>
    /// Forward convolution: output[n, o, y, x] = bias[o] + Σ_{c, kh, kw} input[n, g·C/G + c, y·sH − pH + kh·dH,
    /// x·sW − pW + kw·dW] · weight[o, c, kh, kw], over c in [0, C/G) of the output channel's group g = o / (OC/G),
    /// positions outside the input counting as zero.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="g">The convolution geometry.</param>
    /// <param name="input">Input of shape (N, C, H, W).</param>
    /// <param name="weight">Weight of shape (OC, C/Groups, KH, KW).</param>
    /// <param name="bias">Bias of shape (OC), or empty for none.</param>
    /// <param name="output">Output of shape (N, OC, OutHeight, OutWidth), overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is invalid or a span length does not match it.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static unsafe void Forward<T>(in Conv2dGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "Conv2d forward";
        Check<T>(Op, g);
        KernelArguments.CheckLengths(Op, [("input", input.Length, g.InputLength), ("weight", weight.Length, g.WeightLength),
            ("bias", bias.Length, bias.IsEmpty ? 0 : g.OutChannels), ("output", output.Length, g.OutputLength)]);
        if (g.Batch == 0)
            return;

        ConvLayout l = new(g);
        T* weightT = ScratchBuffer<T, CallBuffer>.Rent(weight.Length);
        ConvForward<T>.TransposeWeights(l, weight, weightT);
        fixed (T* px = input)
        fixed (T* pb = bias)
        fixed (T* py = output)
            RunImages(l, new ConvForward<T>(l, px, weightT, bias.IsEmpty ? null : pb, py));
    }

    /// <summary>
    /// Gradient of the forward convolution with respect to its input: gradInput[n, g·C/G + c, ih, iw] =
    /// Σ gradOutput[n, o, y, x] · weight[o, c, kh, kw] over every (o, y, x, kh, kw) of group g whose tap lands on
    /// (ih, iw) — the adjoint of <see cref="Forward{T}"/> without bias.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="g">The convolution geometry.</param>
    /// <param name="gradOutput">Gradient of shape (N, OC, OutHeight, OutWidth).</param>
    /// <param name="weight">Weight of shape (OC, C/Groups, KH, KW).</param>
    /// <param name="gradInput">Gradient of shape (N, C, H, W), overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is invalid or a span length does not match it.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static unsafe void BackwardInput<T>(in Conv2dGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "Conv2d backward (input)";
        Check<T>(Op, g);
        KernelArguments.CheckLengths(Op, [("gradOutput", gradOutput.Length, g.OutputLength), ("weight", weight.Length, g.WeightLength),
            ("gradInput", gradInput.Length, g.InputLength)]);
        ConvLayout l = new(g);
        fixed (T* pgy = gradOutput)
        fixed (T* pw = weight)
        fixed (T* pgx = gradInput)
            RunImages(l, new ConvBackwardInput<T>(l, pgy, pw, pgx));
    }

    /// <summary>
    /// Gradient of the forward convolution with respect to its weight: gradWeight[o, c, kh, kw] =
    /// Σ_{n, y, x} gradOutput[n, o, y, x] · input[n, g·C/G + c, y·sH − pH + kh·dH, x·sW − pW + kw·dW]. Images are
    /// split into one contiguous range per thread, each summed into its own buffer, and the buffers are added in
    /// range order, so the result is bit-for-bit reproducible for a given <see cref="Parallelism.NumThreads"/>.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="g">The convolution geometry.</param>
    /// <param name="gradOutput">Gradient of shape (N, OC, OutHeight, OutWidth).</param>
    /// <param name="input">Input of shape (N, C, H, W).</param>
    /// <param name="gradWeight">Gradient of shape (OC, C/Groups, KH, KW), overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is invalid or a span length does not match it.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static unsafe void BackwardWeight<T>(in Conv2dGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> input, Span<T> gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "Conv2d backward (weight)";
        Check<T>(Op, g);
        KernelArguments.CheckLengths(Op, [("gradOutput", gradOutput.Length, g.OutputLength), ("input", input.Length, g.InputLength),
            ("gradWeight", gradWeight.Length, g.WeightLength)]);
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            return;
        }

        ConvLayout l = new(g);
        int ranges = UseImageThreads(l) ? Math.Min(g.Batch, Parallelism.NumThreads) : 1;
        int weightLength = g.WeightLength;

        // Range 0 accumulates straight into gradWeight; the other ranges get the calling thread's scratch.
        T* partials = ranges > 1 ? ScratchBuffer<T, CallBuffer>.Rent((ranges - 1) * weightLength) : null;
        fixed (T* pgy = gradOutput)
        fixed (T* px = input)
        fixed (T* pgw = gradWeight)
            ParallelJob<ConvBackwardWeight<T>>.For(ranges, new ConvBackwardWeight<T>(l, pgy, px, pgw, partials, ranges));

        for (int r = 1; r < ranges; r++)
            TensorPrimitives.Add(gradWeight, new ReadOnlySpan<T>(partials + ((nint)(r - 1) * weightLength), weightLength), gradWeight);
    }

    /// <summary>
    /// Gradient of the forward convolution with respect to its bias: gradBias[o] = Σ_{n, y, x} gradOutput[n, o, y, x],
    /// accumulated in double in a fixed order.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="g">The convolution geometry.</param>
    /// <param name="gradOutput">Gradient of shape (N, OC, OutHeight, OutWidth).</param>
    /// <param name="gradBias">Gradient of shape (OC), overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is invalid or a span length does not match it.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static unsafe void BackwardBias<T>(in Conv2dGeometry g, ReadOnlySpan<T> gradOutput, Span<T> gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "Conv2d backward (bias)";
        Check<T>(Op, g);
        KernelArguments.CheckLengths(Op, [("gradOutput", gradOutput.Length, g.OutputLength), ("gradBias", gradBias.Length, g.OutChannels)]);
        int threads = Parallelism.NumThreads;
        int chunks = threads > 1 && (long)gradOutput.Length >= ParallelThreshold ? Math.Min(g.OutChannels, 4 * threads) : 1;
        fixed (T* pgy = gradOutput)
        fixed (T* pgb = gradBias)
            ParallelJob<ConvBackwardBias<T>>.For(chunks, new ConvBackwardBias<T>(new ConvLayout(g), pgy, pgb, chunks));
    }

    private static void Check<T>(string op, in Conv2dGeometry g)
    {
        KernelArguments.RequireFloatOrDouble<T>(op);
        g.Validate();
    }

    /// <summary>
    /// Images go to separate threads only when every thread gets one: then each image's GEMMs are sized for one
    /// core, and GEMM's own parallelism is left to the cases with fewer images than threads.
    /// </summary>
    private static bool UseImageThreads(in ConvLayout l)
    {
        int threads = Parallelism.NumThreads;
        return threads > 1 && l.Batch >= threads && l.Batch * l.WorkPerImage >= ParallelThreshold;
    }

    /// <summary>Runs one item of <paramref name="work"/> per image, on separate threads when they pay off.</summary>
    private static void RunImages<TWork>(in ConvLayout l, in TWork work)
        where TWork : struct, IParallelWork
    {
        if (UseImageThreads(l))
        {
            ParallelJob<TWork>.For(l.Batch, work);
            return;
        }

        // One image at a time, outside any parallel loop, so that each image's GEMMs may use every thread.
        for (int n = 0; n < l.Batch; n++)
            work.Run(n);
    }

    /// <summary>
    /// Names the calling thread's <see cref="ScratchBuffer{T, TUse}"/> for data its workers share during one call:
    /// the transposed weights of the forward pass, the per-range partial sums of the weight gradient.
    /// </summary>
    private readonly struct CallBuffer;
}
