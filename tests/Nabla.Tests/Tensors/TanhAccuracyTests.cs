namespace Nabla.Tests.Tensors;

/// <summary>
/// tanh keeps full relative precision near zero and rounds correctly near ±1; the expected values are PyTorch 1.13's
/// torch.tanh (CPU), which agree with mpmath's correctly rounded tanh at every point here, and its gradient
/// 1 − tanh²x. The vectorized path once gave tanh(1e-5f) = 9.954e-06, tanh(3e-8f) = −0 and tanh(1e-10) 8e-8 too large.
/// </summary>
public sealed class TanhAccuracyTests
{
    [Fact]
    public void Float32MatchesPyTorchNearZeroAndNearOne()
    {
        float[] xs = [1e-5f, 3e-8f, -3e-8f, 1e-30f, 0.3f, -0.7f, 0.9f, 2.5f, 5f, 8.5f, -8.5f, 9.5f];
        float[] expected =
        [
            9.999999747378752e-06f, 2.999999892949745e-08f, -2.999999892949745e-08f, 1.0000000031710769e-30f, 0.29131263494491577f,
            -0.6043677926063538f, 0.7162978649139404f, 0.9866142868995667f, 0.9999092221260071f, 0.9999999403953552f, -0.9999999403953552f, 1f,
        ];
        // Wider than one vector, so the values come from the vector body as well as the tail.
        var x = Tensor.FromArray(Repeat(xs, 4));
        Assert.Equal(Repeat(expected, 4), x.Tanh().ToArray<float>());
    }

    [Fact]
    public void Float64MatchesPyTorchNearZeroAndNearOne()
    {
        double[] xs = [1e-10, -1e-10, 1e-300, 1e-5, 0.3, -0.7, 0.9, 2.5, 5, 18.5, -18.5, 19.5];
        double[] expected =
        [
            1e-10, -1e-10, 1e-300, 9.999999999666668e-06, 0.2913126124515909, -0.6043677771171635, 0.7162978701990245, 0.9866142981514303,
            0.9999092042625951, 0.9999999999999998, -0.9999999999999998, 1,
        ];
        var x = Tensor.FromArray(Repeat(xs, 4));
        Assert.Equal(Repeat(expected, 4), x.Tanh().ToArray<double>());
    }

    [Fact]
    public void ZeroKeepsItsSignAndNaNPropagates()
    {
        var y = Tensor.FromArray(Repeat([0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity], 4)).Tanh().ToArray<float>();
        Assert.True(float.IsPositive(y[0]) && y[0] == 0);
        Assert.True(float.IsNegative(y[1]) && y[1] == 0, "tanh(−0) is −0");
        Assert.True(float.IsNaN(y[2]));
        Assert.Equal(1f, y[3]);
        Assert.Equal(-1f, y[4]);
    }

    [Fact]
    public void TheGradientIsOneMinusTanhSquaredWithoutCancellationNearOne()
    {
        // PyTorch's values, to within an ulp (it fuses 1 − y·y); 1 − y·y with y·y rounded first lost four digits at x = 5 in float.
        var xf = Tensor.FromArray([5f, -5f, 8.5f, 0.3f, 9.5f]).SetRequiresGrad();
        xf.Tanh().Sum().Backward();
        AssertRelative([0.0001815475116018206, 0.0001815475116018206, 1.1920928955078125e-07, 0.9151369333267212, 0],
            Array.ConvertAll(xf.Grad!.ToArray<float>(), v => (double)v), 1.2e-7);

        var xd = Tensor.FromArray([5.0, 10.0, 18.5, 1e-5]).SetRequiresGrad();
        xd.Tanh().Sum().Backward();
        AssertRelative([0.00018158323094385266, 8.244614529632978e-09, 4.4408920985006257e-16, 0.9999999999], xd.Grad!.ToArray<double>(), 4e-16);
    }

    private static void AssertRelative(double[] expected, double[] actual, double tolerance)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * Math.Abs(expected[i]), $"[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static T[] Repeat<T>(T[] values, int times) => Enumerable.Range(0, times).SelectMany(_ => values).ToArray();
}
