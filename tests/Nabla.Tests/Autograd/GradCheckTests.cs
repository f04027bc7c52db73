namespace Nabla.Tests.AutogradTests;

/// <summary>Tests of <see cref="GradCheck"/> itself: it must catch wrong gradients, point at the right entry, and leave its inputs untouched.</summary>
public sealed class GradCheckTests
{
    private static Tensor Leaf(double[] values, params int[] shape) => Tensor.FromArray(values, shape).SetRequiresGrad();

    [Fact]
    public void DetectsAScaledGradientAndReportsTheWorstEntry()
    {
        var x = Leaf([0.1, -0.4, 0.7, 1.2], 2, 2);
        var scale = Tensor.FromArray([1.0, 1.0, 1.0, 3.0], 2, 2);
        Tensor F(Tensor[] xs)
        {
            var h = xs[0] * 1.0;
            if (h.RequiresGrad) h.RegisterHook(g => g * scale);
            return h.Exp();
        }

        var result = GradCheck.Check(F, [x]);

        Assert.False(result.Passed);
        Assert.Equal(16, result.Entries);
        Assert.Equal(1, result.Failures);
        Assert.Equal(0, result.InputIndex);
        Assert.Equal([1, 1], result.InputElement);
        Assert.Equal([1, 1], result.OutputElement);
        Assert.Equal(3 * Math.Exp(1.2), result.Analytic, 1e-12);
        Assert.Equal(Math.Exp(1.2), result.Numeric, 1e-8);
        Assert.Equal(2 * Math.Exp(1.2), result.MaxAbsError, 1e-8);
        Assert.Contains("failed", result.Message);
        Assert.Contains("d output[1, 1] / d input 0[1, 1]", result.Message);
        var error = Assert.Throws<InvalidOperationException>(result.ThrowIfFailed);
        Assert.Equal(result.Message, error.Message);
    }

    [Fact]
    public void ReportsTheWorstEntryOfTheRightInput()
    {
        var a = Leaf([0.5, -1.0, 2.0], 3);
        var b = Leaf([1.5, 0.25], 2, 1);
        Tensor F(Tensor[] xs)
        {
            var bb = xs[1] * 1.0;
            if (bb.RequiresGrad) bb.RegisterHook(g => g + 0.5);
            return xs[0] * bb;
        }

        var result = GradCheck.Check(F, [a, b]);

        // Every entry of b's Jacobian is off by 0.5; relative to its tolerance the worst is the first one whose
        // true value is 0: output[1, 0] does not depend on b[0, 0].
        Assert.False(result.Passed);
        Assert.Equal(3 * 6 + 2 * 6, result.Entries);
        Assert.Equal(2 * 6, result.Failures);
        Assert.Equal(1, result.InputIndex);
        Assert.Equal([0, 0], result.InputElement);
        Assert.Equal([1, 0], result.OutputElement);
        Assert.Equal(0.5, result.Analytic, 1e-12);
        Assert.Equal(0.0, result.Numeric);
    }

    [Fact]
    public void SecondOrderCatchesAWrongSecondDerivativeThatFirstOrderAccepts()
    {
        var x = Leaf([0.3, -0.8, 1.1], 3);
        // The hook multiplies the gradient by c/h with c = h detached: the value is unchanged, but with
        // createGraph the backward graph gains a spurious dependency on h, so only the Hessian is wrong.
        static Tensor F(Tensor[] xs)
        {
            var h = xs[0] * 1.0;
            if (h.RequiresGrad) h.RegisterHook(g => g * h.Detach() / h);
            return h.Exp();
        }

        Assert.True(GradCheck.Check(F, [x]).Passed);
        var second = GradCheck.CheckSecondOrder(F, [x]);
        Assert.False(second.Passed);
        Assert.Equal(3, second.Failures);
        Assert.StartsWith("GradCheck.CheckSecondOrder failed", second.Message);
    }

    [Fact]
    public void SecondOrderPassesForAKnownHessian()
    {
        var x = Leaf([0.3, -0.8, 1.1, 0.6], 2, 2);
        var result = GradCheck.CheckSecondOrder(xs => (xs[0].Pow(3.0) * xs[0].T).Sum(1), [x]);
        Assert.True(result.Passed, result.Message);
        Assert.Equal(16, result.Entries);
    }

    [Fact]
    public void LeavesTheInputsBitForBitUnchanged()
    {
        var x = Tensor.Randn([3, 4], DType.Float64, new Generator(7), requiresGrad: true);
        var before = x.ToArray<double>();
        int version = x.Version;

        GradCheck.Check(xs => xs[0].Exp().Sum(0), [x]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(xs => xs[0].Exp().Sum(0), [x]).ThrowIfFailed();

        Assert.Equal(before, x.ToArray<double>());
        Assert.Equal(version, x.Version);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void ChecksAStridedLeafAndSkipsConstantInputs()
    {
        var transposedLeaf = Tensor.Randn([4, 3], DType.Float64, new Generator(1)).T.SetRequiresGrad();
        Assert.False(transposedLeaf.IsContiguous);
        var constant = Tensor.Randn([3, 4], DType.Float64, new Generator(2));
        var index = Tensor.FromArray(new long[] { 2, 0 });

        var result = GradCheck.Check(xs => (xs[0] * xs[1]).IndexSelect(0, xs[2]).Tanh(), [transposedLeaf, constant, index]);

        Assert.True(result.Passed, result.Message);
        Assert.Equal(12 * 8, result.Entries);
    }

    [Fact]
    public void AnUnusedInputHasAZeroJacobianOnBothSides()
    {
        var used = Tensor.Randn([3], DType.Float64, new Generator(3), requiresGrad: true);
        var unused = Tensor.Randn([2], DType.Float64, new Generator(4), requiresGrad: true);
        var result = GradCheck.Check(xs => xs[0].Sigmoid(), [used, unused]);
        Assert.True(result.Passed, result.Message);
        Assert.Equal(3 * 3 + 2 * 3, result.Entries);
        var constantOutput = GradCheck.Check(_ => Tensor.Ones([2], DType.Float64), [used]);
        Assert.True(constantOutput.Passed);
        Assert.Equal(0, constantOutput.MaxAbsError);
    }

    [Fact]
    public void PassingResultDoesNotThrowAndSaysPassed()
    {
        var x = Tensor.Randn([2, 3], DType.Float64, new Generator(5), requiresGrad: true);
        var result = GradCheck.Check(xs => xs[0].Softmax(1), [x]);
        result.ThrowIfFailed();
        Assert.StartsWith("GradCheck.Check passed: 36 Jacobian entries", result.ToString());
    }

    [Fact]
    public void RejectsFloat32Inputs()
    {
        var x = Tensor.Randn([2, 3], DType.Float32, requiresGrad: true);
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Check(xs => xs[0].Exp(), [x]));
        Assert.Contains("input 0 ([2, 3] float32) must be float64", e.Message);
    }

    [Fact]
    public void RejectsAFloat32Output()
    {
        var x = Tensor.Randn([2], DType.Float64, requiresGrad: true);
        var e = Assert.Throws<InvalidOperationException>(() => GradCheck.Check(xs => xs[0].To(DType.Float32), [x]));
        Assert.Contains("returned [2] float32; it must return float64", e.Message);
    }

    [Fact]
    public void RejectsANonLeafInput()
    {
        var x = Tensor.Randn([2, 3], DType.Float64, requiresGrad: true);
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Check(xs => xs[0].Exp(), [x.T]));
        Assert.Contains("input 0 ([3, 2] float64) was computed by Permute", e.Message);
    }

    [Fact]
    public void RejectsAnExpandedLeaf()
    {
        var x = Tensor.Randn([1, 3], DType.Float64).Expand(4, 3).SetRequiresGrad();
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Check(xs => xs[0].Exp(), [x]));
        Assert.Contains("expanded view", e.Message);
    }

    [Fact]
    public void RejectsInputsWithNothingToCheck()
    {
        var x = Tensor.Randn([2], DType.Float64);
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Check(xs => xs[0].Exp(), [x]));
        Assert.Contains("no input requires grad", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradCheck.Check(xs => xs[0], [x.SetRequiresGrad()], eps: 0));
    }
}
