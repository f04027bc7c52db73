using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Resizes (N, C, L) or (N, C, H, W) inputs to an output size or by a scale factor, as PyTorch's <c>nn.Upsample</c>;
/// the modes and coordinate rules are those of <see cref="Functional.Interpolate(Tensor, int[], double[], string, bool?, bool?)"/>.
/// </summary>
public class Upsample : Module
{
    private readonly int[]? _size;
    private readonly double[]? _scaleFactor;

    /// <summary>Creates the layer from a size or scale factor per spatial dim (or one for all).</summary>
    /// <param name="size">The output size; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier; null when <paramref name="size"/> is given.</param>
    /// <param name="mode">"nearest", "nearest-exact", "linear" or "bilinear".</param>
    /// <param name="alignCorners">For the linear modes only: align the corner pixels' centres.</param>
    /// <param name="recomputeScaleFactor">With a scale factor: compute the coordinates from the output size instead.</param>
    public Upsample(int[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null, bool? recomputeScaleFactor = null)
    {
        ArgumentNullException.ThrowIfNull(mode);
        if ((size is null) == (scaleFactor is null))
            throw new ArgumentException($"{TypeName}: give exactly one of size and scaleFactor.");
        if (size is { Length: 0 } || scaleFactor is { Length: 0 })
            throw new ArgumentException($"{TypeName}: size and scaleFactor must not be empty.");
        if (mode is not ("nearest" or "nearest-exact" or "linear" or "bilinear"))
            throw new ArgumentException($"{TypeName}: unknown mode \"{mode}\"; expected \"nearest\", \"nearest-exact\", \"linear\" or \"bilinear\".", nameof(mode));
        _size = size is null ? null : (int[])size.Clone();
        _scaleFactor = scaleFactor is null ? null : (double[])scaleFactor.Clone();
        Mode = mode;
        AlignCorners = alignCorners;
        RecomputeScaleFactor = recomputeScaleFactor;
    }

    /// <summary>Creates the layer from one size or scale factor for every spatial dim.</summary>
    /// <param name="size">The output size of every spatial dim; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier of every spatial dim; null when <paramref name="size"/> is given.</param>
    /// <param name="mode">"nearest", "nearest-exact", "linear" or "bilinear".</param>
    /// <param name="alignCorners">For the linear modes only: align the corner pixels' centres.</param>
    /// <param name="recomputeScaleFactor">With a scale factor: compute the coordinates from the output size instead.</param>
    public Upsample(int? size = null, double? scaleFactor = null, string mode = "nearest", bool? alignCorners = null, bool? recomputeScaleFactor = null)
        : this(size is { } s ? [s] : null, scaleFactor is { } f ? [f] : null, mode, alignCorners, recomputeScaleFactor)
    {
    }

    /// <summary>The output size (one entry for every spatial dim, or one per dim), or null.</summary>
    public IReadOnlyList<int>? Size => _size;

    /// <summary>The scale factor (one entry for every spatial dim, or one per dim), or null.</summary>
    public IReadOnlyList<double>? ScaleFactor => _scaleFactor;

    /// <summary>The interpolation mode.</summary>
    public string Mode { get; }

    /// <summary>Whether the linear modes align the corner pixels' centres; null for the default.</summary>
    public bool? AlignCorners { get; }

    /// <summary>Whether the coordinates come from the output size when a scale factor is given; null for the default.</summary>
    public bool? RecomputeScaleFactor { get; }

    /// <summary>The resized input.</summary>
    /// <param name="input">(N, C, L) or (N, C, H, W).</param>
    public override Tensor Forward(Tensor input) => Functional.Interpolate(input, _size, _scaleFactor, Mode, AlignCorners, RecomputeScaleFactor);

    /// <inheritdoc/>
    public override string ExtraRepr() =>
        (_scaleFactor is not null
            ? "scale_factor=" + Tuple(_scaleFactor.Select(PyRepr.Float).ToArray())
            : "size=" + Tuple(_size!.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray())) + ", mode=" + Mode;

    private static string Tuple(string[] values) => values.Length == 1 ? values[0] : "(" + string.Join(", ", values) + ")";
}

/// <summary>2-D nearest-neighbour upsampling, PyTorch's <c>nn.UpsamplingNearest2d</c>: <see cref="Upsample"/> with mode "nearest".</summary>
public sealed class UpsamplingNearest2d : Upsample
{
    /// <summary>Creates the layer from an output (H, W) or a scale factor per dim (or one for both).</summary>
    /// <param name="size">The output size; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier; null when <paramref name="size"/> is given.</param>
    public UpsamplingNearest2d(int[]? size = null, double[]? scaleFactor = null) : base(size, scaleFactor, "nearest")
    {
    }

    /// <summary>Creates the layer from one size or scale factor for both dims.</summary>
    /// <param name="size">The output height and width; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier of both dims; null when <paramref name="size"/> is given.</param>
    public UpsamplingNearest2d(int? size = null, double? scaleFactor = null) : base(size, scaleFactor, "nearest")
    {
    }
}

/// <summary>
/// 2-D bilinear upsampling with aligned corners, PyTorch's <c>nn.UpsamplingBilinear2d</c>: <see cref="Upsample"/> with
/// mode "bilinear" and <c>alignCorners: true</c>.
/// </summary>
public sealed class UpsamplingBilinear2d : Upsample
{
    /// <summary>Creates the layer from an output (H, W) or a scale factor per dim (or one for both).</summary>
    /// <param name="size">The output size; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier; null when <paramref name="size"/> is given.</param>
    public UpsamplingBilinear2d(int[]? size = null, double[]? scaleFactor = null) : base(size, scaleFactor, "bilinear", alignCorners: true)
    {
    }

    /// <summary>Creates the layer from one size or scale factor for both dims.</summary>
    /// <param name="size">The output height and width; null when <paramref name="scaleFactor"/> is given.</param>
    /// <param name="scaleFactor">The multiplier of both dims; null when <paramref name="size"/> is given.</param>
    public UpsamplingBilinear2d(int? size = null, double? scaleFactor = null) : base(size, scaleFactor, "bilinear", alignCorners: true)
    {
    }
}
