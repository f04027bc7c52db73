using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// Shape of a 2-D convolution in PyTorch's terms: input (N, C, H, W), weight (OC, C/Groups, KH, KW), output
/// (N, OC, OutHeight, OutWidth), with per-axis stride, zero padding and dilation.
/// </summary>
/// <param name="Batch">N, the number of images (may be 0).</param>
/// <param name="InChannels">C, channels of the input; divisible by <paramref name="Groups"/>.</param>
/// <param name="InHeight">H, the input height.</param>
/// <param name="InWidth">W, the input width.</param>
/// <param name="OutChannels">OC, channels of the output; divisible by <paramref name="Groups"/>.</param>
/// <param name="KernelHeight">KH, the kernel height.</param>
/// <param name="KernelWidth">KW, the kernel width.</param>
/// <param name="StrideH">Vertical step between output positions.</param>
/// <param name="StrideW">Horizontal step between output positions.</param>
/// <param name="PadH">Zero rows added above and below the input.</param>
/// <param name="PadW">Zero columns added left and right of the input.</param>
/// <param name="DilationH">Vertical spacing between kernel taps.</param>
/// <param name="DilationW">Horizontal spacing between kernel taps.</param>
/// <param name="Groups">Number of independent channel groups: output channels of group g see only input channels
/// [g·C/Groups, (g+1)·C/Groups). Groups = C is a depthwise convolution.</param>
public readonly record struct Conv2dGeometry(
    int Batch, int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideH, int StrideW, int PadH, int PadW,
    int DilationH, int DilationW, int Groups)
{
    /// <summary>Output height: floor((H + 2·PadH − DilationH·(KH − 1) − 1) / StrideH) + 1.</summary>
    public int OutHeight => (int)OutputSize(InHeight, KernelHeight, StrideH, PadH, DilationH);

    /// <summary>Output width: floor((W + 2·PadW − DilationW·(KW − 1) − 1) / StrideW) + 1.</summary>
    public int OutWidth => (int)OutputSize(InWidth, KernelWidth, StrideW, PadW, DilationW);

    /// <summary>Checks that the geometry describes a convolution PyTorch would accept.</summary>
    /// <exception cref="ArgumentException">A size is not positive, a padding is negative, a channel count is not
    /// divisible by <see cref="Groups"/>, the (dilated) kernel is larger than the padded input, or a tensor would have
    /// more than <see cref="int.MaxValue"/> elements.</exception>
    public void Validate()
    {
        if (Batch < 0 || InChannels < 1 || InHeight < 1 || InWidth < 1 || OutChannels < 1)
        {
            Throw($"input (N={Batch}, C={InChannels}, H={InHeight}, W={InWidth}) and out_channels ({OutChannels}) must be positive (N may be 0)");
        }

        if (KernelHeight < 1 || KernelWidth < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1 || Groups < 1)
        {
            Throw($"kernel ({KernelHeight}×{KernelWidth}), stride ({StrideH}×{StrideW}), dilation ({DilationH}×{DilationW}) and groups ({Groups}) must be positive");
        }

        if (PadH < 0 || PadW < 0)
        {
            Throw($"padding ({PadH}×{PadW}) must be non-negative");
        }

        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
        {
            Throw($"in_channels ({InChannels}) and out_channels ({OutChannels}) must both be divisible by groups ({Groups})");
        }

        long oh = OutputSize(InHeight, KernelHeight, StrideH, PadH, DilationH);
        long ow = OutputSize(InWidth, KernelWidth, StrideW, PadW, DilationW);
        if (oh < 1 || ow < 1)
        {
            Throw($"input {InHeight}×{InWidth} padded by {PadH}×{PadW} is smaller than the kernel {KernelHeight}×{KernelWidth} " +
                $"dilated by {DilationH}×{DilationW} (output would be {oh}×{ow})");
        }

        long input = (long)Batch * InChannels * InHeight * InWidth;
        long output = (long)Batch * OutChannels * oh * ow;
        long weight = (long)OutChannels * (InChannels / Groups) * KernelHeight * KernelWidth;

        // One output row of the im2col matrix, (C/Groups)·KH·KW × OutWidth, is the smallest workspace tile.
        long columns = (long)(InChannels / Groups) * KernelHeight * KernelWidth * ow;
        if (input > int.MaxValue || output > int.MaxValue || weight > int.MaxValue || columns > int.MaxValue)
        {
            Throw($"input ({input} elements), weight ({weight}), output ({output}) or an im2col row ({columns}) exceeds {int.MaxValue} elements");
        }
    }

    /// <summary>N·C·H·W.</summary>
    internal int InputLength => Batch * InChannels * InHeight * InWidth;

    /// <summary>OC·(C/Groups)·KH·KW.</summary>
    internal int WeightLength => OutChannels * (InChannels / Groups) * KernelHeight * KernelWidth;

    /// <summary>N·OC·OH·OW.</summary>
    internal int OutputLength => Batch * OutChannels * OutHeight * OutWidth;

    private static long OutputSize(long input, long kernel, long stride, long pad, long dilation)
    {
        long numerator = input + (2 * pad) - (dilation * (kernel - 1)) - 1;
        return numerator < 0 ? 0 : (numerator / stride) + 1;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(string message) => throw new ArgumentException($"Conv2d: {message}.");
}

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
    /// <summary>Most elements of one im2col tile: a whole small image fits, and large images are cut into row tiles.</summary>
    private const int ColumnTileElements = 1 << 17;

    /// <summary>Below this many multiply-adds in total a convolution runs on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 16;

    /// <summary>Largest K = (C/G)·KH·KW whose weight gradient is computed by <see cref="DotProducts{T}"/>.</summary>
    private const int SmallKLimit = 32;

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
    public static void Forward<T>(in Conv2dGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "Conv2d forward";
        Check<T>(op, g);
        CheckLength(op, "input", input.Length, g.InputLength);
        CheckLength(op, "weight", weight.Length, g.WeightLength);
        if (!bias.IsEmpty)
        {
            CheckLength(op, "bias", bias.Length, g.OutChannels);
        }

        CheckLength(op, "output", output.Length, g.OutputLength);
        if (g.Batch == 0)
        {
            return;
        }

        // GEMM packs a column-major A with plain copies, so the weights are transposed once here (to K × OC/G per
        // group) rather than by the packing of every image's GEMM.
        Layout l = new(g);
        T[] weightT = Scratch<T>.Shared(weight.Length);
        for (int group = 0; group < l.Groups; group++)
        {
            int start = group * l.GroupOut * l.K;
            for (int o = 0; o < l.GroupOut; o++)
            {
                for (int k = 0; k < l.K; k++)
                {
                    weightT[start + (k * l.GroupOut) + o] = weight[start + (o * l.K) + k];
                }
            }
        }

        unsafe
        {
            fixed (T* px = input)
            fixed (T* pw = weightT)
            fixed (T* pb = bias)
            fixed (T* py = output)
            {
                ImageJob<T>.Run(Pass.Forward, l, px, pw, bias.IsEmpty ? null : pb, py);
            }
        }
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
    public static void BackwardInput<T>(in Conv2dGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "Conv2d backward (input)";
        Check<T>(op, g);
        CheckLength(op, "gradOutput", gradOutput.Length, g.OutputLength);
        CheckLength(op, "weight", weight.Length, g.WeightLength);
        CheckLength(op, "gradInput", gradInput.Length, g.InputLength);
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* pw = weight)
            fixed (T* pgx = gradInput)
            {
                ImageJob<T>.Run(Pass.BackwardInput, new Layout(g), pgy, pw, pgx, null);
            }
        }
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
    public static void BackwardWeight<T>(in Conv2dGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> input, Span<T> gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "Conv2d backward (weight)";
        Check<T>(op, g);
        CheckLength(op, "gradOutput", gradOutput.Length, g.OutputLength);
        CheckLength(op, "input", input.Length, g.InputLength);
        CheckLength(op, "gradWeight", gradWeight.Length, g.WeightLength);
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            return;
        }

        Layout l = new(g);
        int ranges = UseImageThreads(l) ? Math.Min(g.Batch, Parallelism.NumThreads) : 1;
        int weightLength = g.WeightLength;

        // Range 0 accumulates straight into gradWeight; the other ranges get the calling thread's scratch.
        T[] partials = ranges > 1 ? Scratch<T>.Shared((ranges - 1) * weightLength) : [];
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* px = input)
            fixed (T* pgw = gradWeight)
            fixed (T* pp = partials)
            {
                ImageJob<T>.Run(Pass.BackwardWeight, l, pgy, px, pgw, pp, ranges);
            }
        }

        for (int r = 1; r < ranges; r++)
        {
            TensorPrimitives.Add(gradWeight, partials.AsSpan((r - 1) * weightLength, weightLength), gradWeight);
        }
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
    public static void BackwardBias<T>(in Conv2dGeometry g, ReadOnlySpan<T> gradOutput, Span<T> gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "Conv2d backward (bias)";
        Check<T>(op, g);
        CheckLength(op, "gradOutput", gradOutput.Length, g.OutputLength);
        CheckLength(op, "gradBias", gradBias.Length, g.OutChannels);
        int threads = Parallelism.NumThreads;
        int chunks = threads > 1 && (long)gradOutput.Length >= ParallelThreshold ? Math.Min(g.OutChannels, 4 * threads) : 1;
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* pgb = gradBias)
            {
                ImageJob<T>.Run(Pass.BackwardBias, new Layout(g), pgy, pgb, null, null, chunks);
            }
        }
    }

    /// <summary>Per-call sizes derived once from the geometry.</summary>
    private readonly struct Layout
    {
        public readonly Conv2dGeometry G;
        public readonly int Batch, Groups, GroupIn, GroupOut, InPlane, OutWidth, OutPlane;

        /// <summary>Rows of the per-group im2col matrix: (C/Groups)·KH·KW.</summary>
        public readonly int K;

        /// <summary>Output rows per im2col tile.</summary>
        public readonly int TileRows;

        /// <summary>1×1 kernel, stride 1, no padding: the input plane already is the im2col matrix.</summary>
        public readonly bool Pointwise;

        /// <summary>
        /// K is small enough for the weight gradient to be computed as blocks of dot products rather than a GEMM,
        /// whose tiles a first layer (K = 9 for one input channel and a 3×3 kernel) would mostly leave empty, and
        /// whose packing would have to transpose both operands.
        /// </summary>
        public readonly bool SmallK;

        public Layout(in Conv2dGeometry g)
        {
            G = g;
            Batch = g.Batch;
            Groups = g.Groups;
            GroupIn = g.InChannels / g.Groups;
            GroupOut = g.OutChannels / g.Groups;
            InPlane = g.InHeight * g.InWidth;
            OutWidth = g.OutWidth;
            OutPlane = g.OutHeight * g.OutWidth;
            K = GroupIn * g.KernelHeight * g.KernelWidth;
            TileRows = Math.Clamp(ColumnTileElements / Math.Max(1, K * OutWidth), 1, g.OutHeight);
            Pointwise = g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;
            SmallK = K <= SmallKLimit;
        }

        /// <summary>Multiply-adds of one image: OC·K·OH·OW.</summary>
        public long WorkPerImage => (long)GroupOut * Groups * K * OutPlane;
    }

    private static void Check<T>(string op, in Conv2dGeometry g)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"{op}: element type {typeof(T).Name} is not supported; use float or double.");
        }

        g.Validate();
    }

    private static void CheckLength(string op, string name, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{op}: {name} has {actual} elements but the geometry needs {expected}.", name);
        }
    }

    /// <summary>
    /// Images go to separate threads only when every thread gets one: then each image's GEMMs are sized for one
    /// core, and GEMM's own parallelism is left to the cases with fewer images than threads.
    /// </summary>
    private static bool UseImageThreads(in Layout l)
    {
        int threads = Parallelism.NumThreads;
        return threads > 1 && l.Batch >= threads && l.Batch * l.WorkPerImage >= ParallelThreshold;
    }

    private enum Pass
    {
        Forward,
        BackwardInput,
        BackwardWeight,
        BackwardBias,
    }

    /// <summary>
    /// The parallel part of one call, cached per calling thread so that dispatching it allocates nothing. Forward and
    /// backward-input items are images; backward-weight items are image ranges with one gradient buffer each;
    /// backward-bias items are ranges of output channels.
    /// </summary>
    private sealed unsafe class ImageJob<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static ImageJob<T>? cached;

        private readonly Action<int> body;
        private Pass pass;
        private Layout layout;
        private T* a, b, c, d;
        private int count;

        private ImageJob() => body = Execute;

        /// <summary>
        /// Runs <paramref name="pass"/> with its operands in the order of the public method's spans (the forward
        /// pass gets the transposed weights; for the weight gradient, <paramref name="d"/> is the partial-sum
        /// scratch); <paramref name="count"/> is the number of ranges of the weight and bias gradients.
        /// </summary>
        public static void Run(Pass pass, in Layout layout, T* a, T* b, T* c, T* d, int count = 0)
        {
            // A re-entrant call on this thread (none exists today) would find the slot empty and use a fresh job.
            ImageJob<T> job = cached ?? new ImageJob<T>();
            cached = null;
            job.pass = pass;
            job.layout = layout;
            job.a = a;
            job.b = b;
            job.c = c;
            job.d = d;
            if (pass is Pass.Forward or Pass.BackwardInput)
            {
                job.count = layout.Batch;
                if (UseImageThreads(layout))
                {
                    Parallelism.For(job.count, job.body);
                }
                else
                {
                    // One image at a time, so that each image's GEMMs may use every thread.
                    for (int n = 0; n < job.count; n++)
                    {
                        job.Execute(n);
                    }
                }
            }
            else if (count == 1)
            {
                // Called directly rather than through Parallelism.For, which would mark the GEMMs inside as nested
                // and keep them on one thread.
                job.count = 1;
                job.Execute(0);
            }
            else
            {
                job.count = count;
                Parallelism.For(count, job.body);
            }

            job.a = job.b = job.c = job.d = null;
            cached = job;
        }

        private void Execute(int item)
        {
            switch (pass)
            {
                case Pass.Forward:
                    ForwardImage(layout, a, b, c, d, item);
                    break;
                case Pass.BackwardInput:
                    BackwardInputImage(layout, a, b, c, item);
                    break;
                case Pass.BackwardWeight:
                    int start = (int)((long)layout.Batch * item / count), end = (int)((long)layout.Batch * (item + 1) / count);
                    BackwardWeightImages(layout, a, b, item == 0 ? c : d + ((nint)(item - 1) * layout.G.WeightLength), start, end);
                    break;
                default:
                    BiasChannels(layout, a, b, (int)((long)layout.G.OutChannels * item / count), (int)((long)layout.G.OutChannels * (item + 1) / count));
                    break;
            }
        }
    }

    /// <summary>gradBias[o] for o in [start, end): the sum over images of each gradient plane's sum, in double.</summary>
    private static unsafe void BiasChannels<T>(in Layout l, T* gy, T* gb, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = l.G.OutChannels;
        for (int o = start; o < end; o++)
        {
            double sum = 0;
            for (int n = 0; n < l.Batch; n++)
            {
                sum += double.CreateTruncating(TensorPrimitives.Sum(new ReadOnlySpan<T>(gy + ((((nint)n * channels) + o) * l.OutPlane), l.OutPlane)));
            }

            gb[o] = T.CreateTruncating(sum);
        }
    }

    /// <summary>One image of the forward pass; <paramref name="wT"/> holds each group's weights as K × OC/G.</summary>
    private static unsafe void ForwardImage<T>(in Layout l, T* x, T* wT, T* bias, T* y, int n)
        where T : unmanaged
    {
        Conv2dGeometry g = l.G;
        T* cols = l.Pointwise ? null : Scratch<T>.Columns(l.K * l.TileRows * l.OutWidth);
        for (int group = 0; group < l.Groups; group++)
        {
            T* xg = x + ((((nint)n * l.Groups) + group) * l.GroupIn * l.InPlane);
            T* wg = wT + ((nint)group * l.GroupOut * l.K);
            T* yg = y + ((((nint)n * l.Groups) + group) * l.GroupOut * l.OutPlane);
            T beta = default;
            if (bias != null)
            {
                // Seeding the output with the bias lets the GEMM add onto it (beta = 1) instead of a second pass.
                for (int o = 0; o < l.GroupOut; o++)
                {
                    new Span<T>(yg + ((nint)o * l.OutPlane), l.OutPlane).Fill(bias[(group * l.GroupOut) + o]);
                }

                beta = One<T>();
            }

            if (l.Pointwise)
            {
                Multiply(l.GroupOut, l.OutPlane, l.K, wg, 1, l.GroupOut, xg, l.InPlane, 1, beta, yg, l.OutPlane);
                continue;
            }

            for (int row = 0; row < g.OutHeight; row += l.TileRows)
            {
                int rowEnd = Math.Min(g.OutHeight, row + l.TileRows);
                int width = (rowEnd - row) * l.OutWidth;
                Im2Col(g, l.GroupIn, xg, row, rowEnd, cols);
                Multiply(l.GroupOut, width, l.K, wg, 1, l.GroupOut, cols, width, 1, beta, yg + ((nint)row * l.OutWidth), l.OutPlane);
            }
        }
    }

    private static unsafe void BackwardInputImage<T>(in Layout l, T* gy, T* w, T* gx, int n)
        where T : unmanaged
    {
        Conv2dGeometry g = l.G;
        T* cols = l.Pointwise ? null : Scratch<T>.Columns(l.K * l.TileRows * l.OutWidth);
        for (int group = 0; group < l.Groups; group++)
        {
            T* gyg = gy + ((((nint)n * l.Groups) + group) * l.GroupOut * l.OutPlane);
            T* wg = w + ((nint)group * l.GroupOut * l.K);
            T* gxg = gx + ((((nint)n * l.Groups) + group) * l.GroupIn * l.InPlane);

            // The columns of the gradient are Wᵀ·gradOutput; A = Wᵀ is read through swapped strides.
            if (l.Pointwise)
            {
                Multiply(l.K, l.OutPlane, l.GroupOut, wg, 1, l.K, gyg, l.OutPlane, 1, default, gxg, l.InPlane);
                continue;
            }

            new Span<T>(gxg, l.GroupIn * l.InPlane).Clear();
            for (int row = 0; row < g.OutHeight; row += l.TileRows)
            {
                int rowEnd = Math.Min(g.OutHeight, row + l.TileRows);
                int width = (rowEnd - row) * l.OutWidth;
                Multiply(l.K, width, l.GroupOut, wg, 1, l.K, gyg + ((nint)row * l.OutWidth), l.OutPlane, 1, default, cols, width);
                Col2Im(g, l.GroupIn, cols, row, rowEnd, gxg);
            }
        }
    }

    /// <summary>Sums the weight gradient of images [start, end) into <paramref name="gw"/>, which it overwrites.</summary>
    private static unsafe void BackwardWeightImages<T>(in Layout l, T* gy, T* x, T* gw, int start, int end)
        where T : unmanaged
    {
        Conv2dGeometry g = l.G;
        T* cols = l.Pointwise ? null : Scratch<T>.Columns(l.K * l.TileRows * l.OutWidth);
        for (int n = start; n < end; n++)
        {
            for (int group = 0; group < l.Groups; group++)
            {
                T* gyg = gy + ((((nint)n * l.Groups) + group) * l.GroupOut * l.OutPlane);
                T* xg = x + ((((nint)n * l.Groups) + group) * l.GroupIn * l.InPlane);
                T* gwg = gw + ((nint)group * l.GroupOut * l.K);
                bool accumulate = n != start;
                if (l.Pointwise)
                {
                    WeightProduct(l, gyg, xg, l.InPlane, l.OutPlane, accumulate, gwg);
                    continue;
                }

                for (int row = 0; row < g.OutHeight; row += l.TileRows)
                {
                    int rowEnd = Math.Min(g.OutHeight, row + l.TileRows);
                    int width = (rowEnd - row) * l.OutWidth;
                    Im2Col(g, l.GroupIn, xg, row, rowEnd, cols);
                    WeightProduct(l, gyg + ((nint)row * l.OutWidth), cols, width, width, accumulate, gwg);
                    accumulate = true;
                }
            }
        }
    }

    /// <summary>
    /// gw (OC/G × K) = gy·colsᵀ, or gw += gy·colsᵀ when <paramref name="accumulate"/>, over <paramref name="width"/>
    /// output positions: gy is OC/G × width with row stride OutPlane, cols is K × width with row stride
    /// <paramref name="colsStride"/>. A GEMM reads colsᵀ through swapped strides.
    /// </summary>
    private static unsafe void WeightProduct<T>(in Layout l, T* gy, T* cols, int colsStride, int width, bool accumulate, T* gw)
        where T : unmanaged
    {
        if (l.SmallK)
        {
            DotProducts(l.GroupOut, l.K, width, gy, l.OutPlane, cols, colsStride, accumulate, gw);
        }
        else
        {
            Multiply(l.GroupOut, l.K, width, gy, l.OutPlane, 1, cols, 1, colsStride, accumulate ? One<T>() : default, gw, l.K);
        }
    }

    /// <summary>
    /// c[i·n + j] (+)= Σ_p a[i·aStride + p]·b[j·bStride + p] for i &lt; m, j &lt; n: dot products along the contiguous
    /// axis of both operands, in 4×4 blocks whose 16 vector accumulators share every load. Blocks past the last row
    /// or column repeat it, and those sums are dropped.
    /// </summary>
    private static unsafe void DotProducts<T>(int m, int n, int length, T* a, int aStride, T* b, int bStride, bool accumulate, T* c)
        where T : unmanaged
    {
        int width = Vector<T>.Count;
        T* sums = stackalloc T[16];
        for (int i0 = 0; i0 < m; i0 += 4)
        {
            T* a0 = a + ((nint)i0 * aStride), a1 = a + ((nint)Math.Min(i0 + 1, m - 1) * aStride);
            T* a2 = a + ((nint)Math.Min(i0 + 2, m - 1) * aStride), a3 = a + ((nint)Math.Min(i0 + 3, m - 1) * aStride);
            for (int j0 = 0; j0 < n; j0 += 4)
            {
                T* b0 = b + ((nint)j0 * bStride), b1 = b + ((nint)Math.Min(j0 + 1, n - 1) * bStride);
                T* b2 = b + ((nint)Math.Min(j0 + 2, n - 1) * bStride), b3 = b + ((nint)Math.Min(j0 + 3, n - 1) * bStride);
                Vector<T> s00 = default, s01 = default, s02 = default, s03 = default;
                Vector<T> s10 = default, s11 = default, s12 = default, s13 = default;
                Vector<T> s20 = default, s21 = default, s22 = default, s23 = default;
                Vector<T> s30 = default, s31 = default, s32 = default, s33 = default;
                int p = 0;
                for (; p <= length - width; p += width)
                {
                    Vector<T> x0 = Vector.Load(a0 + p), x1 = Vector.Load(a1 + p), x2 = Vector.Load(a2 + p), x3 = Vector.Load(a3 + p);
                    Vector<T> y = Vector.Load(b0 + p);
                    s00 = Fma(x0, y, s00);
                    s10 = Fma(x1, y, s10);
                    s20 = Fma(x2, y, s20);
                    s30 = Fma(x3, y, s30);
                    y = Vector.Load(b1 + p);
                    s01 = Fma(x0, y, s01);
                    s11 = Fma(x1, y, s11);
                    s21 = Fma(x2, y, s21);
                    s31 = Fma(x3, y, s31);
                    y = Vector.Load(b2 + p);
                    s02 = Fma(x0, y, s02);
                    s12 = Fma(x1, y, s12);
                    s22 = Fma(x2, y, s22);
                    s32 = Fma(x3, y, s32);
                    y = Vector.Load(b3 + p);
                    s03 = Fma(x0, y, s03);
                    s13 = Fma(x1, y, s13);
                    s23 = Fma(x2, y, s23);
                    s33 = Fma(x3, y, s33);
                }

                sums[0] = Vector.Sum(s00);
                sums[1] = Vector.Sum(s01);
                sums[2] = Vector.Sum(s02);
                sums[3] = Vector.Sum(s03);
                sums[4] = Vector.Sum(s10);
                sums[5] = Vector.Sum(s11);
                sums[6] = Vector.Sum(s12);
                sums[7] = Vector.Sum(s13);
                sums[8] = Vector.Sum(s20);
                sums[9] = Vector.Sum(s21);
                sums[10] = Vector.Sum(s22);
                sums[11] = Vector.Sum(s23);
                sums[12] = Vector.Sum(s30);
                sums[13] = Vector.Sum(s31);
                sums[14] = Vector.Sum(s32);
                sums[15] = Vector.Sum(s33);
                for (int i = 0; i < 4; i++)
                {
                    T* ai = i switch { 0 => a0, 1 => a1, 2 => a2, _ => a3 };
                    for (int j = 0; j < 4; j++)
                    {
                        T* bj = j switch { 0 => b0, 1 => b1, 2 => b2, _ => b3 };
                        for (int q = p; q < length; q++)
                        {
                            sums[(i * 4) + j] = MultiplyAdd(ai[q], bj[q], sums[(i * 4) + j]);
                        }
                    }
                }

                for (int i = 0; i < Math.Min(4, m - i0); i++)
                {
                    T* row = c + ((nint)(i0 + i) * n) + j0;
                    for (int j = 0; j < Math.Min(4, n - j0); j++)
                    {
                        if (accumulate)
                        {
                            Add(ref row[j], sums[(i * 4) + j]);
                        }
                        else
                        {
                            row[j] = sums[(i * 4) + j];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Output positions [lo, hi) whose tap i = o·stride + shift lies inside [0, size); the others read padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Lo, int Hi) ValidRange(int shift, int stride, int size, int outSize)
    {
        int lo = shift >= 0 ? 0 : Math.Min(outSize, (-shift + stride - 1) / stride);
        int hi = shift >= size ? 0 : Math.Min(outSize, ((size - 1 - shift) / stride) + 1);
        return (lo, Math.Max(lo, hi));
    }

    /// <summary>
    /// Writes the im2col matrix of output rows [row0, row1) of one group: row (c·KH + kh)·KW + kw, column
    /// (y − row0)·OW + x holds input[c, y·sH − pH + kh·dH, x·sW − pW + kw·dW], or 0 outside the input.
    /// </summary>
    private static unsafe void Im2Col<T>(in Conv2dGeometry g, int channels, T* x, int row0, int row1, T* cols)
        where T : unmanaged
    {
        int h = g.InHeight, w = g.InWidth, ow = g.OutWidth, sw = g.StrideW;
        int length = (row1 - row0) * ow;
        bool contiguous = IsContiguous(g);
        T* dst = cols;
        for (int c = 0; c < channels; c++)
        {
            T* plane = x + ((nint)c * h * w);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowShift = (kh * g.DilationH) - g.PadH;
                (int yLo, int yHi) = ValidRange(rowShift, g.StrideH, h, g.OutHeight);
                yLo = Math.Clamp(yLo, row0, row1);
                yHi = Math.Clamp(yHi, yLo, row1);
                for (int kw = 0; kw < g.KernelWidth; kw++, dst += length)
                {
                    int shift = (kw * g.DilationW) - g.PadW;
                    (int lo, int hi) = ValidRange(shift, sw, w, ow);
                    new Span<T>(dst, (yLo - row0) * ow).Clear();
                    new Span<T>(dst + ((yHi - row0) * ow), (row1 - yHi) * ow).Clear();
                    if (contiguous)
                    {
                        // With stride 1 and OW = W, the valid rows are one shifted copy of the plane; only the
                        // columns that wrapped around from a neighbouring row need zeroing afterwards.
                        (int from, int to, nint offset) = ContiguousSpan(h * w, ((row0 + rowShift) * w) + shift, yLo - row0, yHi - row0, w);
                        new ReadOnlySpan<T>(plane + from + offset, to - from).CopyTo(new Span<T>(dst + from, to - from));
                        for (int oy = yLo - row0; oy < yHi - row0; oy++)
                        {
                            ClearEdges(dst + (oy * ow), lo, hi, ow);
                        }

                        continue;
                    }

                    for (int oy = yLo; oy < yHi; oy++)
                    {
                        T* d = dst + ((oy - row0) * ow);
                        T* src = plane + ((nint)((oy * g.StrideH) + rowShift) * w) + shift;
                        if (sw == 1)
                        {
                            new ReadOnlySpan<T>(src + lo, hi - lo).CopyTo(new Span<T>(d + lo, hi - lo));
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++)
                            {
                                d[ox] = src[(nint)ox * sw];
                            }
                        }

                        ClearEdges(d, lo, hi, ow);
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col{T}"/>: adds every column entry back onto the input position it was
    /// read from. The entries that fell on padding are zeroed in <paramref name="cols"/> on the way.</summary>
    private static unsafe void Col2Im<T>(in Conv2dGeometry g, int channels, T* cols, int row0, int row1, T* x)
        where T : unmanaged
    {
        int h = g.InHeight, w = g.InWidth, ow = g.OutWidth, sw = g.StrideW;
        int length = (row1 - row0) * ow;
        bool contiguous = IsContiguous(g);
        T* src = cols;
        for (int c = 0; c < channels; c++)
        {
            T* plane = x + ((nint)c * h * w);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowShift = (kh * g.DilationH) - g.PadH;
                (int yLo, int yHi) = ValidRange(rowShift, g.StrideH, h, g.OutHeight);
                yLo = Math.Clamp(yLo, row0, row1);
                yHi = Math.Clamp(yHi, yLo, row1);
                for (int kw = 0; kw < g.KernelWidth; kw++, src += length)
                {
                    int shift = (kw * g.DilationW) - g.PadW;
                    (int lo, int hi) = ValidRange(shift, sw, w, ow);
                    if (contiguous)
                    {
                        // Zeroing the entries that fell on padding turns the valid rows into one shifted add
                        // whose wrapped-around columns add exactly nothing.
                        for (int oy = yLo - row0; oy < yHi - row0; oy++)
                        {
                            ClearEdges(src + (oy * ow), lo, hi, ow);
                        }

                        (int from, int to, nint offset) = ContiguousSpan(h * w, ((row0 + rowShift) * w) + shift, yLo - row0, yHi - row0, w);
                        AddInPlace(plane + from + offset, src + from, to - from);
                        continue;
                    }

                    for (int oy = yLo; oy < yHi; oy++)
                    {
                        T* s = src + ((oy - row0) * ow);
                        T* dst = plane + ((nint)((oy * g.StrideH) + rowShift) * w) + shift;
                        if (sw == 1)
                        {
                            AddInPlace(dst + lo, s + lo, hi - lo);
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++)
                            {
                                Add(ref dst[(nint)ox * sw], s[ox]);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Stride 1 and an output as wide as the input: each im2col row is the input plane shifted by a constant.</summary>
    private static bool IsContiguous(in Conv2dGeometry g) => g.StrideH == 1 && g.StrideW == 1 && g.OutWidth == g.InWidth;

    /// <summary>
    /// For an im2col row whose entry i reads plane[i + offset], the range [from, to) of entries in the valid output
    /// rows [yLo, yHi) whose source lies inside the plane; entries cut off at either end are padding columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int From, int To, nint Offset) ContiguousSpan(int planeSize, int offset, int yLo, int yHi, int width)
    {
        int from = Math.Max(yLo * width, -offset);
        int to = Math.Min(yHi * width, planeSize - offset);
        return (from, Math.Max(from, to), offset);
    }

    /// <summary>Zeroes columns [0, lo) and [hi, width) of one output row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ClearEdges<T>(T* row, int lo, int hi, int width)
        where T : unmanaged
    {
        for (int ox = 0; ox < lo; ox++)
        {
            row[ox] = default;
        }

        for (int ox = hi; ox < width; ox++)
        {
            row[ox] = default;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddInPlace<T>(T* dst, T* src, int length)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            var d = new Span<float>(dst, length);
            TensorPrimitives.Add(d, new ReadOnlySpan<float>(src, length), d);
        }
        else
        {
            var d = new Span<double>(dst, length);
            TensorPrimitives.Add(d, new ReadOnlySpan<double>(src, length), d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> addend)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), addend.As<T, float>()).As<float, T>();
        }

        return Vector.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), addend.As<T, double>()).As<double, T>();
    }

    /// <summary>x·y + addend, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T MultiplyAdd<T>(T x, T y, T addend)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            float r = MathF.FusedMultiplyAdd(Unsafe.As<T, float>(ref x), Unsafe.As<T, float>(ref y), Unsafe.As<T, float>(ref addend));
            return Unsafe.As<float, T>(ref r);
        }

        double d = Math.FusedMultiplyAdd(Unsafe.As<T, double>(ref x), Unsafe.As<T, double>(ref y), Unsafe.As<T, double>(ref addend));
        return Unsafe.As<double, T>(ref d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T>(ref T target, T value)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Unsafe.As<T, float>(ref target) += Unsafe.As<T, float>(ref value);
        }
        else
        {
            Unsafe.As<T, double>(ref target) += Unsafe.As<T, double>(ref value);
        }
    }

    private static T One<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            float one = 1f;
            return Unsafe.As<float, T>(ref one);
        }

        double d = 1d;
        return Unsafe.As<double, T>(ref d);
    }

    /// <summary>
    /// C = A·B + beta·C through <see cref="Gemm.Multiply{T}(int, int, int, T, ReadOnlySpan{T}, int, int, ReadOnlySpan{T}, int, int, T, Span{T}, int)"/>,
    /// with each operand's span covering exactly its strided extent.
    /// </summary>
    private static unsafe void Multiply<T>(int m, int n, int k, T* a, int aRowStride, int aColStride,
        T* b, int bRowStride, int bColStride, T beta, T* c, int cRowStride)
        where T : unmanaged
    {
        int aLength = Extent(m, k, aRowStride, aColStride), bLength = Extent(k, n, bRowStride, bColStride);
        int cLength = Extent(m, n, cRowStride, 1);
        if (typeof(T) == typeof(float))
        {
            Gemm.Multiply(m, n, k, 1f, new ReadOnlySpan<float>(a, aLength), aRowStride, aColStride,
                new ReadOnlySpan<float>(b, bLength), bRowStride, bColStride, Unsafe.As<T, float>(ref beta), new Span<float>(c, cLength), cRowStride);
        }
        else
        {
            Gemm.Multiply(m, n, k, 1d, new ReadOnlySpan<double>(a, aLength), aRowStride, aColStride,
                new ReadOnlySpan<double>(b, bLength), bRowStride, bColStride, Unsafe.As<T, double>(ref beta), new Span<double>(c, cLength), cRowStride);
        }
    }

    private static int Extent(int rows, int cols, int rowStride, int colStride)
        => rows == 0 || cols == 0 ? 0 : ((rows - 1) * rowStride) + ((cols - 1) * colStride) + 1;

    /// <summary>
    /// Per-thread scratch that grows on demand and is kept for the thread's lifetime, so steady-state calls do not
    /// allocate. The arrays live on the pinned object heap, so raw pointers into them stay valid without fixing.
    /// </summary>
    private static class Scratch<T>
        where T : unmanaged
    {
        [ThreadStatic]
        private static T[]? columns;

        [ThreadStatic]
        private static T[]? shared;

        /// <summary>The im2col tile of the current thread, at least <paramref name="length"/> long.</summary>
        public static unsafe T* Columns(int length)
            => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Grow(ref columns, length)));

        /// <summary>
        /// The calling thread's buffer for data its workers read or write during one call: the transposed weights of
        /// the forward pass, the per-range partial sums of the weight gradient.
        /// </summary>
        public static T[] Shared(int length) => Grow(ref shared, length);

        private static T[] Grow(ref T[]? buffer, int length)
        {
            if (buffer is null || buffer.Length < length)
            {
                buffer = GC.AllocateUninitializedArray<T>(length, pinned: true);
            }

            return buffer;
        }
    }
}
