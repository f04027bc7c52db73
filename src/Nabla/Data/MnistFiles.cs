using System.Numerics.Tensors;

namespace Nabla.Data;

/// <summary>Loads the four IDX files that MNIST, Fashion-MNIST and their relatives share.</summary>
internal static class MnistFiles
{
    private static readonly string[] Parts = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>
    /// Reads the images (float32 (N, 1, H, W) in [0, 1], or (N, H·W) with <paramref name="flatten"/>) and the
    /// int64 labels of the training or test split from <paramref name="directory"/>.
    /// </summary>
    public static (Tensor Images, Tensor Labels) Load(string op, string directory, bool train, bool flatten, int numClasses, string? install)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string expected = $"the MNIST-format IDX files {string.Join(", ", Parts.Select(p => p + "[.gz]"))}";
        string advice = install is null ? $"Pass a directory that holds {expected}." : $"{install}, or pass a directory that holds {expected}.";
        if (!Directory.Exists(directory))
            throw new FileNotFoundException($"{op}: the directory {directory} does not exist. {advice}", directory);
        string prefix = train ? "train" : "t10k";
        string imagesPath = Find(op, directory, $"{prefix}-images-idx3-ubyte", advice);
        string labelsPath = Find(op, directory, $"{prefix}-labels-idx1-ubyte", advice);
        var images = Idx.Read(imagesPath, DType.Float32);
        var labels = Idx.Read(labelsPath, DType.Int64);
        if (images.Rank != 3)
            throw new InvalidDataException($"{op}: {imagesPath} should hold (N, H, W) images, but has shape {ShapeUtil.Format(images.ShapeSpan)}.");
        if (labels.Rank != 1 || labels.Shape[0] != images.Shape[0])
        {
            throw new InvalidDataException(
                $"{op}: {labelsPath} should hold one label per image ({images.Shape[0]}), but has shape {ShapeUtil.Format(labels.ShapeSpan)}.");
        }
        var values = labels.AsSpan<long>();
        for (int i = 0; i < values.Length; i++)
        {
            if ((ulong)values[i] >= (ulong)numClasses)
                throw new InvalidDataException($"{op}: {labelsPath} has label {values[i]} at position {i}; expected a class in [0, {numClasses}).");
        }
        var pixels = images.AsSpan<float>();
        // Divide rather than multiply by 1/255, to get the same floats as torchvision's ToTensor.
        TensorPrimitives.Divide(pixels, 255f, pixels);
        int n = images.Shape[0], h = images.Shape[1], w = images.Shape[2];
        return (flatten ? images.Reshape(n, h * w) : images.Reshape(n, 1, h, w), labels);
    }

    // Files come gzip-compressed (the Debian package, the original downloads) or not, and some mirrors write
    // "train-images.idx3-ubyte" with a dot.
    private static string Find(string op, string directory, string name, string advice)
    {
        string dotted = name.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (string candidate in new[] { name + ".gz", name, dotted + ".gz", dotted })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{op}: {directory} has no {name} or {name}.gz. {advice}", Path.Combine(directory, name + ".gz"));
    }
}
