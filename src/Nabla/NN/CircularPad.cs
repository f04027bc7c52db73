namespace Nabla.NN;

/// <summary>
/// Pads the last dim of (C, W) or (N, C, W) inputs circularly, with elements from the other end of each dim, as PyTorch's <c>nn.CircularPad1d</c> (each pad at most its dim); see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right); negative values crop.</param>
public sealed class CircularPad1d(int[] padding) : PadNd(1, padding, "circular")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public CircularPad1d(int padding) : this(Uniform(1, padding))
    {
    }

    /// <summary>Creates the layer from (left, right).</summary>
    /// <param name="padding">(left, right); negative values crop.</param>
    public CircularPad1d((int Left, int Right) padding) : this([padding.Left, padding.Right])
    {
    }
}

/// <summary>
/// Pads the last two dims of (C, H, W) or (N, C, H, W) inputs circularly, with elements from the other end of each dim, as PyTorch's <c>nn.CircularPad2d</c> (each pad at most its dim); see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom); negative values crop.</param>
public sealed class CircularPad2d(int[] padding) : PadNd(2, padding, "circular")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public CircularPad2d(int padding) : this(Uniform(2, padding))
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom).</summary>
    /// <param name="padding">(left, right, top, bottom); negative values crop.</param>
    public CircularPad2d((int Left, int Right, int Top, int Bottom) padding) : this([padding.Left, padding.Right, padding.Top, padding.Bottom])
    {
    }
}

/// <summary>
/// Pads the last three dims of (C, D, H, W) or (N, C, D, H, W) inputs circularly, with elements from the other end of each dim, as PyTorch's <c>nn.CircularPad3d</c> (each pad at most its dim); see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
public sealed class CircularPad3d(int[] padding) : PadNd(3, padding, "circular")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public CircularPad3d(int padding) : this(Uniform(3, padding))
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom, front, back).</summary>
    /// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
    public CircularPad3d((int Left, int Right, int Top, int Bottom, int Front, int Back) padding) : this([padding.Left, padding.Right, padding.Top, padding.Bottom, padding.Front, padding.Back])
    {
    }
}
