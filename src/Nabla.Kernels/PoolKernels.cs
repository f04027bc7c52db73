using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// Shape of a 2-D max or average pooling over an input of shape (N, C, H, W), with PyTorch's parameters and
/// output-size rule.
/// </summary>
/// <param name="Batch">N, the number of images (may be 0).</param>
/// <param name="Channels">C, the number of planes per image.</param>
/// <param name="InHeight">H, the input height.</param>
/// <param name="InWidth">W, the input width.</param>
/// <param name="KernelH">Window height.</param>
/// <param name="KernelW">Window width.</param>
/// <param name="StrideH">Vertical step between windows.</param>
/// <param name="StrideW">Horizontal step between windows.</param>
/// <param name="PadH">Implicit padding on the top and bottom (at most <paramref name="KernelH"/>/2).</param>
/// <param name="PadW">Implicit padding on the left and right (at most <paramref name="KernelW"/>/2).</param>
/// <param name="DilationH">Vertical spacing between window elements (max pooling only; average pooling needs 1).</param>
/// <param name="DilationW">Horizontal spacing between window elements (max pooling only; average pooling needs 1).</param>
/// <param name="CeilMode">Round the output size up instead of down, as long as the last window starts inside the
/// input or its left/top padding.</param>
public readonly record struct PoolGeometry(
    int Batch, int Channels, int InHeight, int InWidth,
    int KernelH, int KernelW, int StrideH, int StrideW,
    int PadH, int PadW, int DilationH, int DilationW, bool CeilMode)
{
    /// <summary>
    /// Output height: floor-or-ceil((H + 2·PadH − DilationH·(KernelH − 1) − 1) / StrideH) + 1, less one in ceil mode
    /// when the last window would start at or beyond H + PadH.
    /// </summary>
    public int OutHeight => OutputSize(InHeight, KernelH, StrideH, PadH, DilationH, CeilMode);

    /// <summary>
    /// Output width: floor-or-ceil((W + 2·PadW − DilationW·(KernelW − 1) − 1) / StrideW) + 1, less one in ceil mode
    /// when the last window would start at or beyond W + PadW.
    /// </summary>
    public int OutWidth => OutputSize(InWidth, KernelW, StrideW, PadW, DilationW, CeilMode);

    /// <summary>Checks the geometry the way PyTorch's pool2d_shape_check does.</summary>
    /// <exception cref="ArgumentException">A size is not positive, a padding exceeds half its kernel size, the output
    /// would be empty, or a tensor would have more than <see cref="int.MaxValue"/> elements.</exception>
    public void Validate() => Validate("Pool2d");

    internal void Validate(string op)
    {
        if (Batch < 0 || Channels < 1 || InHeight < 1 || InWidth < 1)
        {
            Throw(op, $"input must have Batch >= 0 and positive Channels, InHeight, InWidth, got (N={Batch}, C={Channels}, H={InHeight}, W={InWidth})");
        }

        if (KernelH < 1 || KernelW < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1)
        {
            Throw(op, $"kernel ({KernelH}×{KernelW}), stride ({StrideH}×{StrideW}) and dilation ({DilationH}×{DilationW}) must be positive");
        }

        if (PadH < 0 || PadW < 0 || PadH > KernelH / 2 || PadW > KernelW / 2)
        {
            Throw(op, $"padding ({PadH}×{PadW}) must be non-negative and at most half of the kernel size ({KernelH}×{KernelW})");
        }

        // Computed in long so that huge dilations cannot wrap around into a plausible size.
        long oh = OutputSizeLong(InHeight, KernelH, StrideH, PadH, DilationH, CeilMode);
        long ow = OutputSizeLong(InWidth, KernelW, StrideW, PadW, DilationW, CeilMode);
        if (oh < 1 || ow < 1)
        {
            Throw(op, $"input (C={Channels}, H={InHeight}, W={InWidth}) gives output {oh}×{ow} with kernel {KernelH}×{KernelW}, " +
                $"stride {StrideH}×{StrideW}, padding {PadH}×{PadW}, dilation {DilationH}×{DilationW}: output size is too small");
        }

        if ((long)Batch * Channels * InHeight * InWidth > int.MaxValue || (long)Batch * Channels * oh * ow > int.MaxValue)
        {
            Throw(op, $"input (N={Batch}, C={Channels}, H={InHeight}, W={InWidth}) or output ({oh}×{ow}) has more than {int.MaxValue} elements");
        }
    }

    internal int InputLength => Batch * Channels * InHeight * InWidth;

    internal int OutputLength => Batch * Channels * OutHeight * OutWidth;

    private static int OutputSize(int input, int kernel, int stride, int pad, int dilation, bool ceil)
        => (int)OutputSizeLong(input, kernel, stride, pad, dilation, ceil);

    private static long OutputSizeLong(long input, long kernel, long stride, long pad, long dilation, bool ceil)
    {
        long numerator = input + (2 * pad) - (dilation * (kernel - 1)) - 1 + (ceil ? stride - 1 : 0);
        long size = Math.DivRem(numerator, stride, out long remainder) - (remainder < 0 ? 1 : 0) + 1;
        if (ceil && (size - 1) * stride >= input + pad)
        {
            size--;
        }

        return size;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(string op, string message) => throw new ArgumentException($"{op}: {message}.");
}

/// <summary>
/// Max, average and adaptive-average pooling over (N, C, H, W) tensors stored contiguously, with PyTorch's
/// semantics. Every (n, c) plane is pooled independently; large inputs are spread over
/// <see cref="Parallelism.NumThreads"/> threads by planes. The common 2×2/stride-2 max pool on float runs on AVX-512
/// vectors, forward and backward; everything else is scalar. Steady-state calls do not allocate.
/// </summary>
public static class PoolKernels
{
    /// <summary>Below this many window elements in total a pooling runs on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>
    /// Max pooling: output[n,c,oh,ow] = max over kh, kw of input[n,c,ih,iw] with ih = oh·StrideH − PadH + kh·DilationH,
    /// iw = ow·StrideW − PadW + kw·DilationW, padding counting as −∞. Ties keep the first maximum in row-major window
    /// order; a NaN counts as the maximum (the last NaN wins), as in PyTorch.
    /// </summary>
    /// <param name="p">The pooling geometry.</param>
    /// <param name="input">Input of shape (N, C, H, W).</param>
    /// <param name="output">Output of shape (N, C, OutHeight, OutWidth), overwritten.</param>
    /// <param name="argmax">Same shape as the output: ih·W + iw of the chosen element within its (n, c) plane, or −1
    /// (with output −∞) for a window that, through dilation, covers padding only.</param>
    /// <exception cref="ArgumentException">The geometry is invalid or a span length does not match it.</exception>
    public static void MaxPool2dForward<T>(in PoolGeometry p, ReadOnlySpan<T> input, Span<T> output, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "MaxPool2d forward";
        p.Validate(op);
        CheckLength(op, "input", input.Length, p.InputLength);
        CheckLength(op, "output", output.Length, p.OutputLength);
        CheckLength(op, "argmax", argmax.Length, p.OutputLength);
        unsafe
        {
            fixed (T* px = input)
            fixed (T* py = output)
            fixed (int* pa = argmax)
            {
                PlaneJob<T>.Run(IsFast2x2<T>(p) ? PoolOp.Max2x2Float : PoolOp.Max, p, false, px, py, pa);
            }
        }
    }

    /// <summary>
    /// Gradient of <see cref="MaxPool2dForward{T}"/>: gradInput[n,c,argmax[n,c,oh,ow]] += gradOutput[n,c,oh,ow] over all
    /// outputs, starting from zero; entries with argmax −1 contribute nothing.
    /// </summary>
    /// <param name="p">The pooling geometry of the forward pass.</param>
    /// <param name="gradOutput">Gradient of shape (N, C, OutHeight, OutWidth).</param>
    /// <param name="argmax">The indices <see cref="MaxPool2dForward{T}"/> wrote for this geometry (each names an
    /// element of its own window, which the vectorised 2×2 path relies on).</param>
    /// <param name="gradInput">Gradient of shape (N, C, H, W), overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, a span length does not match it, or an argmax
    /// entry lies outside [−1, H·W).</exception>
    public static void MaxPool2dBackward<T>(in PoolGeometry p, ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> argmax, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "MaxPool2d backward";
        p.Validate(op);
        CheckLength(op, "gradOutput", gradOutput.Length, p.OutputLength);
        CheckLength(op, "argmax", argmax.Length, p.OutputLength);
        CheckLength(op, "gradInput", gradInput.Length, p.InputLength);
        int planeSize = p.InHeight * p.InWidth;
        if (argmax.Length > 0 && (TensorPrimitives.Min(argmax) < -1 || TensorPrimitives.Max(argmax) >= planeSize))
        {
            throw new ArgumentException($"{op}: argmax entries must lie in [-1, {planeSize}) for a {p.InHeight}×{p.InWidth} input plane.", nameof(argmax));
        }

        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (int* pa = argmax)
            fixed (T* pgx = gradInput)
            {
                PlaneJob<T>.Run(IsFast2x2<T>(p) ? PoolOp.MaxBackward2x2Float : PoolOp.MaxBackward, p, false, pgy, pgx, pa);
            }
        }
    }

    /// <summary>
    /// Average pooling: output[n,c,oh,ow] = (sum of input over the window clipped to the input) / divisor, where the
    /// window is rows [oh·StrideH − PadH, +KernelH) and columns [ow·StrideW − PadW, +KernelW), and the divisor is the
    /// window clipped to the padded input (H + PadH, W + PadW) when <paramref name="countIncludePad"/> is true, or the
    /// window clipped to the input otherwise. A window with no input element outputs 0. Dilation must be 1.
    /// </summary>
    /// <param name="p">The pooling geometry (dilation 1).</param>
    /// <param name="countIncludePad">Whether padded positions count in the divisor.</param>
    /// <param name="input">Input of shape (N, C, H, W).</param>
    /// <param name="output">Output of shape (N, C, OutHeight, OutWidth), overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, has a dilation other than 1, or a span length does
    /// not match it.</exception>
    public static void AvgPool2dForward<T>(in PoolGeometry p, bool countIncludePad, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "AvgPool2d forward";
        ValidateAverage(op, p);
        CheckLength(op, "input", input.Length, p.InputLength);
        CheckLength(op, "output", output.Length, p.OutputLength);
        unsafe
        {
            fixed (T* px = input)
            fixed (T* py = output)
            {
                PlaneJob<T>.Run(PoolOp.Avg, p, countIncludePad, px, py, null);
            }
        }
    }

    /// <summary>
    /// Gradient of <see cref="AvgPool2dForward{T}"/>: every output's gradient divided by its divisor is added to each
    /// input element of its clipped window, starting from zero.
    /// </summary>
    /// <param name="p">The pooling geometry of the forward pass (dilation 1).</param>
    /// <param name="countIncludePad">Whether padded positions counted in the divisor.</param>
    /// <param name="gradOutput">Gradient of shape (N, C, OutHeight, OutWidth).</param>
    /// <param name="gradInput">Gradient of shape (N, C, H, W), overwritten.</param>
    /// <exception cref="ArgumentException">The geometry is invalid, has a dilation other than 1, or a span length does
    /// not match it.</exception>
    public static void AvgPool2dBackward<T>(in PoolGeometry p, bool countIncludePad, ReadOnlySpan<T> gradOutput, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "AvgPool2d backward";
        ValidateAverage(op, p);
        CheckLength(op, "gradOutput", gradOutput.Length, p.OutputLength);
        CheckLength(op, "gradInput", gradInput.Length, p.InputLength);
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* pgx = gradInput)
            {
                PlaneJob<T>.Run(PoolOp.AvgBackward, p, countIncludePad, pgy, pgx, null);
            }
        }
    }

    /// <summary>
    /// Adaptive average pooling to a fixed output size: output[n,c,i,j] is the mean of input[n,c,h,w] over
    /// h in [floor(i·H/outH), ceil((i+1)·H/outH)) and w in [floor(j·W/outW), ceil((j+1)·W/outW)), as in PyTorch.
    /// </summary>
    /// <param name="batch">N (may be 0).</param>
    /// <param name="channels">C.</param>
    /// <param name="inHeight">H.</param>
    /// <param name="inWidth">W.</param>
    /// <param name="outHeight">Output height, at least 1.</param>
    /// <param name="outWidth">Output width, at least 1.</param>
    /// <param name="input">Input of shape (N, C, H, W).</param>
    /// <param name="output">Output of shape (N, C, outHeight, outWidth), overwritten.</param>
    /// <exception cref="ArgumentException">A size is not positive or a span length does not match the sizes.</exception>
    public static void AdaptiveAvgPool2dForward<T>(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth,
        ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "AdaptiveAvgPool2d forward";
        PoolGeometry g = AdaptiveGeometry(op, batch, channels, inHeight, inWidth, outHeight, outWidth);
        CheckLength(op, "input", input.Length, g.InputLength);
        CheckLength(op, "output", output.Length, batch * channels * outHeight * outWidth);
        unsafe
        {
            fixed (T* px = input)
            fixed (T* py = output)
            {
                PlaneJob<T>.Run(PoolOp.Adaptive, g, false, px, py, null, (outHeight, outWidth));
            }
        }
    }

    /// <summary>
    /// Gradient of <see cref="AdaptiveAvgPool2dForward{T}"/>: each output's gradient divided by its window's element
    /// count is added to every element of the window, starting from zero.
    /// </summary>
    /// <param name="batch">N (may be 0).</param>
    /// <param name="channels">C.</param>
    /// <param name="inHeight">H.</param>
    /// <param name="inWidth">W.</param>
    /// <param name="outHeight">Output height, at least 1.</param>
    /// <param name="outWidth">Output width, at least 1.</param>
    /// <param name="gradOutput">Gradient of shape (N, C, outHeight, outWidth).</param>
    /// <param name="gradInput">Gradient of shape (N, C, H, W), overwritten.</param>
    /// <exception cref="ArgumentException">A size is not positive or a span length does not match the sizes.</exception>
    public static void AdaptiveAvgPool2dBackward<T>(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth,
        ReadOnlySpan<T> gradOutput, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "AdaptiveAvgPool2d backward";
        PoolGeometry g = AdaptiveGeometry(op, batch, channels, inHeight, inWidth, outHeight, outWidth);
        CheckLength(op, "gradOutput", gradOutput.Length, batch * channels * outHeight * outWidth);
        CheckLength(op, "gradInput", gradInput.Length, g.InputLength);
        unsafe
        {
            fixed (T* pgy = gradOutput)
            fixed (T* pgx = gradInput)
            {
                PlaneJob<T>.Run(PoolOp.AdaptiveBackward, g, false, pgy, pgx, null, (outHeight, outWidth));
            }
        }
    }

    private static void CheckLength(string op, string name, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{op}: {name} has {actual} elements but the geometry needs {expected}.", name);
        }
    }

    private static void ValidateAverage(string op, in PoolGeometry p)
    {
        p.Validate(op);
        if (p.DilationH != 1 || p.DilationW != 1)
        {
            throw new ArgumentException($"{op}: dilation must be 1, got {p.DilationH}×{p.DilationW}.");
        }
    }

    /// <summary>Checks the adaptive sizes and returns the geometry of the input (a 1×1 window, so that the work per
    /// plane is estimated as H·W).</summary>
    private static PoolGeometry AdaptiveGeometry(string op, int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth)
    {
        if (batch < 0 || channels < 1 || inHeight < 1 || inWidth < 1 || outHeight < 1 || outWidth < 1)
        {
            throw new ArgumentException($"{op}: sizes must be positive (batch may be 0), got input (N={batch}, C={channels}, H={inHeight}, W={inWidth}) and output {outHeight}×{outWidth}.");
        }

        if ((long)batch * channels * inHeight * inWidth > int.MaxValue || (long)batch * channels * outHeight * outWidth > int.MaxValue)
        {
            throw new ArgumentException($"{op}: input (N={batch}, C={channels}, H={inHeight}, W={inWidth}) or output ({outHeight}×{outWidth}) has more than {int.MaxValue} elements.");
        }

        return new PoolGeometry(batch, channels, inHeight, inWidth, 1, 1, 1, 1, 0, 0, 1, 1, false);
    }

    private enum PoolOp
    {
        Max,
        Max2x2Float,
        MaxBackward,
        MaxBackward2x2Float,
        Avg,
        AvgBackward,
        Adaptive,
        AdaptiveBackward,
    }

    /// <summary>
    /// The parallel part of one pooling call: contiguous ranges of (n, c) planes, on the calling thread when the total
    /// work is small and spread over <see cref="Parallelism.NumThreads"/> threads otherwise. Cached per calling thread
    /// so that dispatching it allocates nothing.
    /// </summary>
    private sealed unsafe class PlaneJob<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static PlaneJob<T>? cached;

        private readonly Action<int> body;
        private PoolOp op;
        private PoolGeometry g;
        private bool countIncludePad;
        private (int Height, int Width) adaptiveOut;
        private T* source;
        private T* destination;
        private int* argmax;
        private int planes;
        private int chunks;

        private PlaneJob() => body = RunChunk;

        /// <summary>
        /// Runs <paramref name="op"/> over all planes of <paramref name="g"/>, reading <paramref name="source"/> (the
        /// input, or the output gradient) and writing <paramref name="destination"/>; an adaptive pooling passes its
        /// output size in <paramref name="adaptiveOut"/>.
        /// </summary>
        public static void Run(PoolOp op, in PoolGeometry g, bool countIncludePad, T* source, T* destination, int* argmax, (int Height, int Width) adaptiveOut = default)
        {
            int planes = g.Batch * g.Channels;
            if (planes == 0)
            {
                return;
            }

            // A re-entrant call on this thread (none exists today) would find the slot empty and use a fresh job.
            PlaneJob<T> job = cached ?? new PlaneJob<T>();
            cached = null;
            (job.op, job.g, job.countIncludePad, job.adaptiveOut) = (op, g, countIncludePad, adaptiveOut);
            job.source = source;
            job.destination = destination;
            job.argmax = argmax;
            job.planes = planes;
            long work = planes * Math.Max((long)g.InHeight * g.InWidth, (long)g.OutHeight * g.OutWidth * g.KernelH * g.KernelW);
            int threads = Parallelism.NumThreads;
            if (threads == 1 || planes == 1 || work < ParallelThreshold)
            {
                job.RunPlanes(0, planes);
            }
            else
            {
                // A few chunks per thread let the others even out a thread that starts late.
                job.chunks = (int)Math.Clamp(work / (ParallelThreshold / 2), 2, Math.Min(planes, 4L * threads));
                Parallelism.For(job.chunks, job.body);
            }

            job.source = job.destination = null;
            job.argmax = null;
            cached = job;
        }

        private void RunChunk(int chunk)
            => RunPlanes((int)((long)planes * chunk / chunks), (int)((long)planes * (chunk + 1) / chunks));

        private void RunPlanes(int start, int end)
        {
            switch (op)
            {
                case PoolOp.Max:
                    MaxPoolPlanes(g, source, destination, argmax, start, end);
                    break;
                case PoolOp.Max2x2Float:
                    MaxPool2x2Float(g, (float*)source, (float*)destination, argmax, start, end);
                    break;
                case PoolOp.MaxBackward2x2Float:
                    MaxPool2x2BackwardFloat(g, (float*)source, argmax, (float*)destination, start, end);
                    break;
                case PoolOp.MaxBackward:
                    MaxPoolBackwardPlanes(g, source, argmax, destination, start, end);
                    break;
                case PoolOp.Avg:
                    AvgPoolPlanes(g, countIncludePad, source, destination, start, end);
                    break;
                case PoolOp.AvgBackward:
                    AvgPoolBackwardPlanes(g, countIncludePad, source, destination, start, end);
                    break;
                case PoolOp.Adaptive:
                    AdaptivePlanes(g, adaptiveOut.Height, adaptiveOut.Width, source, destination, start, end);
                    break;
                default:
                    AdaptiveBackwardPlanes(g, adaptiveOut.Height, adaptiveOut.Width, source, destination, start, end);
                    break;
            }
        }
    }

    /// <summary>
    /// Whether the vector path applies: float on AVX-512, and the 2×2, stride-2, unpadded, undilated pooling whose
    /// windows all lie inside the input.
    /// </summary>
    private static bool IsFast2x2<T>(in PoolGeometry g)
        => typeof(T) == typeof(float) && Avx512F.IsSupported && g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0
            && g.DilationH == 1 && g.DilationW == 1 && 2 * g.OutHeight <= g.InHeight && 2 * g.OutWidth <= g.InWidth;

    /// <summary>Half-open range [lo, hi) of window taps k for which start + k·dilation lies in [0, size).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Lo, int Hi) ValidTaps(int start, int kernel, int dilation, int size)
    {
        int lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
        int hi = start >= size ? 0 : Math.Min(kernel, ((size - 1 - start) / dilation) + 1);
        return (lo, Math.Max(lo, hi));
    }

    private static unsafe void MaxPoolPlanes<T>(PoolGeometry g, T* x, T* y, int* argmax, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        for (int plane = start; plane < end; plane++)
        {
            T* xp = x + ((nint)plane * h * w);
            T* yp = y + ((nint)plane * oh * ow);
            int* ap = argmax + ((nint)plane * oh * ow);
            for (int i = 0; i < oh; i++)
            {
                int h0 = (i * g.StrideH) - g.PadH;
                (int khLo, int khHi) = ValidTaps(h0, g.KernelH, g.DilationH, h);
                for (int j = 0; j < ow; j++)
                {
                    int w0 = (j * g.StrideW) - g.PadW;
                    (int kwLo, int kwHi) = ValidTaps(w0, g.KernelW, g.DilationW, w);
                    T best = T.NegativeInfinity;
                    int bestIndex = -1;
                    for (int kh = khLo; kh < khHi; kh++)
                    {
                        int rowIndex = (h0 + (kh * g.DilationH)) * w;
                        for (int kw = kwLo; kw < kwHi; kw++)
                        {
                            int index = rowIndex + w0 + (kw * g.DilationW);
                            T v = xp[index];
                            if (bestIndex < 0 || v > best || T.IsNaN(v))
                            {
                                best = v;
                                bestIndex = index;
                            }
                        }
                    }

                    yp[(i * ow) + j] = best;
                    ap[(i * ow) + j] = bestIndex;
                }
            }
        }
    }

    /// <summary>
    /// Vector layout of the hot 2×2/stride-2 max pool on AVX-512. A step covers up to 16 outputs: their top input rows
    /// are two 16-float vectors A and B (the bottom rows lie one input row further), and a two-source permute splits
    /// them into the even and odd columns. Lane l reads the pair at 2l of A when l &lt; Split, else the pair at
    /// 2(l − Split) of B. Rows of at least 8 outputs take A and B from the same row (Split = 8); shorter rows are
    /// packed two per vector (B is the next output row, Split = OW), so the narrow planes of small feature maps still
    /// fill most lanes. Tails use masked loads and stores.
    /// </summary>
    private readonly struct Pairs2x2
    {
        public readonly Vector512<int> Lane;
        public readonly Vector512<int> EvenIndex, OddIndex;

        /// <summary>Inverse permutes: the top-left/top-right (or bottom) values of every lane, interleaved back into A and B.</summary>
        public readonly Vector512<int> SpreadA, SpreadB;

        /// <summary>Each lane's top-left element relative to the first element of A, within the plane.</summary>
        public readonly Vector512<int> LaneOffset;

        public readonly int Width;
        public readonly bool Narrow;

        public Pairs2x2(int width, int outWidth)
        {
            Width = width;
            Narrow = outWidth < 8;
            int split = Narrow ? outWidth : 8;
            Lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            Vector512<int> splitVector = Vector512.Create(split);
            Vector512<int> inB = Vector512.GreaterThanOrEqual(Lane, splitVector);
            EvenIndex = Vector512.ConditionalSelect(inB, ((Lane - splitVector) * 2) + Vector512.Create(16), Lane * 2);
            OddIndex = EvenIndex + Vector512<int>.One;
            LaneOffset = Vector512.ConditionalSelect(inB, ((Lane - splitVector) * 2) + Vector512.Create(Narrow ? 2 * width : 16), Lane * 2);

            // Element j of A holds lane j/2's left (j even) or right (j odd) value; B starts at lane Split.
            Vector512<int> half = Vector512.ShiftRightLogical(Lane, 1);
            Vector512<int> right = (Lane & Vector512<int>.One) * 16;
            SpreadA = half + right;
            SpreadB = half + splitVector + right;
        }

        /// <summary>Lanes [0, count) set, as a float mask for masked loads and stores.</summary>
        public Vector512<float> Mask(int count) => Vector512.LessThan(Lane, Vector512.Create(count)).AsSingle();
    }

    /// <summary>One step of a 2×2 walk: A and B are offsets of the two top-row vectors, o the offset of the outputs.</summary>
    private interface IPairStep
    {
        void Run(in Pairs2x2 p, nint a, Vector512<float> aMask, nint b, Vector512<float> bMask, int baseIndex, nint o, Vector512<float> outMask);
    }

    /// <summary>Visits planes [start, end) of a 2×2/stride-2 pooling in the steps <see cref="Pairs2x2"/> describes.</summary>
    private static void Walk2x2<TStep>(in PoolGeometry g, ref TStep step, int start, int end)
        where TStep : struct, IPairStep
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        var p = new Pairs2x2(w, ow);
        Vector512<float> rowMask = p.Mask(2 * ow), none = Vector512<float>.Zero;
        for (int plane = start; plane < end; plane++)
        {
            nint input = (nint)plane * h * w, output = (nint)plane * oh * ow;
            if (p.Narrow)
            {
                for (int i = 0; i < oh; i += 2)
                {
                    bool pair = i + 1 < oh;
                    int top = 2 * i * w;
                    step.Run(p, input + top, rowMask, input + top + (2 * w), pair ? rowMask : none, top, output + (i * ow), p.Mask(pair ? 2 * ow : ow));
                }

                continue;
            }

            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j += 16)
                {
                    int count = Math.Min(16, ow - j), top = (2 * i * w) + (2 * j);
                    step.Run(p, input + top, p.Mask(2 * count), input + top + 16, p.Mask((2 * count) - 16), top, output + (i * ow) + j, p.Mask(count));
                }
            }
        }
    }

    /// <summary>Forward step: the running maximum of the four candidates and its index, kept with masks.</summary>
    private unsafe struct MaxForward2x2(float* x, float* y, int* argmax) : IPairStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Run(in Pairs2x2 p, nint a, Vector512<float> aMask, nint b, Vector512<float> bMask, int baseIndex, nint o, Vector512<float> outMask)
        {
            Vector512<float> a0 = Avx512F.MaskLoad(x + a, aMask, Vector512<float>.Zero);
            Vector512<float> b0 = Avx512F.MaskLoad(x + b, bMask, Vector512<float>.Zero);
            Vector512<float> a1 = Avx512F.MaskLoad(x + a + p.Width, aMask, Vector512<float>.Zero);
            Vector512<float> b1 = Avx512F.MaskLoad(x + b + p.Width, bMask, Vector512<float>.Zero);
            Vector512<int> index = Vector512.Create(baseIndex) + p.LaneOffset;

            Vector512<float> best = Avx512F.PermuteVar16x32x2(a0, p.EvenIndex, b0);
            Vector512<int> bestIndex = index;
            Take(ref best, ref bestIndex, Avx512F.PermuteVar16x32x2(a0, p.OddIndex, b0), index + Vector512<int>.One);
            Take(ref best, ref bestIndex, Avx512F.PermuteVar16x32x2(a1, p.EvenIndex, b1), index + Vector512.Create(p.Width));
            Take(ref best, ref bestIndex, Avx512F.PermuteVar16x32x2(a1, p.OddIndex, b1), index + Vector512.Create(p.Width + 1));
            Avx512F.MaskStore(y + o, outMask, best);
            Avx512F.MaskStore(argmax + o, outMask.AsInt32(), bestIndex);
        }

        /// <summary>PyTorch's rule: a later candidate wins when it is greater or NaN.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Take(ref Vector512<float> best, ref Vector512<int> bestIndex, Vector512<float> v, Vector512<int> index)
        {
            Vector512<float> take = Vector512.GreaterThan(v, best) | ~Vector512.Equals(v, v);
            best = Vector512.ConditionalSelect(take, v, best);
            bestIndex = Vector512.ConditionalSelect(take.AsInt32(), index, bestIndex);
        }
    }

    /// <summary>
    /// Backward step: each output's gradient goes to the candidate its argmax names and zero to the other three, and
    /// the four are interleaved back into the input rows, so every covered input is written exactly once.
    /// </summary>
    private unsafe struct MaxBackward2x2(float* gy, int* argmax, float* gx) : IPairStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Run(in Pairs2x2 p, nint a, Vector512<float> aMask, nint b, Vector512<float> bMask, int baseIndex, nint o, Vector512<float> outMask)
        {
            Vector512<float> grad = Avx512F.MaskLoad(gy + o, outMask, Vector512<float>.Zero);
            Vector512<int> offset = Avx512F.MaskLoad(argmax + o, outMask.AsInt32(), Vector512<int>.Zero) - (Vector512.Create(baseIndex) + p.LaneOffset);
            Vector512<float> topLeft = Pick(grad, offset, Vector512<int>.Zero);
            Vector512<float> topRight = Pick(grad, offset, Vector512<int>.One);
            Vector512<float> bottomLeft = Pick(grad, offset, Vector512.Create(p.Width));
            Vector512<float> bottomRight = Pick(grad, offset, Vector512.Create(p.Width + 1));
            Avx512F.MaskStore(gx + a, aMask, Avx512F.PermuteVar16x32x2(topLeft, p.SpreadA, topRight));
            Avx512F.MaskStore(gx + b, bMask, Avx512F.PermuteVar16x32x2(topLeft, p.SpreadB, topRight));
            Avx512F.MaskStore(gx + a + p.Width, aMask, Avx512F.PermuteVar16x32x2(bottomLeft, p.SpreadA, bottomRight));
            Avx512F.MaskStore(gx + b + p.Width, bMask, Avx512F.PermuteVar16x32x2(bottomLeft, p.SpreadB, bottomRight));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Pick(Vector512<float> grad, Vector512<int> offset, Vector512<int> candidate)
            => Vector512.ConditionalSelect(Vector512.Equals(offset, candidate).AsSingle(), grad, Vector512<float>.Zero);
    }

    private static unsafe void MaxPool2x2Float(in PoolGeometry g, float* x, float* y, int* argmax, int start, int end)
    {
        var step = new MaxForward2x2(x, y, argmax);
        Walk2x2(g, ref step, start, end);
    }

    /// <summary>
    /// The vector backward of the 2×2/stride-2 max pool. It relies on each argmax naming an element of its own window,
    /// as <see cref="MaxPool2dForward{T}"/> writes it; inputs outside every window (the last row or column of an odd
    /// size) are zeroed first.
    /// </summary>
    private static unsafe void MaxPool2x2BackwardFloat(in PoolGeometry g, float* gy, int* argmax, float* gx, int start, int end)
    {
        if (2 * g.OutHeight != g.InHeight || 2 * g.OutWidth != g.InWidth)
        {
            int planeSize = g.InHeight * g.InWidth;
            new Span<float>(gx + ((nint)start * planeSize), (end - start) * planeSize).Clear();
        }

        var step = new MaxBackward2x2(gy, argmax, gx);
        Walk2x2(g, ref step, start, end);
    }

    private static unsafe void MaxPoolBackwardPlanes<T>(PoolGeometry g, T* gy, int* argmax, T* gx, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        new Span<T>(gx + ((nint)start * planeIn), (end - start) * planeIn).Clear();
        for (int plane = start; plane < end; plane++)
        {
            T* gyp = gy + ((nint)plane * planeOut);
            int* ap = argmax + ((nint)plane * planeOut);
            T* gxp = gx + ((nint)plane * planeIn);
            for (int o = 0; o < planeOut; o++)
            {
                int index = ap[o];
                if (index >= 0)
                {
                    gxp[index] += gyp[o];
                }
            }
        }
    }

    /// <summary>The average pool's clipped window and divisor for output (i, j), per PyTorch's avg_pool2d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int H0, int H1, int W0, int W1, int Divisor) AvgWindow(in PoolGeometry g, bool countIncludePad, int i, int j)
    {
        int h0 = (i * g.StrideH) - g.PadH, w0 = (j * g.StrideW) - g.PadW;
        int h1 = Math.Min(h0 + g.KernelH, g.InHeight + g.PadH), w1 = Math.Min(w0 + g.KernelW, g.InWidth + g.PadW);
        int padded = (h1 - h0) * (w1 - w0);
        h0 = Math.Max(h0, 0);
        w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, g.InHeight);
        w1 = Math.Min(w1, g.InWidth);
        int inside = Math.Max(0, h1 - h0) * Math.Max(0, w1 - w0);
        return (h0, h1, w0, w1, countIncludePad ? padded : inside);
    }

    private static unsafe void AvgPoolPlanes<T>(PoolGeometry g, bool countIncludePad, T* x, T* y, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        for (int plane = start; plane < end; plane++)
        {
            T* xp = x + ((nint)plane * h * w);
            T* yp = y + ((nint)plane * oh * ow);
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    (int h0, int h1, int w0, int w1, int divisor) = AvgWindow(g, countIncludePad, i, j);
                    T sum = T.Zero;
                    for (int r = h0; r < h1; r++)
                    {
                        for (int c = w0; c < w1; c++)
                        {
                            sum += xp[(r * w) + c];
                        }
                    }

                    yp[(i * ow) + j] = h0 < h1 && w0 < w1 ? sum / T.CreateTruncating(divisor) : T.Zero;
                }
            }
        }
    }

    private static unsafe void AvgPoolBackwardPlanes<T>(PoolGeometry g, bool countIncludePad, T* gy, T* gx, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = g.InHeight, w = g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        new Span<T>(gx + ((nint)start * h * w), (end - start) * h * w).Clear();
        for (int plane = start; plane < end; plane++)
        {
            T* gxp = gx + ((nint)plane * h * w);
            T* gyp = gy + ((nint)plane * oh * ow);
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    (int h0, int h1, int w0, int w1, int divisor) = AvgWindow(g, countIncludePad, i, j);
                    if (h0 >= h1 || w0 >= w1)
                    {
                        continue;
                    }

                    T share = gyp[(i * ow) + j] / T.CreateTruncating(divisor);
                    for (int r = h0; r < h1; r++)
                    {
                        for (int c = w0; c < w1; c++)
                        {
                            gxp[(r * w) + c] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>PyTorch's adaptive window [floor(i·size/outSize), ceil((i+1)·size/outSize)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Start, int End) AdaptiveWindow(int i, int size, int outSize)
        => ((int)((long)i * size / outSize), (int)((((long)(i + 1) * size) + outSize - 1) / outSize));

    private static unsafe void AdaptivePlanes<T>(PoolGeometry g, int oh, int ow, T* x, T* y, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = g.InHeight, w = g.InWidth;
        for (int plane = start; plane < end; plane++)
        {
            T* xp = x + ((nint)plane * h * w);
            T* yp = y + ((nint)plane * oh * ow);
            for (int i = 0; i < oh; i++)
            {
                (int h0, int h1) = AdaptiveWindow(i, h, oh);
                for (int j = 0; j < ow; j++)
                {
                    (int w0, int w1) = AdaptiveWindow(j, w, ow);
                    T sum = T.Zero;
                    for (int r = h0; r < h1; r++)
                    {
                        for (int c = w0; c < w1; c++)
                        {
                            sum += xp[(r * w) + c];
                        }
                    }

                    yp[(i * ow) + j] = sum / T.CreateTruncating((h1 - h0) * (w1 - w0));
                }
            }
        }
    }

    private static unsafe void AdaptiveBackwardPlanes<T>(PoolGeometry g, int oh, int ow, T* gy, T* gx, int start, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = g.InHeight, w = g.InWidth;
        new Span<T>(gx + ((nint)start * h * w), (end - start) * h * w).Clear();
        for (int plane = start; plane < end; plane++)
        {
            T* gxp = gx + ((nint)plane * h * w);
            T* gyp = gy + ((nint)plane * oh * ow);
            for (int i = 0; i < oh; i++)
            {
                (int h0, int h1) = AdaptiveWindow(i, h, oh);
                for (int j = 0; j < ow; j++)
                {
                    (int w0, int w1) = AdaptiveWindow(j, w, ow);
                    T share = gyp[(i * ow) + j] / T.CreateTruncating((h1 - h0) * (w1 - w0));
                    for (int r = h0; r < h1; r++)
                    {
                        for (int c = w0; c < w1; c++)
                        {
                            gxp[(r * w) + c] += share;
                        }
                    }
                }
            }
        }
    }
}
