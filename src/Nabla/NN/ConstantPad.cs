namespace Nabla.NN;

/// <summary>
/// Pads the last dim of the input with a constant value, as PyTorch's <c>nn.ConstantPad1d</c>; see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right); negative values crop.</param>
/// <param name="value">The value of the padded elements.</param>
public sealed class ConstantPad1d(int[] padding, double value) : PadNd(1, padding, "constant", value)
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    /// <param name="value">The value of the padded elements.</param>
    public ConstantPad1d(int padding, double value) : this(Uniform(1, padding), value)
    {
    }

    /// <summary>Creates the layer from (left, right).</summary>
    /// <param name="padding">(left, right); negative values crop.</param>
    /// <param name="value">The value of the padded elements.</param>
    public ConstantPad1d((int Left, int Right) padding, double value) : this([padding.Left, padding.Right], value)
    {
    }

    /// <summary>The value of the padded elements.</summary>
    public double Value => FillValue;

    /// <inheritdoc/>
    public override string ExtraRepr() => $"padding={PaddingTuple()}, value={PyRepr.Float(Value)}";
}

/// <summary>
/// Pads the last two dims of the input with a constant value, as PyTorch's <c>nn.ConstantPad2d</c>; see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom); negative values crop.</param>
/// <param name="value">The value of the padded elements.</param>
public sealed class ConstantPad2d(int[] padding, double value) : PadNd(2, padding, "constant", value)
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    /// <param name="value">The value of the padded elements.</param>
    public ConstantPad2d(int padding, double value) : this(Uniform(2, padding), value)
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom).</summary>
    /// <param name="padding">(left, right, top, bottom); negative values crop.</param>
    /// <param name="value">The value of the padded elements.</param>
    public ConstantPad2d((int Left, int Right, int Top, int Bottom) padding, double value) : this([padding.Left, padding.Right, padding.Top, padding.Bottom], value)
    {
    }

    /// <summary>The value of the padded elements.</summary>
    public double Value => FillValue;

    /// <inheritdoc/>
    public override string ExtraRepr() => $"padding={PaddingTuple()}, value={PyRepr.Float(Value)}";
}

/// <summary>
/// Pads the last three dims of the input with a constant value, as PyTorch's <c>nn.ConstantPad3d</c>; see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
/// <param name="value">The value of the padded elements.</param>
public sealed class ConstantPad3d(int[] padding, double value) : PadNd(3, padding, "constant", value)
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    /// <param name="value">The value of the padded elements.</param>
    public ConstantPad3d(int padding, double value) : this(Uniform(3, padding), value)
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom, front, back).</summary>
    /// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
    /// <param name="value">The value of the padded elements.</param>
    public ConstantPad3d((int Left, int Right, int Top, int Bottom, int Front, int Back) padding, double value) : this([padding.Left, padding.Right, padding.Top, padding.Bottom, padding.Front, padding.Back], value)
    {
    }

    /// <summary>The value of the padded elements.</summary>
    public double Value => FillValue;

    /// <inheritdoc/>
    public override string ExtraRepr() => $"padding={PaddingTuple()}, value={PyRepr.Float(Value)}";
}
