using System.Diagnostics.CodeAnalysis;

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
            Throw(op, $"input must have Batch >= 0 and positive Channels, InHeight, InWidth, got (N={Batch}, C={Channels}, H={InHeight}, W={InWidth})");

        if (KernelH < 1 || KernelW < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1)
            Throw(op, $"kernel ({KernelH}×{KernelW}), stride ({StrideH}×{StrideW}) and dilation ({DilationH}×{DilationW}) must be positive");

        if (PadH < 0 || PadW < 0 || PadH > KernelH / 2 || PadW > KernelW / 2)
            Throw(op, $"padding ({PadH}×{PadW}) must be non-negative and at most half of the kernel size ({KernelH}×{KernelW})");

        // Computed in long so that huge dilations cannot wrap around into a plausible size.
        long oh = OutputSizeLong(InHeight, KernelH, StrideH, PadH, DilationH, CeilMode);
        long ow = OutputSizeLong(InWidth, KernelW, StrideW, PadW, DilationW, CeilMode);
        if (oh < 1 || ow < 1)
        {
            Throw(op, $"input (C={Channels}, H={InHeight}, W={InWidth}) gives output {oh}×{ow} with kernel {KernelH}×{KernelW}, " +
                $"stride {StrideH}×{StrideW}, padding {PadH}×{PadW}, dilation {DilationH}×{DilationW}: output size is too small");
        }

        if ((long)Batch * Channels * InHeight * InWidth > int.MaxValue || (long)Batch * Channels * oh * ow > int.MaxValue)
            Throw(op, $"input (N={Batch}, C={Channels}, H={InHeight}, W={InWidth}) or output ({oh}×{ow}) has more than {int.MaxValue} elements");
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
            size--;

        return size;
    }

    [DoesNotReturn]
    private static void Throw(string op, string message) => throw new ArgumentException($"{op}: {message}.");
}
