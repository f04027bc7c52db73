using Nabla.Kernels;
using Nabla.Ops;

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
        const string op = "Conv2d";
        RequireFloat(op);
        if (Rank != 4)
            throw new ArgumentException($"{op}: expected a 4-D input (N, C, H, W), got {ShapeUtil.Describe(this)}.");
        if (weight.Rank != 4)
            throw new ArgumentException($"{op}: expected a 4-D weight (out_channels, in_channels/groups, kH, kW), got {ShapeUtil.Describe(weight)}.");
        if (weight.DType != DType || (bias is not null && bias.DType != DType))
            throw new ArgumentException($"{op}: input {ShapeUtil.Describe(this)}, weight {ShapeUtil.Describe(weight)} and bias must share a dtype.");
        if (groups < 1 || _shape[1] != weight._shape[1] * groups)
            throw new ArgumentException($"{op}: input {ShapeUtil.Describe(this)} has {_shape[1]} channels, but weight {ShapeUtil.Describe(weight)} with groups={groups} expects {weight._shape[1] * groups}.");
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != weight._shape[0]))
            throw new ArgumentException($"{op}: bias must have shape [{weight._shape[0]}], got {ShapeUtil.Describe(bias)}.");
        var g = new Conv2dGeometry(_shape[0], _shape[1], _shape[2], _shape[3], weight._shape[0], weight._shape[2], weight._shape[3],
            stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, groups);
        g.Validate();
        return ConvForward(g, this, weight, bias);
    }

    internal static Tensor ConvForward(Conv2dGeometry g, Tensor x, Tensor w, Tensor? b)
    {
        var y = ConvPool.Conv2d(g, x, w, b);
        return Record(y, OpKind.Conv2d, b is null ? [x, w] : [x, w, b], new ConvArgs(g));
    }

    internal static Tensor ConvBackwardInput(Conv2dGeometry g, Tensor gy, Tensor w) =>
        Record(ConvPool.Conv2dBackwardInput(g, gy, w), OpKind.Conv2dBackwardInput, gy, w, new ConvArgs(g));

    internal static Tensor ConvBackwardWeight(Conv2dGeometry g, Tensor gy, Tensor x) =>
        Record(ConvPool.Conv2dBackwardWeight(g, gy, x), OpKind.Conv2dBackwardWeight, gy, x, new ConvArgs(g));

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
        var p = new PoolGeometry(_shape[0], _shape[1], _shape[2], _shape[3], kernel.H, kernel.W, stride.H, stride.W,
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
        var y = ConvPool.MaxPool2d(p, this, out var argmax);
        return Record(y, OpKind.MaxPool2d, this, new MaxPoolArgs(p, argmax));
    }

    internal static Tensor MaxPoolBackward(MaxPoolArgs args, Tensor gy) =>
        Record(ConvPool.MaxPool2dBackward(args.Geometry, gy, args.Argmax.Data), OpKind.MaxPool2dBackward, gy, args);

    /// <summary>2-D average pooling over (N, C, H, W); stride defaults to the kernel size.</summary>
    public Tensor AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        AvgPool2d((kernelSize, kernelSize), (stride ?? kernelSize, stride ?? kernelSize), (padding, padding), ceilMode, countIncludePad);

    /// <summary>2-D average pooling with separate vertical and horizontal sizes.</summary>
    public Tensor AvgPool2d((int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding, bool ceilMode = false, bool countIncludePad = true)
    {
        var p = PoolGeometryOf("AvgPool2d", kernelSize, stride, padding, (1, 1), ceilMode);
        return AvgPoolForward(new AvgPoolArgs(p, countIncludePad), this);
    }

    internal static Tensor AvgPoolForward(AvgPoolArgs args, Tensor x) =>
        Record(ConvPool.AvgPool2d(args.Geometry, args.CountIncludePad, x), OpKind.AvgPool2d, x, args);

    internal static Tensor AvgPoolBackward(AvgPoolArgs args, Tensor gy) =>
        Record(ConvPool.AvgPool2dBackward(args.Geometry, args.CountIncludePad, gy), OpKind.AvgPool2dBackward, gy, args);

    /// <summary>Average pooling of (N, C, H, W) to (N, C, outH, outW) with windows [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉).</summary>
    public Tensor AdaptiveAvgPool2d(int outHeight, int outWidth)
    {
        RequireFloat("AdaptiveAvgPool2d");
        if (Rank != 4)
            throw new ArgumentException($"AdaptiveAvgPool2d: expected a 4-D input (N, C, H, W), got {ShapeUtil.Describe(this)}.");
        if (outHeight < 1 || outWidth < 1)
            throw new ArgumentException($"AdaptiveAvgPool2d: the output size must be positive, got ({outHeight}, {outWidth}).");
        return AdaptivePoolForward(new AdaptivePoolArgs((int[])_shape.Clone(), outHeight, outWidth), this);
    }

    internal static Tensor AdaptivePoolForward(AdaptivePoolArgs args, Tensor x) =>
        Record(ConvPool.AdaptiveAvgPool2d(args.InputShape, args.OutHeight, args.OutWidth, x), OpKind.AdaptiveAvgPool2d, x, args);

    internal static Tensor AdaptivePoolBackward(AdaptivePoolArgs args, Tensor gy) =>
        Record(ConvPool.AdaptiveAvgPool2dBackward(args.InputShape, args.OutHeight, args.OutWidth, gy), OpKind.AdaptiveAvgPool2dBackward, gy, args);
}
