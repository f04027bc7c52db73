using System.Globalization;

namespace Nabla;

/// <summary>
/// A 16-bit brain float: the sign, the 8 exponent bits and the top 7 mantissa bits of a float32. Converting from float
/// rounds to the nearest representable value, ties to even, as PyTorch does; NaN stays NaN.
/// </summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>The raw 16 bits.</summary>
    public ushort Bits { get; }

    /// <summary>The value with the given raw bits.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>The nearest bfloat16 to <paramref name="value"/> (round to nearest, ties to even).</summary>
    public static explicit operator BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return new((ushort)((bits >> 16) | 0x0040));
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return new((ushort)((bits + rounding) >> 16));
    }

    /// <summary>The nearest bfloat16 to <paramref name="value"/>, through float32 as PyTorch converts.</summary>
    public static explicit operator BFloat16(double value) => (BFloat16)(float)value;

    /// <summary>The exact float32 value.</summary>
    public static implicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    /// <summary>The exact float64 value.</summary>
    public static explicit operator double(BFloat16 value) => (float)value;

    /// <summary>True for the same bits, or for both zeros; NaN equals NaN here, as for <see cref="float.Equals(float)"/>.</summary>
    public bool Equals(BFloat16 other) => ((float)this).Equals((float)other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((float)this).GetHashCode();

    /// <summary>The value as its float32 prints.</summary>
    public override string ToString() => ((float)this).ToString(CultureInfo.InvariantCulture);

    /// <summary>Equality of values (NaN equals nothing).</summary>
    public static bool operator ==(BFloat16 left, BFloat16 right) => (float)left == (float)right;

    /// <summary>Inequality of values (NaN differs from everything).</summary>
    public static bool operator !=(BFloat16 left, BFloat16 right) => (float)left != (float)right;
}
