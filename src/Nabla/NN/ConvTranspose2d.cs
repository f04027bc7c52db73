namespace Nabla.NN;

/// <summary>
/// A 2-D transposed convolution layer (the gradient of a Conv2d with respect to its input, sometimes called a
/// deconvolution): input (N, C_in, H, W), weight (C_in, C_out/groups, kH, kW), bias (C_out); output
/// (N, C_out, H_out, W_out) with H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
/// Initialised as in PyTorch (see <see cref="Convolution"/>; fan_in = C_out/groups · kH · kW).
/// </summary>
public class ConvTranspose2d : Convolution
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Height and width of the kernel.</param>
    /// <param name="stride">Step between input positions in the output.</param>
    /// <param name="padding">dilation·(k − 1) − padding zeros are added on every side of the input.</param>
    /// <param name="outputPadding">Extra rows and columns at the bottom and right of the output; smaller than the stride or the dilation.</param>
    /// <param name="groups">Channel groups; both channel counts must be divisible by it.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="paddingMode">Only "zeros", as in PyTorch.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1,
        bool bias = true, int dilation = 1, string paddingMode = "zeros", DType dtype = DType.Float32, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, bias,
            (dilation, dilation), paddingMode, dtype, generator)
    {
    }

    /// <summary>Creates the layer with separate vertical and horizontal sizes.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Kernel (height, width).</param>
    /// <param name="stride">Stride (vertical, horizontal).</param>
    /// <param name="padding">Padding (vertical, horizontal).</param>
    /// <param name="outputPadding">Output padding (vertical, horizontal).</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dilation">Dilation (vertical, horizontal).</param>
    /// <param name="paddingMode">Only "zeros", as in PyTorch.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) outputPadding, int groups, bool bias, (int H, int W) dilation, string paddingMode = "zeros", DType dtype = DType.Float32,
        Generator? generator = null)
        : base(inChannels, outChannels, [kernelSize.H, kernelSize.W], [stride.H, stride.W], padding, [dilation.H, dilation.W],
            true, [outputPadding.H, outputPadding.W], groups, bias, paddingMode, dtype, generator, "H, W")
    {
    }

    /// <summary>Kernel (height, width).</summary>
    public (int H, int W) KernelSize => Pair(Geometry.KernelSize);

    /// <summary>Stride (vertical, horizontal).</summary>
    public (int H, int W) Stride => Pair(Geometry.Stride);

    /// <summary>Padding (vertical, horizontal).</summary>
    public (int H, int W) Padding => Pair(Geometry.Padding);

    /// <summary>Output padding (vertical, horizontal).</summary>
    public (int H, int W) OutputPadding => Pair(Geometry.OutputPadding);

    /// <summary>Dilation (vertical, horizontal).</summary>
    public (int H, int W) Dilation => Pair(Geometry.Dilation);

    private static (int H, int W) Pair(int[] values) => (values[0], values[1]);

    private protected override Tensor Convolve(Tensor input, int[] padding, int[] outputPadding) =>
        input.ConvTranspose2d(Weight, Bias, Stride, (padding[0], padding[1]), (outputPadding[0], outputPadding[1]), Groups, Dilation);
}
