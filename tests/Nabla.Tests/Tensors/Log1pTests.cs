namespace Nabla.Tests.Tensors;

/// <summary>ln(1 + x) keeps full relative precision where 1 + x loses x's digits; expected values are Python's math.log1p.</summary>
public sealed class Log1pTests
{
    [Fact]
    public void Float64IsExactToRoundingFromTinyToHugeArguments()
    {
        double[] xs = [1e-300, -1e-20, 1e-10, -1e-5, 3e-3, 0.5, -0.75, 1, 10, 1e6, 1e300];
        double[] expected =
        [
            1e-300, -1e-20, 9.999999999500001e-11, -1.0000050000333337e-05, 0.002995508979798479, 0.4054651081081644,
            -1.3862943611198906, 0.6931471805599453, 2.3978952727983707, 13.815511557963774, 690.7755278982137,
        ];
        var actual = Tensor.FromArray(xs).Log1p().ToArray<double>();
        for (int i = 0; i < xs.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-15 * Math.Abs(expected[i]), $"log1p({xs[i]}): expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void Float32IsExactToSinglePrecision()
    {
        float[] xs = [1e-30f, -1e-8f, 3e-4f, -0.25f, 2f, 1e20f];
        double[] expected = [1.0000000031710769e-30, -9.99999998922529e-09, 0.0002999550232429374, -0.2876820724517809, 1.0986122886681096, 46.051701879921794];
        var actual = Tensor.FromArray(xs).Log1p().ToArray<float>();
        for (int i = 0; i < xs.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 3e-7 * Math.Abs(expected[i]), $"log1p({xs[i]}): expected {expected[i]:R}, got {actual[i]:R}");
    }

    [Fact]
    public void HugeArgumentsDoNotOverflow()
    {
        // ln(u)·x overflowed to ∞ before the division by u − 1 (float from 1e37, double from 1e306). PyTorch's values
        // for 1e38f, 3e30f and 1e307; at the largest finite values PyTorch itself returns ∞, ln x is expected.
        Assert.Equal([87.49822998046875f, 70.17616271972656f, (float)Math.Log(3.4e38f)], Tensor.FromArray([1e38f, 3e30f, 3.4e38f]).Log1p().ToArray<float>());
        Assert.Equal([706.893623549172, Math.Log(double.MaxValue)], Tensor.FromArray([1e307, double.MaxValue]).Log1p().ToArray<double>());
    }

    [Fact]
    public void EdgesFollowTheMathematicalLimits()
    {
        var y = Tensor.FromArray([-1.0, -2.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 0.0, -0.0]).Log1p().ToArray<double>();
        Assert.Equal(double.NegativeInfinity, y[0]);
        Assert.True(double.IsNaN(y[1]));
        Assert.Equal(double.PositiveInfinity, y[2]);
        Assert.True(double.IsNaN(y[3]));
        Assert.True(double.IsNaN(y[4]));
        Assert.Equal(0.0, y[5]);
        Assert.True(double.IsNegative(y[6]) && y[6] == 0.0, "log1p(−0) is −0");
    }

    [Fact]
    public void TheGradientIsOneOverOnePlusX()
    {
        var x = Tensor.FromArray([1e-12, 0.5, 3.0]).SetRequiresGrad();
        x.Log1p().Sum().Backward();
        var g = x.Grad!.ToArray<double>();
        Assert.Equal(1 / (1 + 1e-12), g[0], 15);
        Assert.Equal(1 / 1.5, g[1], 15);
        Assert.Equal(0.25, g[2], 15);
    }
}
