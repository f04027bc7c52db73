using Nabla.Tests.Data;

namespace Nabla.Tests.Tensors;

[Collection(GlobalGeneratorCollection.Name)]
public sealed class MultinomialTests
{
    private static double[] Frequencies(long[] samples, int categories)
    {
        var counts = new double[categories];
        foreach (long s in samples) counts[s]++;
        return Array.ConvertAll(counts, c => c / samples.Length);
    }

    /// <summary>Within five standard errors of p for n draws: the seeds are fixed, so this is a deterministic check with a wide margin.</summary>
    private static void AssertNear(double p, double actual, int n, string what) =>
        Assert.True(Math.Abs(actual - p) <= 5 * Math.Sqrt(p * (1 - p) / n) + 1e-12, $"{what}: frequency {actual}, expected {p} (n = {n})");

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void WithReplacementTheFrequenciesAreTheNormalisedWeights(DType dtype)
    {
        var weights = Tensor.FromArray([1.0, 0.0, 2.0, 3.0, 4.0]).To(dtype);
        const int N = 40_000;
        var samples = weights.Multinomial(N, replacement: true, generator: new Generator(7));
        Assert.Equal(DType.Int64, samples.DType);
        Assert.Equal([N], samples.Shape.ToArray());
        var f = Frequencies(samples.ToArray<long>(), 5);
        Assert.Equal(0.0, f[1]);
        double[] p = [0.1, 0, 0.2, 0.3, 0.4];
        for (int c = 0; c < 5; c++) AssertNear(p[c], f[c], N, $"category {c}");
    }

    [Fact]
    public void WithoutReplacementTheSamplesAreDistinctAndComeInSequentialDrawOrder()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4];
        var weights = Tensor.FromArray(p).Reshape(1, 4).Expand(6000, 4).Contiguous();
        var samples = weights.Multinomial(2, generator: new Generator(11)).ToArray<long>();
        const int N = 6000;
        var first = new long[N];
        var second = new long[N];
        for (int r = 0; r < N; r++)
        {
            (first[r], second[r]) = (samples[2 * r], samples[2 * r + 1]);
            Assert.NotEqual(first[r], second[r]);
        }
        var f1 = Frequencies(first, 4);
        var f2 = Frequencies(second, 4);
        for (int j = 0; j < 4; j++)
        {
            // P(second = j) = Σ_{i≠j} p_i · p_j / (1 − p_i): the second draw is from the renormalised remainder.
            double p2 = Enumerable.Range(0, 4).Where(i => i != j).Sum(i => p[i] * p[j] / (1 - p[i]));
            AssertNear(p[j], f1[j], N, $"first sample, category {j}");
            AssertNear(p2, f2[j], N, $"second sample, category {j}");
        }
    }

    [Fact]
    public void RowsSampleIndependentlyAndAllCategoriesGiveAPermutation()
    {
        var weights = Tensor.FromArray([0.0, 5.0, 0.0, 1.0, 1.0, 1.0], 2, 3);
        var draws = weights.Multinomial(3000, replacement: true, generator: new Generator(3));
        Assert.Equal([2, 3000], draws.Shape.ToArray());
        var rows = draws.ToArray<long>();
        Assert.All(rows[..3000], s => Assert.Equal(1L, s));
        var f = Frequencies(rows[3000..], 3);
        for (int c = 0; c < 3; c++) AssertNear(1.0 / 3, f[c], 3000, $"row 1, category {c}");

        var permutation = Tensor.FromArray([3.0, 1.0, 4.0, 1.0, 5.0]).Multinomial(5, generator: new Generator(5)).ToArray<long>();
        Assert.Equal([0L, 1, 2, 3, 4], permutation.Order());
    }

    [Fact]
    public void TheSameSeedGivesTheSameSamplesAndTheDefaultGeneratorIsUsed()
    {
        var weights = Tensor.FromArray([0.5f, 0.25f, 0.25f]);
        Assert.Equal(weights.Multinomial(50, true, new Generator(9)).ToArray<long>(), weights.Multinomial(50, true, new Generator(9)).ToArray<long>());
        Generator.ManualSeed(4);
        var a = weights.Multinomial(50, true).ToArray<long>();
        Generator.ManualSeed(4);
        Assert.Equal(a, weights.Multinomial(50, true).ToArray<long>());
    }

    [Fact]
    public void SamplingTextWithATemperatureIsSoftmaxOfScaledLogitsThenOneSample()
    {
        var logits = Tensor.FromArray([2.0, 1.0, 0.0]);
        const int N = 20_000;
        foreach (double temperature in new[] { 0.5, 2.0 })
        {
            var probs = (logits / temperature).Softmax(-1);
            var f = Frequencies(probs.Multinomial(N, replacement: true, generator: new Generator(1)).ToArray<long>(), 3);
            var p = probs.ToDoubleArray();
            for (int c = 0; c < 3; c++) AssertNear(p[c], f[c], N, $"temperature {temperature}, category {c}");
        }
    }

    [Theory]
    [InlineData(new[] { 1.0, -0.5, 2.0 }, "weights must be finite and non-negative, got -0.5 at index 1")]
    [InlineData(new[] { 1.0, double.NaN }, "weights must be finite and non-negative, got NaN at index 1")]
    [InlineData(new[] { double.PositiveInfinity, 1.0 }, "weights must be finite and non-negative, got Infinity at index 0")]
    [InlineData(new[] { 0.0, 0.0 }, "the weights of the tensor sum to 0; they must have a positive, finite sum")]
    [InlineData(new[] { 1e308, 1e308 }, "sum to Infinity; they must have a positive, finite sum")]
    public void BadWeightsAreRejectedNamingTheOp(double[] weights, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.FromArray(weights).Multinomial(1, replacement: true));
        Assert.StartsWith("Multinomial: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadShapesAndCountsAreRejectedNamingTheOp()
    {
        var w = Tensor.FromArray([1.0, 0.0, 2.0]);
        Assert.Contains("row 1 sum to 0", Assert.Throws<ArgumentException>(() => Tensor.FromArray([1.0, 2.0, 0.0, 0.0], 2, 2).Multinomial(1)).Message, StringComparison.Ordinal);
        Assert.Contains("cannot draw 4 samples without replacement from 3 categories",
            Assert.Throws<ArgumentOutOfRangeException>(() => w.Multinomial(4)).Message, StringComparison.Ordinal);
        Assert.Contains("has 2 categories of non-zero weight, too few for 3 samples without replacement",
            Assert.Throws<ArgumentException>(() => w.Multinomial(3)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Multinomial: numSamples must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => w.Multinomial(0)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Multinomial: expected a 1-D or 2-D tensor", Assert.Throws<ArgumentException>(() => Tensor.Ones(2, 2, 2).Multinomial(1)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Multinomial: ", Assert.Throws<NotSupportedException>(() => Tensor.FromArray([1L, 2L]).Multinomial(1)).Message, StringComparison.Ordinal);
        Assert.StartsWith("Multinomial: there are no categories", Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 0).Multinomial(1)).Message, StringComparison.Ordinal);
    }
}
