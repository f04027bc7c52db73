namespace Nabla.NN;

/// <summary>
/// A 1-D convolution layer over sequences: input (N, C_in, L), weight (C_out, C_in/groups, k), bias (C_out);
/// output (N, C_out, L_out) with L_out = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.
/// The padding is a number, "valid" or "same"; <c>paddingMode</c> pads with zeros or by reflecting, replicating or
/// wrapping the input. Initialised as in PyTorch (see <see cref="Convolution"/>).
/// </summary>
public class Conv1d : Convolution
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Kernel length.</param>
    /// <param name="stride">Step between output positions.</param>
    /// <param name="padding">Padding at both ends: a number, "valid" or "same" (stride 1 only).</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="paddingMode">"zeros", "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, ConvPadding padding = default, int dilation = 1, int groups = 1,
        bool bias = true, string paddingMode = "zeros", DType dtype = DType.Float32, Generator? generator = null)
        : base(inChannels, outChannels, [kernelSize], [stride], padding, [dilation], false, [0], groups, bias, paddingMode, dtype, generator, "L")
    {
    }

    /// <summary>Kernel length.</summary>
    public int KernelSize => Geometry.KernelSize[0];

    /// <summary>Stride.</summary>
    public int Stride => Geometry.Stride[0];

    /// <summary>Padding at the start (and, but for an odd "same" padding, at the end).</summary>
    public int Padding => Geometry.Padding[0];

    /// <summary>Dilation.</summary>
    public int Dilation => Geometry.Dilation[0];

    private protected override Tensor Convolve(Tensor input, int[] padding, int[] outputPadding) => input.Conv1d(Weight, Bias, Stride, padding[0], Dilation, Groups);
}
