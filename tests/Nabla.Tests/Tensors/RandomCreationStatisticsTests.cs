using Nabla.Tests.Data;
using static Nabla.Tests.Tensors.SamplingStatistics;

namespace Nabla.Tests.Tensors;

/// <summary>
/// The laws of the random creators (Rand, Randn, RandInt, Bernoulli, RandPerm and their Like forms) for fixed seeds:
/// ranges, means and variances within five standard errors, χ² over bins and values below the 0.999 quantile
/// (<see cref="SamplingStatistics"/>), and the same draws for the same <see cref="Generator"/> seed.
/// </summary>
[Collection(GlobalGeneratorCollection.Name)]
public sealed class RandomCreationStatisticsTests
{
    private const int N = 100_000;

    private static long[] Histogram(IEnumerable<double> values, int bins)
    {
        var counts = new long[bins];
        foreach (double v in values) counts[Math.Min(bins - 1, (int)(v * bins))]++;
        return counts;
    }

    private static double[] Uniform(int k) => Enumerable.Repeat(1.0 / k, k).ToArray();

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void RandIsUniformOnTheUnitInterval(DType dtype)
    {
        var u = Tensor.Rand([N], dtype, new Generator(101)).ToDoubleArray();
        Assert.All(u, v => Assert.True(v is >= 0 and < 1, $"{v} outside [0, 1)"));
        AssertMean(0.5, Math.Sqrt(1.0 / 12), u, "mean");
        // (u − ½)² has mean 1/12 and variance 1/80 − 1/144.
        AssertMean(1.0 / 12, Math.Sqrt(1.0 / 80 - 1.0 / 144), u.Select(v => (v - 0.5) * (v - 0.5)).ToArray(), "variance");
        AssertChiSquare(Histogram(u, 10), Uniform(10), "ten bins");
        if (dtype == DType.Float32) Assert.All(u.Take(1000), v => Assert.Equal(v, Math.Round(v * (1 << 24)) / (1 << 24)));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void RandnIsStandardNormal(DType dtype)
    {
        var z = Tensor.Randn([N], dtype, new Generator(102)).ToDoubleArray();
        // The powers of a standard normal: E z = 0, E z² = 1, E z³ = 0, E z⁴ = 3, with variances 1, 2, 15, 96.
        AssertMean(0, 1, z, "mean");
        AssertMean(1, Math.Sqrt(2), z.Select(v => v * v).ToArray(), "second moment");
        AssertMean(0, Math.Sqrt(15), z.Select(v => v * v * v).ToArray(), "third moment");
        AssertMean(3, Math.Sqrt(96), z.Select(v => v * v * v * v).ToArray(), "fourth moment");
        // P(|z| < 1) = erf(1/√2).
        const double P = 0.6826894921370859;
        AssertMean(P, Math.Sqrt(P * (1 - P)), z.Select(v => Math.Abs(v) < 1 ? 1.0 : 0).ToArray(), "mass within one standard deviation");
    }

    [Fact]
    public void RandIntIsUniformOverItsHalfOpenRange()
    {
        var r = Tensor.RandInt(-3, 4, [N], new Generator(103));
        Assert.Equal(DType.Int64, r.DType);
        var values = r.ToArray<long>();
        Assert.All(values, v => Assert.InRange(v, -3L, 3L));
        var counts = new long[7];
        foreach (long v in values) counts[v + 3]++;
        AssertChiSquare(counts, Uniform(7), "the seven values");

        const long High = 1L << 40;
        var wide = Tensor.RandInt(0, High, [N], new Generator(104)).ToArray<long>();
        Assert.All(wide, v => Assert.InRange(v, 0, High - 1));
        AssertMean((High - 1) / 2.0, High / Math.Sqrt(12), wide.Select(v => (double)v).ToArray(), "mean over [0, 2⁴⁰)");
        AssertChiSquare(Histogram(wide.Select(v => (double)v / High), 10), Uniform(10), "ten bins of [0, 2⁴⁰)");
        Assert.All(Tensor.RandInt(5, 6, [100], new Generator(105)).ToArray<long>(), v => Assert.Equal(5L, v));
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void BernoulliDrawsOnesWithEachElementsProbability(DType dtype)
    {
        double[] p = [0, 0.1, 0.5, 0.9, 1];
        const int Rows = 20_000;
        var probs = Tensor.FromArray(p).To(dtype).Reshape(1, 5).Expand(Rows, 5);
        var draws = Tensor.Bernoulli(probs, new Generator(106));
        Assert.Equal(dtype, draws.DType);
        Assert.Equal([Rows, 5], draws.Shape);
        var flat = draws.ToDoubleArray();
        Assert.All(flat, v => Assert.True(v is 0 or 1));
        for (int k = 0; k < 5; k++)
        {
            var column = Enumerable.Range(0, Rows).Select(r => flat[r * 5 + k]).ToArray();
            if (p[k] is 0 or 1) Assert.All(column, v => Assert.Equal(p[k], v));
            else AssertMean(p[k], Math.Sqrt(p[k] * (1 - p[k])), column, $"p = {p[k]}");
        }

        var scalar = Tensor.Zeros([N], dtype).Bernoulli(0.3, new Generator(107)).ToDoubleArray();
        AssertMean(0.3, Math.Sqrt(0.3 * 0.7), scalar, "Bernoulli(0.3)");
    }

    [Fact]
    public void RandPermIsAUniformPermutation()
    {
        const int Trials = 20_000, Size = 6;
        var g = new Generator(108);
        var firstPosition = new long[Size];
        var lastValue = new long[Size];
        for (int t = 0; t < Trials; t++)
        {
            var perm = Tensor.RandPerm(Size, g).ToArray<long>();
            Assert.Equal([0L, 1, 2, 3, 4, 5], perm.Order());
            firstPosition[Array.IndexOf(perm, 0L)]++;
            lastValue[perm[^1]]++;
        }
        AssertChiSquare(firstPosition, Uniform(Size), "the position of 0");
        AssertChiSquare(lastValue, Uniform(Size), "the last value");
        Assert.Equal(DType.Int32, Tensor.RandPerm(4, new Generator(1), DType.Int32).DType);
        Assert.Empty(Tensor.RandPerm(0, new Generator(1)).ToArray<long>());
    }

    [Fact]
    public void EachCreatorGivesTheSameDrawsForTheSameSeedAndOthersForAnother()
    {
        var creators = new (string Name, Func<Generator, double[]> Draw)[]
        {
            ("Rand", g => Tensor.Rand([64], DType.Float64, g).ToDoubleArray()),
            ("Randn", g => Tensor.Randn([64], DType.Float32, g).ToDoubleArray()),
            ("RandInt", g => Tensor.RandInt(0, 1000, [64], g).ToDoubleArray()),
            ("Bernoulli", g => Tensor.Bernoulli(Tensor.Full([64], 0.5, DType.Float64), g).ToDoubleArray()),
            ("Bernoulli(p)", g => Tensor.Zeros(64).Bernoulli(0.5, g).ToDoubleArray()),
            ("Multinomial", g => Tensor.FromArray([1.0, 2.0, 3.0]).Multinomial(64, replacement: true, generator: g).ToDoubleArray()),
            ("RandPerm", g => Tensor.RandPerm(64, g).ToDoubleArray()),
            ("RandLike", g => Tensor.RandLike(Tensor.Zeros(8, 8), generator: g).ToDoubleArray()),
            ("RandnLike", g => Tensor.RandnLike(Tensor.Zeros(8, 8), generator: g).ToDoubleArray()),
            ("RandIntLike", g => Tensor.RandIntLike(Tensor.Zeros(8, 8), 0, 1000, generator: g).ToDoubleArray()),
        };
        foreach (var (name, draw) in creators)
        {
            Assert.True(draw(new Generator(7)).SequenceEqual(draw(new Generator(7))), $"{name}: seed 7 twice gave different draws");
            Assert.False(draw(new Generator(7)).SequenceEqual(draw(new Generator(8))), $"{name}: seeds 7 and 8 gave the same draws");

            var g = new Generator(9);
            draw(g);
            var state = g.GetState();
            var next = draw(g);
            g.SetState(state);
            Assert.True(next.SequenceEqual(draw(g)), $"{name}: a restored generator state did not repeat the draws");
        }

        Generator.ManualSeed(11);
        var fromDefault = Tensor.Bernoulli(Tensor.Full([64], 0.5, DType.Float64)).ToDoubleArray();
        Generator.ManualSeed(11);
        Assert.Equal(fromDefault, Tensor.Bernoulli(Tensor.Full([64], 0.5, DType.Float64)).ToDoubleArray());
        Assert.Equal(fromDefault, Tensor.Bernoulli(Tensor.Full([64], 0.5, DType.Float64), new Generator(11)).ToDoubleArray());
    }

    [Fact]
    public void TheLikeFormsDrawAsTheirCreatorsDo()
    {
        var like = Tensor.Zeros([3, 4], DType.Float64);
        Assert.Equal(Tensor.Rand([3, 4], DType.Float64, new Generator(3)).ToArray<double>(), Tensor.RandLike(like, generator: new Generator(3)).ToArray<double>());
        Assert.Equal(Tensor.Randn([3, 4], DType.Float64, new Generator(3)).ToArray<double>(), Tensor.RandnLike(like, generator: new Generator(3)).ToArray<double>());
        var ints = Tensor.RandIntLike(like, 2, 9, generator: new Generator(3));
        Assert.Equal(DType.Float64, ints.DType);
        Assert.Equal(Tensor.RandInt(2, 9, [3, 4], new Generator(3)).ToDoubleArray(), ints.ToDoubleArray());
    }
}
