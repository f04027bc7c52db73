namespace Nabla.Data;

/// <summary>
/// Zalando's Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 grey images of clothing in 10 classes,
/// 60,000 for training and 10,000 for testing, in the MNIST file format. On Debian and Ubuntu,
/// <c>apt-get install dataset-fashion-mnist</c> puts the files in <see cref="DefaultDirectory"/>.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads the training or test split: images as float32 (N, 1, 28, 28) scaled to [0, 1] (or (N, 784) with
    /// <paramref name="flatten"/>), labels as int64 (N) in [0, 10).
    /// </summary>
    /// <param name="directory">A directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally gzip-compressed (.gz).</param>
    /// <param name="train">The 60,000 training examples; false for the 10,000 test examples.</param>
    /// <param name="flatten">Return each image as one row of 784 pixels.</param>
    /// <exception cref="FileNotFoundException">The directory or one of its files is missing; the message says how to get them.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt.</exception>
    public static (Tensor Images, Tensor Labels) Load(string directory = DefaultDirectory, bool train = true, bool flatten = false) =>
        MnistFiles.Load("FashionMnist.Load", directory, train, flatten, Classes.Count,
            $"Install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (it puts the files in {DefaultDirectory})");
}
