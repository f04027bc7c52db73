using System.Globalization;

namespace Nabla.NN;

/// <summary>2-D max pooling over (N, C, H, W): the maximum of each kernel window; the stride defaults to the kernel size.</summary>
public sealed class MaxPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Window height and width.</param>
    /// <param name="stride">Step between windows (default: kernelSize).</param>
    /// <param name="padding">Implicit −∞ padding on every side (at most kernelSize/2).</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        if (kernelSize <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"MaxPool2d: kernelSize must be positive, got {kernelSize}.");
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding;
        Dilation = dilation;
        CeilMode = ceilMode;
    }

    /// <summary>Window size.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <summary>Padding on every side.</summary>
    public int Padding { get; }

    /// <summary>Spacing between window elements.</summary>
    public int Dilation { get; }

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; }

    /// <summary>Pools an (N, C, H, W) input.</summary>
    /// <param name="input">The input, (N, C, H, W).</param>
    public override Tensor Forward(Tensor input) => input.MaxPool2d(KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={PyRepr.Bool(CeilMode)}");
}

/// <summary>2-D average pooling over (N, C, H, W): the mean of each kernel window; the stride defaults to the kernel size.</summary>
public sealed class AvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Window height and width.</param>
    /// <param name="stride">Step between windows (default: kernelSize).</param>
    /// <param name="padding">Implicit zero padding on every side (at most kernelSize/2).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Whether padded zeros count in each window's divisor.</param>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
    {
        if (kernelSize <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"AvgPool2d: kernelSize must be positive, got {kernelSize}.");
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding;
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
    }

    /// <summary>Window size.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <summary>Padding on every side.</summary>
    public int Padding { get; }

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; }

    /// <summary>Whether padded zeros count in each window's divisor.</summary>
    public bool CountIncludePad { get; }

    /// <summary>Pools an (N, C, H, W) input.</summary>
    /// <param name="input">The input, (N, C, H, W).</param>
    public override Tensor Forward(Tensor input) => input.AvgPool2d(KernelSize, Stride, Padding, CeilMode, CountIncludePad);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}");
}

/// <summary>Average pooling of (N, C, H, W) to a fixed (outHeight, outWidth), whatever the input size.</summary>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width (default: outHeight).</param>
    public AdaptiveAvgPool2d(int outHeight, int? outWidth = null)
    {
        if (outHeight <= 0 || (outWidth ?? outHeight) <= 0)
            throw new ArgumentException($"AdaptiveAvgPool2d: the output size must be positive, got ({outHeight}, {outWidth ?? outHeight}).");
        OutputSize = (outHeight, outWidth ?? outHeight);
    }

    /// <summary>The output (height, width).</summary>
    public (int H, int W) OutputSize { get; }

    /// <summary>Pools an (N, C, H, W) input to (N, C, OutputSize.H, OutputSize.W).</summary>
    /// <param name="input">The input, (N, C, H, W).</param>
    public override Tensor Forward(Tensor input) => input.AdaptiveAvgPool2d(OutputSize.H, OutputSize.W);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"output_size=({OutputSize.H}, {OutputSize.W})");
}
