using Nabla.Data;

namespace Nabla.Tests.Data;

public class SyntheticTests
{
    [Fact]
    public void NoiseFreeMoonsMatchScikitLearn()
    {
        // sklearn.datasets.make_moons(7, shuffle=False, noise=None) in scikit-learn 1.2.1.
        double[] expected = [1.0, 0.0, 6.123233995736766e-17, 1.0, -1.0, 1.2246467991473532e-16, 0.0, 0.5, 0.4999999999999999, -0.3660254037844385,
            1.4999999999999998, -0.3660254037844387, 2.0, 0.4999999999999999];
        var (x, y) = Synthetic.MakeMoons(7, shuffle: false, dtype: DType.Float64);
        Assert.Equal([7, 2], x.Shape);
        var actual = x.ToArray<double>();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-15);
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, 1 }, y.ToArray<long>());
    }

    [Fact]
    public void NoiseFreeMoonsFollowTheClosedForm()
    {
        var (x, y) = Synthetic.MakeMoons(200, shuffle: false, dtype: DType.Float64);
        for (int i = 0; i < 100; i++)
        {
            double t = Math.PI * i / 99;
            Assert.Equal(0L, (long)y.ItemAt(i));
            Assert.Equal(Math.Cos(t), x.ItemAt(i, 0), 1e-12);
            Assert.Equal(Math.Sin(t), x.ItemAt(i, 1), 1e-12);
            Assert.Equal(1L, (long)y.ItemAt(100 + i));
            Assert.Equal(1 - Math.Cos(t), x.ItemAt(100 + i, 0), 1e-12);
            Assert.Equal(1 - Math.Sin(t) - 0.5, x.ItemAt(100 + i, 1), 1e-12);
        }
    }

    [Fact]
    public void NoisyShuffledMoonsKeepTheirStatistics()
    {
        var (x, y) = Synthetic.MakeMoons(20_000, noise: 0.1, generator: new Generator(1));
        Assert.Equal(DType.Float32, x.DType);
        var labels = y.ToArray<long>();
        Assert.Equal(10_000, labels.Count(v => v == 1));
        Assert.NotEqual(labels.Take(100).ToArray(), Enumerable.Repeat(0L, 100).ToArray());
        var (clean, cleanY) = Synthetic.MakeMoons(20_000, shuffle: false, dtype: DType.Float64);
        // The noise is zero-mean: per class the means equal the noise-free means; the residual spread is the noise.
        for (int c = 0; c < 2; c++)
        {
            for (int f = 0; f < 2; f++)
            {
                double noisyMean = Enumerable.Range(0, 20_000).Where(i => labels[i] == c).Average(i => x.ItemAt(i, f));
                double cleanMean = Enumerable.Range(0, 20_000).Where(i => (long)cleanY.ItemAt(i) == c).Average(i => clean.ItemAt(i, f));
                Assert.Equal(cleanMean, noisyMean, 0.005);
            }
        }

        var again = Synthetic.MakeMoons(20_000, noise: 0.1, generator: new Generator(1));
        Assert.Equal(x.ToArray<float>(), again.X.ToArray<float>());
    }

    [Fact]
    public void NoiseFreeCirclesMatchScikitLearn()
    {
        // sklearn.datasets.make_circles(7, shuffle=False, noise=None, factor=0.5) in scikit-learn 1.2.1.
        double[] expected = [1.0, 0.0, -0.4999999999999997, 0.8660254037844387, -0.5000000000000003, -0.8660254037844383, 0.5, 0.0, 3.061616997868383e-17, 0.5,
            -0.5, 6.123233995736766e-17, -9.184850993605148e-17, -0.5];
        var (x, y) = Synthetic.MakeCircles(7, factor: 0.5, shuffle: false, dtype: DType.Float64);
        var actual = x.ToArray<double>();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-15);
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, 1 }, y.ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.MakeCircles(10, factor: 1));
    }

    [Fact]
    public void SpiralsHaveOneArmPerClass()
    {
        var (x, y) = Synthetic.Spirals(50, classes: 4, noise: 0.2, generator: new Generator(3), dtype: DType.Float64);
        Assert.Equal([200, 2], x.Shape);
        for (int k = 0; k < 4; k++)
        {
            for (int i = 0; i < 50; i++)
            {
                int row = k * 50 + i;
                Assert.Equal(k, (long)y.ItemAt(row));
                Assert.Equal(i / 49.0, Math.Sqrt(x.ItemAt(row, 0) * x.ItemAt(row, 0) + x.ItemAt(row, 1) * x.ItemAt(row, 1)), 1e-12);
            }
        }

        var (clean, _) = Synthetic.Spirals(5, classes: 1, noise: 0, dtype: DType.Float64);
        Assert.Equal(Math.Sin(4.0), clean.ItemAt(4, 0), 1e-15);
        Assert.Equal(Math.Cos(4.0), clean.ItemAt(4, 1), 1e-15);
    }

    [Fact]
    public void BlobsSplitSamplesAmongCentres()
    {
        var (x, y) = Synthetic.MakeBlobs(10, nFeatures: 3, centers: 3, clusterStd: 0.01, generator: new Generator(2), shuffle: false);
        Assert.Equal([10, 3], x.Shape);
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 }, y.ToArray<long>());
        for (int f = 0; f < 3; f++)
        {
            Assert.Equal(x.ItemAt(0, f), x.ItemAt(3, f), 0.1);
            Assert.InRange(x.ItemAt(9, f), -10.1, 10.1);
        }
    }

    [Fact]
    public void XorHasTheFourPoints()
    {
        var (x, y) = Synthetic.Xor();
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, x.ToArray<float>());
        Assert.Equal([4, 1], y.Shape);
        Assert.Equal(new float[] { 0, 1, 1, 0 }, y.ToArray<float>());
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Contains("noise must be a non-negative", Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.MakeMoons(10, noise: -1)).Message);
        Assert.Contains("nSamples must be non-negative", Assert.Throws<ArgumentOutOfRangeException>(() => Synthetic.MakeMoons(-1)).Message);
        Assert.Throws<ArgumentException>(() => Synthetic.MakeMoons(10, dtype: DType.Int64));
    }
}
