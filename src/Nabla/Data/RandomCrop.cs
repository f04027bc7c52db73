namespace Nabla.Data;

/// <summary>
/// Cuts a random Height × Width window out of an image (its last two dims), after zero-padding
/// each side by <see cref="Padding"/>, like <c>torchvision.transforms.RandomCrop(size, padding)</c>.
/// In a batch each image gets its own window.
/// </summary>
public sealed class RandomCrop : ITransform
{
    private readonly Generator _generator;

    /// <summary>Creates a transform that crops square windows of side <paramref name="size"/>.</summary>
    /// <param name="size">The side of the output window.</param>
    /// <param name="padding">Zeros added on every side of the image before cropping.</param>
    /// <param name="generator">The source of the window positions; by default a new generator seeded from <see cref="Generator.Default"/>. Give each transform its own.</param>
    public RandomCrop(int size, int padding = 0, Generator? generator = null) : this((size, size), padding, generator) { }

    /// <summary>Creates a transform that crops Height × Width windows.</summary>
    /// <param name="size">The height and width of the output window.</param>
    /// <param name="padding">Zeros added on every side of the image before cropping.</param>
    /// <param name="generator">The source of the window positions; by default a new generator seeded from <see cref="Generator.Default"/>. Give each transform its own.</param>
    public RandomCrop((int Height, int Width) size, int padding = 0, Generator? generator = null)
    {
        if (size.Height <= 0 || size.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"RandomCrop: the size must be positive, got {size.Height}×{size.Width}.");
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"RandomCrop: padding must be non-negative, got {padding}.");
        Size = size;
        Padding = padding;
        _generator = OwnGenerator.Or(generator);
    }

    /// <summary>The height and width of the output.</summary>
    public (int Height, int Width) Size { get; }

    /// <summary>The zeros added on every side before cropping.</summary>
    public int Padding { get; }

    /// <summary>Crops one image of shape (…, H, W), e.g. (C, H, W), to (…, Height, Width).</summary>
    public Tensor Apply(Tensor input)
    {
        var padded = Pad(input, 2, "an image with at least two dims (…, H, W)");
        var (top, left) = DrawWindow(padded);
        return padded.Narrow(-2, top, Size.Height).Narrow(-1, left, Size.Width).Contiguous();
    }

    /// <summary>Crops each image of an (N, …, H, W) batch to (…, Height, Width), each at its own random position.</summary>
    public Tensor ApplyBatch(Tensor batch)
    {
        var padded = Pad(batch, 3, "an (N, …, H, W) batch");
        int n = batch.Shape[0];
        if (n == 0) return padded.Narrow(-2, 0, Size.Height).Narrow(-1, 0, Size.Width).Contiguous();
        var crops = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            var (top, left) = DrawWindow(padded);
            crops[i] = padded.Narrow(0, i, 1).Narrow(-2, top, Size.Height).Narrow(-1, left, Size.Width);
        }
        return Tensor.Cat(crops, 0);
    }

    private Tensor Pad(Tensor x, int minRank, string expected)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < minRank)
            throw new ArgumentException($"RandomCrop: expected {expected}, got {ShapeUtil.Describe(x)}.", nameof(x));
        int h = x.Shape[^2] + 2 * Padding, w = x.Shape[^1] + 2 * Padding;
        if (h < Size.Height || w < Size.Width)
        {
            throw new ArgumentException(
                $"RandomCrop: the {Size.Height}×{Size.Width} window is larger than the padded image {h}×{w} (input {ShapeUtil.Describe(x)}, padding {Padding}).", nameof(x));
        }
        return Padding == 0 ? x : x.Pad(-2, Padding, Padding).Pad(-1, Padding, Padding);
    }

    // As in torchvision, a window that fills the image has one position and draws nothing.
    private (int Top, int Left) DrawWindow(Tensor padded)
    {
        int h = padded.Shape[^2], w = padded.Shape[^1];
        if (h == Size.Height && w == Size.Width) return (0, 0);
        return ((int)_generator.NextInt64(0, h - Size.Height + 1), (int)_generator.NextInt64(0, w - Size.Width + 1));
    }
}
