using Nabla.Kernels;

namespace Nabla.Ops;

/// <summary>Tensor-level drivers of the convolution and pooling kernels: contiguous inputs in, fresh outputs out.</summary>
internal static class ConvPool
{
    private static Tensor Run(Tensor like, int[] shape, Action<Tensor> fill)
    {
        var result = Tensor.Empty(shape, like.DType);
        fill(result);
        return result;
    }

    private static ReadOnlySpan<T> Span<T>(Tensor t) where T : unmanaged => t.Materialize().AsSpan<T>();

    private static Span<T> Out<T>(Tensor t) where T : unmanaged => t.AsSpan<T>();

    public static Tensor Conv2d(Conv2dGeometry g, Tensor x, Tensor w, Tensor? b) =>
        Run(x, [g.Batch, g.OutChannels, g.OutHeight, g.OutWidth], y =>
        {
            if (x.DType == DType.Float32) Conv2dKernels.Forward(g, Span<float>(x), Span<float>(w), b is null ? default : Span<float>(b), Out<float>(y));
            else Conv2dKernels.Forward(g, Span<double>(x), Span<double>(w), b is null ? default : Span<double>(b), Out<double>(y));
        });

    public static Tensor Conv2dBackwardInput(Conv2dGeometry g, Tensor gy, Tensor w) =>
        Run(gy, [g.Batch, g.InChannels, g.InHeight, g.InWidth], gx =>
        {
            if (gy.DType == DType.Float32) Conv2dKernels.BackwardInput(g, Span<float>(gy), Span<float>(w), Out<float>(gx));
            else Conv2dKernels.BackwardInput(g, Span<double>(gy), Span<double>(w), Out<double>(gx));
        });

    public static Tensor Conv2dBackwardWeight(Conv2dGeometry g, Tensor gy, Tensor x) =>
        Run(gy, [g.OutChannels, g.InChannels / g.Groups, g.KernelHeight, g.KernelWidth], gw =>
        {
            if (gy.DType == DType.Float32) Conv2dKernels.BackwardWeight(g, Span<float>(gy), Span<float>(x), Out<float>(gw));
            else Conv2dKernels.BackwardWeight(g, Span<double>(gy), Span<double>(x), Out<double>(gw));
        });

    public static Tensor MaxPool2d(PoolGeometry p, Tensor x, out Storage<int> argmax)
    {
        argmax = Storage.Scratch<int>(p.Batch * p.Channels * p.OutHeight * p.OutWidth);
        var indices = argmax.Data;
        return Run(x, [p.Batch, p.Channels, p.OutHeight, p.OutWidth], y =>
        {
            if (x.DType == DType.Float32) PoolKernels.MaxPool2dForward(p, Span<float>(x), Out<float>(y), indices);
            else PoolKernels.MaxPool2dForward(p, Span<double>(x), Out<double>(y), indices);
        });
    }

    public static Tensor MaxPool2dBackward(PoolGeometry p, Tensor gy, int[] argmax) =>
        Run(gy, [p.Batch, p.Channels, p.InHeight, p.InWidth], gx =>
        {
            if (gy.DType == DType.Float32) PoolKernels.MaxPool2dBackward(p, Span<float>(gy), argmax, Out<float>(gx));
            else PoolKernels.MaxPool2dBackward(p, Span<double>(gy), argmax, Out<double>(gx));
        });

    public static Tensor AvgPool2d(PoolGeometry p, bool countIncludePad, Tensor x) =>
        Run(x, [p.Batch, p.Channels, p.OutHeight, p.OutWidth], y =>
        {
            if (x.DType == DType.Float32) PoolKernels.AvgPool2dForward(p, countIncludePad, Span<float>(x), Out<float>(y));
            else PoolKernels.AvgPool2dForward(p, countIncludePad, Span<double>(x), Out<double>(y));
        });

    public static Tensor AvgPool2dBackward(PoolGeometry p, bool countIncludePad, Tensor gy) =>
        Run(gy, [p.Batch, p.Channels, p.InHeight, p.InWidth], gx =>
        {
            if (gy.DType == DType.Float32) PoolKernels.AvgPool2dBackward(p, countIncludePad, Span<float>(gy), Out<float>(gx));
            else PoolKernels.AvgPool2dBackward(p, countIncludePad, Span<double>(gy), Out<double>(gx));
        });

    public static Tensor AdaptiveAvgPool2d(int[] inShape, int outH, int outW, Tensor x) =>
        Run(x, [inShape[0], inShape[1], outH, outW], y =>
        {
            if (x.DType == DType.Float32) PoolKernels.AdaptiveAvgPool2dForward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, Span<float>(x), Out<float>(y));
            else PoolKernels.AdaptiveAvgPool2dForward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, Span<double>(x), Out<double>(y));
        });

    public static Tensor AdaptiveAvgPool2dBackward(int[] inShape, int outH, int outW, Tensor gy) =>
        Run(gy, (int[])inShape.Clone(), gx =>
        {
            if (gy.DType == DType.Float32) PoolKernels.AdaptiveAvgPool2dBackward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, Span<float>(gy), Out<float>(gx));
            else PoolKernels.AdaptiveAvgPool2dBackward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, Span<double>(gy), Out<double>(gx));
        });
}
