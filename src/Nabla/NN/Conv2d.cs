using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// A 2-D convolution layer (cross-correlation, as in every framework): input (N, C_in, H, W), weight
/// (C_out, C_in/groups, kH, kW), bias (C_out); output (N, C_out, H_out, W_out) with
/// H_out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1. Parameters are initialised as in PyTorch:
/// Kaiming uniform with a = √5 for the weight, U(−1/√fan_in, 1/√fan_in) for the bias.
/// </summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates the layer and initialises its parameters.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Height and width of the kernel.</param>
    /// <param name="stride">Step between output positions.</param>
    /// <param name="padding">Zeros added on every side.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="groups">Channel groups; both channel counts must be divisible by it.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
        bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, dtype, generator) { }

    /// <summary>Creates the layer with separate vertical and horizontal sizes.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Kernel (height, width).</param>
    /// <param name="stride">Stride (vertical, horizontal).</param>
    /// <param name="padding">Padding (vertical, horizontal).</param>
    /// <param name="dilation">Dilation (vertical, horizontal).</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    /// <param name="generator">The random source for initialisation.</param>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation,
        int groups = 1, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
    {
        ConvValidation.Check("Conv2d", inChannels, outChannels, groups, [kernelSize.H, kernelSize.W, stride.H, stride.W, dilation.H, dilation.W], [padding.H, padding.W], dtype);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        var weight = RegisterParameter("weight", Tensor.Zeros([outChannels, inChannels / groups, kernelSize.H, kernelSize.W], dtype));
        Init.KaimingUniform(weight, a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inChannels / groups * kernelSize.H * kernelSize.W);
            Init.Uniform(RegisterParameter("bias", Tensor.Zeros([outChannels], dtype)), -bound, bound, generator);
        }
    }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels produced.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel (height, width).</summary>
    public (int H, int W) KernelSize { get; }

    /// <summary>Stride (vertical, horizontal).</summary>
    public (int H, int W) Stride { get; }

    /// <summary>Padding (vertical, horizontal).</summary>
    public (int H, int W) Padding { get; }

    /// <summary>Dilation (vertical, horizontal).</summary>
    public (int H, int W) Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>The weight, (C_out, C_in/groups, kH, kW).</summary>
    public Tensor Weight => GetParameter("weight");

    /// <summary>The bias, (C_out), or null.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>Convolves an (N, C_in, H, W) input.</summary>
    /// <param name="input">The input, (N, C_in, H, W).</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 4 || input.Shape[1] != InChannels)
            throw new ArgumentException($"Conv2d: expected input (N, {InChannels}, H, W), got {ShapeUtil.Describe(input)}.");
        return input.Conv2d(Weight, Bias, Stride, Padding, Dilation, Groups);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"{InChannels}, {OutChannels}, kernel_size=({KernelSize.H}, {KernelSize.W}), stride=({Stride.H}, {Stride.W})") +
        (Padding != (0, 0) ? string.Create(CultureInfo.InvariantCulture, $", padding=({Padding.H}, {Padding.W})") : "") +
        (Dilation != (1, 1) ? string.Create(CultureInfo.InvariantCulture, $", dilation=({Dilation.H}, {Dilation.W})") : "") +
        (Groups != 1 ? string.Create(CultureInfo.InvariantCulture, $", groups={Groups}") : "") +
        (Bias is null ? ", bias=False" : "");
}

/// <summary>Constructor checks shared by the convolution layers.</summary>
internal static class ConvValidation
{
    public static void Check(string layer, int inChannels, int outChannels, int groups, int[] positive, int[] nonNegative, DType dtype)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{layer}: groups must be positive, got {groups}.");
        if (inChannels <= 0 || inChannels % groups != 0)
            throw new ArgumentException($"{layer}: inChannels ({inChannels}) must be positive and divisible by groups ({groups}).");
        if (outChannels <= 0 || outChannels % groups != 0)
            throw new ArgumentException($"{layer}: outChannels ({outChannels}) must be positive and divisible by groups ({groups}).");
        foreach (int v in positive)
            if (v <= 0) throw new ArgumentException($"{layer}: kernel size, stride and dilation must be positive, got {v}.");
        foreach (int v in nonNegative)
            if (v < 0) throw new ArgumentException($"{layer}: padding must be non-negative, got {v}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{layer}: dtype must be float32 or float64, got {dtype.Name()}.");
    }
}
