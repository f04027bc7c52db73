namespace Nabla.Tests.AutogradTests;

/// <summary>
/// Backward formulas at extreme arguments, against PyTorch 1.13 (CPU): the quotient's divisor gradient does not
/// square the divisor (b² overflowed or underflowed), and the power's gradients follow PyTorch where the base or the
/// exponent is zero.
/// </summary>
public sealed class DerivativeEdgeTests
{
    [Fact]
    public void TheDivisorGradientIsFormedWithoutSquaringTheDivisor()
    {
        var (ga, gb) = DivGrads<float>(DType.Float32);
        Assert.Equal([9.999999682655225e-21f, 9.999999682655225e-21f, 1.0000000150474662e+30f, 9.999999682655225e-21f, 1.0000000200408773e+20f], ga);
        Assert.Equal([-9.99994610111476e-41f, -1.0000000031710769e-30f, -1.0000000150474662e+30f, -9.999999682655225e-21f, float.NegativeInfinity], gb);

        var (da, db) = DivGrads<double>(DType.Float64);
        Assert.Equal([1e-20, 1e-20, 9.999999999999999e+29, 1e-20, 1e+20], da);
        Assert.Equal([-1e-40, -1e-30, -9.999999999999999e+29, -1e-20, -2e+40], db);
    }

    [Fact]
    public void TheReciprocalGradientKeepsItsSubnormalTail()
    {
        var x = Tensor.FromArray([1e20f, -1e20f, 1e-20f, 4f]).SetRequiresGrad();
        x.Reciprocal().Sum().Backward();
        Assert.Equal([-9.99994610111476e-41f, -9.99994610111476e-41f, float.NegativeInfinity, -0.0625f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void PowerGradientsFollowPyTorchWhereTheBaseOrTheExponentIsZero()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = Tensor.FromArray([0.0, 0.0, 0.0, 0.0, 2.0, double.NaN]).To(dtype).Detach().SetRequiresGrad();
            var b = Tensor.FromArray([0.0, 2.5, -1.0, 0.5, 0.0, 0.0]).To(dtype).Detach().SetRequiresGrad();
            a.Pow(b).Sum().Backward();
            Assert.Equal([0, 0, double.NegativeInfinity, double.PositiveInfinity, 0, 0], a.Grad!.ToDoubleArray());
            var gb = b.Grad!.ToDoubleArray();
            Assert.Equal([0, 0, double.NegativeInfinity, 0], gb[..4]);
            Assert.Equal(Math.Log(2), gb[4], dtype == DType.Float32 ? 6 : 15);
            Assert.True(double.IsNaN(gb[5]));

            var x = Tensor.FromArray([0.0, 3.0]).To(dtype).Detach().SetRequiresGrad();
            x.Pow(0.0).Sum().Backward();
            Assert.Equal([0.0, 0.0], x.Grad!.ToDoubleArray());
        }
    }

    private static (T[] A, T[] B) DivGrads<T>(DType dtype)
        where T : unmanaged
    {
        var a = Tensor.FromArray([1.0, 1e10, 1e-30, 1e20, 2.0]).To(dtype).Detach().SetRequiresGrad();
        var b = Tensor.FromArray([1e20, 1e20, 1e-30, 1e20, 1e-20]).To(dtype).Detach().SetRequiresGrad();
        (a / b).Sum().Backward();
        return (a.Grad!.ToArray<T>(), b.Grad!.ToArray<T>());
    }
}
