namespace Nabla.Tests.AutogradTests;

public sealed class PostAccumulateGradHookTests
{
    [Fact]
    public void RunsOncePerBackwardAfterTheWholeGradientIsInGrad()
    {
        var w = Tensor.FromArray([1.0, 2.0]).SetRequiresGrad();
        var seen = new List<double[]>();
        var remove = w.RegisterPostAccumulateGradHook(t => seen.Add(t.Grad!.ToDoubleArray()));
        // w is used twice, so its gradient is the sum of two paths; the hook sees the sum, once.
        ((w * 3).Sum() + (w * w).Sum()).Backward();
        Assert.Equal([[5.0, 7.0]], seen);
        // A second pass accumulates: the hook sees the running total.
        (w * 3).Sum().Backward();
        Assert.Equal([8.0, 10.0], seen[^1]);
        remove();
        (w * 3).Sum().Backward();
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void AutogradGradDoesNotCallItAndNonLeavesRefuseIt()
    {
        var w = Tensor.FromArray([1.0]).SetRequiresGrad();
        int calls = 0;
        w.RegisterPostAccumulateGradHook(_ => calls++);
        Nabla.Autograd.Grad([(w * 2).Sum()], [w]);
        Assert.Equal(0, calls);
        Assert.Null(w.Grad);
        Assert.Throws<InvalidOperationException>(() => (w * 2).RegisterPostAccumulateGradHook(_ => { }));
        Assert.Throws<InvalidOperationException>(() => Tensor.FromArray([1.0]).RegisterPostAccumulateGradHook(_ => { }));
    }
}
