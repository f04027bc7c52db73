using System.Globalization;

namespace Nabla.NN;

/// <summary>
/// The padding of a convolution as PyTorch takes it: a number for every spatial dim, one number per dim, or one of the
/// strings <c>"valid"</c> (no padding) and <c>"same"</c> (the output as large as the input; stride 1 only, and when a
/// dim's total padding dilation·(k − 1) is odd the extra row or column goes at the end). An <see cref="int"/>, an
/// (H, W) pair or a string converts implicitly, so <c>padding: 1</c>, <c>padding: (1, 2)</c> and
/// <c>padding: "same"</c> all read as in PyTorch; the default is no padding.
/// </summary>
public readonly struct ConvPadding : IEquatable<ConvPadding>
{
    private readonly int[]? _values;

    private ConvPadding(int[]? values, string? mode)
    {
        _values = values;
        Mode = mode;
    }

    /// <summary><c>"same"</c> or <c>"valid"</c> for a padding given by name; null for one given by numbers.</summary>
    public string? Mode { get; }

    /// <summary>The same padding on every spatial dim.</summary>
    /// <param name="padding">Zeros added at both ends of each spatial dim.</param>
    public static ConvPadding FromInt32(int padding) => new([padding], null);

    /// <summary>A padding per spatial dim, (vertical, horizontal).</summary>
    /// <param name="padding">Zeros added above and below, and left and right.</param>
    public static ConvPadding FromValueTuple((int H, int W) padding) => new([padding.H, padding.W], null);

    /// <summary><c>"same"</c> or <c>"valid"</c>; any other string is refused when the convolution is built or run.</summary>
    /// <param name="mode">The padding's name.</param>
    public static ConvPadding FromString(string mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        return new(null, mode);
    }

    /// <summary>See <see cref="FromInt32"/>.</summary>
    /// <param name="padding">Zeros added at both ends of each spatial dim.</param>
    public static implicit operator ConvPadding(int padding) => FromInt32(padding);

    /// <summary>See <see cref="FromValueTuple"/>.</summary>
    /// <param name="padding">Zeros added above and below, and left and right.</param>
    public static implicit operator ConvPadding((int H, int W) padding) => FromValueTuple(padding);

    /// <summary>See <see cref="FromString"/>.</summary>
    /// <param name="mode">"same" or "valid".</param>
    public static implicit operator ConvPadding(string mode) => FromString(mode);

    /// <summary>
    /// The padding before and after each spatial dim of a convolution with this kernel, stride and dilation:
    /// (before, after) per dim. Checks the name and that "same" has stride 1 and that numbers are non-negative and one
    /// per dim (or one for all).
    /// </summary>
    internal (int Before, int After)[] Resolve(string op, int[] kernelSize, int[] stride, int[] dilation)
    {
        int dims = kernelSize.Length;
        var result = new (int, int)[dims];
        switch (Mode)
        {
            case null:
                var values = _values ?? [0];
                if (values.Length != 1 && values.Length != dims)
                    throw new ArgumentException($"{op}: expected padding for {dims} spatial dim(s), got {ShapeUtil.Format(values)}.");
                for (int d = 0; d < dims; d++)
                {
                    int p = values.Length == 1 ? values[0] : values[d];
                    if (p < 0) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{op}: padding must be non-negative, got {p}."));
                    result[d] = (p, p);
                }
                return result;
            case "valid":
                return result;
            case "same":
                if (stride.Any(s => s != 1))
                    throw new ArgumentException($"{op}: padding='same' is not supported for strided convolutions (stride {ShapeUtil.Format(stride)}).");
                for (int d = 0; d < dims; d++)
                {
                    int total = dilation[d] * (kernelSize[d] - 1);
                    result[d] = (total / 2, total - (total / 2));
                }
                return result;
            default:
                throw new ArgumentException($"{op}: invalid padding string '{Mode}', should be one of 'valid', 'same'.");
        }
    }

    /// <summary>The padding as PyTorch prints it: <c>same</c>, or the numbers.</summary>
    public override string ToString() => Mode ?? ShapeUtil.Format(_values ?? [0]);

    /// <inheritdoc/>
    public bool Equals(ConvPadding other) => Mode == other.Mode && (_values ?? [0]).SequenceEqual(other._values ?? [0]);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ConvPadding other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Mode, (_values ?? [0]).Aggregate(17, (h, v) => (h * 31) + v));

    /// <summary>Equal paddings.</summary>
    public static bool operator ==(ConvPadding left, ConvPadding right) => left.Equals(right);

    /// <summary>Different paddings.</summary>
    public static bool operator !=(ConvPadding left, ConvPadding right) => !left.Equals(right);
}
