namespace Nabla.Tests.Tensors;

/// <summary>
/// ELU's gradient stays finite where e^x of the branch not taken overflows (x above 88.7 in float, 709.8 in double):
/// Where multiplied its zero gradient by ∞ and returned NaN. The expected values are PyTorch 1.13's
/// torch.nn.functional.elu (CPU) and its gradient.
/// </summary>
public sealed class EluTests
{
    private static readonly double[] Inputs = [100, 1000, 88.8, 710, 1e30, -1e-5, -20, -200, -1000, 0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN];

    [Fact]
    public void Float32MatchesPyTorchFromHugeToFarNegativeInputs()
    {
        float[] value = [100, 1000, 88.80000305175781f, 710, 1.0000000150474662e+30f, -1.0013580322265625e-05f, -1, -1, -1, 0, 0, float.PositiveInfinity, -1, float.NaN];
        float[] grad = [1, 1, 1, 1, 1, 0.9999899864196777f, 2.06115369216775e-09f, 0, 0, 1, 1, 1, 0, 1];
        AssertElu(DType.Float32, 1.0, value, grad);

        float[] halfValue = [100, 1000, 88.80000305175781f, 710, 1.0000000150474662e+30f, -5.0067901611328125e-06f, -0.5f, -0.5f, -0.5f, 0, 0, float.PositiveInfinity, -0.5f, float.NaN];
        float[] halfGrad = [1, 1, 1, 1, 1, 0.49999499320983887f, 1.030576846083875e-09f, 0, 0, 0.5f, 0.5f, 1, 0, 1];
        AssertElu(DType.Float32, 0.5, halfValue, halfGrad);
    }

    [Fact]
    public void Float64MatchesPyTorchFromHugeToFarNegativeInputs()
    {
        double[] value = [100, 1000, 88.8, 710, 1e30, -9.999950000172397e-06, -0.9999999979388464, -1, -1, 0, 0, double.PositiveInfinity, -1, double.NaN];
        double[] grad = [1, 1, 1, 1, 1, 0.9999900000499998, 2.061153622438558e-09, 1.3838965267367376e-87, 0, 1, 1, 1, 0, 1];
        AssertElu(DType.Float64, 1.0, value, grad);

        double[] halfValue = [100, 1000, 88.8, 710, 1e30, -4.999975000086199e-06, -0.4999999989694232, -0.5, -0.5, 0, 0, double.PositiveInfinity, -0.5, double.NaN];
        double[] halfGrad = [1, 1, 1, 1, 1, 0.4999950000249999, 1.030576811219279e-09, 6.919482633683688e-88, 0, 0.5, 0.5, 1, 0, 1];
        AssertElu(DType.Float64, 0.5, halfValue, halfGrad);
    }

    [Fact]
    public void TheSecondDerivativeIsFiniteWhereTheExponentialWouldOverflow()
    {
        var x = Tensor.FromArray([800.0, -2.0]).SetRequiresGrad();
        var g = Autograd.Grad(x.Elu().Sum(), x, createGraph: true);
        var second = Autograd.Grad(g.Sum(), x).ToArray<double>();
        Assert.Equal(0.0, second[0]);
        Assert.Equal(Math.Exp(-2.0), second[1], 15);
    }

    private static void AssertElu<T>(DType dtype, double alpha, T[] value, T[] grad)
        where T : unmanaged
    {
        var x = Tensor.FromArray(Inputs).To(dtype).Detach().SetRequiresGrad();
        var y = x.Elu(alpha);
        y.Sum().Backward();
        AssertSame(value, y.ToDoubleArray(), dtype, "elu");
        AssertSame(grad, x.Grad!.ToDoubleArray(), dtype, "elu gradient");
    }

    /// <summary>Exact in float; within an ulp of 1 in double, where PyTorch's e^x and ours may round differently.</summary>
    private static void AssertSame<T>(T[] expected, double[] actual, DType dtype, string what)
        where T : unmanaged
    {
        var e = Array.ConvertAll(expected, v => Convert.ToDouble(v));
        double tolerance = dtype == DType.Float32 ? 0 : 1.2e-16;
        for (int i = 0; i < e.Length; i++)
        {
            bool same = double.IsNaN(e[i]) ? double.IsNaN(actual[i]) : e[i] == actual[i] || Math.Abs(actual[i] - e[i]) <= tolerance * Math.Max(1, Math.Abs(e[i]));
            Assert.True(same, $"{what}({Inputs[i]}): expected {e[i]:R}, got {actual[i]:R}");
        }
    }
}
