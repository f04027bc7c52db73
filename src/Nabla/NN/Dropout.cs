using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// Inverted dropout (Srivastava et al., 2014): in training mode each element is zeroed with probability p and the
/// rest are scaled by 1/(1 − p); in evaluation mode the input passes through unchanged. Any shape.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    /// <param name="generator">The random source for the masks, for reproducible runs; <see cref="Generator.Default"/> when null.</param>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout: p must be in [0, 1], got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The input with dropout applied in training mode, or the input itself in evaluation mode.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, IsTraining, _generator);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={PyRepr.Float(P)}");
}

/// <summary>
/// Channel dropout for sequences (Tompson et al., 2015): in training mode each channel of (N, C, L) or (C, L) is zeroed
/// as a whole with probability p and the rest are scaled by 1/(1 − p); see <see cref="Functional.Dropout1d"/>.
/// </summary>
public sealed class Dropout1d : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <param name="generator">The random source for the masks, for reproducible runs; <see cref="Generator.Default"/> when null.</param>
    public Dropout1d(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout1d: p must be in [0, 1], got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of zeroing a channel.</summary>
    public double P { get; }

    /// <summary>The input with dropout applied in training mode, or the input itself in evaluation mode.</summary>
    /// <param name="input">(N, C, L) or (C, L).</param>
    public override Tensor Forward(Tensor input) => Functional.Dropout1d(input, P, IsTraining, _generator);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={PyRepr.Float(P)}");
}

/// <summary>
/// Channel dropout for images (Tompson et al., 2015): in training mode each channel of (N, C, H, W) is zeroed as a whole
/// with probability p and the rest are scaled by 1/(1 − p); see <see cref="Functional.Dropout2d"/> for other ranks.
/// </summary>
public sealed class Dropout2d : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <param name="generator">The random source for the masks, for reproducible runs; <see cref="Generator.Default"/> when null.</param>
    public Dropout2d(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout2d: p must be in [0, 1], got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of zeroing a channel.</summary>
    public double P { get; }

    /// <summary>The input with dropout applied in training mode, or the input itself in evaluation mode.</summary>
    /// <param name="input">(N, C, H, W).</param>
    public override Tensor Forward(Tensor input) => Functional.Dropout2d(input, P, IsTraining, _generator);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={PyRepr.Float(P)}");
}

/// <summary>
/// Channel dropout for volumes (Tompson et al., 2015): in training mode each channel of (N, C, D, H, W) or (C, D, H, W)
/// is zeroed as a whole with probability p and the rest are scaled by 1/(1 − p); see <see cref="Functional.Dropout3d"/>.
/// </summary>
public sealed class Dropout3d : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <param name="generator">The random source for the masks, for reproducible runs; <see cref="Generator.Default"/> when null.</param>
    public Dropout3d(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout3d: p must be in [0, 1], got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of zeroing a channel.</summary>
    public double P { get; }

    /// <summary>The input with dropout applied in training mode, or the input itself in evaluation mode.</summary>
    /// <param name="input">(N, C, D, H, W) or (C, D, H, W).</param>
    public override Tensor Forward(Tensor input) => Functional.Dropout3d(input, P, IsTraining, _generator);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={PyRepr.Float(P)}");
}

/// <summary>
/// Alpha dropout (Klambauer et al., 2017) for self-normalising networks: in training mode elements are dropped to SELU's
/// saturation value and the result is rescaled so that zero mean and unit variance are kept; see <see cref="Functional.AlphaDropout"/>.
/// </summary>
public sealed class AlphaDropout : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of dropping an element, in [0, 1].</param>
    /// <param name="generator">The random source for the masks, for reproducible runs; <see cref="Generator.Default"/> when null.</param>
    public AlphaDropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"AlphaDropout: p must be in [0, 1], got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of dropping an element.</summary>
    public double P { get; }

    /// <summary>The input with dropout applied in training mode, or the input itself in evaluation mode.</summary>
    /// <param name="input">Any floating-point tensor.</param>
    public override Tensor Forward(Tensor input) => Functional.AlphaDropout(input, P, IsTraining, _generator);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={PyRepr.Float(P)}");
}

/// <summary>
/// Alpha dropout of whole channels of (N, C, *): <see cref="AlphaDropout"/> with one draw per channel; see
/// <see cref="Functional.FeatureAlphaDropout"/>.
/// </summary>
public sealed class FeatureAlphaDropout : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <param name="generator">The random source for the masks, for reproducible runs; <see cref="Generator.Default"/> when null.</param>
    public FeatureAlphaDropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"FeatureAlphaDropout: p must be in [0, 1], got {p}.");
        P = p;
        _generator = generator;
    }

    /// <summary>The probability of dropping a channel.</summary>
    public double P { get; }

    /// <summary>The input with dropout applied in training mode, or the input itself in evaluation mode.</summary>
    /// <param name="input">(N, C, *).</param>
    public override Tensor Forward(Tensor input) => Functional.FeatureAlphaDropout(input, P, IsTraining, _generator);

    /// <inheritdoc/>
    public override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={PyRepr.Float(P)}");
}
