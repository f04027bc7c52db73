using System.Diagnostics;
using System.Globalization;

namespace Nabla.NN;

public static partial class Functional
{
    /// <summary>SELU's negative saturation value −λα, written α' here: where alpha dropout sends a dropped element (before its affine correction).</summary>
    private const double SeluAlpha = 1.7580993408473766;

    /// <summary>
    /// Channel dropout for inputs with one spatial dim, as <c>torch.nn.functional.dropout1d</c>: in training mode each
    /// channel of (N, C, L), or of an unbatched (C, L), is zeroed as a whole with probability <paramref name="p"/> and the
    /// rest are scaled by 1/(1 − p). Other ranks are an error, as in PyTorch.
    /// </summary>
    /// <param name="input">(N, C, L) or (C, L).</param>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <param name="training">Apply dropout (true) or pass the input through (false).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Dropout1d(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (2 or 3))
        {
            throw new ArgumentException($"Dropout1d: expected a 2-D or 3-D input, got {ShapeUtil.Describe(input)}. Dropout1d drops whole channels of inputs " +
                "with 1 spatial dim, a channel dim and an optional batch dim, (N, C, L) or (C, L).", nameof(input));
        }
        return input.Rank == 3
            ? FeatureDropout("Dropout1d", input, p, training, generator, alpha: false)
            : FeatureDropout("Dropout1d", input.Unsqueeze(0), p, training, generator, alpha: false).Squeeze(0);
    }

    /// <summary>
    /// Channel dropout for images, as <c>torch.nn.functional.dropout2d</c>: in training mode each channel of
    /// (N, C, H, W) is zeroed as a whole with probability <paramref name="p"/> and the rest are scaled by 1/(1 − p).
    /// As in PyTorch 1.13, a 3-D input is read as (N, C, L) (with a warning on <see cref="Trace"/>; use
    /// <see cref="Dropout1d"/> for that), and other ranks drop dim 1's slices of a batch with a warning.
    /// </summary>
    /// <param name="input">(N, C, H, W).</param>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <param name="training">Apply dropout (true) or pass the input through (false).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Dropout2d(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (3 or 4))
        {
            Trace.TraceWarning($"Dropout2d: received a {input.Rank}-D input {ShapeUtil.Describe(input)}, which is deprecated; use Dropout for it. " +
                "Dropout2d drops whole channels of inputs with 2 spatial dims, a channel dim and an optional batch dim (3-D or 4-D inputs).");
        }
        if (input.Rank == 3)
        {
            Trace.TraceWarning($"Dropout2d: received a 3-D input {ShapeUtil.Describe(input)} and dropping its channels as those of (N, C, L), as " +
                "PyTorch does; to keep that behaviour use Dropout1d.");
        }
        return FeatureDropout("Dropout2d", input, p, training, generator, alpha: false);
    }

    /// <summary>
    /// Channel dropout for volumes, as <c>torch.nn.functional.dropout3d</c>: in training mode each channel of
    /// (N, C, D, H, W), or of an unbatched (C, D, H, W), is zeroed as a whole with probability <paramref name="p"/> and
    /// the rest are scaled by 1/(1 − p). Other ranks are read as unbatched, with a warning on <see cref="Trace"/>, as in PyTorch.
    /// </summary>
    /// <param name="input">(N, C, D, H, W) or (C, D, H, W).</param>
    /// <param name="p">The probability of zeroing a channel, in [0, 1].</param>
    /// <param name="training">Apply dropout (true) or pass the input through (false).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor Dropout3d(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (4 or 5))
        {
            Trace.TraceWarning($"Dropout3d: received a {input.Rank}-D input {ShapeUtil.Describe(input)}, which is deprecated; use Dropout for it. " +
                "Dropout3d drops whole channels of inputs with 3 spatial dims, a channel dim and an optional batch dim (4-D or 5-D inputs).");
        }
        return input.Rank == 5
            ? FeatureDropout("Dropout3d", input, p, training, generator, alpha: false)
            : FeatureDropout("Dropout3d", input.Unsqueeze(0), p, training, generator, alpha: false).Squeeze(0);
    }

    /// <summary>
    /// Alpha dropout (Klambauer et al., 2017), as <c>torch.nn.functional.alpha_dropout</c>, which keeps the zero mean and
    /// unit variance that SELU activations hold: in training mode each element is dropped with probability
    /// <paramref name="p"/> to SELU's saturation value −α' (α' = 1.7580993408473766), then every element is mapped by
    /// x ↦ a·x + b with a = 1/√((α'²·p + 1)(1 − p)) and b = a·α'·p, so a kept element is a·x + a·α'·p and a dropped one
    /// a·α'·(p − 1). Any shape; the input itself in evaluation mode or for p = 0, zeros for p = 1.
    /// </summary>
    /// <param name="input">Any floating-point tensor.</param>
    /// <param name="p">The probability of dropping an element, in [0, 1].</param>
    /// <param name="training">Apply dropout (true) or pass the input through (false).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor AlphaDropout(Tensor input, double p = 0.5, bool training = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return DropoutCore("AlphaDropout", input, p, training, generator, [.. input.Shape], alpha: true);
    }

    /// <summary>
    /// Alpha dropout of whole channels, as <c>torch.nn.functional.feature_alpha_dropout</c>: <see cref="AlphaDropout"/>
    /// with one draw per (n, c) slice of an (N, C, *) input.
    /// </summary>
    /// <param name="input">(N, C, *), at least 2-D.</param>
    /// <param name="p">The probability of dropping a channel, in [0, 1].</param>
    /// <param name="training">Apply dropout (true) or pass the input through (false).</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null.</param>
    public static Tensor FeatureAlphaDropout(Tensor input, double p = 0.5, bool training = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return FeatureDropout("FeatureAlphaDropout", input, p, training, generator, alpha: true);
    }

    /// <summary>Dropout with one draw per (n, c) slice: the mask is (N, C, 1, …, 1).</summary>
    private static Tensor FeatureDropout(string op, Tensor input, double p, bool training, Generator? generator, bool alpha)
    {
        if (input.Rank < 2)
            throw new ArgumentException($"{op}: dropping channels needs at least 2 dims (N, C, *), got {ShapeUtil.Describe(input)}.", nameof(input));
        var shape = new int[input.Rank];
        Array.Fill(shape, 1);
        (shape[0], shape[1]) = (input.Shape[0], input.Shape[1]);
        return DropoutCore(op, input, p, training, generator, shape, alpha);
    }

    /// <summary>
    /// The dropout of PyTorch's <c>_dropout_impl</c>: a keep mask of <paramref name="noiseShape"/> (broadcast over the
    /// input) drawn element by element from <paramref name="generator"/>, an element dropped when its draw is below p.
    /// </summary>
    private static Tensor DropoutCore(string op, Tensor input, double p, bool training, Generator? generator, int[] noiseShape, bool alpha)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, string.Create(CultureInfo.InvariantCulture, $"{op}: p must be in [0, 1], got {p}."));
        RequireFloat(op, input);
        if (!training || p == 0 || input.Numel == 0) return input;
        if (p == 1) return input * 0.0;
        var g = generator ?? Generator.Default;
        CheckpointFunction.Capture.NoteGenerator(g);
        int n = noiseShape.Aggregate(1, (a, b) => a * b);
        var scale = new double[n];
        var shift = alpha ? new double[n] : null;
        double keepScale = alpha ? 1 / Math.Sqrt(((SeluAlpha * SeluAlpha * p) + 1) * (1 - p)) : 1 / (1 - p);
        for (int i = 0; i < n; i++)
        {
            bool keep = g.NextDouble() >= p;
            scale[i] = keep ? keepScale : 0;
            if (shift is not null) shift[i] = keepScale * SeluAlpha * (keep ? p : p - 1);
        }
        var mask = Tensor.FromArray(scale).Reshape(noiseShape).To(input.DType);
        var result = input * mask;
        return shift is null ? result : result + Tensor.FromArray(shift).Reshape(noiseShape).To(input.DType);
    }
}
