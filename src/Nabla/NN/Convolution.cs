using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// What the convolution layers share, as PyTorch's <c>_ConvNd</c>: the channel counts, the groups, the weight and the
/// optional bias (C_out), the padding (numbers, "valid" or "same") and its mode, the check of the input's shape and the
/// printout. A convolution's weight is (C_out, C_in/groups, *kernel); a transposed convolution's is
/// (C_in, C_out/groups, *kernel). The parameters are initialised as in PyTorch: Kaiming uniform with a = √5 for the
/// weight, U(−1/√fan_in, 1/√fan_in) for the bias, with fan_in = weight dim 1 · ∏kernel (C_in/groups · ∏kernel for a
/// convolution, C_out/groups · ∏kernel for a transposed one, as PyTorch computes it).
/// </summary>
public abstract class Convolution : Module
{
    private static readonly string[] PaddingModes = ["zeros", "reflect", "replicate", "circular"];
    private readonly string _spatialDims;

    /// <summary>
    /// Checks the settings (kernel size, stride, dilation and output padding hold one entry per spatial dim) and creates
    /// and initialises the parameters; <c>spatialDims</c> names the input's spatial dims in messages, e.g. <c>"H, W"</c>.
    /// </summary>
    private protected Convolution(int inChannels, int outChannels, int[] kernelSize, int[] stride, ConvPadding padding, int[] dilation,
        bool transposed, int[] outputPadding, int groups, bool bias, string paddingMode, DType dtype, Generator? generator, string spatialDims)
    {
        ArgumentNullException.ThrowIfNull(paddingMode);
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{TypeName}: groups must be positive, got {groups}.");
        if (inChannels <= 0 || inChannels % groups != 0)
            throw new ArgumentException($"{TypeName}: inChannels ({inChannels}) must be positive and divisible by groups ({groups}).");
        if (outChannels <= 0 || outChannels % groups != 0)
            throw new ArgumentException($"{TypeName}: outChannels ({outChannels}) must be positive and divisible by groups ({groups}).");
        foreach (int v in kernelSize.Concat(stride).Concat(dilation))
            if (v <= 0) throw new ArgumentException($"{TypeName}: kernel size, stride and dilation must be positive, got {v}.");
        if (!PaddingModes.Contains(paddingMode))
            throw new ArgumentException($"{TypeName}: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got '{paddingMode}'.", nameof(paddingMode));
        if (transposed && paddingMode != "zeros")
            throw new ArgumentException($"{TypeName}: only the \"zeros\" padding mode is supported, got '{paddingMode}'.", nameof(paddingMode));
        if (transposed && padding.Mode is not null)
            throw new ArgumentException($"{TypeName}: padding must be numbers, got '{padding.Mode}'.", nameof(padding));
        for (int d = 0; d < outputPadding.Length; d++)
        {
            if (outputPadding[d] < 0 || (outputPadding[d] >= stride[d] && outputPadding[d] >= dilation[d]))
            {
                throw new ArgumentException($"{TypeName}: output padding must be non-negative and smaller than either stride or dilation, " +
                    $"got output padding {ShapeUtil.Format(outputPadding)}, stride {ShapeUtil.Format(stride)}, dilation {ShapeUtil.Format(dilation)}.");
            }
        }
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"{TypeName}: dtype must be float32 or float64, got {dtype.Name()}.");
        Padded = padding.Resolve(TypeName, kernelSize, stride, dilation);
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        Transposed = transposed;
        PaddingMode = paddingMode;
        PaddingString = padding.Mode;
        Geometry = (kernelSize, stride, Padded.Select(p => p.Before).ToArray(), dilation, outputPadding);
        _spatialDims = spatialDims;
        int[] weightShape = transposed ? [inChannels, outChannels / groups, .. kernelSize] : [outChannels, inChannels / groups, .. kernelSize];
        var weight = RegisterParameter("weight", Tensor.Zeros(weightShape, dtype));
        Init.KaimingUniform(weight, a: Math.Sqrt(5), generator: generator);
        if (bias)
        {
            double bound = 1 / Math.Sqrt(weightShape[1] * kernelSize.Aggregate(1, (a, b) => a * b));
            Init.Uniform(RegisterParameter("bias", Tensor.Zeros([outChannels], dtype)), -bound, bound, generator);
        }
    }

    /// <summary>
    /// The kernel size, stride, padding (the amount before each dim), dilation and output padding, one entry per spatial
    /// dim, which the layers show in their own types.
    /// </summary>
    private protected (int[] KernelSize, int[] Stride, int[] Padding, int[] Dilation, int[] OutputPadding) Geometry { get; }

    /// <summary>The padding (before, after) of each spatial dim; the two differ only for an odd "same" padding.</summary>
    private protected (int Before, int After)[] Padded { get; }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels produced.</summary>
    public int OutChannels { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>True for a transposed convolution.</summary>
    public bool Transposed { get; }

    /// <summary>How the input is padded: "zeros", "reflect", "replicate" or "circular".</summary>
    public string PaddingMode { get; }

    /// <summary>"same" or "valid" for a layer built with a padding name, otherwise null.</summary>
    public string? PaddingString { get; }

    /// <summary>
    /// The weight, (C_out, C_in/groups, *kernel), or (C_in, C_out/groups, *kernel) for a transposed convolution. It can
    /// be replaced by another parameter of the same shape and dtype (to share one between layers).
    /// </summary>
    public Tensor Weight
    {
        get => GetParameter("weight");
        set => ReplaceParameter("weight", value);
    }

    /// <summary>The bias, (C_out), or null; a layer with a bias can have it replaced by another of the same shape and dtype.</summary>
    public Tensor? Bias
    {
        get => TryGetParameter("bias");
        set => ReplaceParameter("bias", value!);
    }

    /// <summary>
    /// Convolves an (N, C_in, *spatial) input: (N, C_in, L) for the 1-D layers, (N, C_in, H, W) for the 2-D ones.
    /// </summary>
    /// <param name="input">The input, (N, C_in, *spatial).</param>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        if (PaddingMode != "zeros")
        {
            var pad = new int[2 * Padded.Length];
            for (int d = 0; d < Padded.Length; d++)
                (pad[2 * d], pad[(2 * d) + 1]) = Padded[Padded.Length - 1 - d];
            return Convolve(Functional.Pad(input, pad, PaddingMode), new int[Padded.Length], Geometry.OutputPadding);
        }
        return Convolve(Functional.PadAfter(input, Padded), Geometry.Padding, Geometry.OutputPadding);
    }

    /// <summary>
    /// A transposed convolution to a given output size, as PyTorch's <c>forward(input, output_size)</c>: the output
    /// padding of each spatial dim is chosen to reach it, in place of the layer's own. The sizes a stride s allows are
    /// the smallest one, (in − 1)·stride − 2·padding + dilation·(k − 1) + 1, and the s − 1 above it.
    /// </summary>
    /// <param name="input">The input, (N, C_in, *spatial).</param>
    /// <param name="outputSize">The output's spatial sizes (or its whole shape).</param>
    public Tensor Forward(Tensor input, int[] outputSize)
    {
        ArgumentNullException.ThrowIfNull(outputSize);
        CheckInput(input);
        if (!Transposed)
            throw new InvalidOperationException($"{TypeName}: an output size can only be given to a transposed convolution.");
        int dims = Geometry.KernelSize.Length;
        var size = outputSize.Length == dims + 2 ? outputSize[2..] : outputSize;
        if (size.Length != dims)
            throw new ArgumentException($"{TypeName}: the output size {ShapeUtil.Format(outputSize)} must hold {dims} or {dims + 2} sizes.", nameof(outputSize));
        var outputPadding = new int[dims];
        for (int d = 0; d < dims; d++)
        {
            var (k, s, p, dil) = (Geometry.KernelSize[d], Geometry.Stride[d], Geometry.Padding[d], Geometry.Dilation[d]);
            int min = ((input.Shape[2 + d] - 1) * s) - (2 * p) + (dil * (k - 1)) + 1, max = min + s - 1;
            if (size[d] < min || size[d] > max)
            {
                throw new ArgumentException($"{TypeName}: requested an output size of {ShapeUtil.Format(size)}, but valid sizes of dim {2 + d} range from " +
                    string.Create(CultureInfo.InvariantCulture, $"{min} to {max} (for an input of {ShapeUtil.Describe(input)})."), nameof(outputSize));
            }
            outputPadding[d] = size[d] - min;
        }
        return Convolve(input, Geometry.Padding, outputPadding);
    }

    private void CheckInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2 + Geometry.KernelSize.Length || input.Shape[1] != InChannels)
            throw new ArgumentException($"{TypeName}: expected input (N, {InChannels}, {_spatialDims}), got {ShapeUtil.Describe(input)}.");
    }

    /// <summary>
    /// The convolution of an input whose shape has been checked, padded by <paramref name="padding"/> on both sides of
    /// each spatial dim; a transposed convolution adds <paramref name="outputPadding"/> to its output.
    /// </summary>
    private protected abstract Tensor Convolve(Tensor input, int[] padding, int[] outputPadding);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"{InChannels}, {OutChannels}, kernel_size={PyTuple(Geometry.KernelSize)}, stride={PyTuple(Geometry.Stride)}") +
        (PaddingString is { } name ? $", padding={name}" : Geometry.Padding.Any(p => p != 0) ? $", padding={PyTuple(Geometry.Padding)}" : "") +
        (Geometry.Dilation.Any(d => d != 1) ? $", dilation={PyTuple(Geometry.Dilation)}" : "") +
        (Geometry.OutputPadding.Any(p => p != 0) ? $", output_padding={PyTuple(Geometry.OutputPadding)}" : "") +
        (Groups != 1 ? string.Create(CultureInfo.InvariantCulture, $", groups={Groups}") : "") +
        (Bias is null ? ", bias=False" : "") +
        (PaddingMode != "zeros" ? $", padding_mode={PaddingMode}" : "");

    /// <summary>A Python tuple: <c>(3,)</c> or <c>(3, 3)</c>.</summary>
    private static string PyTuple(int[] values) =>
        "(" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + (values.Length == 1 ? ",)" : ")");
}
