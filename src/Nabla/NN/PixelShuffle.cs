using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Rearranges (*, C·r², H, W) into (*, C, H·r, W·r), as PyTorch's <c>nn.PixelShuffle</c> (Shi et al., 2016, the
/// sub-pixel convolution's upsampling step); see <see cref="Functional.PixelShuffle"/>.
/// </summary>
public sealed class PixelShuffle : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="upscaleFactor">r, positive.</param>
    public PixelShuffle(int upscaleFactor)
    {
        if (upscaleFactor <= 0)
            throw new ArgumentOutOfRangeException(nameof(upscaleFactor), upscaleFactor, $"PixelShuffle: upscaleFactor must be positive, got {upscaleFactor}.");
        UpscaleFactor = upscaleFactor;
    }

    /// <summary>r.</summary>
    public int UpscaleFactor { get; }

    /// <summary>The rearranged input.</summary>
    /// <param name="input">(*, C·r², H, W).</param>
    public override Tensor Forward(Tensor input) => Functional.PixelShuffle(input, UpscaleFactor);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"upscale_factor={UpscaleFactor}");
}

/// <summary>Rearranges (*, C, H·r, W·r) into (*, C·r², H, W), the inverse of <see cref="PixelShuffle"/>, as PyTorch's <c>nn.PixelUnshuffle</c>.</summary>
public sealed class PixelUnshuffle : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="downscaleFactor">r, positive.</param>
    public PixelUnshuffle(int downscaleFactor)
    {
        if (downscaleFactor <= 0)
            throw new ArgumentOutOfRangeException(nameof(downscaleFactor), downscaleFactor, $"PixelUnshuffle: downscaleFactor must be positive, got {downscaleFactor}.");
        DownscaleFactor = downscaleFactor;
    }

    /// <summary>r.</summary>
    public int DownscaleFactor { get; }

    /// <summary>The rearranged input.</summary>
    /// <param name="input">(*, C, H·r, W·r).</param>
    public override Tensor Forward(Tensor input) => Functional.PixelUnshuffle(input, DownscaleFactor);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"downscale_factor={DownscaleFactor}");
}
