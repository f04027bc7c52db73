namespace Nabla.NN;

/// <summary>
/// A 1-D transposed convolution layer (the gradient of a Conv1d with respect to its input, sometimes called a
/// deconvolution): input (N, C_in, L), weight (C_in, C_out/groups, k), bias (C_out); output (N, C_out, L_out) with
/// L_out = (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1. Initialised as in PyTorch (see
/// <see cref="Convolution"/>; fan_in = C_out/groups · k).
/// </summary>
public class ConvTranspose1d : Convolution
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Kernel length.</param>
    /// <param name="stride">Step between input positions in the output.</param>
    /// <param name="padding">dilation·(k − 1) − padding zeros are added at both ends of the input.</param>
    /// <param name="outputPadding">Extra positions at the end of the output; smaller than the stride or the dilation.</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="paddingMode">Only "zeros", as in PyTorch.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public ConvTranspose1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1,
        bool bias = true, int dilation = 1, string paddingMode = "zeros", DType dtype = DType.Float32, Generator? generator = null)
        : base(inChannels, outChannels, [kernelSize], [stride], padding, [dilation], true, [outputPadding], groups, bias, paddingMode, dtype, generator, "L")
    {
    }

    /// <summary>Kernel length.</summary>
    public int KernelSize => Geometry.KernelSize[0];

    /// <summary>Stride.</summary>
    public int Stride => Geometry.Stride[0];

    /// <summary>Padding.</summary>
    public int Padding => Geometry.Padding[0];

    /// <summary>Output padding.</summary>
    public int OutputPadding => Geometry.OutputPadding[0];

    /// <summary>Dilation.</summary>
    public int Dilation => Geometry.Dilation[0];

    private protected override Tensor Convolve(Tensor input, int[] padding, int[] outputPadding) =>
        input.ConvTranspose1d(Weight, Bias, Stride, padding[0], outputPadding[0], Groups, Dilation);
}
