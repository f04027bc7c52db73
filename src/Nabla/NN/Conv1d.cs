using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// A 1-D convolution layer over sequences: input (N, C_in, L), weight (C_out, C_in/groups, k), bias (C_out);
/// output (N, C_out, L_out) with L_out = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.
/// Initialised as in PyTorch (Kaiming uniform, a = √5; bias U(−1/√fan_in, 1/√fan_in)).
/// </summary>
public sealed class Conv1d : Module
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
    {
        ConvValidation.Check("Conv1d", inChannels, outChannels, groups, [kernelSize, stride, dilation], [padding], dtype);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Init.KaimingUniform(RegisterParameter("weight", Tensor.Zeros([outChannels, inChannels / groups, kernelSize], dtype)), a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inChannels / groups * kernelSize);
            Init.Uniform(RegisterParameter("bias", Tensor.Zeros([outChannels], dtype)), -bound, bound, generator);
        }
    }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels produced.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel length.</summary>
    public int KernelSize { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Padding at both ends.</summary>
    public int Padding { get; }

    /// <summary>Dilation.</summary>
    public int Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>The weight, (C_out, C_in/groups, k).</summary>
    public Tensor Weight => GetParameter("weight");

    /// <summary>The bias, (C_out), or null.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>Convolves an (N, C_in, L) input.</summary>
    /// <param name="input">The input, (N, C_in, L).</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3 || input.Shape[1] != InChannels)
            throw new ArgumentException($"Conv1d: expected input (N, {InChannels}, L), got {ShapeUtil.Describe(input)}.");
        return input.Conv1d(Weight, Bias, Stride, Padding, Dilation, Groups);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"{InChannels}, {OutChannels}, kernel_size=({KernelSize},), stride=({Stride},)") +
        (Padding != 0 ? string.Create(CultureInfo.InvariantCulture, $", padding=({Padding},)") : "") +
        (Dilation != 1 ? string.Create(CultureInfo.InvariantCulture, $", dilation=({Dilation},)") : "") +
        (Groups != 1 ? string.Create(CultureInfo.InvariantCulture, $", groups={Groups}") : "") +
        (Bias is null ? ", bias=False" : "");
}
