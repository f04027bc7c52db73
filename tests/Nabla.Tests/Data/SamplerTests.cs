using Nabla.Data;

namespace Nabla.Tests.Data;

public class SamplerTests
{
    private static double[] Frequencies(IEnumerable<int> draws, int n)
    {
        var counts = new double[n];
        int total = 0;
        foreach (int i in draws) { counts[i]++; total++; }
        return counts.Select(c => c / total).ToArray();
    }

    [Fact]
    public void WeightedSamplingIsProportionalToTheWeights()
    {
        double[] weights = [1, 2, 0, 3, 4];
        var sampler = new WeightedRandomSampler(weights, numSamples: 200_000, generator: new Generator(1));
        var freq = Frequencies(sampler, weights.Length);
        Assert.Equal(0, freq[2]);
        for (int i = 0; i < weights.Length; i++) Assert.InRange(freq[i], weights[i] / 10 - 0.005, weights[i] / 10 + 0.005);
    }

    [Fact]
    public void WeightedSamplingIsSeeded()
    {
        var a = new WeightedRandomSampler([1.0, 5, 2], 50, generator: new Generator(3)).ToArray();
        var b = new WeightedRandomSampler([1.0, 5, 2], 50, generator: new Generator(3)).ToArray();
        var c = new WeightedRandomSampler([1.0, 5, 2], 50, generator: new Generator(4)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void WeightedSamplingWithoutReplacementDrawsDistinctIndices()
    {
        double[] weights = [1, 0, 8, 1, 1];
        var sampler = new WeightedRandomSampler(weights, numSamples: 4, replacement: false, generator: new Generator(2));
        var firstPicks = new double[5];
        for (int epoch = 0; epoch < 20_000; epoch++)
        {
            var draw = sampler.ToArray();
            Assert.Equal(4, draw.Distinct().Count());
            Assert.DoesNotContain(1, draw);
            firstPicks[draw[0]]++;
        }
        // The first draw of successive sampling is proportional to the weights: 8/11 for index 2.
        Assert.InRange(firstPicks[2] / 20_000, 8 / 11.0 - 0.01, 8 / 11.0 + 0.01);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new WeightedRandomSampler(weights, 5, replacement: false));
        Assert.Contains("only 4 weights are positive", e.Message);
    }

    [Fact]
    public void WeightedSamplerRejectsBadWeights()
    {
        Assert.Contains("weight 1 must be non-negative", Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([1.0, -1], 3)).Message);
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([1.0, double.NaN], 3));
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([0.0, 0], 3));
    }

    [Fact]
    public void ClassBalancedSamplerEqualisesClasses()
    {
        var labels = Tensor.FromArray(Enumerable.Range(0, 1000).Select(i => i < 900 ? 0L : i < 990 ? 1L : 2L).ToArray());
        var sampler = new ClassBalancedSampler(labels, numSamples: 90_000, generator: new Generator(5));
        var y = labels.ToArray<long>();
        var perClass = new double[3];
        foreach (int i in sampler) perClass[y[i]]++;
        foreach (double c in perClass) Assert.InRange(c / 90_000, 1 / 3.0 - 0.01, 1 / 3.0 + 0.01);
    }

    [Fact]
    public void InverseFrequencyMatchesScikitLearnBalancedWeights()
    {
        // sklearn.utils.class_weight.compute_class_weight("balanced", classes=np.arange(3), y=[0,0,0,0,0,0,1,1,1,2])
        var weights = ClassWeights.InverseFrequency(Tensor.FromArray(new long[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 2 }), 3);
        Assert.Equal(DType.Float32, weights.DType);
        Assert.Equal(new[] { 0.5555555555555556f, 1.1111111111111112f, 3.3333333333333335f }, weights.ToArray<float>());
        var absent = ClassWeights.InverseFrequency(Tensor.FromArray(new long[] { 0, 0, 2 }), 4);
        Assert.Equal(new[] { 3 / 8f, 0f, 3 / 4f, 0f }, absent.ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => ClassWeights.InverseFrequency(Tensor.FromArray(new long[] { 0, 3 }), 3));
        Assert.Contains("label 3 at position 1 is outside [0, 3)", e.Message);
        Assert.Throws<ArgumentException>(() => ClassWeights.InverseFrequency(Tensor.Zeros(3), 3));
    }

    [Fact]
    public void SampleWeightsGiveEveryClassTheSameTotal()
    {
        var w = ClassWeights.SampleWeights(Tensor.FromArray(new long[] { 1, 0, 1, 1, 2 }));
        Assert.Equal(new[] { 1 / 3.0, 1, 1 / 3.0, 1 / 3.0, 1 }, w);
    }

    [Fact]
    public void RandomSamplerPermutesOrDrawsWithReplacement()
    {
        var perm = new RandomSampler(10, generator: new Generator(1)).ToArray();
        Assert.Equal(Enumerable.Range(0, 10), perm.Order());
        var draws = new RandomSampler(3, replacement: true, numSamples: 30_000, generator: new Generator(1)).ToArray();
        Assert.Equal(30_000, draws.Length);
        foreach (double f in Frequencies(draws, 3)) Assert.InRange(f, 1 / 3.0 - 0.01, 1 / 3.0 + 0.01);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomSampler(3, numSamples: 4));
    }

    [Fact]
    public void OversampleAndUndersampleBalanceTheClasses()
    {
        var y = Tensor.FromArray(new long[] { 0, 1, 0, 0, 2, 0, 1, 0 });
        var x = Tensor.Arange(0, 8).Reshape(8, 1);
        var (xo, yo) = Resampling.Oversample(x, y, seed: 1);
        Assert.Equal([15, 1], xo.Shape);
        var over = yo.ToArray<long>();
        Assert.Equal(new[] { 5, 5, 5 }, Enumerable.Range(0, 3).Select(c => over.Count(v => v == c)));
        Assert.Equal(y.ToArray<long>(), over[..8]);
        for (int i = 0; i < 15; i++) Assert.Equal(over[i], y.ToArray<long>()[(int)xo.ItemAt(i, 0)]);
        var (xu, yu) = Resampling.Undersample(x, y, seed: 1);
        var under = yu.ToArray<long>();
        Assert.Equal(new[] { 1, 1, 1 }, Enumerable.Range(0, 3).Select(c => under.Count(v => v == c)));
        var kept = xu.ToDoubleArray();
        Assert.Equal(kept.Order(), kept);
        Assert.Contains(4.0, kept);
        Assert.Equal(Resampling.Undersample(x, y, seed: 1).Y.ToArray<long>(), under);
    }
}
