namespace Nabla.Kernels.Tests;

public sealed class ExpOperatorTests
{
    [Fact]
    public void Float32IsWithinHalfAnUlpPlusAHundredthOverTheWholeRange()
    {
        var x = Accuracy.FloatSweep(1021, negative: false).Concat(Accuracy.FloatSweep(1021, negative: true)).ToArray();
        var y = new float[x.Length];
        ExpOperator<float>.Apply(x, y);
        var errors = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double reference = Math.Exp(x[i]);
            errors[i] = float.IsPositiveInfinity((float)reference) ? (float.IsPositiveInfinity(y[i]) ? 0 : double.PositiveInfinity) : Accuracy.FloatUlps(y[i], reference);
        }
        var (ulps, at) = Accuracy.Worst(errors, Array.ConvertAll(x, v => (double)v));
        Assert.True(ulps <= 0.51, $"exp float32: {ulps:F4} ulp at x = {at:R}");
    }

    [Fact]
    public void Float64IsWithinOneUlpOfTheMpmathReference()
    {
        var (x, hi, lo) = Accuracy.Load("exp");
        var y = new double[x.Length];
        ExpOperator<double>.Apply(x, y);
        var errors = new double[x.Length];
        for (int i = 0; i < x.Length; i++) errors[i] = Accuracy.DoubleUlps(y[i], hi[i], lo[i]);
        var (ulps, at) = Accuracy.Worst(errors, x);
        Assert.True(ulps <= 1, $"exp float64: {ulps:F4} ulp at x = {at:R}");
    }

    [Fact]
    public void SpecialValuesFollowIeee()
    {
        float[] xf = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 88.8f, -104f, -100f, 1e-30f, -1e-7f];
        var yf = new float[xf.Length];
        ExpOperator<float>.Apply(xf, yf);
        Assert.Equal(1f, yf[0]);
        Assert.Equal(1f, yf[1]);
        Assert.True(float.IsNaN(yf[2]));
        Assert.Equal(float.PositiveInfinity, yf[3]);
        Assert.Equal(0f, yf[4]);
        Assert.Equal(float.PositiveInfinity, yf[5]);
        Assert.Equal(0f, yf[6]);
        Assert.Equal((float)Math.Exp(-100), yf[7]);
        Assert.Equal(1f, yf[8]);
        Assert.Equal(1 - MathF.ScaleB(1, -23), yf[9]);

        double[] xd = [0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 709.79, -745.2, -740, 1e-300, -1e-8];
        var yd = new double[xd.Length];
        ExpOperator<double>.Apply(xd, yd);
        Assert.Equal(1.0, yd[0]);
        Assert.Equal(1.0, yd[1]);
        Assert.True(double.IsNaN(yd[2]));
        Assert.Equal(double.PositiveInfinity, yd[3]);
        Assert.Equal(0.0, yd[4]);
        Assert.Equal(double.PositiveInfinity, yd[5]);
        Assert.Equal(0.0, yd[6]);
        Assert.Equal(Math.Exp(-740), yd[7]);
        Assert.Equal(1.0, yd[8]);
        Assert.Equal(0.99999999000000005, yd[9]);
    }

    [Fact]
    public void EveryVectorWidthGivesTheSameBits()
    {
        var xf = Accuracy.FloatSweep(4099, negative: true).Concat(Accuracy.FloatSweep(4099, negative: false)).ToArray();
        var expectedF = new float[xf.Length];
        ExpOperator<float>.Apply(xf, expectedF);
        UnaryOperatorChecks.EveryWidthGivesTheSameBits<ExpFunction>(xf, expectedF);

        var (xd, _, _) = Accuracy.Load("exp");
        var expectedD = new double[xd.Length];
        ExpOperator<double>.Apply(xd, expectedD);
        UnaryOperatorChecks.EveryWidthGivesTheSameBits<ExpFunction>(xd, expectedD);
    }

    [Fact]
    public void EveryLengthOffsetAndAliasGivesEachElementTheSameResult()
    {
        var x = UnaryOperatorChecks.MixedArguments(9, -9, 3);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<ExpOperator<double>, double>(x);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<ExpOperator<float>, float>(Array.ConvertAll(x, v => (float)v));
    }
}
