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
        if (input > int.MaxValue || output > int.MaxValue || weight > int.MaxValue)
        {
            Throw($"input ({input} elements), weight ({weight}) or output ({output}) exceeds {int.MaxValue} elements");
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
/// im2col matrix (built in row tiles in a per-thread scratch buffer that is reused across calls); a 1×1 kernel with
/// stride 1 and no padding needs no im2col. Images are spread over <see cref="Parallelism.NumThreads"/> threads when
/// there are at least as many images as threads; otherwise images run one after another and <see cref="Gemm"/>
/// may parallelise inside each.
/// </summary>
public static class Conv2dKernels
{
    /// <summary>Most elements of one im2col tile: a whole small image fits, and large images are cut into row tiles.</summary>
    private const int ColumnTileElements = 1 << 17;

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
        Layout l = new(g);
        bool hasBias = !bias.IsEmpty;
        unsafe
        {
            fixed (T* px = input)
            fixed (T* pw = weight)
            fixed (T* pb = bias)
            fixed (T* py = output)
            {
                T* x = px, w = pw, b = pb, y = py;
                ForImages(l, n => ForwardImage(l, x, w, hasBias ? b : null, y, n));
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
        Layout l = new(g);
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* pw = weight)
            fixed (T* pgx = gradInput)
            {
                T* gy = pgy, w = pw, gx = pgx;
                ForImages(l, n => BackwardInputImage(l, gy, w, gx, n));
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

        // Range 0 accumulates straight into gradWeight; the others get the calling thread's scratch.
        T[] partials = ranges > 1 ? Scratch<T>.Partials((ranges - 1) * weightLength) : [];
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* px = input)
            fixed (T* pgw = gradWeight)
            fixed (T* pp = partials)
            {
                T* gy = pgy, x = px, gw = pgw, p = pp;
                if (ranges == 1)
                {
                    BackwardWeightImages(l, gy, x, gw, 0, g.Batch);
                    return;
                }

                Parallelism.For(ranges, r =>
                {
                    int start = (int)((long)l.Batch * r / ranges), end = (int)((long)l.Batch * (r + 1) / ranges);
                    BackwardWeightImages(l, gy, x, r == 0 ? gw : p + ((nint)(r - 1) * weightLength), start, end);
                });
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
        int batch = g.Batch, channels = g.OutChannels, plane = g.OutHeight * g.OutWidth;
        int threads = Parallelism.NumThreads;
        int chunks = threads > 1 && (long)gradOutput.Length >= ParallelThreshold ? Math.Min(channels, 4 * threads) : 1;
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* pgb = gradBias)
            {
                T* gy = pgy, gb = pgb;
                Parallelism.For(chunks, c =>
                {
                    int end = (int)((long)channels * (c + 1) / chunks);
                    for (int o = (int)((long)channels * c / chunks); o < end; o++)
                    {
                        double sum = 0;
                        for (int n = 0; n < batch; n++)
                        {
                            sum += double.CreateTruncating(TensorPrimitives.Sum(new ReadOnlySpan<T>(gy + ((((nint)n * channels) + o) * plane), plane)));
                        }

                        gb[o] = T.CreateTruncating(sum);
                    }
                });
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

    private static void ForImages(in Layout l, Action<int> body)
    {
        if (UseImageThreads(l))
        {
            Parallelism.For(l.Batch, body);
            return;
        }

        for (int n = 0; n < l.Batch; n++)
        {
            body(n);
        }
    }

    private static unsafe void ForwardImage<T>(in Layout l, T* x, T* w, T* bias, T* y, int n)
        where T : unmanaged
    {
        Conv2dGeometry g = l.G;
        T* cols = l.Pointwise ? null : Scratch<T>.Columns(l.K * l.TileRows * l.OutWidth);
        for (int group = 0; group < l.Groups; group++)
        {
            T* xg = x + ((((nint)n * l.Groups) + group) * l.GroupIn * l.InPlane);
            T* wg = w + ((nint)group * l.GroupOut * l.K);
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
                Multiply(l.GroupOut, l.OutPlane, l.K, wg, l.K, 1, xg, l.InPlane, 1, beta, yg, l.OutPlane);
                continue;
            }

            for (int row = 0; row < g.OutHeight; row += l.TileRows)
            {
                int rowEnd = Math.Min(g.OutHeight, row + l.TileRows);
                int width = (rowEnd - row) * l.OutWidth;
                Im2Col(g, l.GroupIn, xg, row, rowEnd, cols);
                Multiply(l.GroupOut, width, l.K, wg, l.K, 1, cols, width, 1, beta, yg + ((nint)row * l.OutWidth), l.OutPlane);
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
                T beta = n == start ? default : One<T>();

                // gradWeight += gradOutput · colsᵀ; B = colsᵀ is read through swapped strides.
                if (l.Pointwise)
                {
                    Multiply(l.GroupOut, l.K, l.OutPlane, gyg, l.OutPlane, 1, xg, 1, l.InPlane, beta, gwg, l.K);
                    continue;
                }

                for (int row = 0; row < g.OutHeight; row += l.TileRows)
                {
                    int rowEnd = Math.Min(g.OutHeight, row + l.TileRows);
                    int width = (rowEnd - row) * l.OutWidth;
                    Im2Col(g, l.GroupIn, xg, row, rowEnd, cols);
                    Multiply(l.GroupOut, l.K, width, gyg + ((nint)row * l.OutWidth), l.OutPlane, 1, cols, 1, width, beta, gwg, l.K);
                    beta = One<T>();
                }
            }
        }
    }

    /// <summary>
    /// Output columns [lo, hi) whose tap iw = x·stride + shift lies inside [0, size); the others read padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Lo, int Hi) ValidColumns(int shift, int stride, int size, int outSize)
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
        T* dst = cols;
        for (int c = 0; c < channels; c++)
        {
            T* plane = x + ((nint)c * h * w);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowShift = (kh * g.DilationH) - g.PadH;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int shift = (kw * g.DilationW) - g.PadW;
                    (int lo, int hi) = ValidColumns(shift, sw, w, ow);
                    for (int oy = row0; oy < row1; oy++, dst += ow)
                    {
                        int iy = (oy * g.StrideH) + rowShift;
                        if ((uint)iy >= (uint)h)
                        {
                            new Span<T>(dst, ow).Clear();
                            continue;
                        }

                        new Span<T>(dst, lo).Clear();
                        T* src = plane + ((nint)iy * w) + shift;
                        if (sw == 1)
                        {
                            new ReadOnlySpan<T>(src + lo, hi - lo).CopyTo(new Span<T>(dst + lo, hi - lo));
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++)
                            {
                                dst[ox] = src[(nint)ox * sw];
                            }
                        }

                        new Span<T>(dst + hi, ow - hi).Clear();
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col{T}"/>: adds every column entry back onto the input position it was read from.</summary>
    private static unsafe void Col2Im<T>(in Conv2dGeometry g, int channels, T* cols, int row0, int row1, T* x)
        where T : unmanaged
    {
        int h = g.InHeight, w = g.InWidth, ow = g.OutWidth, sw = g.StrideW;
        T* src = cols;
        for (int c = 0; c < channels; c++)
        {
            T* plane = x + ((nint)c * h * w);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowShift = (kh * g.DilationH) - g.PadH;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int shift = (kw * g.DilationW) - g.PadW;
                    (int lo, int hi) = ValidColumns(shift, sw, w, ow);
                    for (int oy = row0; oy < row1; oy++, src += ow)
                    {
                        int iy = (oy * g.StrideH) + rowShift;
                        if ((uint)iy >= (uint)h)
                        {
                            continue;
                        }

                        T* dst = plane + ((nint)iy * w) + shift;
                        if (sw == 1)
                        {
                            AddInPlace(dst + lo, src + lo, hi - lo);
                        }
                        else
                        {
                            for (int ox = lo; ox < hi; ox++)
                            {
                                Add(ref dst[(nint)ox * sw], src[ox]);
                            }
                        }
                    }
                }
            }
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
    /// C = A·B + beta·C through <see cref="Gemm.Multiply(int, int, int, float, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, float, Span{float}, int)"/>,
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
        private static T[]? partials;

        /// <summary>The im2col tile of the current thread, at least <paramref name="length"/> long.</summary>
        public static unsafe T* Columns(int length)
            => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Grow(ref columns, length)));

        /// <summary>The calling thread's buffer for the weight-gradient partial sums of other threads.</summary>
        public static T[] Partials(int length) => Grow(ref partials, length);

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
