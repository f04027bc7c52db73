using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// Max, average and adaptive-average pooling over (N, C, H, W) tensors stored contiguously, with PyTorch's
/// semantics. Every (n, c) plane is pooled independently; large inputs are spread over
/// <see cref="Parallelism.NumThreads"/> threads by planes. The common 2×2/stride-2 max pool on float runs on AVX-512
/// vectors, forward and backward; everything else is scalar. Steady-state calls do not allocate.
/// </summary>
public static class PoolKernels
{
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
    public static unsafe void MaxPool2dForward<T>(in PoolGeometry p, ReadOnlySpan<T> input, Span<T> output, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "MaxPool2d forward";
        p.Validate(Op);
        KernelArguments.CheckLengths(Op, [("input", input.Length, p.InputLength), ("output", output.Length, p.OutputLength), ("argmax", argmax.Length, p.OutputLength)]);
        fixed (T* px = input)
        fixed (T* py = output)
        fixed (int* pa = argmax)
        {
            if (MaxPool2x2.Applies<T>(p))
                PoolPlanes.Run(p, new MaxPool2x2.Forward(p, (float*)px, (float*)py, pa));
            else
                PoolPlanes.Run(p, new MaxPoolForward<T>(p, px, py, pa));
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
    public static unsafe void MaxPool2dBackward<T>(in PoolGeometry p, ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> argmax, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string Op = "MaxPool2d backward";
        p.Validate(Op);
        KernelArguments.CheckLengths(Op, [("gradOutput", gradOutput.Length, p.OutputLength), ("argmax", argmax.Length, p.OutputLength), ("gradInput", gradInput.Length, p.InputLength)]);
        int planeSize = p.InHeight * p.InWidth;
        if (argmax.Length > 0 && (TensorPrimitives.Min(argmax) < -1 || TensorPrimitives.Max(argmax) >= planeSize))
            throw new ArgumentException($"{Op}: argmax entries must lie in [-1, {planeSize}) for a {p.InHeight}×{p.InWidth} input plane.", nameof(argmax));

        fixed (T* pgy = gradOutput)
        fixed (int* pa = argmax)
        fixed (T* pgx = gradInput)
        {
            if (MaxPool2x2.Applies<T>(p))
                PoolPlanes.Run(p, new MaxPool2x2.Backward(p, (float*)pgy, pa, (float*)pgx));
            else
                PoolPlanes.Run(p, new MaxPoolBackward<T>(p, pgy, pa, pgx));
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
        => Average("AvgPool2d forward", p, countIncludePad, input, output, backward: false);

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
        => Average("AvgPool2d backward", p, countIncludePad, gradOutput, gradInput, backward: true);

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
        => AdaptiveAverage("AdaptiveAvgPool2d forward", batch, channels, inHeight, inWidth, outHeight, outWidth, input, output, backward: false);

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
        => AdaptiveAverage("AdaptiveAvgPool2d backward", batch, channels, inHeight, inWidth, outHeight, outWidth, gradOutput, gradInput, backward: true);

    /// <summary>Average pooling, or its gradient when <paramref name="backward"/>, after checking the geometry.</summary>
    private static void Average<T>(string op, in PoolGeometry p, bool countIncludePad, ReadOnlySpan<T> source, Span<T> destination, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        p.Validate(op);
        if (p.DilationH != 1 || p.DilationW != 1)
            throw new ArgumentException($"{op}: dilation must be 1, got {p.DilationH}×{p.DilationW}.");

        AverageWindows(op, p, p.OutHeight, p.OutWidth, AvgPoolAxis.Rows(p, countIncludePad), AvgPoolAxis.Columns(p, countIncludePad), source, destination, backward);
    }

    /// <summary>
    /// Adaptive average pooling, or its gradient when <paramref name="backward"/>, after checking the sizes. The
    /// geometry handed on has a 1×1 window, so that the work per plane is estimated as H·W.
    /// </summary>
    private static void AdaptiveAverage<T>(string op, int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth,
        ReadOnlySpan<T> source, Span<T> destination, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch < 0 || channels < 1 || inHeight < 1 || inWidth < 1 || outHeight < 1 || outWidth < 1)
            throw new ArgumentException($"{op}: sizes must be positive (batch may be 0), got input (N={batch}, C={channels}, H={inHeight}, W={inWidth}) and output {outHeight}×{outWidth}.");

        if ((long)batch * channels * inHeight * inWidth > int.MaxValue || (long)batch * channels * outHeight * outWidth > int.MaxValue)
            throw new ArgumentException($"{op}: input (N={batch}, C={channels}, H={inHeight}, W={inWidth}) or output ({outHeight}×{outWidth}) has more than {int.MaxValue} elements.");

        var g = new PoolGeometry(batch, channels, inHeight, inWidth, 1, 1, 1, 1, 0, 0, 1, 1, false);
        AverageWindows(op, g, outHeight, outWidth, new AdaptiveAxis(inHeight, outHeight), new AdaptiveAxis(inWidth, outWidth), source, destination, backward);
    }

    /// <summary>
    /// Checks the spans against the input planes of <paramref name="g"/> and outputs of <paramref name="outHeight"/> ×
    /// <paramref name="outWidth"/>, then averages over the windows the axes describe: from the input into the output,
    /// or when <paramref name="backward"/>, from the output gradient (<paramref name="source"/>) into the input
    /// gradient.
    /// </summary>
    private static unsafe void AverageWindows<T, TAxis>(string op, in PoolGeometry g, int outHeight, int outWidth, TAxis rows, TAxis columns,
        ReadOnlySpan<T> source, Span<T> destination, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TAxis : struct, IWindowAxis
    {
        int inputLength = g.InputLength, outputLength = g.Batch * g.Channels * outHeight * outWidth;
        if (backward)
            KernelArguments.CheckLengths(op, [("gradOutput", source.Length, outputLength), ("gradInput", destination.Length, inputLength)]);
        else
            KernelArguments.CheckLengths(op, [("input", source.Length, inputLength), ("output", destination.Length, outputLength)]);

        fixed (T* ps = source)
        fixed (T* pd = destination)
        {
            T* input = backward ? pd : ps, output = backward ? ps : pd;
            PoolPlanes.Run(g, new AveragePool<T, TAxis>(g.InHeight, g.InWidth, outHeight, outWidth, rows, columns, input, output, backward));
        }
    }
}
