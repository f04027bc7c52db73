using Nabla.NN;

namespace Nabla.Tests.AutogradTests;

public class AnomalyModeTests
{
    [Fact]
    public void AForwardThatMakesNaNFromFiniteInputsIsNamed()
    {
        var x = Tensor.FromArray([1f, -2f, 3f]).SetRequiresGrad();
        using (Autograd.DetectAnomaly())
        {
            var e = Assert.Throws<InvalidOperationException>(() => (x * 2).Log());
            Assert.Contains("forward of Log produced NaN at index [1]", e.Message);
            Assert.Contains("[3] float32", e.Message);
        }
        Assert.False(Autograd.IsAnomalyEnabled);
        Assert.True(float.IsNaN((x * 2).Log().ToArray<float>()[1]));
    }

    [Fact]
    public void ABackwardThatMakesInfinityIsNamedWithTheInputAndTheForwardTrace()
    {
        var x = Tensor.FromArray([4.0, 0.0]).SetRequiresGrad();
        using (Autograd.DetectAnomaly())
        {
            var y = (x.Sqrt() * 3).Sum();
            var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
            Assert.Contains("backward of Sqrt returned +Inf at index [1] in the gradient for input 0", e.Message);
            Assert.Contains("[2] float64", e.Message);
            Assert.Contains(nameof(ABackwardThatMakesInfinityIsNamedWithTheInputAndTheForwardTrace), e.Message);
        }
        x.Grad = null;
        (x.Sqrt() * 3).Sum().Backward();
        Assert.Equal(double.PositiveInfinity, x.Grad!.ItemAt(1));
    }

    [Fact]
    public void MaskingWithMinusInfinityIsNotAnAnomaly()
    {
        var q = Tensor.Randn([1, 3, 4], DType.Float32, new Generator(1), requiresGrad: true);
        using (Autograd.DetectAnomaly())
        {
            var y = Functional.ScaledDotProductAttention(q, q, q, isCausal: true);
            y.Sum().Backward();
        }
        Assert.Null(Autograd.FindNonFinite(q.Grad!));
    }

    [Fact]
    public void InfinityMinusInfinityIsBlamedOnTheOpThatMadeTheNaN()
    {
        var x = Tensor.FromArray([1f, 0f]).SetRequiresGrad();
        using (Autograd.DetectAnomaly())
        {
            Assert.Throws<InvalidOperationException>(() => 1 / x);
            var inf = Tensor.FromArray([float.PositiveInfinity, 1f]);
            var e = Assert.Throws<InvalidOperationException>(() => (x + inf) - inf);
            Assert.Contains("forward of Sub produced NaN at index [0]", e.Message);
            Assert.Contains("from inputs without NaN", e.Message);
        }
    }
}
