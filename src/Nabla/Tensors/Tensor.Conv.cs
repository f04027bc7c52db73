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
