using Nabla.Dispatch;
using Nabla.Kernels;

namespace Nabla;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-D cross-correlation, like <c>torch.nn.functional.conv2d</c>: input (N, C, H, W), weight
    /// (OC, C/groups, KH, KW), optional bias (OC) → (N, OC, OH, OW) with
    /// OH = ⌊(H + 2·padding − dilation·(KH − 1) − 1) / stride⌋ + 1.
    /// </summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary>2-D cross-correlation with separate vertical and horizontal stride, padding and dilation.</summary>
    public Tensor Conv2d(Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1)
    {
        const string Op = "Conv2d";
        RequireFloat(Op);
        if (Rank != 4)
            throw new ArgumentException($"{Op}: expected a 4-D input (N, C, H, W), got {ShapeUtil.Describe(this)}.");
        if (weight.Rank != 4)
            throw new ArgumentException($"{Op}: expected a 4-D weight (out_channels, in_channels/groups, kH, kW), got {ShapeUtil.Describe(weight)}.");
        if (weight.DType != DType || (bias is not null && bias.DType != DType))
            throw new ArgumentException($"{Op}: input {ShapeUtil.Describe(this)}, weight {ShapeUtil.Describe(weight)} and bias must share a dtype.");
        if (groups < 1 || ShapeArray[1] != weight.ShapeArray[1] * groups)
            throw new ArgumentException($"{Op}: input {ShapeUtil.Describe(this)} has {ShapeArray[1]} channels, but weight {ShapeUtil.Describe(weight)} with groups={groups} expects {weight.ShapeArray[1] * groups}.");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != weight.ShapeArray[0]))
            throw new ArgumentException($"{Op}: bias must have shape [{weight.ShapeArray[0]}], got {ShapeUtil.Describe(bias)}.");
        var g = new Conv2dGeometry(ShapeArray[0], ShapeArray[1], ShapeArray[2], ShapeArray[3], weight.ShapeArray[0], weight.ShapeArray[2], weight.ShapeArray[3],
            stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, groups);
        g.Validate();
        return Conv2dOp(new OpKind.Conv2d(g), this, weight, bias);
    }

    /// <summary>The recorded Conv2d primitive on validated operands.</summary>
    internal static Tensor Conv2dOp(OpKind.Conv2d op, Tensor x, Tensor w, Tensor? b) =>
        Record(Convolution.Conv2d(op.Geometry, x, w, b), op, b is null ? [x, w] : [x, w, b]);

    /// <summary>1-D cross-correlation: input (N, C, L), weight (OC, C/groups, K), optional bias (OC) → (N, OC, OL).</summary>
    public Tensor Conv1d(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        if (Rank != 3)
            throw new ArgumentException($"Conv1d: expected a 3-D input (N, C, L), got {ShapeUtil.Describe(this)}.");
        if (weight.Rank != 3)
            throw new ArgumentException($"Conv1d: expected a 3-D weight (out_channels, in_channels/groups, k), got {ShapeUtil.Describe(weight)}.");
        return Unsqueeze(2).Conv2d(weight.Unsqueeze(2), bias, (1, stride), (0, padding), (1, dilation), groups).Squeeze(2);
    }

    /// <summary>
    /// 2-D transposed convolution, like <c>torch.nn.functional.conv_transpose2d</c>: input (N, C_in, H, W), weight
    /// (C_in, C_out/groups, KH, KW), optional bias (C_out) → (N, C_out, OH, OW) with
    /// OH = (H − 1)·stride − 2·padding + dilation·(KH − 1) + outputPadding + 1. It is the input gradient of the Conv2d
    /// that maps (N, C_out, OH, OW) to (N, C_in, H, W) with the same weight, so its own gradients are Conv2d and that
    /// convolution's weight gradient. <paramref name="outputPadding"/> adds rows and columns at the bottom and right
    /// and must be smaller than the stride or the dilation.
    /// </summary>
    public Tensor ConvTranspose2d(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1) =>
        ConvTranspose2d(weight, bias, (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, (dilation, dilation));

    /// <summary>2-D transposed convolution with separate vertical and horizontal stride, padding, output padding and dilation.</summary>
    public Tensor ConvTranspose2d(Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) outputPadding,
        int groups, (int H, int W) dilation)
    {
        const string Op = "ConvTranspose2d";
        ArgumentNullException.ThrowIfNull(weight);
        RequireFloat(Op);
        if (Rank != 4)
            throw new ArgumentException($"{Op}: expected a 4-D input (N, C_in, H, W), got {ShapeUtil.Describe(this)}.");
        if (weight.Rank != 4)
            throw new ArgumentException($"{Op}: expected a 4-D weight (in_channels, out_channels/groups, kH, kW), got {ShapeUtil.Describe(weight)}.");
        CheckTransposeOperands(Op, weight, bias, groups);
        return ConvTransposeNd(Op, weight, bias, [stride.H, stride.W], [padding.H, padding.W], [outputPadding.H, outputPadding.W], groups, [dilation.H, dilation.W]);
    }

    /// <summary>
    /// 1-D transposed convolution, like <c>torch.nn.functional.conv_transpose1d</c>: input (N, C_in, L), weight
    /// (C_in, C_out/groups, K), optional bias (C_out) → (N, C_out, (L − 1)·stride − 2·padding + dilation·(K − 1) + outputPadding + 1).
    /// </summary>
    public Tensor ConvTranspose1d(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1)
    {
        const string Op = "ConvTranspose1d";
        ArgumentNullException.ThrowIfNull(weight);
        RequireFloat(Op);
        if (Rank != 3)
            throw new ArgumentException($"{Op}: expected a 3-D input (N, C_in, L), got {ShapeUtil.Describe(this)}.");
        if (weight.Rank != 3)
            throw new ArgumentException($"{Op}: expected a 3-D weight (in_channels, out_channels/groups, k), got {ShapeUtil.Describe(weight)}.");
        CheckTransposeOperands(Op, weight, bias, groups);
        return Unsqueeze(2).ConvTransposeNd(Op, weight.Unsqueeze(2), bias, [1, stride], [0, padding], [0, outputPadding], groups, [1, dilation], [stride], [padding], [outputPadding], [dilation]).Squeeze(2);
    }

    /// <summary>The dtype, channel and bias checks of a transposed convolution, on the operands as the caller gave them.</summary>
    private void CheckTransposeOperands(string op, Tensor weight, Tensor? bias, int groups)
    {
        if (weight.DType != DType || (bias is not null && bias.DType != DType))
            throw new ArgumentException($"{op}: input {ShapeUtil.Describe(this)}, weight {ShapeUtil.Describe(weight)}{(bias is null ? "" : $" and bias {ShapeUtil.Describe(bias)}")} must share a dtype.");
        if (groups < 1)
            throw new ArgumentException($"{op}: groups must be positive, got {groups}.");
        int inChannels = weight.ShapeArray[0], outChannels = weight.ShapeArray[1] * groups;
        if (ShapeArray[1] != inChannels || inChannels % groups != 0)
            throw new ArgumentException($"{op}: input {ShapeUtil.Describe(this)} has {ShapeArray[1]} channels, but weight {ShapeUtil.Describe(weight)} with groups={groups} expects {inChannels} (a multiple of groups).");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != outChannels))
            throw new ArgumentException($"{op}: bias must have shape [{outChannels}], got {ShapeUtil.Describe(bias)}.");
    }

    /// <summary>
    /// The transposed convolution of a 4-D input: the recorded Conv2d input gradient of the convolution it transposes,
    /// whose input is this tensor's output. <paramref name="shownStride"/> and the other shown arrays are the settings
    /// as the caller gave them, for messages (the 1-D form passes its own).
    /// </summary>
    private Tensor ConvTransposeNd(string op, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] outputPadding, int groups, int[] dilation,
        int[]? shownStride = null, int[]? shownPadding = null, int[]? shownOutputPadding = null, int[]? shownDilation = null)
    {
        string Settings() =>
            $"stride {ShapeUtil.Format(shownStride ?? stride)}, padding {ShapeUtil.Format(shownPadding ?? padding)}, " +
            $"output padding {ShapeUtil.Format(shownOutputPadding ?? outputPadding)}, dilation {ShapeUtil.Format(shownDilation ?? dilation)}, groups {groups}";
        int inChannels = weight.ShapeArray[0], outChannels = weight.ShapeArray[1] * groups;
        var outSize = new int[2];
        for (int d = 0; d < 2; d++)
        {
            if (stride[d] < 1 || dilation[d] < 1 || padding[d] < 0 || outputPadding[d] < 0)
                throw new ArgumentException($"{op}: stride and dilation must be positive and padding and output padding non-negative ({Settings()}).");
            if (outputPadding[d] >= stride[d] && outputPadding[d] >= dilation[d])
                throw new ArgumentException($"{op}: output padding must be smaller than either stride or dilation ({Settings()}).");
            long size = ((long)(ShapeArray[2 + d] - 1) * stride[d]) - (2L * padding[d]) + ((long)dilation[d] * (weight.ShapeArray[2 + d] - 1)) + outputPadding[d] + 1;
            if (size < 1 || size > int.MaxValue)
                throw new ArgumentException($"{op}: input {ShapeUtil.Describe(this)} with weight {ShapeUtil.Describe(weight)} gives an output size of {size} ({Settings()}).");
            outSize[d] = (int)size;
        }
        var g = new Conv2dGeometry(ShapeArray[0], outChannels, outSize[0], outSize[1], inChannels, weight.ShapeArray[2], weight.ShapeArray[3],
            stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], groups);
        g.Validate();
        // With an output padding at least the stride (allowed when it is below the dilation), the convolution being
        // transposed produces more rows than the input holds; the missing rows are zeros.
        var x = this;
        if (g.OutHeight != ShapeArray[2]) x = x.Pad(2, 0, g.OutHeight - ShapeArray[2]);
        if (g.OutWidth != ShapeArray[3]) x = x.Pad(3, 0, g.OutWidth - ShapeArray[3]);
        var y = BackwardPrimitives.Conv2dBackwardInput(g, x, weight);
        return bias is null ? y : y + bias.Reshape(1, outChannels, 1, 1);
    }

    private PoolGeometry PoolGeometryOf(string op, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, bool ceilMode)
    {
        RequireFloat(op);
        if (Rank != 4)
            throw new ArgumentException($"{op}: expected a 4-D input (N, C, H, W), got {ShapeUtil.Describe(this)}.");
        var p = new PoolGeometry(ShapeArray[0], ShapeArray[1], ShapeArray[2], ShapeArray[3], kernel.H, kernel.W, stride.H, stride.W,
            padding.H, padding.W, dilation.H, dilation.W, ceilMode);
        p.Validate();
        return p;
    }

    /// <summary>2-D max pooling over (N, C, H, W); stride defaults to the kernel size, padding counts as −∞.</summary>
    public Tensor MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2d((kernelSize, kernelSize), (stride ?? kernelSize, stride ?? kernelSize), (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>2-D max pooling with separate vertical and horizontal sizes.</summary>
    public Tensor MaxPool2d((int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, bool ceilMode = false)
    {
        var p = PoolGeometryOf("MaxPool2d", kernelSize, stride, padding, dilation, ceilMode);
        var y = Pooling.MaxPool2d(p, this, out var argmax);
        return Record(y, new OpKind.MaxPool2d(p, argmax), this);
    }

    /// <summary>2-D average pooling over (N, C, H, W); stride defaults to the kernel size.</summary>
    public Tensor AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        AvgPool2d((kernelSize, kernelSize), (stride ?? kernelSize, stride ?? kernelSize), (padding, padding), ceilMode, countIncludePad);

    /// <summary>2-D average pooling with separate vertical and horizontal sizes.</summary>
    public Tensor AvgPool2d((int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding, bool ceilMode = false, bool countIncludePad = true)
    {
        var p = PoolGeometryOf("AvgPool2d", kernelSize, stride, padding, (1, 1), ceilMode);
        return AvgPool2dOp(new OpKind.AvgPool2d(p, countIncludePad), this);
    }

    /// <summary>The recorded AvgPool2d primitive on a validated input.</summary>
    internal static Tensor AvgPool2dOp(OpKind.AvgPool2d op, Tensor x) =>
        Record(Pooling.AvgPool2d(op.Geometry, op.CountIncludePad, x), op, x);

    /// <summary>Average pooling of (N, C, H, W) to (N, C, outH, outW) with windows [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉).</summary>
    public Tensor AdaptiveAvgPool2d(int outHeight, int outWidth)
    {
        RequireFloat("AdaptiveAvgPool2d");
        if (Rank != 4)
            throw new ArgumentException($"AdaptiveAvgPool2d: expected a 4-D input (N, C, H, W), got {ShapeUtil.Describe(this)}.");
        if (outHeight < 1 || outWidth < 1)
            throw new ArgumentException($"AdaptiveAvgPool2d: the output size must be positive, got ({outHeight}, {outWidth}).");
        return AdaptiveAvgPool2dOp(new OpKind.AdaptiveAvgPool2d((int[])ShapeArray.Clone(), outHeight, outWidth), this);
    }

    /// <summary>The recorded AdaptiveAvgPool2d primitive on a validated input.</summary>
    internal static Tensor AdaptiveAvgPool2dOp(OpKind.AdaptiveAvgPool2d op, Tensor x) =>
        Record(Pooling.AdaptiveAvgPool2d(op.InputShape, op.OutHeight, op.OutWidth, x), op, x);
}
