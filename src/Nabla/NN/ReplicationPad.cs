namespace Nabla.NN;

/// <summary>
/// Pads the last dim of (C, W) or (N, C, W) inputs by repeating the edge elements, as PyTorch's <c>nn.ReplicationPad1d</c>; see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right); negative values crop.</param>
public sealed class ReplicationPad1d(int[] padding) : PadNd(1, padding, "replicate")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public ReplicationPad1d(int padding) : this(Uniform(1, padding))
    {
    }

    /// <summary>Creates the layer from (left, right).</summary>
    /// <param name="padding">(left, right); negative values crop.</param>
    public ReplicationPad1d((int Left, int Right) padding) : this([padding.Left, padding.Right])
    {
    }
}

/// <summary>
/// Pads the last two dims of (C, H, W) or (N, C, H, W) inputs by repeating the edge elements, as PyTorch's <c>nn.ReplicationPad2d</c>; see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom); negative values crop.</param>
public sealed class ReplicationPad2d(int[] padding) : PadNd(2, padding, "replicate")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public ReplicationPad2d(int padding) : this(Uniform(2, padding))
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom).</summary>
    /// <param name="padding">(left, right, top, bottom); negative values crop.</param>
    public ReplicationPad2d((int Left, int Right, int Top, int Bottom) padding) : this([padding.Left, padding.Right, padding.Top, padding.Bottom])
    {
    }
}

/// <summary>
/// Pads the last three dims of (C, D, H, W) or (N, C, D, H, W) inputs by repeating the edge elements, as PyTorch's <c>nn.ReplicationPad3d</c>; see <see cref="Functional.Pad"/>.
/// </summary>
/// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
public sealed class ReplicationPad3d(int[] padding) : PadNd(3, padding, "replicate")
{
    /// <summary>Creates the layer with the same padding on every side.</summary>
    /// <param name="padding">The padding of each side; negative values crop.</param>
    public ReplicationPad3d(int padding) : this(Uniform(3, padding))
    {
    }

    /// <summary>Creates the layer from (left, right, top, bottom, front, back).</summary>
    /// <param name="padding">(left, right, top, bottom, front, back); negative values crop.</param>
    public ReplicationPad3d((int Left, int Right, int Top, int Bottom, int Front, int Back) padding) : this([padding.Left, padding.Right, padding.Top, padding.Bottom, padding.Front, padding.Back])
    {
    }
}
