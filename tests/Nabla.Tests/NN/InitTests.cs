using Nabla.NN;

namespace Nabla.Tests.NN;

public sealed class InitTests
{
    private static double Std(double[] v)
    {
        double mean = v.Average();
        return Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
    }

    [Fact]
    public void FansFollowPyTorch()
    {
        Assert.Equal((784, 256), Init.CalculateFanInAndFanOut(Tensor.Zeros(256, 784)));
        Assert.Equal((3 * 5 * 5, 16 * 5 * 5), Init.CalculateFanInAndFanOut(Tensor.Zeros(16, 3, 5, 5)));
        Assert.Contains("fewer than 2 dimensions", Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut(Tensor.Zeros(5))).Message);
    }

    [Fact]
    public void GainsFollowPyTorch()
    {
        Assert.Equal(1.0, Init.CalculateGain(Nonlinearity.Sigmoid));
        Assert.Equal(5.0 / 3, Init.CalculateGain(Nonlinearity.Tanh));
        Assert.Equal(Math.Sqrt(2), Init.CalculateGain(Nonlinearity.Relu));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.01 * 0.01)), Init.CalculateGain(Nonlinearity.LeakyRelu));
        Assert.Equal(Math.Sqrt(2 / 1.04), Init.CalculateGain(Nonlinearity.LeakyRelu, 0.2), 15);
        Assert.Equal(0.75, Init.CalculateGain(Nonlinearity.Selu));
    }

    [Fact]
    public void KaimingAndXavierHaveTheRightBoundsAndSpread()
    {
        var g = new Generator(11);
        var w = Tensor.Zeros(300, 200);
        double bound = Math.Sqrt(6.0 / 200);
        var ku = Init.KaimingUniform(w, generator: g).ToDoubleArray();
        Assert.All(ku, v => Assert.InRange(v, -bound, bound));
        Assert.InRange(Std(ku), 0.97 * Math.Sqrt(2.0 / 200), 1.03 * Math.Sqrt(2.0 / 200));

        var kn = Init.KaimingNormal(w, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: g).ToDoubleArray();
        Assert.InRange(Std(kn), 0.97 * Math.Sqrt(2.0 / 300), 1.03 * Math.Sqrt(2.0 / 300));
        Assert.InRange(kn.Average(), -0.002, 0.002);

        double xb = 2 * Math.Sqrt(6.0 / 500);
        var xu = Init.XavierUniform(w, gain: 2, generator: g).ToDoubleArray();
        Assert.All(xu, v => Assert.InRange(v, -xb, xb));
        Assert.InRange(xu.Max(), 0.99 * xb, xb);
        var xn = Init.XavierNormal(w, generator: g).ToDoubleArray();
        Assert.InRange(Std(xn), 0.97 * Math.Sqrt(2.0 / 500), 1.03 * Math.Sqrt(2.0 / 500));
    }

    [Fact]
    public void InitialisationIsSeededAndWorksOnParameters()
    {
        var a = Init.Normal(Tensor.Zeros([50], DType.Float64), 3, 2, new Generator(5)).ToDoubleArray();
        var b = Init.Normal(Tensor.Zeros([50], DType.Float64), 3, 2, new Generator(5)).ToDoubleArray();
        Assert.Equal(a, b);
        var p = Tensor.Zeros(4, 4).SetRequiresGrad();
        int version = p.Version;
        Init.Uniform(p, -1, 1, new Generator(1));
        Assert.True(p.Version > version);
        Assert.True(p.RequiresGrad && p.IsLeaf);
        Assert.All(Init.Constant(p, 0.25).ToDoubleArray(), v => Assert.Equal(0.25, v));
        Assert.All(Init.Ones(p).ToDoubleArray(), v => Assert.Equal(1, v));
        Assert.All(Init.Zeros(p).ToDoubleArray(), v => Assert.Equal(0, v));
        Assert.Contains("expected a floating-point tensor", Assert.Throws<ArgumentException>(() => Init.Normal(Tensor.Arange(3))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Init.Normal(p, 0, -1));
    }

    [Theory]
    [InlineData(new[] { 6, 6 })]
    [InlineData(new[] { 3, 7 })]
    [InlineData(new[] { 7, 3 })]
    [InlineData(new[] { 8, 2, 3, 3 })]
    public void OrthogonalGivesOrthonormalRowsOrColumns(int[] shape)
    {
        var t = Init.Orthogonal(Tensor.Zeros(shape, DType.Float64), gain: 2, generator: new Generator(9));
        var m = t.Reshape(shape[0], -1) / 2;
        int rows = m.Shape[0], cols = m.Shape[1];
        var gram = rows <= cols ? m.MatMul(m.T) : m.T.MatMul(m);
        int n = Math.Min(rows, cols);
        NNTestUtil.AssertClose(Tensor.Eye(n, dtype: DType.Float64), gram, 1e-12, "QᵀQ");
        Assert.Contains("2 or more dimensions", Assert.Throws<ArgumentException>(() => Init.Orthogonal(Tensor.Zeros(4))).Message);
    }
}
