using System.Globalization;

namespace Nabla.Data;

/// <summary>
/// Small generated datasets for trying models out, as in scikit-learn's <c>sklearn.datasets</c>:
/// inputs as (N, 2) (or (N, F)) float tensors, labels as int64 (N). Generated in float64, then converted to
/// <c>dtype</c>; with noise 0 and no shuffling the points equal scikit-learn's.
/// </summary>
public static class Synthetic
{
    /// <summary>
    /// Two interleaving half circles, as <c>sklearn.datasets.make_moons</c>: ⌊n/2⌋ points of class 0 at
    /// (cos t, sin t) and the other ⌈n/2⌉ of class 1 at (1 − cos t, 1 − sin t − 0.5), t evenly spaced over
    /// [0, π] (ends included) in each; then optionally shuffled, then Gaussian noise of standard deviation
    /// <paramref name="noise"/> added to every coordinate.
    /// </summary>
    /// <param name="nSamples">The number of points.</param>
    /// <param name="noise">The standard deviation of the added Gaussian noise; 0 for none.</param>
    /// <param name="generator">The source of the shuffle and the noise; by default <see cref="Generator.Default"/>.</param>
    /// <param name="shuffle">Shuffle the points (otherwise class 0 comes first).</param>
    /// <param name="dtype">The dtype of the inputs.</param>
    public static (Tensor X, Tensor Y) MakeMoons(int nSamples = 100, double noise = 0, Generator? generator = null, bool shuffle = true, DType dtype = DType.Float32)
    {
        Check("MakeMoons", nSamples, nameof(nSamples), noise, nameof(noise), dtype);
        int nOut = nSamples / 2, nIn = nSamples - nOut;
        var x = new double[nSamples, 2];
        var y = new long[nSamples];
        var tOut = NumPyLinspace(0, Math.PI, nOut, endpoint: true);
        var tIn = NumPyLinspace(0, Math.PI, nIn, endpoint: true);
        for (int i = 0; i < nOut; i++) (x[i, 0], x[i, 1]) = (Math.Cos(tOut[i]), Math.Sin(tOut[i]));
        for (int i = 0; i < nIn; i++)
        {
            (x[nOut + i, 0], x[nOut + i, 1]) = (1 - Math.Cos(tIn[i]), 1 - Math.Sin(tIn[i]) - 0.5);
            y[nOut + i] = 1;
        }
        return Finish(x, y, noise, generator ?? Generator.Default, shuffle, dtype);
    }

    /// <summary>
    /// A large circle containing a smaller one, as <c>sklearn.datasets.make_circles</c>: ⌊n/2⌋ points of class 0
    /// at (cos t, sin t) and ⌈n/2⌉ of class 1 at factor·(cos t, sin t), t evenly spaced over [0, 2π) in each;
    /// then optionally shuffled, then Gaussian noise of standard deviation <paramref name="noise"/> added.
    /// </summary>
    /// <param name="nSamples">The number of points.</param>
    /// <param name="noise">The standard deviation of the added Gaussian noise; 0 for none.</param>
    /// <param name="factor">The radius of the inner circle relative to the outer, in [0, 1).</param>
    /// <param name="generator">The source of the shuffle and the noise; by default <see cref="Generator.Default"/>.</param>
    /// <param name="shuffle">Shuffle the points (otherwise class 0 comes first).</param>
    /// <param name="dtype">The dtype of the inputs.</param>
    public static (Tensor X, Tensor Y) MakeCircles(int nSamples = 100, double noise = 0, double factor = 0.8, Generator? generator = null, bool shuffle = true, DType dtype = DType.Float32)
    {
        Check("MakeCircles", nSamples, nameof(nSamples), noise, nameof(noise), dtype);
        if (!(factor >= 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), $"Synthetic.MakeCircles: factor must be in [0, 1), got {factor.ToString(CultureInfo.InvariantCulture)}.");
        int nOut = nSamples / 2, nIn = nSamples - nOut;
        var x = new double[nSamples, 2];
        var y = new long[nSamples];
        var tOut = NumPyLinspace(0, 2 * Math.PI, nOut, endpoint: false);
        var tIn = NumPyLinspace(0, 2 * Math.PI, nIn, endpoint: false);
        for (int i = 0; i < nOut; i++) (x[i, 0], x[i, 1]) = (Math.Cos(tOut[i]), Math.Sin(tOut[i]));
        for (int i = 0; i < nIn; i++)
        {
            (x[nOut + i, 0], x[nOut + i, 1]) = (Math.Cos(tIn[i]) * factor, Math.Sin(tIn[i]) * factor);
            y[nOut + i] = 1;
        }
        return Finish(x, y, noise, generator ?? Generator.Default, shuffle, dtype);
    }

    /// <summary>
    /// Interleaved spiral arms, one per class, as in Stanford CS231n's "spiral" example: for class k, point i of
    /// <paramref name="nPerClass"/> has radius r = i / (nPerClass − 1) and angle t = 4k + 4r + ε with ε ~ N(0, noise²),
    /// at (r·sin t, r·cos t). Points come class by class.
    /// </summary>
    /// <param name="nPerClass">Points per class.</param>
    /// <param name="classes">The number of classes (arms).</param>
    /// <param name="noise">The standard deviation of the angle noise, in radians.</param>
    /// <param name="generator">The source of the noise; by default <see cref="Generator.Default"/>.</param>
    /// <param name="dtype">The dtype of the inputs.</param>
    public static (Tensor X, Tensor Y) Spirals(int nPerClass = 100, int classes = 3, double noise = 0.2, Generator? generator = null, DType dtype = DType.Float32)
    {
        Check("Spirals", nPerClass, nameof(nPerClass), noise, nameof(noise), dtype);
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), $"Synthetic.Spirals: classes must be positive, got {classes}.");
        var g = generator ?? Generator.Default;
        int n = checked(nPerClass * classes);
        var x = new double[n, 2];
        var y = new long[n];
        var radius = NumPyLinspace(0, 1, nPerClass, endpoint: true);
        for (int k = 0; k < classes; k++)
        {
            var angle = NumPyLinspace(4.0 * k, 4.0 * (k + 1), nPerClass, endpoint: true);
            for (int i = 0; i < nPerClass; i++)
            {
                int row = k * nPerClass + i;
                double t = angle[i] + noise * g.NextGaussian();
                (x[row, 0], x[row, 1]) = (radius[i] * Math.Sin(t), radius[i] * Math.Cos(t));
                y[row] = k;
            }
        }
        return (Tensor.FromArray(x).To(dtype), Tensor.FromArray(y));
    }

    /// <summary>
    /// Gaussian clusters, as <c>sklearn.datasets.make_blobs</c>: <paramref name="centers"/> centres drawn uniformly
    /// from the box [centerBox.Min, centerBox.Max]^nFeatures, the first n mod centers clusters one point larger,
    /// each point its centre plus N(0, clusterStd²) noise per coordinate, labelled by its cluster; then optionally shuffled.
    /// </summary>
    /// <param name="nSamples">The number of points.</param>
    /// <param name="nFeatures">The dimension of each point.</param>
    /// <param name="centers">The number of clusters.</param>
    /// <param name="clusterStd">The standard deviation of each cluster.</param>
    /// <param name="centerBox">The bounds of the box the centres are drawn from; by default (−10, 10).</param>
    /// <param name="generator">The source of the centres, the noise and the shuffle; by default <see cref="Generator.Default"/>.</param>
    /// <param name="shuffle">Shuffle the points (otherwise they come cluster by cluster).</param>
    /// <param name="dtype">The dtype of the inputs.</param>
    public static (Tensor X, Tensor Y) MakeBlobs(int nSamples = 100, int nFeatures = 2, int centers = 3, double clusterStd = 1.0,
        (double Min, double Max)? centerBox = null, Generator? generator = null, bool shuffle = true, DType dtype = DType.Float32)
    {
        Check("MakeBlobs", nSamples, nameof(nSamples), clusterStd, nameof(clusterStd), dtype);
        if (nFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(nFeatures), $"Synthetic.MakeBlobs: nFeatures must be positive, got {nFeatures}.");
        if (centers <= 0) throw new ArgumentOutOfRangeException(nameof(centers), $"Synthetic.MakeBlobs: centers must be positive, got {centers}.");
        var (lo, hi) = centerBox ?? (-10.0, 10.0);
        if (!(lo < hi) || !double.IsFinite(lo) || !double.IsFinite(hi))
            throw new ArgumentException($"Synthetic.MakeBlobs: centerBox must be finite with Min < Max, got ({lo.ToString(CultureInfo.InvariantCulture)}, {hi.ToString(CultureInfo.InvariantCulture)}).", nameof(centerBox));
        var g = generator ?? Generator.Default;
        var centre = new double[centers, nFeatures];
        for (int c = 0; c < centers; c++)
            for (int f = 0; f < nFeatures; f++) centre[c, f] = lo + (hi - lo) * g.NextDouble();
        var x = new double[nSamples, nFeatures];
        var y = new long[nSamples];
        for (int c = 0, row = 0; c < centers; c++)
        {
            int size = nSamples / centers + (c < nSamples % centers ? 1 : 0);
            for (int i = 0; i < size; i++, row++)
            {
                for (int f = 0; f < nFeatures; f++) x[row, f] = centre[c, f] + clusterStd * g.NextGaussian();
                y[row] = c;
            }
        }
        return Finish(x, y, noise: 0, g, shuffle, dtype);
    }

    /// <summary>
    /// The four points of the XOR problem and their targets: inputs (0, 0), (0, 1), (1, 0), (1, 1) as (4, 2) and
    /// targets 0, 1, 1, 0 as a (4, 1) column of the same float dtype, ready for a regression or binary cross-entropy loss.
    /// </summary>
    /// <param name="dtype">The dtype of the inputs and targets.</param>
    public static (Tensor X, Tensor Y) Xor(DType dtype = DType.Float32)
    {
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Synthetic.Xor: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
        return (Tensor.FromArray(new double[] { 0, 0, 0, 1, 1, 0, 1, 1 }, 4, 2).To(dtype), Tensor.FromArray(new double[] { 0, 1, 1, 0 }, 4, 1).To(dtype));
    }

    private static void Check(string op, int n, string nName, double std, string stdName, DType dtype)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nName, $"Synthetic.{op}: {nName} must be non-negative, got {n}.");
        if (!(std >= 0) || !double.IsFinite(std))
            throw new ArgumentOutOfRangeException(stdName, $"Synthetic.{op}: {stdName} must be a non-negative, finite standard deviation, got {std.ToString(CultureInfo.InvariantCulture)}.");
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"Synthetic.{op}: dtype must be float32 or float64, got {dtype.Name()}.", nameof(dtype));
    }

    /// <summary>numpy.linspace as NumPy computes it (start + i·step, the end point set exactly), so noise-free points match scikit-learn.</summary>
    private static double[] NumPyLinspace(double start, double stop, int num, bool endpoint)
    {
        var values = new double[num];
        int div = endpoint ? num - 1 : num;
        if (div <= 0)
        {
            if (num == 1) values[0] = start;
            return values;
        }
        double step = (stop - start) / div;
        for (int i = 0; i < num; i++) values[i] = i * step + start;
        if (endpoint) values[^1] = stop;
        return values;
    }

    /// <summary>Shuffles the rows (scikit-learn shuffles before adding noise), adds the noise, and converts.</summary>
    private static (Tensor X, Tensor Y) Finish(double[,] x, long[] y, double noise, Generator generator, bool shuffle, DType dtype)
    {
        int n = y.Length, f = x.GetLength(1);
        var order = shuffle ? generator.Permutation(n) : Enumerable.Range(0, n).ToArray();
        var xs = new double[n * f];
        var ys = new long[n];
        for (int i = 0; i < n; i++)
        {
            ys[i] = y[order[i]];
            for (int j = 0; j < f; j++) xs[i * f + j] = x[order[i], j];
        }
        if (noise > 0)
            for (int i = 0; i < xs.Length; i++) xs[i] += noise * generator.NextGaussian();
        return (Tensor.FromArray(xs, n, f).To(dtype), Tensor.FromArray(ys));
    }
}
