namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>2-D cross-correlation (see <see cref="Tensor.Conv2d(Tensor, Tensor?, int, int, int, int)"/>): (N, C, H, W) with (OC, C/groups, KH, KW) → (N, OC, OH, OW).</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        input.Conv2d(weight, bias, stride, padding, dilation, groups);

    /// <summary>1-D cross-correlation: (N, C, L) with (OC, C/groups, K) → (N, OC, OL).</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        input.Conv1d(weight, bias, stride, padding, dilation, groups);

    /// <summary>2-D max pooling; the stride defaults to the kernel size.</summary>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        input.MaxPool2d(kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>2-D average pooling; the stride defaults to the kernel size.</summary>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        input.AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad);

    /// <summary>Average pooling to a fixed (outHeight, outWidth).</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outHeight, int outWidth) => input.AdaptiveAvgPool2d(outHeight, outWidth);
}
