namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>
    /// 2-D cross-correlation (see <see cref="Tensor.Conv2d(Tensor, Tensor?, int, int, int, int)"/>): (N, C, H, W) with
    /// (OC, C/groups, KH, KW) → (N, OC, OH, OW). <paramref name="padding"/> is a number, an (H, W) pair, "valid" or
    /// "same" (stride 1 only; an odd total padding puts the extra row and column at the bottom and right, as PyTorch does).
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, ConvPadding padding = default, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2d: expected a 4-D weight (out_channels, in_channels/groups, kH, kW), got {ShapeUtil.Describe(weight)}.", nameof(weight));
        var pads = padding.Resolve("Conv2d", [weight.Shape[2], weight.Shape[3]], [stride, stride], [dilation, dilation]);
        return PadAfter(input, pads).Conv2d(weight, bias, (stride, stride), (pads[0].Before, pads[1].Before), (dilation, dilation), groups);
    }

    /// <summary>1-D cross-correlation: (N, C, L) with (OC, C/groups, K) → (N, OC, OL); <paramref name="padding"/> as for <see cref="Conv2d"/>.</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, ConvPadding padding = default, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 3)
            throw new ArgumentException($"Conv1d: expected a 3-D weight (out_channels, in_channels/groups, k), got {ShapeUtil.Describe(weight)}.", nameof(weight));
        var pads = padding.Resolve("Conv1d", [weight.Shape[2]], [stride], [dilation]);
        return PadAfter(input, pads).Conv1d(weight, bias, stride, pads[0].Before, dilation, groups);
    }

    /// <summary>
    /// 2-D transposed convolution, as <c>torch.nn.functional.conv_transpose2d</c> (see
    /// <see cref="Tensor.ConvTranspose2d(Tensor, Tensor?, int, int, int, int, int)"/>): (N, C_in, H, W) with
    /// (C_in, C_out/groups, KH, KW) → (N, C_out, (H − 1)·stride − 2·padding + dilation·(KH − 1) + outputPadding + 1, ...).
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.ConvTranspose2d(weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /// <summary>1-D transposed convolution, as <c>torch.nn.functional.conv_transpose1d</c>: (N, C_in, L) with (C_in, C_out/groups, K) → (N, C_out, OL).</summary>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.ConvTranspose1d(weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /// <summary>
    /// The input with zeros added at the end of each spatial dim whose padding is larger after than before (an odd
    /// "same" padding), so that a convolution padded by the "before" amounts on both sides sees the asymmetric padding.
    /// </summary>
    internal static Tensor PadAfter(Tensor input, (int Before, int After)[] pads)
    {
        var result = input;
        for (int d = 0; d < pads.Length; d++)
        {
            int extra = pads[d].After - pads[d].Before;
            if (extra > 0) result = result.Pad(input.Rank - pads.Length + d, 0, extra);
        }
        return result;
    }

    /// <summary>2-D max pooling; the stride defaults to the kernel size.</summary>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        input.MaxPool2d(kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>2-D average pooling; the stride defaults to the kernel size.</summary>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        input.AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad);

    /// <summary>Average pooling to a fixed (outHeight, outWidth).</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outHeight, int outWidth) => input.AdaptiveAvgPool2d(outHeight, outWidth);
}
