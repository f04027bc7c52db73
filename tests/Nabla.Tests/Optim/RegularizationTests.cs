using Nabla.Optim;

namespace Nabla.Tests.Optim;

public class RegularizationTests
{
    private static Tensor[] Parameters() =>
    [
        Tensor.FromArray([0.5, -1.25, 2.0, -0.75], 2, 2).SetRequiresGrad(),
        Tensor.FromArray([-0.5, 3.0], 2).SetRequiresGrad(),
    ];

    [Fact]
    public void L1PenaltyIsTheSumOfMagnitudesWithSignGradient()
    {
        var ps = Parameters();
        var penalty = Regularization.L1Penalty(ps);
        Assert.Equal(0, penalty.Rank);
        Assert.Equal(8.0, penalty.Item(), 12);
        penalty.Backward();
        Assert.Equal(new[] { 1.0, -1, 1, -1 }, ps[0].Grad!.ToDoubleArray());
        Assert.Equal(new[] { -1.0, 1 }, ps[1].Grad!.ToDoubleArray());
    }

    [Fact]
    public void L2PenaltyIsTheSumOfSquaresWithGradientTwoW()
    {
        var ps = Parameters();
        var penalty = Regularization.L2Penalty(ps);
        Assert.Equal(0.25 + 1.5625 + 4 + 0.5625 + 0.25 + 9, penalty.Item(), 12);
        penalty.Backward();
        Assert.Equal(new[] { 1.0, -2.5, 4, -1.5 }, ps[0].Grad!.ToDoubleArray());
        Assert.Equal(new[] { -1.0, 6 }, ps[1].Grad!.ToDoubleArray());
    }

    [Fact]
    public void HalfL2PenaltyUnderSgdEqualsWeightDecay()
    {
        // One SGD step on loss + (λ/2)·L2 equals one step with weight_decay λ, as PyTorch documents.
        var a = Tensor.FromArray([0.5, -1.25, 2.0], 3).SetRequiresGrad();
        var b = Tensor.FromArray([0.5, -1.25, 2.0], 3).SetRequiresGrad();
        var target = Tensor.FromArray([1.0, 0.0, -1.0], 3);
        ((a - target).Square().Sum() + 0.05 * Regularization.L2Penalty([a])).Backward();
        new SGD([a], lr: 0.1).Step();
        (b - target).Square().Sum().Backward();
        new SGD([b], lr: 0.1, weightDecay: 0.1).Step();
        OptimGolden.AssertClose(b.ToDoubleArray(), a.ToDoubleArray(), 1e-15, 1e-15, "L2 vs weight decay");
    }

    [Fact]
    public void NoParametersGiveZero() => Assert.Equal(0, Regularization.L1Penalty([]).Item());
}
