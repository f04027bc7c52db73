using System.Diagnostics.CodeAnalysis;

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
            Throw($"input (N={Batch}, C={InChannels}, H={InHeight}, W={InWidth}) and out_channels ({OutChannels}) must be positive (N may be 0)");

        if (KernelHeight < 1 || KernelWidth < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1 || Groups < 1)
            Throw($"kernel ({KernelHeight}×{KernelWidth}), stride ({StrideH}×{StrideW}), dilation ({DilationH}×{DilationW}) and groups ({Groups}) must be positive");

        if (PadH < 0 || PadW < 0)
            Throw($"padding ({PadH}×{PadW}) must be non-negative");

        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            Throw($"in_channels ({InChannels}) and out_channels ({OutChannels}) must both be divisible by groups ({Groups})");

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
            Throw($"input ({input} elements), weight ({weight}), output ({output}) or an im2col row ({columns}) exceeds {int.MaxValue} elements");
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

    [DoesNotReturn]
    private static void Throw(string message) => throw new ArgumentException($"Conv2d: {message}.");
}
