using Nabla.IO;

namespace Nabla.Viz;

/// <summary>
/// Image grids and image files from tensors, as torchvision's <c>make_grid</c> and <c>save_image</c> make them: a batch
/// of images laid out in rows with padding between, written as an 8-bit PNG.
/// </summary>
public static class Images
{
    /// <summary>
    /// Lays out a batch of images as one image (torchvision's <c>make_grid</c>): <paramref name="tensor"/> is (N, C, H, W),
    /// (C, H, W) or (H, W); single-channel images become three-channel; the images fill rows of
    /// <paramref name="nrow"/> with <paramref name="padding"/> pixels of <paramref name="padValue"/> around each. With
    /// <paramref name="normalize"/> the values are first clamped to <paramref name="valueRange"/> (by default the
    /// tensor's own minimum and maximum, or each image's with <paramref name="scaleEach"/>) and scaled to [0, 1].
    /// Returns (C, H', W'), or the single image itself when N is 1.
    /// </summary>
    /// <param name="tensor">The images.</param>
    /// <param name="nrow">Images per row of the grid.</param>
    /// <param name="padding">Pixels between and around the images.</param>
    /// <param name="normalize">Scale the values to [0, 1].</param>
    /// <param name="valueRange">The range mapped to [0, 1] when normalising; null uses the values' own range.</param>
    /// <param name="scaleEach">Normalise every image by its own range.</param>
    /// <param name="padValue">The value of the padding.</param>
    public static Tensor MakeGrid(Tensor tensor, int nrow = 8, int padding = 2, bool normalize = false, (double Low, double High)? valueRange = null,
        bool scaleEach = false, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (nrow < 1) throw new ArgumentOutOfRangeException(nameof(nrow), nrow, $"MakeGrid: nrow must be positive, got {nrow}.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, $"MakeGrid: padding must be non-negative, got {padding}.");
        if (tensor.Rank is < 2 or > 4 || tensor.Numel == 0)
            throw new ArgumentException($"MakeGrid: expected non-empty images (N, C, H, W), (C, H, W) or (H, W), got {ShapeUtil.Describe(tensor)}.", nameof(tensor));
        using var noGrad = Autograd.NoGrad();
        var images = tensor.Detach().To(tensor.DType.IsFloatingPoint() ? tensor.DType : DType.Float32);
        if (images.Rank == 2) images = images.Unsqueeze(0);
        if (images.Rank == 3) images = images.Unsqueeze(0);
        if (images.Shape[1] == 1) images = Tensor.Cat([images, images, images], 1);
        if (normalize) images = Normalize(images, valueRange, scaleEach);
        if (images.Shape[0] == 1) return images.Squeeze(0);

        int count = images.Shape[0], channels = images.Shape[1];
        int columns = Math.Min(nrow, count), rows = (count + columns - 1) / columns;
        int height = images.Shape[2] + padding, width = images.Shape[3] + padding;
        var grid = Tensor.Full([channels, height * rows + padding, width * columns + padding], padValue, images.DType);
        for (int k = 0; k < count; k++)
        {
            int y = k / columns, x = k % columns;
            grid.Narrow(1, y * height + padding, height - padding).Narrow(2, x * width + padding, width - padding).CopyFrom(images[k]);
        }
        return grid;
    }

    /// <summary>
    /// Writes images to a PNG file (torchvision's <c>save_image</c>): <see cref="MakeGrid"/>, then each value v in [0, 1]
    /// becomes the byte ⌊255·v + 0.5⌋ clamped to [0, 255]. Three channels are written as RGB, four as RGBA; the file is
    /// replaced atomically.
    /// </summary>
    /// <param name="tensor">The images; see <see cref="MakeGrid"/>.</param>
    /// <param name="path">The PNG file to create or replace.</param>
    /// <param name="nrow">Images per row of the grid.</param>
    /// <param name="padding">Pixels between and around the images.</param>
    /// <param name="normalize">Scale the values to [0, 1].</param>
    /// <param name="valueRange">The range mapped to [0, 1] when normalising.</param>
    /// <param name="scaleEach">Normalise every image by its own range.</param>
    /// <param name="padValue">The value of the padding.</param>
    /// <exception cref="ArgumentException">The images hold NaN or infinite values, or have a channel count PNG cannot hold.</exception>
    public static void SaveImage(Tensor tensor, string path, int nrow = 8, int padding = 2, bool normalize = false, (double Low, double High)? valueRange = null,
        bool scaleEach = false, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        var grid = MakeGrid(tensor, nrow, padding, normalize, valueRange, scaleEach, padValue);
        int channels = grid.Shape[0], height = grid.Shape[1], width = grid.Shape[2];
        var color = channels switch
        {
            2 => PngColor.GrayAlpha,
            3 => PngColor.Rgb,
            4 => PngColor.Rgba,
            _ => throw new ArgumentException($"SaveImage: PNG holds 1 to 4 channels; the grid of {ShapeUtil.Describe(tensor)} has {channels}.", nameof(tensor)),
        };
        var values = grid.Permute(1, 2, 0).ToDoubleArray();
        var pixels = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v))
            {
                int pixel = i / channels;
                throw new ArgumentException($"SaveImage: the grid holds {v} at row {pixel / width}, column {pixel % width}, channel {i % channels}; pixel values must be finite.", nameof(tensor));
            }
            // ×255 and +0.5 round in the grid's own precision, as torchvision's tensor arithmetic does.
            double scaled = grid.DType == DType.Float32 ? (float)((float)v * 255f) + 0.5f : v * 255 + 0.5;
            pixels[i] = (byte)Math.Clamp(Math.Floor(scaled), 0, 255);
        }
        Png.Write(path, pixels, width, height, color);
    }

    /// <summary>Clamps to the range and maps it onto [0, 1], over the whole batch or image by image.</summary>
    private static Tensor Normalize(Tensor images, (double Low, double High)? valueRange, bool scaleEach)
    {
        if (valueRange is { } r && !(r.Low <= r.High))
            throw new ArgumentException($"MakeGrid: valueRange must have low ≤ high, got ({r.Low}, {r.High}).", nameof(valueRange));
        Tensor Scale(Tensor t)
        {
            var (low, high) = valueRange ?? (t.Min().Item(), t.Max().Item());
            return (t.Clamp(low, high) - low) / Math.Max(high - low, 1e-5);
        }
        return scaleEach ? Tensor.Stack([.. Enumerable.Range(0, images.Shape[0]).Select(i => Scale(images[i]))]) : Scale(images);
    }
}
