using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Group normalisation (Wu and He, 2018): the channels of an (N, C, *) input are split into groups that are
/// normalised per sample, then each channel is scaled and shifted (weight ones, bias zeros initially). Independent of
/// the batch size, unlike batch normalisation.
/// </summary>
public sealed class GroupNorm : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numGroups">The number of groups; must divide <paramref name="numChannels"/>.</param>
    /// <param name="numChannels">The number of channels C.</param>
    /// <param name="eps">Added to the variance for stability, &gt; 0.</param>
    /// <param name="affine">Whether to learn a per-channel weight and bias.</param>
    /// <param name="dtype">The parameters' dtype.</param>
    public GroupNorm(int numGroups, int numChannels, double eps = 1e-5, bool affine = true, DType dtype = DType.Float32)
    {
        if (numGroups <= 0) throw new ArgumentOutOfRangeException(nameof(numGroups), numGroups, $"GroupNorm: numGroups must be positive, got {numGroups}.");
        if (numChannels <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: numChannels ({numChannels}) must be a positive multiple of numGroups ({numGroups}).", nameof(numChannels));
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"GroupNorm: eps must be positive, got {eps}.");
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        if (affine) RegisterAffine([numChannels], dtype);
    }

    /// <summary>The number of groups.</summary>
    public int NumGroups { get; }

    /// <summary>The number of channels.</summary>
    public int NumChannels { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }

    /// <summary>The per-channel scale, (C), or null without affine.</summary>
    public Tensor? Weight => TryGetParameter("weight");

    /// <summary>The per-channel shift, (C), or null without affine.</summary>
    public Tensor? Bias => TryGetParameter("bias");

    /// <summary>The normalised input.</summary>
    /// <param name="input">The input, (N, C, *).</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2 || input.Shape[1] != NumChannels)
            throw new ArgumentException($"GroupNorm: expected input (N, {NumChannels}, *), got {ShapeUtil.Describe(input)}.", nameof(input));
        return Functional.GroupNorm(input, NumGroups, Weight, Bias, Eps);
    }

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"{NumGroups}, {NumChannels}, eps={PyRepr.Float(Eps)}, affine={PyRepr.Bool(Weight is not null)}");
}
