namespace Nabla.Kernels.Tests;

public sealed class Log1pOperatorTests
{
    [Fact]
    public void HugeArgumentsDoNotOverflowTheCorrection()
    {
        // ln(u)·x would overflow before the division by u − 1; the quotient x/(u − 1) comes first.
        float[] xf = [1e38f, float.MaxValue, 3e30f];
        var yf = new float[xf.Length];
        Log1pOperator<float>.Apply(xf, yf);
        for (int i = 0; i < xf.Length; i++) Assert.Equal((float)Math.Log(1 + (double)xf[i]), yf[i], 5e-6f * yf[i]);

        double[] xd = [1e307, double.MaxValue, 1e300];
        var yd = new double[xd.Length];
        Log1pOperator<double>.Apply(xd, yd);
        for (int i = 0; i < xd.Length; i++) Assert.Equal(Math.Log(xd[i]), yd[i], 1e-15 * yd[i]);
    }

    [Fact]
    public void TinyArgumentsReturnThemselves()
    {
        double[] x = [1e-300, -1e-20, 5e-324, -0.0];
        var y = new double[x.Length];
        Log1pOperator<double>.Apply(x, y);
        Assert.Equal(x, y);
        Assert.True(double.IsNegative(y[3]));
    }

    [Fact]
    public void EveryLengthOffsetAndAliasGivesEachElementTheSameResultToAnUlp()
    {
        // TensorPrimitives.Log rounds a short remainder differently from its vector body, so positions may differ by an ulp.
        var x = Array.ConvertAll(UnaryOperatorChecks.MixedArguments(11, -12, 6), Math.Abs);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<Log1pOperator<double>, double>(x, (a, b) => Math.Abs(a - b) <= Math.BitIncrement(Math.Abs(a)) - Math.Abs(a));
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<Log1pOperator<float>, float>(Array.ConvertAll(x, v => (float)v), (a, b) => Math.Abs(a - b) <= MathF.BitIncrement(Math.Abs(a)) - Math.Abs(a));
    }
}
