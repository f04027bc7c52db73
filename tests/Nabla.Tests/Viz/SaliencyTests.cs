using Nabla.NN;
using Nabla.Viz;

namespace Nabla.Tests.Viz;

public class SaliencyTests
{
    [Fact]
    public void TheGradientOfALinearModelIsTheWeightRowOfTheClass()
    {
        var linear = new Linear(6, 3, generator: new Generator(1));
        var x = Tensor.Randn([1, 6], generator: new Generator(2));
        var weight = linear.Weight.ToArray<float>();
        for (int k = 0; k < 3; k++)
        {
            var saliency = Saliency.Gradient(linear.Forward, x, k);
            Assert.Equal([1, 6], saliency.Shape);
            Assert.Equal(weight[(k * 6)..((k + 1) * 6)], saliency.ToArray<float>());

            // Every noisy copy has the same gradient, so SmoothGrad is its absolute value (up to the rounding of the mean).
            var smooth = Saliency.SmoothGrad(linear.Forward, x, k, samples: 7, generator: new Generator(3)).ToArray<float>();
            for (int i = 0; i < 6; i++) Assert.Equal(MathF.Abs(weight[k * 6 + i]), smooth[i], 1e-6f);
        }
    }

    [Fact]
    public void IntegratedGradientsSumToTheChangeOfTheScore()
    {
        var model = new Sequential(new Linear(5, 8, dtype: DType.Float64, generator: new Generator(4)), new Tanh(),
            new Linear(8, 3, dtype: DType.Float64, generator: new Generator(5)));
        var x = Tensor.Randn([1, 5], DType.Float64, new Generator(6)) * 2;
        var baseline = Tensor.Randn([1, 5], DType.Float64, new Generator(7));
        foreach (var start in new[] { null, baseline })
        {
            for (int k = 0; k < 3; k++)
            {
                var attributions = Saliency.IntegratedGradients(model.Forward, x, k, start, steps: 32);
                Assert.Equal([1, 5], attributions.Shape);
                double change = model.Forward(x).ItemAt(0, k) - model.Forward(start ?? Tensor.ZerosLike(x)).ItemAt(0, k);
                Assert.True(Math.Abs(attributions.Sum().Item() - change) <= 1e-3 * Math.Abs(change), $"class {k}: sum {attributions.Sum().Item()}, change {change}");
            }
        }

        // For a linear model each attribution is the input times its weight.
        var linear = new Linear(4, 2, dtype: DType.Float64, generator: new Generator(8));
        var y = Tensor.Randn([1, 4], DType.Float64, new Generator(9));
        var expected = (y * linear.Weight.Narrow(0, 1, 1)).ToArray<double>();
        var actual = Saliency.IntegratedGradients(linear.Forward, y, 1, steps: 5).ToArray<double>();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void GaussLegendreIntegratesPolynomialsOfDegreeUpToTwiceThePointsExactly()
    {
        foreach (int n in new[] { 1, 2, 5, 32 })
        {
            var (nodes, weights) = Saliency.GaussLegendre(n);
            Assert.Equal(1.0, weights.Sum(), 12);
            Assert.True(nodes.Zip(nodes.Skip(1)).All(p => p.First < p.Second) && nodes[0] > 0 && nodes[^1] < 1);
            int degree = 2 * n - 1;
            Assert.Equal(1.0 / (degree + 1), nodes.Zip(weights).Sum(p => p.Second * Math.Pow(p.First, degree)), 12);
        }
    }

    [Fact]
    public void SmoothGradWithoutNoiseIsTheAbsoluteGradient()
    {
        var model = new Sequential(new Linear(3, 4, dtype: DType.Float64, generator: new Generator(10)), new Tanh(), new Linear(4, 2, dtype: DType.Float64, generator: new Generator(11)));
        var x = Tensor.Randn([1, 3], DType.Float64, new Generator(12));
        var gradient = Saliency.Gradient(model.Forward, x, 0).Abs().ToArray<double>();
        var smooth = Saliency.SmoothGrad(model.Forward, x, 0, samples: 3, noiseLevel: 0).ToArray<double>();
        for (int i = 0; i < 3; i++) Assert.Equal(gradient[i], smooth[i], 14);
        var noisy = Saliency.SmoothGrad(model.Forward, x, 0, samples: 3, generator: new Generator(13)).ToArray<double>();
        Assert.True(noisy.All(v => v >= 0) && !noisy.SequenceEqual(smooth));
    }

    [Fact]
    public void BadInputNamesTheMethodAndTheShapes()
    {
        var linear = new Linear(2, 3, generator: new Generator(1));
        var e = Assert.Throws<ArgumentException>(() => Saliency.Gradient(linear.Forward, Tensor.Zeros(2, 2), 0));
        Assert.Contains("Gradient: expected one example as a batch (1, …)", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => Saliency.IntegratedGradients(linear.Forward, Tensor.Zeros(1, 2), 3));
        Assert.Contains("IntegratedGradients: target 3 is not one of the model's 3 classes", range.Message);
        e = Assert.Throws<ArgumentException>(() => Saliency.IntegratedGradients(linear.Forward, Tensor.Zeros(1, 2), 0, Tensor.Zeros(1, 3)));
        Assert.Contains("the baseline", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Saliency.SmoothGrad(linear.Forward, Tensor.Zeros(1, 2), 0, samples: 0));
    }
}
