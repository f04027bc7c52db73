using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>Pooling on tensors: float inputs in (made contiguous), a fresh output out, computed by <see cref="PoolKernels"/>.</summary>
internal static class Pooling
{
    /// <summary>Max pooling, (N, C, H, W) → (N, C, OH, OW), with the flat input position of every output in <paramref name="argmax"/>.</summary>
    public static Tensor MaxPool2d(PoolGeometry p, Tensor x, out Storage<int> argmax)
    {
        argmax = Storage.Scratch<int>(p.Batch * p.Channels * p.OutHeight * p.OutWidth);
        var y = Tensor.Empty([p.Batch, p.Channels, p.OutHeight, p.OutWidth], x.DType);
        if (x.DType == DType.Float32) PoolKernels.MaxPool2dForward(p, x.ReadContiguous<float>(), y.AsSpan<float>(), argmax.Data);
        else PoolKernels.MaxPool2dForward(p, x.ReadContiguous<double>(), y.AsSpan<double>(), argmax.Data);
        return y;
    }

    /// <summary>Routes gy to the input positions max pooling selected, (N, C, OH, OW) → (N, C, H, W).</summary>
    public static Tensor MaxPool2dBackward(PoolGeometry p, Tensor gy, int[] argmax)
    {
        var gx = Tensor.Empty([p.Batch, p.Channels, p.InHeight, p.InWidth], gy.DType);
        if (gy.DType == DType.Float32) PoolKernels.MaxPool2dBackward(p, gy.ReadContiguous<float>(), argmax, gx.AsSpan<float>());
        else PoolKernels.MaxPool2dBackward(p, gy.ReadContiguous<double>(), argmax, gx.AsSpan<double>());
        return gx;
    }

    /// <summary>Average pooling, (N, C, H, W) → (N, C, OH, OW).</summary>
    public static Tensor AvgPool2d(PoolGeometry p, bool countIncludePad, Tensor x)
    {
        var y = Tensor.Empty([p.Batch, p.Channels, p.OutHeight, p.OutWidth], x.DType);
        if (x.DType == DType.Float32) PoolKernels.AvgPool2dForward(p, countIncludePad, x.ReadContiguous<float>(), y.AsSpan<float>());
        else PoolKernels.AvgPool2dForward(p, countIncludePad, x.ReadContiguous<double>(), y.AsSpan<double>());
        return y;
    }

    /// <summary>Spreads gy evenly over the average-pooling windows, (N, C, OH, OW) → (N, C, H, W).</summary>
    public static Tensor AvgPool2dBackward(PoolGeometry p, bool countIncludePad, Tensor gy)
    {
        var gx = Tensor.Empty([p.Batch, p.Channels, p.InHeight, p.InWidth], gy.DType);
        if (gy.DType == DType.Float32) PoolKernels.AvgPool2dBackward(p, countIncludePad, gy.ReadContiguous<float>(), gx.AsSpan<float>());
        else PoolKernels.AvgPool2dBackward(p, countIncludePad, gy.ReadContiguous<double>(), gx.AsSpan<double>());
        return gx;
    }

    /// <summary>Adaptive average pooling of an input of <paramref name="inShape"/> (N, C, H, W) to (N, C, outH, outW).</summary>
    public static Tensor AdaptiveAvgPool2d(int[] inShape, int outH, int outW, Tensor x)
    {
        var y = Tensor.Empty([inShape[0], inShape[1], outH, outW], x.DType);
        if (x.DType == DType.Float32)
            PoolKernels.AdaptiveAvgPool2dForward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, x.ReadContiguous<float>(), y.AsSpan<float>());
        else
            PoolKernels.AdaptiveAvgPool2dForward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, x.ReadContiguous<double>(), y.AsSpan<double>());
        return y;
    }

    /// <summary>The adjoint of adaptive average pooling, (N, C, outH, outW) → <paramref name="inShape"/>.</summary>
    public static Tensor AdaptiveAvgPool2dBackward(int[] inShape, int outH, int outW, Tensor gy)
    {
        var gx = Tensor.Empty((int[])inShape.Clone(), gy.DType);
        if (gy.DType == DType.Float32)
            PoolKernels.AdaptiveAvgPool2dBackward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, gy.ReadContiguous<float>(), gx.AsSpan<float>());
        else
            PoolKernels.AdaptiveAvgPool2dBackward(inShape[0], inShape[1], inShape[2], inShape[3], outH, outW, gy.ReadContiguous<double>(), gx.AsSpan<double>());
        return gx;
    }
}
