using Nabla.Examples;

namespace Nabla.Tests.AutogradTests;

/// <summary>User-defined differentiable operations (<see cref="Function"/>, <see cref="MultiOutputFunction"/>): recording, contexts, checks and errors.</summary>
public sealed class CustomFunctionTests
{
    /// <summary>sin(a·b) and cos(a·b) as one two-output function whose backward broadcasts b's gradient; a combination of both for gradient checks.</summary>
    internal static Tensor SinCos(Tensor a, Tensor b)
    {
        var outputs = new SinCosOfProduct().Apply(a, b);
        return outputs[0] * 2 + outputs[1].Square();
    }

    private sealed class SinCosOfProduct : MultiOutputFunction
    {
        protected override Tensor[] Forward(FunctionContext ctx, Tensor[] inputs)
        {
            ctx.SaveForBackward(inputs[0], inputs[1]);
            var product = inputs[0] * inputs[1];
            return [product.Sin(), product.Cos()];
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor[] gradOutputs)
        {
            var (a, b) = (ctx.SavedTensors[0], ctx.SavedTensors[1]);
            var product = a * b;
            var gp = gradOutputs[0] * product.Cos() - gradOutputs[1] * product.Sin();
            // b's gradient is returned at the broadcast shape; the node sums it back to b's.
            return [ctx.NeedsInputGrad[0] ? gp * b : null, ctx.NeedsInputGrad[1] ? gp * a : null];
        }
    }

    /// <summary>eˣ, saving its output as PyTorch's exp does.</summary>
    private sealed class ExpSavingOutput : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            var y = inputs[0].Exp();
            ctx.SaveForBackward(y);
            return y;
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput * ctx.SavedTensors[0]];
    }

    /// <summary>scale · x, with the scale a constructor argument and a value kept on the context.</summary>
    private sealed class Scale(double scale) : Function
    {
        public IReadOnlyList<bool>? SeenNeedsInputGrad { get; private set; }

        public override string Name => "ScaleBy";

        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            ctx.Values["scale"] = scale;
            return inputs[0] * scale + inputs[1];
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            SeenNeedsInputGrad = ctx.NeedsInputGrad;
            double s = (double)ctx.Values["scale"]!;
            return [gradOutput * s, ctx.NeedsInputGrad[1] ? gradOutput : null];
        }
    }

    /// <summary>Returns its input; backward passes the gradient through.</summary>
    private sealed class Identity : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0];

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput];
    }

    /// <summary>Its values doubled and the index of the largest: an int64 output and a float output declared non-differentiable.</summary>
    private sealed class DoubleAndArgmax : MultiOutputFunction
    {
        protected override Tensor[] Forward(FunctionContext ctx, Tensor[] inputs)
        {
            var flag = inputs[0].Abs();
            ctx.MarkNonDifferentiable(flag);
            return [inputs[0] * 2, inputs[0].Argmax(), flag];
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor[] gradOutputs)
        {
            Assert.Equal(DType.Int64, gradOutputs[1].DType);
            Assert.Equal(0.0, gradOutputs[2].Abs().Sum().Item());
            return [gradOutputs[0] * 2];
        }
    }

    /// <summary>A backward that breaks the contract in a chosen way.</summary>
    private sealed class Broken(Func<Tensor, Tensor?[]> backward) : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return inputs[0] * 3;
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
        {
            _ = ctx.SavedTensors;
            return backward(gradOutput);
        }
    }

    private static Tensor Leaf(Generator g, params int[] shape) => Tensor.Randn(shape, DType.Float64, g, requiresGrad: true);

    [Fact]
    public void LegendreFunctionPassesFirstAndSecondOrderGradientChecks()
    {
        var g = new Generator(1);
        var x = Leaf(g, 4, 3);
        Func<Tensor[], Tensor> f = t => new LegendrePolynomial3().Apply(t[0]);
        GradCheck.Check(f, [x]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(f, [x]).ThrowIfFailed();
    }

    [Fact]
    public void TheRecordedNodeIsNamedAfterTheFunction()
    {
        var x = Leaf(new Generator(2), 3);
        Assert.Equal("LegendrePolynomial3", new LegendrePolynomial3().Apply(x).GradFn);
        Assert.Equal("ScaleBy", new Scale(2).Apply(x, x).GradFn);
        Assert.Contains("grad_fn=<ScaleByBackward>", new Scale(2).Apply(x, x).ToString());
    }

    [Fact]
    public void MultipleOutputsGetTheirOwnGradientsAndZerosWhenUnused()
    {
        var g = new Generator(3);
        var a = Leaf(g, 2, 3);
        var b = Leaf(g, 3);
        GradCheck.Check(t => SinCos(t[0], t[1]), [a, b]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(t => SinCos(t[0], t[1]), [a, b]).ThrowIfFailed();
        // Only the cosine is used: the sine's gradient arrives as zeros.
        GradCheck.Check(t => new SinCosOfProduct().Apply(t[0], t[1])[1], [a, b]).ThrowIfFailed();
        var outputs = new SinCosOfProduct().Apply(a, b);
        Assert.Equal([2, 3], outputs[0].Shape);
        Assert.True(outputs[0].RequiresGrad && outputs[1].RequiresGrad);
    }

    [Fact]
    public void IntegerAndMarkedOutputsDoNotRequireGrad()
    {
        var x = Tensor.FromArray([1.0, -3.0, 2.0], 3).SetRequiresGrad();
        var outputs = new DoubleAndArgmax().Apply(x);
        Assert.True(outputs[0].RequiresGrad);
        Assert.False(outputs[1].RequiresGrad);
        Assert.False(outputs[2].RequiresGrad);
        Assert.Equal(2L, outputs[1].Item<long>());
        outputs[0].Sum().Backward();
        Assert.Equal([2.0, 2.0, 2.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void ASavedOutputCarriesItsHistoryIntoDoubleBackward()
    {
        var x = Leaf(new Generator(4), 5);
        Func<Tensor[], Tensor> f = t => new ExpSavingOutput().Apply(t[0] * 0.5);
        GradCheck.Check(f, [x]).ThrowIfFailed();
        GradCheck.CheckSecondOrder(f, [x]).ThrowIfFailed();
        var y = new ExpSavingOutput().Apply(x);
        var dx = Autograd.Grad(y.Sum(), x, createGraph: true);
        var d2 = Autograd.Grad(dx.Sum(), x);
        Assert.True(d2.AllClose(x.Exp(), rtol: 1e-12));
    }

    [Fact]
    public void NeedsInputGradAndNonTensorValuesReachBackward()
    {
        var g = new Generator(5);
        var x = Leaf(g, 3);
        var c = Tensor.Randn([3], DType.Float64, g);
        var fn = new Scale(2.5);
        fn.Apply(x, c).Sum().Backward();
        Assert.Equal([true, false], fn.SeenNeedsInputGrad);
        Assert.True(x.Grad!.AllClose(Tensor.Full([3], 2.5, DType.Float64)));
    }

    [Fact]
    public void BackwardWithTheWrongNumberOfGradientsNamesTheFunction()
    {
        var x = Leaf(new Generator(6), 3);
        var y = new Broken(g => [g, g]).Apply(x);
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("BrokenBackward", error.Message);
        Assert.Contains("2 gradients", error.Message);
        Assert.Contains("1 inputs", error.Message);
    }

    [Fact]
    public void BackwardWithAGradientOfTheWrongShapeNamesTheShapes()
    {
        var x = Leaf(new Generator(7), 3);
        var y = new Broken(g => [Tensor.Ones([4], DType.Float64)]).Apply(x);
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("input 0", error.Message);
        Assert.Contains("[4]", error.Message);
        Assert.Contains("[3]", error.Message);
    }

    [Fact]
    public void ABroadcastGradientIsSummedToTheInputShape()
    {
        var x = Leaf(new Generator(8), 3);
        var y = new Broken(g => [g.Unsqueeze(0).Expand(2, 3) * 1.5]).Apply(x);
        y.Sum().Backward();
        Assert.True(x.Grad!.AllClose(Tensor.Full([3], 3.0, DType.Float64)));
    }

    [Fact]
    public void ASavedTensorChangedInPlaceIsCaught()
    {
        var w = Leaf(new Generator(9), 3);
        var input = w * 1;
        var y = new Broken(g => [g * 3]).Apply(input);
        using (Autograd.NoGrad()) input.Fill(7);
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("BrokenBackward: saved tensor 0", error.Message);
        Assert.Contains("modified by an in-place operation", error.Message);
    }

    [Fact]
    public void WithoutGradModeNothingIsRecordedAndOutputsAreNewHandles()
    {
        var x = Leaf(new Generator(11), 3);
        Tensor y;
        using (Autograd.NoGrad()) y = new LegendrePolynomial3().Apply(x);
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
        var same = new Identity().Apply(x);
        Assert.NotSame(x, same);
        Assert.Equal("Identity", same.GradFn);
        Assert.True(x.IsLeaf);
        same.Sum().Backward();
        Assert.True(x.Grad!.AllClose(Tensor.OnesLike(x)));
    }

    [Fact]
    public void ContextCallsAfterForwardAreRefused()
    {
        FunctionContext? kept = null;
        var fn = new Capturing(ctx => kept = ctx);
        var x = Leaf(new Generator(12), 2);
        fn.Apply(x);
        Assert.Throws<InvalidOperationException>(() => kept!.SaveForBackward(x));
        Assert.Throws<InvalidOperationException>(() => kept!.MarkNonDifferentiable(x));
    }

    private sealed class Capturing(Action<FunctionContext> keep) : Function
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            keep(ctx);
            return inputs[0] + 1;
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput) => [gradOutput];
    }

    [Fact]
    public void TheTutorialFitMatchesPyTorch()
    {
        // PyTorch 1.13, the tutorial's program (float32): loss at step 2000 8.94364070892334,
        // b -2.208526849746704, d 0.2554861009120941.
        var (losses, _, b, _, d) = CustomFunctionExample.Fit(2000, 5e-6);
        Assert.Equal(8.94364070892334, losses[^1], 8.94364070892334 * 1e-4);
        Assert.Equal(-2.208526849746704, b, 1e-4);
        Assert.Equal(0.2554861009120941, d, 1e-5);
    }
}
