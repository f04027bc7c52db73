namespace Nabla.Tests.Tensors;

/// <summary>
/// log(1 + eˣ) keeps full relative precision in both tails, where 1 + eˣ alone would round the answer away. The
/// expected values are Python's max(x, 0) + math.log1p(math.exp(−|x|)).
/// </summary>
public sealed class SoftplusTests
{
    [Fact]
    public void Float64KeepsRelativePrecisionFromTheFarNegativeTailToLargeInputs()
    {
        double[] xs = [-700, -300, -40, -36.7, -20.5, -10, -1e-3, 0, 1e-3, 0.5, 3, 19.9, 35, 300];
        double[] expected =
        [
            9.85967654375977e-305, 5.148200222412013e-131, 4.248354255291589e-18, 1.1518409493076097e-16, 1.2501528656053015e-09,
            4.539889921686465e-05, 0.6926473055599401, 0.6931471805599453, 0.6936473055599401, 0.9740769841801067, 3.048587351573742,
            19.900000002277924, 35.0, 300.0,
        ];
        AssertRelative(expected, Tensor.FromArray(xs).LogOnePlusExp().ToArray<double>(), 1e-15, xs);
    }

    [Fact]
    public void Float32IsExactToSinglePrecision()
    {
        float[] xs = [-80, -60, -17, -5, 0, 5, 17, 60];
        double[] expected =
        [
            1.8048513878454153e-35, 8.75651076269652e-27, 4.139937633089748e-08, 0.006715348489118068, 0.6931471805599453,
            5.006715348489118, 17.000000041399375, 60.0,
        ];
        var actual = Array.ConvertAll(Tensor.FromArray(xs).LogOnePlusExp().ToArray<float>(), v => (double)v);
        AssertRelative(expected, actual, 3e-7, Array.ConvertAll(xs, v => (double)v));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsKeepsTheTinyLossOfAConfidentCorrectPositive()
    {
        var loss = global::Nabla.NN.Functional.BinaryCrossEntropyWithLogits(
            Tensor.FromArray([40.0, 36.7]), Tensor.FromArray([1.0, 1.0]), reduction: global::Nabla.NN.Reduction.None).ToArray<double>();
        AssertRelative([4.248354255291589e-18, 1.1518409493076097e-16], loss, 1e-15, [40.0, 36.7]);
    }

    private static void AssertRelative(double[] expected, double[] actual, double tolerance, double[] inputs)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * expected[i], $"at x = {inputs[i]}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
