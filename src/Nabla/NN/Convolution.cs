using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// What <see cref="Conv1d"/> and <see cref="Conv2d"/> share, as PyTorch's <c>_ConvNd</c>: the channel counts, the
/// groups, the weight (C_out, C_in/groups, *kernel) and the optional bias (C_out), the check of the input's shape and
/// the printout. The parameters are initialised as in PyTorch: Kaiming uniform with a = √5 for the weight,
/// U(−1/√fan_in, 1/√fan_in) for the bias, with fan_in = C_in/groups · ∏kernel.
/// </summary>
public abstract class Convolution : Module
{
    private readonly string _spatialDims;

    /// <summary>
    /// Checks the settings (kernel size, stride, padding and dilation hold one entry per spatial dim) and creates and
    /// initialises the parameters; <c>spatialDims</c> names the input's spatial dims in messages, e.g. <c>"H, W"</c>.
    /// </summary>
    private protected Convolution(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
        int groups, bool bias, DType dtype, Generator? generator, string spatialDims)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{TypeName}: groups must be positive, got {groups}.");
        if (inChannels <= 0 || inChannels % groups != 0)
            throw new ArgumentException($"{TypeName}: inChannels ({inChannels}) must be positive and divisible by groups ({groups}).");
        if (outChannels <= 0 || outChannels % groups != 0)
            throw new ArgumentException($"{TypeName}: outChannels ({outChannels}) must be positive and divisible by groups ({groups}).");
        foreach (int v in kernelSize.Concat(stride).Concat(dilation))
            if (v <= 0) throw new ArgumentException($"{TypeName}: kernel size, stride and dilation must be positive, got {v}.");
        foreach (int v in padding)
            if (v < 0) throw new ArgumentException($"{TypeName}: padding must be non-negative, got {v}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{TypeName}: dtype must be float32 or float64, got {dtype.Name()}.");
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        Geometry = (kernelSize, stride, padding, dilation);
        _spatialDims = spatialDims;
        var weight = RegisterParameter("weight", Tensor.Zeros([outChannels, inChannels / groups, .. kernelSize], dtype));
        Init.KaimingUniform(weight, a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inChannels / groups * kernelSize.Aggregate(1, (a, b) => a * b));
            Init.Uniform(RegisterParameter("bias", Tensor.Zeros([outChannels], dtype)), -bound, bound, generator);
        }
    }

    /// <summary>The kernel size, stride, padding and dilation, one entry per spatial dim, which the layers show in their own types.</summary>
    private protected (int[] KernelSize, int[] Stride, int[] Padding, int[] Dilation) Geometry { get; }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels produced.</summary>
    public int OutChannels { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>The weight, (C_out, C_in/groups, *kernel).</summary>
    public Tensor Weight => GetParameter("weight");

    /// <summary>The bias, (C_out), or null.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>Convolves an (N, C_in, *spatial) input: (N, C_in, L) for Conv1d, (N, C_in, H, W) for Conv2d.</summary>
    /// <param name="input">The input, (N, C_in, *spatial).</param>
    public sealed override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 + Geometry.KernelSize.Length || input.Shape[1] != InChannels)
            throw new ArgumentException($"{TypeName}: expected input (N, {InChannels}, {_spatialDims}), got {ShapeUtil.Describe(input)}.");
        return Convolve(input);
    }

    /// <summary>The convolution of an input whose shape has been checked.</summary>
    private protected abstract Tensor Convolve(Tensor input);

    /// <inheritdoc/>
    public sealed override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"{InChannels}, {OutChannels}, kernel_size={PyTuple(Geometry.KernelSize)}, stride={PyTuple(Geometry.Stride)}") +
        (Geometry.Padding.Any(p => p != 0) ? $", padding={PyTuple(Geometry.Padding)}" : "") +
        (Geometry.Dilation.Any(d => d != 1) ? $", dilation={PyTuple(Geometry.Dilation)}" : "") +
        (Groups != 1 ? string.Create(CultureInfo.InvariantCulture, $", groups={Groups}") : "") +
        (Bias is null ? ", bias=False" : "");

    /// <summary>A Python tuple: <c>(3,)</c> or <c>(3, 3)</c>.</summary>
    private static string PyTuple(int[] values) =>
        "(" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + (values.Length == 1 ? ",)" : ")");
}
