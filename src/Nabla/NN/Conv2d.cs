namespace Nabla.NN;

/// <summary>
/// A 2-D convolution layer (cross-correlation, as in every framework): input (N, C_in, H, W), weight
/// (C_out, C_in/groups, kH, kW), bias (C_out); output (N, C_out, H_out, W_out) with
/// H_out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1. The padding is a number, an (H, W) pair, "valid" or
/// "same"; <c>paddingMode</c> pads with zeros or by reflecting, replicating or wrapping the input. Parameters are
/// initialised as in PyTorch (see <see cref="Convolution"/>).
/// </summary>
public class Conv2d : Convolution
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Height and width of the kernel.</param>
    /// <param name="stride">Step between output positions.</param>
    /// <param name="padding">Padding on every side: a number, an (H, W) pair, "valid" or "same" (stride 1 only).</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="groups">Channel groups; both channel counts must be divisible by it.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="paddingMode">"zeros", "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, ConvPadding padding = default, int dilation = 1, int groups = 1,
        bool bias = true, string paddingMode = "zeros", DType dtype = DType.Float32, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), padding, (dilation, dilation), groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with separate vertical and horizontal sizes.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Kernel (height, width).</param>
    /// <param name="stride">Stride (vertical, horizontal).</param>
    /// <param name="padding">Padding (vertical, horizontal), one number for both, "valid" or "same".</param>
    /// <param name="dilation">Dilation (vertical, horizontal).</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="paddingMode">"zeros", "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W) stride, ConvPadding padding, (int H, int W) dilation,
        int groups = 1, bool bias = true, string paddingMode = "zeros", DType dtype = DType.Float32, Generator? generator = null)
        : base(inChannels, outChannels, [kernelSize.H, kernelSize.W], [stride.H, stride.W], padding, [dilation.H, dilation.W],
            false, [0, 0], groups, bias, paddingMode, dtype, generator, "H, W")
    {
    }

    /// <summary>Kernel (height, width).</summary>
    public (int H, int W) KernelSize => Pair(Geometry.KernelSize);

    /// <summary>Stride (vertical, horizontal).</summary>
    public (int H, int W) Stride => Pair(Geometry.Stride);

    /// <summary>Padding (vertical, horizontal) at the top and left (and, but for an odd "same" padding, at the bottom and right).</summary>
    public (int H, int W) Padding => Pair(Geometry.Padding);

    /// <summary>Dilation (vertical, horizontal).</summary>
    public (int H, int W) Dilation => Pair(Geometry.Dilation);

    private static (int H, int W) Pair(int[] values) => (values[0], values[1]);

    private protected override Tensor Convolve(Tensor input, int[] padding, int[] outputPadding) =>
        input.Conv2d(Weight, Bias, Stride, (padding[0], padding[1]), Dilation, Groups);
}
