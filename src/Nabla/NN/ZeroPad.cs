namespace Nabla.NN;

/// <summary>
/// Pads the last dim of the input with zeros, as PyTorch's <c>nn.ZeroPad1d</c> (<see cref="ConstantPad1d"/> with value 0); see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right); negative values crop.</param>
public sealed class ZeroPad1d(int[] padding) : PadNd(1, padding, "constant")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public ZeroPad1d(int padding) : this(Uniform(1, padding))
    {
    }

    /// <summary>Creates the layer from (left, right).</summary>
    /// <param name="padding">(left, right); negative values crop.</param>
    public ZeroPad1d((int Left, int Right) padding) : this([padding.Left, padding.Right])
    {
    }
}

/// <summary>
/// Pads the last two dims of the input with zeros, as PyTorch's <c>nn.ZeroPad2d</c> (<see cref="ConstantPad2d"/> with value 0); see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom); negative values crop.</param>
public sealed class ZeroPad2d(int[] padding) : PadNd(2, padding, "constant")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public ZeroPad2d(int padding) : this(Uniform(2, padding))
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom).</summary>
    /// <param name="padding">(left, right, top, bottom); negative values crop.</param>
    public ZeroPad2d((int Left, int Right, int Top, int Bottom) padding) : this([padding.Left, padding.Right, padding.Top, padding.Bottom])
    {
    }
}

/// <summary>
/// Pads the last three dims of the input with zeros, as PyTorch's <c>nn.ZeroPad3d</c> (<see cref="ConstantPad3d"/> with value 0); see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
public sealed class ZeroPad3d(int[] padding) : PadNd(3, padding, "constant")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public ZeroPad3d(int padding) : this(Uniform(3, padding))
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom, front, back).</summary>
    /// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
    public ZeroPad3d((int Left, int Right, int Top, int Bottom, int Front, int Back) padding) : this([padding.Left, padding.Right, padding.Top, padding.Bottom, padding.Front, padding.Back])
    {
    }
}
