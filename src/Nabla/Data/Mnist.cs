namespace Nabla.Data;

/// <summary>
/// LeCun, Cortes and Burges's MNIST handwritten digits: 28×28 grey images of the digits 0–9, 60,000 for
/// training and 10,000 for testing, read from a directory of the four original IDX files.
/// </summary>
public static class Mnist
{
    /// <summary>
    /// Loads the training or test split: images as float32 (N, 1, 28, 28) scaled to [0, 1] (or (N, 784) with
    /// <paramref name="flatten"/>), labels as int64 (N) in [0, 10).
    /// </summary>
    /// <param name="directory">A directory holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally gzip-compressed (.gz).</param>
    /// <param name="train">The 60,000 training examples; false for the 10,000 test examples.</param>
    /// <param name="flatten">Return each image as one row of 784 pixels.</param>
    /// <exception cref="FileNotFoundException">The directory or one of its files is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt.</exception>
    public static (Tensor Images, Tensor Labels) Load(string directory, bool train = true, bool flatten = false) =>
        MnistFiles.Load("Mnist.Load", directory, train, flatten, 10, install: null);
}
