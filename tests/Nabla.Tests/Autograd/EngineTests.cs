namespace Nabla.Tests.AutogradTests;

/// <summary>The backward engine: accumulation, grad mode, graph retention, hooks, higher-order gradients and the version counter.</summary>
public sealed class EngineTests
{
    private static Tensor Leaf(params double[] values) => Tensor.FromArray(values).SetRequiresGrad();

    private static void AssertValues(double[] expected, Tensor? actual, double tolerance = 1e-12)
    {
        Assert.NotNull(actual);
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], tolerance);
    }

    [Fact]
    public void GradientsAccumulateIntoLeavesOverTwoBackwardCalls()
    {
        var x = Leaf(1.0, -2.0, 0.5);
        (x * x).Sum().Backward();
        AssertValues([2.0, -4.0, 1.0], x.Grad);
        (x * 3.0).Sum().Backward();
        AssertValues([5.0, -1.0, 4.0], x.Grad);
    }

    [Fact]
    public void ATensorUsedInSeveralPlacesReceivesTheSumOfItsGradients()
    {
        var x = Leaf(0.3, -1.2);
        var a = x * 2.0;
        // y = a² + exp(a) + x: a and x each feed several ops.
        var y = (a * a + a.Exp() + x).Sum();
        y.Backward();
        var expected = x.ToDoubleArray().Select(v => 8 * v + 2 * Math.Exp(2 * v) + 1).ToArray();
        AssertValues(expected, x.Grad);
    }

    [Fact]
    public void NoGradRecordsNothingAndEnableGradNestsInside()
    {
        var x = Leaf(1.0, 2.0);
        Assert.True(Autograd.IsGradEnabled);
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsGradEnabled);
            var y = x * 2.0;
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsLeaf);
            Assert.Null(y.GradFn);
            using (Autograd.EnableGrad())
            {
                Assert.True(Autograd.IsGradEnabled);
                var z = x * 2.0;
                Assert.True(z.RequiresGrad);
                Assert.Equal("Mul", z.GradFn);
            }
            Assert.False(Autograd.IsGradEnabled);
            Assert.False((x + 1.0).RequiresGrad);
        }
        Assert.True(Autograd.IsGradEnabled);
        Assert.True((x + 1.0).RequiresGrad);
    }

    [Fact]
    public void DetachSharesDataButStopsTheGradient()
    {
        var x = Leaf(1.5, -0.5);
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        (x * x.Detach()).Sum().Backward();
        AssertValues([1.5, -0.5], x.Grad);

        using (Autograd.NoGrad()) x.Fill(4.0);
        AssertValues([4.0, 4.0], d);
    }

    [Fact]
    public void BackwardOnANonScalarWithoutAGradientSaysWhatToDo()
    {
        var y = Tensor.Randn([2, 3], DType.Float64, requiresGrad: true) * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("only for a one-element output", e.Message);
        Assert.Contains("[2, 3] float64", e.Message);
        Assert.Contains("pass the output gradient explicitly", e.Message);
    }

    [Fact]
    public void BackwardWithAnExplicitGradient()
    {
        var x = Leaf(1.0, 2.0, 3.0);
        var y = x * x;
        y.Backward(Tensor.FromArray([1.0, 0.5, -2.0]));
        AssertValues([2.0, 2.0, -12.0], x.Grad);
    }

    [Fact]
    public void BackwardWithAGradientOfTheWrongShapeNamesBothShapes()
    {
        var y = Leaf(1.0, 2.0, 3.0) * 2.0;
        var e = Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones([2], DType.Float64)));
        Assert.Contains("[2] float64", e.Message);
        Assert.Contains("[3] float64", e.Message);
    }

    [Fact]
    public void BackwardOnATensorThatDoesNotRequireGradFails()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(3).Sum().Backward());
        Assert.Contains("does not require grad", e.Message);
    }

    [Fact]
    public void RetainGraphAllowsASecondBackward()
    {
        var x = Leaf(0.5, 1.0);
        var y = x.Exp().Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        AssertValues(x.ToDoubleArray().Select(v => 2 * Math.Exp(v)).ToArray(), x.Grad);
    }

    [Fact]
    public void ASecondBackwardWithoutRetainGraphFailsClearly()
    {
        var x = Leaf(0.5, 1.0);
        var y = x.Exp().Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("backward through the graph a second time", e.Message);
        Assert.Contains("retainGraph: true", e.Message);
    }

    [Fact]
    public void AHookObservesTheGradient()
    {
        var x = Leaf(1.0, 2.0);
        var h = x * 3.0;
        Tensor? seen = null;
        h.RegisterHook(g => { seen = g; return null; });
        (h * h).Sum().Backward();
        AssertValues([6.0, 12.0], seen);
        AssertValues([18.0, 36.0], x.Grad);
    }

    [Fact]
    public void AHookMayRunItsOwnBackwardPassInsideTheOuterOne()
    {
        var x = Leaf(1.0, 2.0);
        var z = Leaf(3.0);
        var h = x * 3.0;
        h.RegisterHook(g =>
        {
            // Hooks run with recording off, as in PyTorch; a nested pass turns it back on.
            using (Autograd.EnableGrad()) (z * z * 2.0).Sum().Backward();
            return null;
        });
        (h * h).Sum().Backward();
        AssertValues([18.0, 36.0], x.Grad);
        AssertValues([12.0], z.Grad);

        // Passes after it start from clean bookkeeping.
        x.Grad = null;
        (x * x * x).Sum().Backward();
        AssertValues([3.0, 12.0], x.Grad);
    }

    [Fact]
    public void AHookReplacesTheGradientAndCanBeRemoved()
    {
        var x = Leaf(1.0, 2.0);
        var remove = x.RegisterHook(g => g * 10.0);
        (x * x).Sum().Backward();
        AssertValues([20.0, 40.0], x.Grad);

        remove();
        x.Grad = null;
        (x * x).Sum().Backward();
        AssertValues([2.0, 4.0], x.Grad);
    }

    [Fact]
    public void RetainGradKeepsTheGradientOfANonLeaf()
    {
        var x = Leaf(1.0, -1.0);
        var kept = x * 2.0;
        var dropped = x * 3.0;
        kept.RetainGrad();
        (kept * kept + dropped).Sum().Backward();
        AssertValues([4.0, -4.0], kept.Grad);
        Assert.Null(dropped.Grad);
        AssertValues([11.0, -5.0], x.Grad);
    }

    [Fact]
    public void CreateGraphGivesTheHessianVectorProduct()
    {
        // f(x) = Σ xᵢ³ + x₀x₁, so H = diag(6x) + (e₀e₁ᵀ + e₁e₀ᵀ).
        var x = Leaf(0.5, -1.5, 2.0);
        var v = Tensor.FromArray([1.0, 2.0, -1.0]);
        var f = x.Pow(3.0).Sum() + x.Narrow(0, 0, 1) * x.Narrow(0, 1, 1);
        var grad = Autograd.Grad([f.Sum()], [x], createGraph: true)[0]!;
        Assert.True(grad.RequiresGrad);
        AssertValues([3 * 0.25 - 1.5, 3 * 2.25 + 0.5, 3 * 4.0], grad);

        var hv = Autograd.Grad([(grad * v).Sum()], [x])[0];
        AssertValues([6 * 0.5 * 1.0 + 2.0, 6 * -1.5 * 2.0 + 1.0, 6 * 2.0 * -1.0], hv);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void GradDoesNotAccumulateIntoLeaves()
    {
        var x = Leaf(1.0, 2.0);
        var g = Autograd.Grad((x * x).Sum(), x);
        AssertValues([2.0, 4.0], g);
        Assert.Null(x.Grad);
        Assert.False(g.RequiresGrad);
    }

    [Fact]
    public void GradWithRespectToAnIntermediateTensor()
    {
        var x = Leaf(0.5, -1.0);
        var h = x * 2.0;
        var g = Autograd.Grad(h.Exp().Sum(), h);
        AssertValues([Math.Exp(1.0), Math.Exp(-2.0)], g);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void GradModeIsPerThread()
    {
        var x = Leaf(1.0);
        bool recordedElsewhere = false;
        using (Autograd.NoGrad())
        {
            var other = new Thread(() => recordedElsewhere = (x * 2.0).RequiresGrad);
            other.Start();
            other.Join();
            Assert.False((x * 2.0).RequiresGrad);
        }
        Assert.True(recordedElsewhere);
    }

    [Fact]
    public void AllowUnusedReturnsNullForAnInputTheOutputDoesNotUse()
    {
        var x = Leaf(1.0, 2.0);
        var unused = Leaf(3.0);
        var y = (x * x).Sum();
        var grads = Autograd.Grad([y], [x, unused], retainGraph: true, allowUnused: true);
        AssertValues([2.0, 4.0], grads[0]);
        Assert.Null(grads[1]);

        var e = Assert.Throws<InvalidOperationException>(() => Autograd.Grad([y], [x, unused]));
        Assert.Contains("input 1 ([1] float64) was not used", e.Message);
        Assert.Contains("allowUnused: true", e.Message);
    }

    [Fact]
    public void ModifyingAnInputSavedForBackwardIsCaughtAndTheOpNamed()
    {
        var x = Leaf(1.0, 2.0, 3.0);
        var y = (x * x).Sum();
        using (Autograd.NoGrad()) x.AddInPlace(Tensor.OnesLike(x));
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("MulBackward", e.Message);
        Assert.Contains("modified by an in-place operation", e.Message);
        Assert.Contains("[3] float64", e.Message);
    }

    [Fact]
    public void ModifyingAConstantSavedForBackwardIsCaught()
    {
        var w = Leaf(1.0, 2.0);
        var c = Tensor.FromArray([3.0, 4.0]);
        var y = (w * c).Sum();
        c.MulInPlace(2.0);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("MulBackward: input 1", e.Message);
    }

    [Fact]
    public void ModifyingAnOutputSavedForBackwardIsCaughtAndTheOpNamed()
    {
        // exp's derivative is its output: changing the output after the forward pass would silently corrupt the gradient.
        var x = Leaf(0.5, 1.0);
        var y = x.Exp();
        var s = y.Sum();
        using (Autograd.NoGrad()) y.MulInPlace(2.0);
        var e = Assert.Throws<InvalidOperationException>(() => s.Backward());
        Assert.Contains("ExpBackward", e.Message);
        Assert.Contains("modified by an in-place operation", e.Message);
    }

    [Fact]
    public void InPlaceChangesToTensorsNotSavedForBackwardAreAllowed()
    {
        var x = Leaf(1.0, 2.0);
        var b = Tensor.FromArray([5.0, 6.0]);
        var y = (x + b).Sum();
        b.AddInPlace(Tensor.OnesLike(b));
        y.Backward();
        AssertValues([1.0, 1.0], x.Grad);
    }

    [Fact]
    public void ADeepChainBackpropagatesWithoutStackOverflow()
    {
        const int Depth = 100_000;
        var x = Tensor.Scalar(1.0, DType.Float64, requiresGrad: true);
        var y = x;
        for (int i = 0; i < Depth; i++) y = y + 1e-3;
        y.Backward();
        Assert.Equal(1.0, x.Grad!.Item());
        Assert.Equal(1.0 + Depth * 1e-3, y.Item(), 1e-6);
    }

    [Fact]
    public void GradientsOfBroadcastInputsHaveTheInputsShapes()
    {
        var a = Tensor.Ones([3, 1], DType.Float64, requiresGrad: true);
        var b = Tensor.Ones([4], DType.Float64, requiresGrad: true);
        var s = Tensor.Scalar(2.0, DType.Float64, requiresGrad: true);
        var c = Tensor.Ones([2, 1, 1], DType.Float64, requiresGrad: true);
        (a * b * s + c).Sum().Backward();
        Assert.Equal([3, 1], a.Grad!.Shape);
        Assert.Equal([4], b.Grad!.Shape);
        Assert.Equal([], s.Grad!.Shape);
        Assert.Equal([2, 1, 1], c.Grad!.Shape);
        AssertValues([16.0, 16.0, 16.0], a.Grad);
        AssertValues([12.0, 12.0, 12.0, 12.0], b.Grad);
        AssertValues([24.0], s.Grad);
        AssertValues([12.0, 12.0], c.Grad);
    }

    [Fact]
    public void MixedDTypesPromoteAndEachGradientKeepsItsInputsDType()
    {
        var a = Tensor.FromArray([1.5f, -2f]).SetRequiresGrad();
        var b = Tensor.FromArray([0.25, 4.0]).SetRequiresGrad();
        var y = a * b;
        Assert.Equal(DType.Float64, y.DType);
        y.Sum().Backward();
        Assert.Equal(DType.Float32, a.Grad!.DType);
        Assert.Equal(DType.Float64, b.Grad!.DType);
        AssertValues([0.25, 4.0], a.Grad);
        AssertValues([1.5, -2.0], b.Grad);
    }

    [Fact]
    public void AFloat32GradientIsAcceptedForAFloat64Output()
    {
        var x = Leaf(1.0, 2.0);
        (x * 2.0).Backward(Tensor.FromArray([1f, 3f]));
        Assert.Equal(DType.Float64, x.Grad!.DType);
        AssertValues([2.0, 6.0], x.Grad);
    }

    [Fact]
    public void RequiresGradCannotBeSetOnIntegerTensorsOrClearedOnNonLeaves()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Arange(3).SetRequiresGrad());
        Assert.Contains("int64", e.Message);
        var y = Leaf(1.0) * 2.0;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
    }
}
