using Nabla.Kernels;

namespace Nabla.Dispatch;

/// <summary>Convolution on tensors: float inputs of one dtype in (made contiguous), a fresh output out, computed by <see cref="Conv2dKernels"/>.</summary>
internal static class Convolution
{
    /// <summary>y = x ⋆ w + b, (N, C, H, W) → (N, OC, OH, OW).</summary>
    public static Tensor Conv2d(Conv2dGeometry g, Tensor x, Tensor w, Tensor? b)
    {
        var y = Tensor.Empty([g.Batch, g.OutChannels, g.OutHeight, g.OutWidth], x.DType);
        if (x.DType == DType.Float32)
            Conv2dKernels.Forward(g, x.ReadContiguous<float>(), w.ReadContiguous<float>(), b is null ? default : b.ReadContiguous<float>(), y.AsSpan<float>());
        else
            Conv2dKernels.Forward(g, x.ReadContiguous<double>(), w.ReadContiguous<double>(), b is null ? default : b.ReadContiguous<double>(), y.AsSpan<double>());
        return y;
    }

    /// <summary>The input gradient of Conv2d: a transposed convolution of gy with w, (N, OC, OH, OW) → (N, C, H, W).</summary>
    public static Tensor Conv2dBackwardInput(Conv2dGeometry g, Tensor gy, Tensor w)
    {
        var gx = Tensor.Empty([g.Batch, g.InChannels, g.InHeight, g.InWidth], gy.DType);
        if (gy.DType == DType.Float32) Conv2dKernels.BackwardInput(g, gy.ReadContiguous<float>(), w.ReadContiguous<float>(), gx.AsSpan<float>());
        else Conv2dKernels.BackwardInput(g, gy.ReadContiguous<double>(), w.ReadContiguous<double>(), gx.AsSpan<double>());
        return gx;
    }

    /// <summary>The weight gradient of Conv2d: the correlation of gy with x, → (OC, C/groups, KH, KW).</summary>
    public static Tensor Conv2dBackwardWeight(Conv2dGeometry g, Tensor gy, Tensor x)
    {
        var gw = Tensor.Empty([g.OutChannels, g.InChannels / g.Groups, g.KernelHeight, g.KernelWidth], gy.DType);
        if (gy.DType == DType.Float32) Conv2dKernels.BackwardWeight(g, gy.ReadContiguous<float>(), x.ReadContiguous<float>(), gw.AsSpan<float>());
        else Conv2dKernels.BackwardWeight(g, gy.ReadContiguous<double>(), x.ReadContiguous<double>(), gw.AsSpan<double>());
        return gw;
    }
}
