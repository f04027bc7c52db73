namespace Nabla.Kernels.Tests;

public sealed class TrigonometricOperatorTests
{
    [Theory]
    [InlineData("sin")]
    [InlineData("cos")]
    public void Float64IsWithinOneUlpOfTheMpmathReference(string name)
    {
        var (x, hi, lo) = Accuracy.Load(name);
        var y = Apply(name, x);
        var errors = new double[x.Length];
        for (int i = 0; i < x.Length; i++) errors[i] = Accuracy.DoubleUlps(y[i], hi[i], lo[i]);
        var (ulps, at) = Accuracy.Worst(errors, x);
        Assert.True(ulps <= 0.85, $"{name} float64: {ulps:F4} ulp at x = {at:R}");
    }

    [Theory]
    [InlineData("sin")]
    [InlineData("cos")]
    public void Float64IsWithinOneUlpOfTheLibraryOverADenseSweep(string name)
    {
        // Both are within an ulp of the truth (the library within 0.52), so they differ by at most one ulp.
        var rng = new Random(name.Length);
        var x = new double[200_000];
        for (int i = 0; i < x.Length; i++)
            x[i] = i % 4 == 0 ? Math.Round(rng.NextDouble() * 1e8) * (Math.PI / 2) : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 10));
        var y = Apply(name, x);
        for (int i = 0; i < x.Length; i++)
        {
            double reference = name == "sin" ? Math.Sin(x[i]) : Math.Cos(x[i]);
            Assert.True(Math.Abs(y[i] - reference) <= Math.BitIncrement(Math.Abs(reference)) - Math.Abs(reference), $"{name}({x[i]:R}): {y[i]:R}, library {reference:R}");
        }
    }

    [Theory]
    [InlineData("sin")]
    [InlineData("cos")]
    public void Float32IsWithinAboutHalfAnUlpOverEveryBinade(string name)
    {
        var x = Accuracy.FloatSweep(2039, negative: false).Concat(Accuracy.FloatSweep(2039, negative: true)).Where(float.IsFinite).ToArray();
        var y = new float[x.Length];
        if (name == "sin") SinOperator<float>.Apply(x, y);
        else CosOperator<float>.Apply(x, y);
        var errors = new double[x.Length];
        for (int i = 0; i < x.Length; i++) errors[i] = Accuracy.FloatUlps(y[i], name == "sin" ? Math.Sin(x[i]) : Math.Cos(x[i]));
        var (ulps, at) = Accuracy.Worst(errors, Array.ConvertAll(x, v => (double)v));
        Assert.True(ulps <= 0.57, $"{name} float32: {ulps:F4} ulp at x = {at:R}");
    }

    [Fact]
    public void SpecialValuesFollowIeee()
    {
        double[] x = [0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 5e-324, -1e-300, 1e6, 1e22, -1e300];
        var s = Apply("sin", x);
        var c = Apply("cos", x);
        Assert.True(double.IsPositive(s[0]) && s[0] == 0);
        Assert.True(double.IsNegative(s[1]) && s[1] == 0, "sin(−0) is −0");
        Assert.Equal([1.0, 1.0], c[..2]);
        for (int i = 2; i <= 4; i++) Assert.True(double.IsNaN(s[i]) && double.IsNaN(c[i]), $"sin and cos of {x[i]} are NaN");
        Assert.Equal(5e-324, s[5]);
        Assert.Equal(-1e-300, s[6]);
        Assert.Equal(1.0, c[5]);
        Assert.Equal(-0.34999350217129294, s[7]);
        Assert.Equal(0.9367521275331447, c[7]);
        Assert.Equal([Math.Sin(1e22), Math.Sin(-1e300)], s[8..]);
        Assert.Equal([Math.Cos(1e22), Math.Cos(-1e300)], c[8..]);

        float[] xf = [-0f, float.NaN, float.PositiveInfinity, 1e22f];
        var sf = new float[xf.Length];
        SinOperator<float>.Apply(xf, sf);
        Assert.True(float.IsNegative(sf[0]) && sf[0] == 0);
        Assert.True(float.IsNaN(sf[1]) && float.IsNaN(sf[2]));
        Assert.Equal((float)Math.Sin(1e22f), sf[3]);
    }

    [Fact]
    public void SineIsExactlyOddAndCosineExactlyEven()
    {
        var (x, _, _) = Accuracy.Load("sin");
        var negated = Array.ConvertAll(x, v => -v);
        var s = Apply("sin", x);
        var c = Apply("cos", x);
        Assert.Equal(Array.ConvertAll(s, v => -v), Apply("sin", negated));
        Assert.Equal(c, Apply("cos", negated));
    }

    [Fact]
    public void EveryVectorWidthGivesTheSameBits()
    {
        var (x, _, _) = Accuracy.Load("cos");
        UnaryOperatorChecks.EveryWidthGivesTheSameBits<SinFunction>(x, Apply("sin", x));
        UnaryOperatorChecks.EveryWidthGivesTheSameBits<CosFunction>(x, Apply("cos", x));
    }

    [Fact]
    public void EveryLengthOffsetAndAliasGivesEachElementTheSameResult()
    {
        var x = UnaryOperatorChecks.MixedArguments(12, -6, 10);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<SinOperator<double>, double>(x);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<CosOperator<double>, double>(x);
    }

    private static double[] Apply(string name, double[] x)
    {
        var y = new double[x.Length];
        if (name == "sin") SinOperator<double>.Apply(x, y);
        else CosOperator<double>.Apply(x, y);
        return y;
    }
}
