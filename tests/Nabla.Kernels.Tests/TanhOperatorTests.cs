namespace Nabla.Kernels.Tests;

public sealed class TanhOperatorTests
{
    [Fact]
    public void Float32IsWithinHalfAnUlpPlusAHundredthOverEveryBinade()
    {
        foreach (bool negative in new[] { false, true })
        {
            var x = Accuracy.FloatSweep(1021, negative);
            var y = new float[x.Length];
            TanhOperator<float>.Apply(x, y);
            var errors = new double[x.Length];
            for (int i = 0; i < x.Length; i++) errors[i] = Accuracy.FloatUlps(y[i], Math.Tanh(x[i]));
            var (ulps, at) = Accuracy.Worst(errors, Array.ConvertAll(x, v => (double)v));
            Assert.True(ulps <= 0.51, $"tanh float32: {ulps:F4} ulp at x = {at:R}");
        }
    }

    [Fact]
    public void Float64IsWithinThreeQuartersOfAnUlpOfTheMpmathReference()
    {
        var (x, hi, lo) = Accuracy.Load("tanh");
        var y = new double[x.Length];
        TanhOperator<double>.Apply(x, y);
        var errors = new double[x.Length];
        for (int i = 0; i < x.Length; i++) errors[i] = Accuracy.DoubleUlps(y[i], hi[i], lo[i]);
        var (ulps, at) = Accuracy.Worst(errors, x);
        Assert.True(ulps <= 0.75, $"tanh float64: {ulps:F4} ulp at x = {at:R}");
    }

    [Fact]
    public void Float64IsWithinThreeQuartersOfAnUlpOfTheSeriesForTinyArguments()
    {
        // tanh x = x − x³/3 + 2x⁵/15 − 17x⁷/315 + …; for |x| < 2⁻⁸ the rest is far below double's rounding.
        var x = new double[4000];
        for (int i = 0; i < x.Length; i++) x[i] = Math.ScaleB(1 + i / 4000.0, -9 - i % 60);
        var y = new double[x.Length];
        TanhOperator<double>.Apply(x, y);
        var errors = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i], cube = v * v * v / 3;
            double hi = v - cube;
            double lo = (v - hi) - cube + cube * v * v * (2.0 / 5 - 17.0 / 105 * v * v);
            errors[i] = Accuracy.DoubleUlps(y[i], hi, lo);
        }
        var (ulps, at) = Accuracy.Worst(errors, x);
        Assert.True(ulps <= 0.75, $"tanh float64: {ulps:F4} ulp at x = {at:R}");
    }

    [Fact]
    public void SpecialValuesFollowIeee()
    {
        float[] xf = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1e-40f, 3e-8f, 9.1f, -9.1f, float.MaxValue];
        var yf = new float[xf.Length];
        TanhOperator<float>.Apply(xf, yf);
        Assert.Equal(0f, yf[0]);
        Assert.True(float.IsPositive(yf[0]));
        Assert.Equal(0f, yf[1]);
        Assert.True(float.IsNegative(yf[1]), "tanh(−0) is −0");
        Assert.True(float.IsNaN(yf[2]));
        Assert.Equal(1f, yf[3]);
        Assert.Equal(-1f, yf[4]);
        Assert.Equal(float.Epsilon, yf[5]);
        Assert.Equal(-float.Epsilon, yf[6]);
        Assert.Equal(1e-40f, yf[7]);
        Assert.Equal(3e-8f, yf[8]);
        Assert.Equal(1f, yf[9]);
        Assert.Equal(-1f, yf[10]);
        Assert.Equal(1f, yf[11]);

        double[] xd = [0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -1e-310, 1e-10, 19.1, -19.1, double.MaxValue];
        var yd = new double[xd.Length];
        TanhOperator<double>.Apply(xd, yd);
        Assert.True(double.IsPositive(yd[0]) && yd[0] == 0);
        Assert.True(double.IsNegative(yd[1]) && yd[1] == 0, "tanh(−0) is −0");
        Assert.True(double.IsNaN(yd[2]));
        Assert.Equal(1.0, yd[3]);
        Assert.Equal(-1.0, yd[4]);
        Assert.Equal(double.Epsilon, yd[5]);
        Assert.Equal(-1e-310, yd[6]);
        Assert.Equal(1e-10, yd[7]);
        Assert.Equal(1.0, yd[8]);
        Assert.Equal(-1.0, yd[9]);
        Assert.Equal(1.0, yd[10]);
    }

    [Fact]
    public void JustBelowSaturationTheResultIsTheNearestValueUnderOne()
    {
        // tanh 18.5 = 1 − 1.54·2⁻⁵³, nearest to 1 − 2⁻⁵²; tanh 8.5 = 1 − 1.39·2⁻²⁴, nearest to 1 − 2⁻²⁴ in float.
        var yd = new double[1];
        TanhOperator<double>.Apply([18.5], yd);
        Assert.Equal(1 - Math.ScaleB(1.0, -52), yd[0]);
        var yf = new float[1];
        TanhOperator<float>.Apply([8.5f], yf);
        Assert.Equal(1 - MathF.ScaleB(1f, -24), yf[0]);
    }

    [Fact]
    public void IsExactlyOdd()
    {
        var xf = Accuracy.FloatSweep(3989, negative: false);
        var yf = new float[xf.Length];
        var nf = new float[xf.Length];
        TanhOperator<float>.Apply(xf, yf);
        TanhOperator<float>.Apply(Array.ConvertAll(xf, v => -v), nf);
        for (int i = 0; i < xf.Length; i++) Assert.Equal(-yf[i], nf[i]);

        var (xd, _, _) = Accuracy.Load("tanh");
        var yd = new double[xd.Length];
        var nd = new double[xd.Length];
        TanhOperator<double>.Apply(xd, yd);
        TanhOperator<double>.Apply(Array.ConvertAll(xd, v => -v), nd);
        for (int i = 0; i < xd.Length; i++) Assert.Equal(-yd[i], nd[i]);
    }

    [Fact]
    public void EveryVectorWidthGivesTheSameBits()
    {
        var xf = Accuracy.FloatSweep(4099, negative: true);
        var expectedF = new float[xf.Length];
        TanhOperator<float>.Apply(xf, expectedF);
        UnaryOperatorChecks.EveryWidthGivesTheSameBits<TanhFunction>(xf, expectedF);

        var (xd, _, _) = Accuracy.Load("tanh");
        var expectedD = new double[xd.Length];
        TanhOperator<double>.Apply(xd, expectedD);
        UnaryOperatorChecks.EveryWidthGivesTheSameBits<TanhFunction>(xd, expectedD);
    }

    [Fact]
    public void EveryLengthOffsetAndAliasGivesEachElementTheSameResult()
    {
        var x = UnaryOperatorChecks.MixedArguments(8, -9, 1);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<TanhOperator<double>, double>(x);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<TanhOperator<float>, float>(Array.ConvertAll(x, v => (float)v));
    }
}
