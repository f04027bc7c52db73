using System.Globalization;

namespace Nabla.Data;

/// <summary>
/// Per-channel standardisation of images, like <c>torchvision.transforms.Normalize</c>:
/// output[c] = (input[c] − mean[c]) / std[c] for a (C, H, W) image or an (N, C, H, W) batch.
/// A single mean and std apply to every channel.
/// </summary>
public sealed class Normalize : ITransform
{
    private readonly double[] _mean;
    private readonly double[] _std;
    private readonly Tensor _meanTensor;
    private readonly Tensor _stdTensor;

    /// <summary>Creates the transform from one mean and one standard deviation per channel (or one of each for all channels).</summary>
    public Normalize(double[] mean, double[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Normalize: mean and std need the same, non-zero number of channels, got {mean.Length} and {std.Length}.", nameof(std));
        for (int c = 0; c < std.Length; c++)
        {
            if (!double.IsFinite(mean[c])) throw new ArgumentException($"Normalize: mean[{c}] must be finite, got {mean[c].ToString(CultureInfo.InvariantCulture)}.", nameof(mean));
            if (!(std[c] > 0) || !double.IsFinite(std[c])) throw new ArgumentException($"Normalize: std[{c}] must be positive and finite, got {std[c].ToString(CultureInfo.InvariantCulture)}.", nameof(std));
        }
        _mean = (double[])mean.Clone();
        _std = (double[])std.Clone();
        _meanTensor = Tensor.FromArray(_mean, _mean.Length, 1, 1);
        _stdTensor = Tensor.FromArray(_std, _std.Length, 1, 1);
    }

    /// <summary>Creates the transform with one mean and standard deviation for every channel.</summary>
    public Normalize(double mean, double std) : this([mean], [std]) { }

    /// <summary>The per-channel means.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>The per-channel standard deviations.</summary>
    public IReadOnlyList<double> Std => _std;

    /// <summary>Normalises a floating-point (C, H, W) image.</summary>
    public Tensor Apply(Tensor input) => Run(input, 3, "(C, H, W) image");

    /// <summary>Normalises a floating-point (N, C, H, W) batch of images.</summary>
    public Tensor ApplyBatch(Tensor batch) => Run(batch, 4, "(N, C, H, W) batch");

    private Tensor Run(Tensor input, int rank, string expected)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != rank || !input.DType.IsFloatingPoint())
            throw new ArgumentException($"Normalize: expected a float {expected}, got {ShapeUtil.Describe(input)}.", nameof(input));
        int channels = input.Shape[rank - 3];
        if (_mean.Length != 1 && _mean.Length != channels)
            throw new ArgumentException($"Normalize: {_mean.Length} channel means for an input with {channels} channels ({ShapeUtil.Describe(input)}).", nameof(input));
        return (input - _meanTensor.To(input.DType)) / _stdTensor.To(input.DType);
    }
}
