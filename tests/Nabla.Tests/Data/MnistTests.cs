using Nabla.Data;

namespace Nabla.Tests.Data;

/// <summary>Runs only where the Debian package dataset-fashion-mnist is installed (as on CI).</summary>
public sealed class FashionMnistInstalledFactAttribute : FactAttribute
{
    public FashionMnistInstalledFactAttribute()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "train-images-idx3-ubyte.gz")))
            Skip = $"Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory}; `apt-get install dataset-fashion-mnist` enables this test.";
    }
}

public sealed class MnistTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes a tiny MNIST-format split: n images of h×w with pixel (k, i, j) = (k + i + j) mod 256, labels k mod 10.</summary>
    private void WriteSplit(string prefix, int n, int h, int w, bool gzip, int labelOffset = 0)
    {
        string ext = gzip ? ".gz" : "";
        var pixels = new double[n * h * w];
        for (int k = 0; k < n; k++)
        {
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) pixels[(k * h + i) * w + j] = (k * 37 + i * 5 + j) % 256;
        }

        Idx.Write(_dir.File($"{prefix}-images-idx3-ubyte{ext}"), Tensor.FromArray(pixels, n, h, w), IdxType.UByte);
        Idx.Write(_dir.File($"{prefix}-labels-idx1-ubyte{ext}"), Tensor.FromArray(Enumerable.Range(0, n).Select(k => (double)(k % 10 + labelOffset)).ToArray()), IdxType.UByte);
    }

    [Fact]
    public void LoadsScaledImagesAndLabels()
    {
        WriteSplit("train", 12, 28, 28, gzip: true);
        WriteSplit("t10k", 3, 28, 28, gzip: false);
        var (images, labels) = Mnist.Load(_dir.Path);
        Assert.Equal([12, 1, 28, 28], images.Shape);
        Assert.Equal(DType.Float32, images.DType);
        Assert.Equal(DType.Int64, labels.DType);
        Assert.Equal(Enumerable.Range(0, 12).Select(k => (long)(k % 10)), labels.ToArray<long>());
        Assert.Equal((11 * 37 + 27 * 5 + 3) % 256 / 255f, (float)images.ItemAt(11, 0, 27, 3));
        var (flat, testLabels) = Mnist.Load(_dir.Path, train: false, flatten: true);
        Assert.Equal([3, 784], flat.Shape);
        Assert.Equal(3, testLabels.Shape[0]);
        Assert.Equal((2 * 37 + 1 * 5 + 4) % 256 / 255f, (float)flat.ItemAt(2, 28 + 4));
        Assert.Equal((2 * 37 + 27 * 5 + 27) / 255f, flat.ToArray<float>().Max());
    }

    [Fact]
    public void AcceptsTheDottedFileNamesOfSomeMirrors()
    {
        WriteSplit("t10k", 2, 4, 4, gzip: false);
        File.Move(_dir.File("t10k-images-idx3-ubyte"), _dir.File("t10k-images.idx3-ubyte"));
        File.Move(_dir.File("t10k-labels-idx1-ubyte"), _dir.File("t10k-labels.idx1-ubyte"));
        Assert.Equal([2, 1, 4, 4], Mnist.Load(_dir.Path, train: false).Images.Shape);
    }

    [Fact]
    public void RejectsLabelsOutsideTheClassesAndMismatchedCounts()
    {
        WriteSplit("train", 4, 5, 5, gzip: false, labelOffset: 7);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir.Path));
        Assert.Contains("label 10 at position 3", e.Message);
        Idx.Write(_dir.File("train-labels-idx1-ubyte"), Tensor.FromArray(new double[] { 1, 2, 3 }), IdxType.UByte);
        e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir.Path));
        Assert.Contains("one label per image (4)", e.Message);
    }

    [Fact]
    public void MissingDirectoryExplainsHowToGetFashionMnist()
    {
        string missing = _dir.File("nowhere");
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(missing));
        Assert.Contains($"the directory {missing} does not exist", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("train-images-idx3-ubyte[.gz]", e.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        WriteSplit("train", 2, 3, 3, gzip: true);
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(_dir.Path, train: false));
        Assert.Contains("has no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz", e.Message);
        File.Delete(_dir.File("train-labels-idx1-ubyte.gz"));
        e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(_dir.Path));
        Assert.Contains("train-labels-idx1-ubyte", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
    }

    [FashionMnistInstalledFact]
    public void LoadsTheInstalledFashionMnist()
    {
        var (images, labels) = FashionMnist.Load();
        Assert.Equal([60000, 1, 28, 28], images.Shape);
        Assert.Equal([60000], labels.Shape);
        var counts = new int[10];
        foreach (long y in labels.ToArray<long>()) counts[y]++;
        Assert.All(counts, c => Assert.Equal(6000, c));
        var pixels = images.ToArray<float>();
        Assert.Equal(0f, pixels.Min());
        Assert.Equal(1f, pixels.Max());
        // Reference values from torch.from_numpy(images).float().div(255) on the same files (PyTorch 1.13).
        Assert.Equal(0.28604060219395294, pixels.Average(p => (double)p), 1e-9);
        Assert.Equal(new long[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, labels.ToArray<long>()[..10]);
        Assert.Equal(new[] { 0f, 0f, 0.929411768913269f, 0.886274516582489f, 0.8509804010391235f, 0.8745098114013672f }, pixels[(14 * 28 + 10)..(14 * 28 + 16)]);
        Assert.Equal(65.42745266482234, pixels[(59999 * 784)..].Sum(p => (double)p), 1e-9);
        var (testImages, testLabels) = FashionMnist.Load(train: false, flatten: true);
        Assert.Equal([10000, 784], testImages.Shape);
        Assert.Equal(10000, testLabels.Shape[0]);
    }
}
