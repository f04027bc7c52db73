using System.Globalization;
using Nabla.IO;
using Nabla.NN;

namespace Nabla.Cli;

/// <summary>
/// The inputs <c>predict</c> and <c>explain</c> read, made exactly as training makes them: an image file (PNG or
/// binary PGM, told apart by their first bytes) turned gray, scaled to [0, 1] by dividing the bytes by 255 (as the
/// Fashion-MNIST and MNIST loaders do) and resized bilinearly to the model's input size; an example of the test part;
/// or the rows of a CSV file of features.
/// </summary>
internal static class ModelInputs
{
    /// <summary>The largest CSV file <see cref="ReadCsv"/> reads.</summary>
    public const long MaxCsvBytes = 64L << 20;

    /// <summary>The image at <paramref name="path"/> as a batch of one (1, 1, H, W) for <paramref name="source"/>'s model.</summary>
    public static Tensor Image(string path, DataSource source)
    {
        if (!source.IsImage)
            throw new UsageException($"--image needs a model of images, but this one reads {source.Features} feature(s) of '{source.Spec}'; use --input or --csv.");
        if (!File.Exists(path)) throw new UsageException($"the image '{path}' does not exist.");
        var image = ReadImage(path);
        var gray = Gray(image);
        var pixels = new float[gray.Length];
        for (int i = 0; i < gray.Length; i++) pixels[i] = gray[i] / 255f;
        var x = Tensor.FromArray(pixels, 1, 1, image.Height, image.Width);
        int height = source.ExampleShape[1], width = source.ExampleShape[2];
        if (image.Height != height || image.Width != width)
        {
            using (Autograd.NoGrad()) x = Functional.Interpolate(x, [height, width], mode: "bilinear", alignCorners: false).Clamp(0, 1);
        }
        return x;
    }

    /// <summary>A PNG or a binary PGM file, by its first bytes, with a one-line error naming the file for anything else.</summary>
    public static PngImage ReadImage(string path)
    {
        Span<byte> magic = stackalloc byte[8];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (read >= 2 && magic[0] == 0x89 && magic[1] == 'P') return Png.Read(path);
        if (read >= 2 && magic[0] == 'P' && magic[1] == '5') return Pgm.Read(path);
        throw new InvalidDataException(read == 0 ? $"the image '{path}' is empty." : $"the image '{path}' is neither a PNG nor a binary PGM (P5) file.");
    }

    /// <summary>
    /// The gray level of every pixel: gray as it is, colour by ITU-R 601 luma as PIL's <c>convert("L")</c> computes it
    /// (L = (19595 R + 38470 G + 7471 B + 2¹⁵) / 2¹⁶), alpha ignored.
    /// </summary>
    public static byte[] Gray(PngImage image)
    {
        int channels = (int)image.Color, count = image.Width * image.Height;
        if (channels == 1) return image.Pixels;
        var gray = new byte[count];
        var p = image.Pixels;
        for (int i = 0; i < count; i++)
        {
            int o = i * channels;
            gray[i] = channels <= 2 ? p[o] : (byte)((19595 * p[o] + 38470 * p[o + 1] + 7471 * p[o + 2] + 0x8000) >> 16);
        }
        return gray;
    }

    /// <summary>Example <paramref name="index"/> of the test part (as <c>eval</c> splits it with <paramref name="seed"/>), as a batch of one, and its class.</summary>
    public static (Tensor X, long Label) TestExample(DataSource source, ulong seed, int index)
    {
        var (x, y) = source.Load(train: false, seed);
        int count = x.Shape[0];
        if (index < 0 || index >= count)
            throw new UsageException($"--index {index} is outside the test part of '{source.Spec}', which has {count} examples (0 to {count - 1}).");
        using (Autograd.NoGrad()) return (x.Narrow(0, index, 1).Contiguous().To(DType.Float32), (long)y[index].Item());
    }

    /// <summary>
    /// The rows of a CSV file of <paramref name="features"/> numbers each, one example a row; a first line with no
    /// number on it is a header and skipped, blank lines are skipped. Anything else is a one-line error naming the file,
    /// the line and what is wrong.
    /// </summary>
    public static (float[] Values, int[] Lines) ReadCsv(string path, int features)
    {
        if (!File.Exists(path)) throw new UsageException($"the CSV file '{path}' does not exist.");
        long length = new FileInfo(path).Length;
        if (length > MaxCsvBytes) throw new InvalidDataException($"the CSV file '{path}' is {length} bytes; at most {MaxCsvBytes >> 20} MiB is read.");
        var values = new List<float>();
        var lines = new List<int>();
        int number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (lines.Count == 0 && number == 1 && fields.All(f => !double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _))) continue;
            if (fields.Length != features)
                throw new InvalidDataException($"the CSV file '{path}', line {number}: {fields.Length} value(s), but the model takes {features}.");
            for (int i = 0; i < fields.Length; i++)
            {
                if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new InvalidDataException($"the CSV file '{path}', line {number}, column {i + 1}: {Quoted.Of(fields[i])} is not a finite number.");
                values.Add(v);
            }
            lines.Add(number);
        }
        if (lines.Count == 0) throw new InvalidDataException($"the CSV file '{path}' holds no rows of features.");
        return ([.. values], [.. lines]);
    }

    /// <summary>
    /// The model as a map from a batch to one score per class: its logits, or for a binary model's single logit z the
    /// pair (−z, z), the log-odds of class 0 and of class 1.
    /// </summary>
    public static Func<Tensor, Tensor> ClassScores(Module model) => x =>
    {
        var z = model.Forward(x);
        return z.Shape[^1] == 1 ? Tensor.Cat([z.Neg(), z], -1) : z;
    };
}
