namespace Nabla.Tests.AutogradTests;

/// <summary>
/// In-place writes recorded by autograd as PyTorch records them: rebased histories, writes into views (CopySlices on
/// the base, the view's new history through it), leaf errors, the version counter's checks, higher order. Expected
/// values are PyTorch 1.13's for the same programs.
/// </summary>
public sealed class InPlaceAutogradTests
{
    private static Tensor Leaf(params double[] values) => Tensor.FromArray(values).SetRequiresGrad();

    private static Tensor Leaf2x3() => Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3).SetRequiresGrad();

    [Fact]
    public void AnInPlaceOpOnANonLeafRebasesItsHistory()
    {
        var x = Leaf(1, 2, 3);
        var a = x * 2.0;
        a.MulInPlace(3);
        Assert.Equal("Mul", a.GradFn);
        a.Sum().Backward();
        Assert.Equal([6.0, 6, 6], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void OpsThatReadTheTensorBeforeTheWriteKeepTheOldHistory()
    {
        var x = Leaf(1, 2, 3);
        var a = x * 2.0;
        var c = a + 1.0;
        a[0] = 0;
        (c.Sum() + a.Sum()).Backward();
        Assert.Equal([2.0, 4, 4], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MultiplyingInPlaceByATensorThatRequiresGradDifferentiatesBothFactors()
    {
        var x = Leaf(1, 2, 3);
        var z = Leaf(2, 3, 4);
        var a = x * 1.0;
        a.MulInPlace(z);
        a.Sum().Backward();
        Assert.Equal([2.0, 3, 4], x.Grad!.ToArray<double>());
        Assert.Equal([1.0, 2, 3], z.Grad!.ToArray<double>());
    }

    [Fact]
    public void AWriteIntoAViewRebasesTheBaseAsCopySlices()
    {
        var x = Leaf2x3();
        var b = x * 1.0;
        var v = b[.., 1..3];
        v.Fill(0);
        Assert.Equal("CopySlices", b.GradFn);
        Assert.Equal("AsStrided", v.GradFn);
        b.Sum().Backward();
        Assert.Equal([1.0, 0, 0, 1, 0, 0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void AnotherViewOfTheBaseSeesTheWrite()
    {
        var x = Leaf2x3();
        var y = Leaf(7, 8);
        var b = x * 1.0;
        var v = b.Narrow(1, 0, 2);
        b[.., 0] = y;
        v.Sum().Backward();
        Assert.Equal([0.0, 1, 0, 0, 1, 0], x.Grad!.ToArray<double>());
        Assert.Equal([1.0, 1], y.Grad!.ToArray<double>());
        Assert.Equal([7.0, 2, 8, 5], v.ToArray<double>());
    }

    [Fact]
    public void AViewReadBeforeTheWriteKeepsItsHistory()
    {
        var x = Leaf2x3();
        var b = x * 1.0;
        var w = b[0] * 1.0;
        b[0] = 5;
        w.Sum().Backward();
        Assert.Equal([1.0, 1, 1, 0, 0, 0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void WritingValuesThatRequireGradIntoAPlainBufferRecordsTheWrite()
    {
        var x = Leaf(1, 2, 3);
        var buffer = Tensor.Zeros([2, 3], DType.Float64);
        buffer[1].CopyFrom(x * x);
        Assert.True(buffer.RequiresGrad);
        Assert.Equal("CopySlices", buffer.GradFn);
        (buffer * 2.0).Sum().Backward();
        Assert.Equal([4.0, 8, 12], x.Grad!.ToArray<double>());

        var sum = Tensor.Zeros([3], DType.Float64);
        var z = Leaf(1, 1, 1);
        sum.AddInPlace(z, alpha: 3);
        sum.Sum().Backward();
        Assert.Equal([3.0, 3, 3], z.Grad!.ToArray<double>());
    }

    [Fact]
    public void RepeatedWritesIntoOneBufferEachReachTheirValues()
    {
        var x = Leaf(1, 2);
        var h = Tensor.Zeros([4, 2], DType.Float64);
        for (int t = 0; t < 4; t++) h[t] = x * (double)t;
        h.Sum().Backward();
        Assert.Equal([6.0, 6], x.Grad!.ToArray<double>());
        Assert.Equal([0.0, 0, 1, 2, 2, 4, 3, 6], h.ToArray<double>());
    }

    [Fact]
    public void ALeafThatRequiresGradCannotBeWrittenOutsideNoGrad()
    {
        var x = Leaf(1, 2, 3);
        var e = Assert.Throws<InvalidOperationException>(() => x[0] = 1);
        Assert.Contains("leaf Variable that requires grad", e.Message);
        var view = Assert.Throws<InvalidOperationException>(() => x.Narrow(0, 0, 2).Fill(0));
        Assert.Contains("a view of a leaf Variable", view.Message);
        Assert.Contains("[3] float64", view.Message);
        Assert.Throws<InvalidOperationException>(() => x.AddInPlace(Tensor.Ones([3], DType.Float64)));
        Assert.Throws<InvalidOperationException>(() => x.IndexPutInPlace([Tensor.FromArray(new long[] { 0 })], 2.0));
        Assert.Equal([1.0, 2, 3], x.ToArray<double>());
    }

    [Fact]
    public void InsideNoGradALeafIsUpdatedWithoutAHistory()
    {
        var x = Leaf(1, 2, 3);
        using (Autograd.NoGrad())
        {
            x.AddInPlace(Tensor.Ones([3], DType.Float64), alpha: 2);
            x[0] = 0;
            x.MulInPlace(2);
        }
        Assert.True(x.IsLeaf);
        Assert.Null(x.History);
        Assert.Equal([0.0, 8, 10], x.ToArray<double>());
    }

    [Fact]
    public void AnOutputSavedForBackwardThatIsOverwrittenIsReported()
    {
        var x = Leaf(1, 2, 3);
        var b = (x * 2.0).Sigmoid();
        b[0] = 0;
        var e = Assert.Throws<InvalidOperationException>(() => (b * 2.0).Sum().Backward());
        Assert.Contains("Sigmoid", e.Message);
        Assert.Contains("modified by an in-place operation", e.Message);
    }

    [Fact]
    public void AnInputThatWasNotSavedMayBeOverwritten()
    {
        var x = Leaf(0.5, 1, 1.5);
        var a = x * 2.0;
        var b = a.Exp();
        a[0] = 0;
        b.Sum().Backward();
        var expected = x.ToArray<double>().Select(v => 2 * Math.Exp(2 * v)).ToArray();
        var actual = x.Grad!.ToArray<double>();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    [Fact]
    public void ASavedInputOverwrittenByARecordedWriteIsReported()
    {
        var x = Leaf(1, 2, 3);
        var a = x * 1.0;
        var c = a * a;
        a.AddInPlace(Tensor.Ones([3], DType.Float64));
        var e = Assert.Throws<InvalidOperationException>(() => c.Sum().Backward());
        Assert.Contains("MulBackward", e.Message);
    }

    [Fact]
    public void AValueOverwrittenBehindAutogradsBackIsReported()
    {
        var x = Leaf(1, 2, 3);
        var y = x.Exp();
        using (Autograd.NoGrad()) y[0] = 1;
        var e = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("ExpBackward", e.Message);
    }

    [Fact]
    public void HigherOrderGradientsFlowThroughAnInPlaceWrite()
    {
        var x = Leaf(1, 2, 3);
        var y = x * 1.0;
        y[0] = x[1] * x[1];
        var g = Autograd.Grad(y.Sum(), x, createGraph: true);
        Assert.Equal([0.0, 5, 1], g.ToArray<double>());
        var gg = Autograd.Grad(g.Sum(), x);
        Assert.Equal([0.0, 2, 0], gg.ToArray<double>());
    }

    [Fact]
    public void FunctionsThatAssignIntoIntermediatesPassGradCheck()
    {
        static Tensor ColumnFromColumn(Tensor[] x)
        {
            var y = x[0] * 1.0;
            y[.., 0] = x[0][.., 1] * 2.0;
            return y.Sum();
        }

        static Tensor SquaredAfterWrites(Tensor[] x)
        {
            var y = x[0].Sin();
            y[.., 0] = x[0][.., 1] * x[1];
            y[Tensor.FromArray(new long[] { 1 }), 1..] = x[1].Exp();
            y.Narrow(1, 2, 1).MulInPlace(x[1].Unsqueeze(1));
            return (y * y).Sum();
        }

        var g = new Generator(7);
        var a = Tensor.Randn([2, 3], DType.Float64, g).SetRequiresGrad();
        var b = Tensor.Randn([2], DType.Float64, g).SetRequiresGrad();
        foreach (var f in new Func<Tensor[], Tensor>[] { ColumnFromColumn, SquaredAfterWrites })
        {
            Assert.True(GradCheck.Check(f, [a, b]).Passed);
            Assert.True(GradCheck.CheckSecondOrder(f, [a, b]).Passed);
        }
    }

    [Fact]
    public void WritesIntoATransposedViewRouteGradientsThroughTheBase()
    {
        var x = Leaf2x3();
        var v = Leaf(10, 20);
        var b = x * 1.0;
        var t = b.T;
        t[1] = v;
        Assert.Equal([1.0, 10, 3, 4, 20, 6], b.ToArray<double>());
        (t * Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 3, 2)).Sum().Backward();
        Assert.Equal([1.0, 0, 5, 2, 0, 6], x.Grad!.ToArray<double>());
        Assert.Equal([3.0, 4], v.Grad!.ToArray<double>());
    }
}
