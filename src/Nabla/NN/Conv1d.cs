namespace Nabla.NN;

/// <summary>
/// A 1-D convolution layer over sequences: input (N, C_in, L), weight (C_out, C_in/groups, k), bias (C_out);
/// output (N, C_out, L_out) with L_out = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.
/// Initialised as in PyTorch (see <see cref="Convolution"/>).
/// </summary>
public sealed class Conv1d : Convolution
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Kernel length.</param>
    /// <param name="stride">Step between output positions.</param>
    /// <param name="padding">Zeros added at both ends.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
        bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base(inChannels, outChannels, [kernelSize], [stride], [padding], [dilation], groups, bias, dtype, generator, "L")
    {
    }

    /// <summary>Kernel length.</summary>
    public int KernelSize => Geometry.KernelSize[0];

    /// <summary>Stride.</summary>
    public int Stride => Geometry.Stride[0];

    /// <summary>Padding at both ends.</summary>
    public int Padding => Geometry.Padding[0];

    /// <summary>Dilation.</summary>
    public int Dilation => Geometry.Dilation[0];

    private protected override Tensor Convolve(Tensor input) => input.Conv1d(Weight, Bias, Stride, Padding, Dilation, Groups);
}
