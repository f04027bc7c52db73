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
