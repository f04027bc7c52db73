namespace Nabla.Kernels.Tests;

public sealed class SigmoidOperatorTests
{
    /// <summary>σ(x) in double: e⁻ˣ and the quotient each round once, far below float's rounding.</summary>
    private static double Reference(double x) => x < 0 ? Math.Exp(x) / (1 + Math.Exp(x)) : 1 / (1 + Math.Exp(-x));

    [Fact]
    public void Float32IsWithinHalfAnUlpPlusAHundredthIncludingSubnormalResults()
    {
        var x = Accuracy.FloatSweep(1021, negative: false).Concat(Accuracy.FloatSweep(1021, negative: true)).ToArray();
        var y = new float[x.Length];
        SigmoidOperator<float>.Apply(x, y);
        var errors = new double[x.Length];
        for (int i = 0; i < x.Length; i++) errors[i] = Accuracy.FloatUlps(y[i], Reference(x[i]));
        var (ulps, at) = Accuracy.Worst(errors, Array.ConvertAll(x, v => (double)v));
        Assert.True(ulps <= 0.51, $"sigmoid float32: {ulps:F4} ulp at x = {at:R}");
    }

    [Fact]
    public void Float32KeepsTheSubnormalTailThatTensorPrimitivesFlushesToZero()
    {
        float[] x = [-88.8f, -95f, -103f, -104f, float.NegativeInfinity, 0f, -0f, 18f, float.PositiveInfinity, float.NaN];
        var y = new float[x.Length];
        SigmoidOperator<float>.Apply(x, y);
        Assert.Equal((float)Reference(-88.8f), y[0]);
        Assert.True(y[0] > 0);
        Assert.Equal((float)Reference(-95), y[1]);
        Assert.Equal(float.Epsilon, y[2]);
        Assert.Equal(0f, y[3]);
        Assert.Equal(0f, y[4]);
        Assert.Equal(0.5f, y[5]);
        Assert.Equal(0.5f, y[6]);
        Assert.Equal(1f, y[7]);
        Assert.Equal(1f, y[8]);
        Assert.True(float.IsNaN(y[9]));
    }

    [Fact]
    public void EveryVectorWidthGivesTheSameBits()
    {
        var x = Accuracy.FloatSweep(4099, negative: true).Concat(Accuracy.FloatSweep(4099, negative: false)).ToArray();
        var expected = new float[x.Length];
        SigmoidOperator<float>.Apply(x, expected);
        UnaryOperatorChecks.EveryWidthGivesTheSameBits<SigmoidFunction>(x, expected);
    }

    [Fact]
    public void EveryLengthOffsetAndAliasGivesEachElementTheSameResult()
    {
        var x = UnaryOperatorChecks.MixedArguments(10, -9, 2);
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<SigmoidOperator<float>, float>(Array.ConvertAll(x, v => (float)v));
        UnaryOperatorChecks.EveryLengthOffsetAndAlias<SigmoidOperator<double>, double>(x);
    }
}
