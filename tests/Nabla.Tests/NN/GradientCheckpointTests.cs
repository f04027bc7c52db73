using Nabla.NN;
using Nabla.Tests.Data;

namespace Nabla.Tests.NN;

[Collection(GlobalGeneratorCollection.Name)]
public sealed class GradientCheckpointTests
{
    private static Residual Block(int seed, int width, double dropout = 0, Generator? dropoutGenerator = null)
    {
        var g = new Generator((ulong)seed);
        var block = new Sequential(new Linear(width, 2 * width, dtype: DType.Float64, generator: g), new Tanh());
        if (dropout > 0) block.Add(new Dropout(dropout, dropoutGenerator));
        block.Add(new Linear(2 * width, width, dtype: DType.Float64, generator: g));
        return new Residual(block);
    }

    private static Module[] Blocks(int count, int width, double dropout = 0, Generator? dropoutGenerator = null) =>
        [.. Enumerable.Range(0, count).Select(i => Block(10 + i, width, dropout, dropoutGenerator))];

    /// <summary>The input's and every parameter's gradient of Σ model(x)·r, copied out.</summary>
    private static double[][] Gradients(Module model, Tensor x, Tensor r)
    {
        model.ZeroGrad();
        x.Grad = null;
        (model.Forward(x) * r).Sum().Backward();
        return [x.Grad!.ToDoubleArray(), .. model.Parameters().Select(p => p.Grad!.ToDoubleArray())];
    }

    private static void AssertIdentical(double[][] expected, double[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].SequenceEqual(actual[i]), $"gradient {i} differs from the plain run's");
    }

    private static Sequential Checkpointed(Module[] blocks) => new([.. blocks.Select(b => (Module)new Checkpoint(b))]);

    [Fact]
    public void ResidualMlpStackHasThePlainGradients()
    {
        var blocks = Blocks(4, 6);
        var x = NNTestUtil.Sample(1, 5, 6).SetRequiresGrad();
        var r = NNTestUtil.Sample(2, 5, 6);
        var plain = Gradients(new Sequential(blocks), x, r);
        var checkpointed = Gradients(Checkpointed(blocks), x, r);
        AssertIdentical(plain, checkpointed);
    }

    [Fact]
    public void LstmStackHasThePlainGradients()
    {
        // The stacks of the benchmark's checkpoint workload (--stack lstm), small: every layer a checkpointed block.
        var g = new Generator(7);
        Module[] blocks = [.. Enumerable.Range(0, 3).Select(_ => (Module)new LSTM(4, 4, batchFirst: true, dtype: DType.Float64, generator: g))];
        var x = NNTestUtil.Sample(1, 2, 5, 4).SetRequiresGrad();
        var r = NNTestUtil.Sample(2, 2, 5, 4);
        var plain = Gradients(new Sequential(blocks), x, r);
        var checkpointed = Gradients(Checkpointed(blocks), x, r);
        AssertIdentical(plain, checkpointed);
    }

    [Fact]
    public void TransformerStackWithDropoutHasThePlainGradients()
    {
        var dropout = new Generator(9);
        Module[] blocks = [.. Enumerable.Range(0, 3).Select(i =>
            (Module)new TransformerEncoderLayer(8, 2, 16, dropout: 0.1, batchFirst: true, dtype: DType.Float64, generator: dropout))];
        var x = NNTestUtil.Sample(3, 2, 5, 8).SetRequiresGrad();
        var r = NNTestUtil.Sample(4, 2, 5, 8);
        dropout.Reseed(1);
        var plain = Gradients(new Sequential(blocks), x, r);
        dropout.Reseed(1);
        var checkpointed = Gradients(Checkpointed(blocks), x, r);
        AssertIdentical(plain, checkpointed);
    }

    [Fact]
    public void DropoutDrawsTheSameMasksInTheRecompute()
    {
        var own = new Generator(3);
        var blocks = Blocks(3, 5, dropout: 0.5).Concat(Blocks(2, 5, dropout: 0.3, dropoutGenerator: own)).ToArray();
        var x = NNTestUtil.Sample(4, 7, 5).SetRequiresGrad();
        var r = NNTestUtil.Sample(5, 7, 5);

        Generator.ManualSeed(42);
        own.Reseed(3);
        var plain = Gradients(new Sequential(blocks), x, r);
        var defaultAfterPlain = Generator.Default.GetState();
        var ownAfterPlain = own.GetState();

        Generator.ManualSeed(42);
        own.Reseed(3);
        var checkpointed = Gradients(Checkpointed(blocks), x, r);
        AssertIdentical(plain, checkpointed);
        // The recompute replays the generators and puts them back, so the run leaves them where the plain run does.
        Assert.Equal(defaultAfterPlain, Generator.Default.GetState());
        Assert.Equal(ownAfterPlain, own.GetState());
    }

    [Fact]
    public void WithoutRngPreservationTheRecomputeDrawsNewMasks()
    {
        var block = Block(1, 5, dropout: 0.5);
        var x = NNTestUtil.Sample(4, 7, 5).SetRequiresGrad();
        var r = NNTestUtil.Sample(5, 7, 5);
        Generator.ManualSeed(42);
        var plain = Gradients(block, x, r);
        Generator.ManualSeed(42);
        var unpreserved = Gradients(new Checkpoint(block, preserveRngState: false), x, r);
        Assert.False(plain[0].SequenceEqual(unpreserved[0]));
    }

    [Fact]
    public void NestedCheckpointsAndInt64InputsHaveThePlainGradients()
    {
        var g = new Generator(8);
        var embedding = new Embedding(11, 4, dtype: DType.Float64, generator: g);
        var inner = Blocks(2, 4);
        var model = new Sequential(embedding, inner[0], inner[1]);
        var nested = new Checkpoint(new Sequential(new Checkpoint(embedding), new Checkpoint(inner[0]), inner[1]));
        var ids = Tensor.FromArray([1L, 4, 7, 10, 4, 0], 2, 3);
        var r = NNTestUtil.Sample(9, 2, 3, 4);

        double[][] Grads(Module m)
        {
            m.ZeroGrad();
            (m.Forward(ids) * r).Sum().Backward();
            return [.. m.Parameters().Select(p => p.Grad!.ToDoubleArray())];
        }
        AssertIdentical(Grads(model), Grads(nested));
    }

    [Fact]
    public void InsideATensorScopeTheGradientsOutliveTheScope()
    {
        var blocks = Blocks(3, 6);
        var x = NNTestUtil.Sample(1, 5, 6).SetRequiresGrad();
        var r = NNTestUtil.Sample(2, 5, 6);
        var plain = Gradients(new Sequential(blocks), x, r);
        double[][] checkpointed;
        using (TensorScope.Begin())
        {
            var model = Checkpointed(blocks);
            model.ZeroGrad();
            x.Grad = null;
            (model.Forward(x) * r).Sum().Backward();
        }
        checkpointed = [x.Grad!.ToDoubleArray(), .. blocks.SelectMany(b => b.Parameters()).Select(p => p.Grad!.ToDoubleArray())];
        AssertIdentical(plain, checkpointed);
    }

    [Fact]
    public void TheForwardPassRecordsOneNodeOverTheInputAndTheParameters()
    {
        var block = Block(1, 3);
        var x = NNTestUtil.Sample(1, 2, 3).SetRequiresGrad();
        var y = new Checkpoint(block).Forward(x);
        Assert.Equal("Checkpoint", y.GradFn);
        Assert.Equal([x, .. block.Parameters()], y.Node!.Inputs);
    }

    [Fact]
    public void FrozenParametersAndNoGradAreLeftAlone()
    {
        var block = Block(1, 3);
        block.SetRequiresGrad(false);
        var x = NNTestUtil.Sample(1, 2, 3).SetRequiresGrad();
        new Checkpoint(block).Forward(x).Sum().Backward();
        Assert.NotNull(x.Grad);
        Assert.All(block.Parameters(), p => Assert.Null(p.Grad));

        block.SetRequiresGrad(true);
        using (Autograd.NoGrad())
            Assert.False(new Checkpoint(block).Forward(x).RequiresGrad);
    }

    [Fact]
    public void AFunctionReturningItsInputGetsANodeOfItsOwn()
    {
        var x = NNTestUtil.Sample(1, 3).SetRequiresGrad();
        var y = Functional.Checkpoint(v => v[0], x);
        Assert.True(x.IsLeaf);
        (y * 2.0).Sum().Backward();
        Assert.Equal([2.0, 2.0, 2.0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void DoubleBackwardThrowsNamingCheckpoint()
    {
        var x = NNTestUtil.Sample(1, 4).SetRequiresGrad();
        var y = Functional.Checkpoint(v => v[0].Tanh().Sum(), x);
        var ex = Assert.Throws<NotSupportedException>(() => Autograd.Grad(y, x, createGraph: true));
        Assert.Contains("Checkpoint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACapturedNonLeafMustBePassedAsAnInput()
    {
        var w = NNTestUtil.Sample(1, 3).SetRequiresGrad();
        var h = w * 2.0;
        var x = NNTestUtil.Sample(2, 3).SetRequiresGrad();
        var ex = Assert.Throws<InvalidOperationException>(() => Functional.Checkpoint(v => v[0] * h, x));
        Assert.Contains("Checkpoint", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pass it as an input", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AParameterChangedBeforeBackwardIsCaught()
    {
        var block = Block(1, 3);
        var x = NNTestUtil.Sample(1, 2, 3).SetRequiresGrad();
        var y = new Checkpoint(block).Forward(x).Sum();
        using (Autograd.NoGrad()) block.Parameters().First().MulInPlace(0.5);
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("CheckpointBackward", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArgumentsAreValidated()
    {
        Assert.Throws<ArgumentNullException>(() => new Checkpoint(null!));
        Assert.Throws<ArgumentNullException>(() => Functional.Checkpoint(null!, Tensor.Zeros(2)));
        Assert.Throws<ArgumentNullException>(() => Functional.Checkpoint(v => v[0], [null!], preserveRngState: true));
    }
}
