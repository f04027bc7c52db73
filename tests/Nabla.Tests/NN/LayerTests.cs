using Nabla.NN;

namespace Nabla.Tests.NN;

public sealed class LayerTests
{
    /// <summary>Σ layer(x)·R for a fixed random R: a scalar whose gradient is a generic vector-Jacobian product.</summary>
    private static Func<Tensor> Probe(Module layer, Tensor x, int seed = 99)
    {
        Tensor? r = null;
        return () =>
        {
            var y = layer.Forward(x);
            r ??= NNTestUtil.Sample(seed, [.. y.Shape]);
            return (y * r).Sum();
        };
    }

    private static void CheckLayer(Module layer, Tensor x, bool includeInput = true)
    {
        var wrt = NNTestUtil.Params(layer);
        if (includeInput) wrt.Add(x.SetRequiresGrad());
        NNTestUtil.CheckGradients(Probe(layer, x), wrt, what: layer.GetType().Name);
    }

    [Fact]
    public void LinearComputesXWTransposePlusB()
    {
        var layer = new Linear(3, 2, dtype: DType.Float64);
        using (Autograd.NoGrad())
        {
            layer.Weight.CopyFrom(Tensor.FromArray([1.0, 2, 3, -1, 0, 1], 2, 3));
            layer.Bias!.CopyFrom(Tensor.FromArray([0.5, -0.5]));
        }
        var y = layer.Forward(Tensor.FromArray([1.0, 1, 1, 2, 0, -1], 2, 3));
        Assert.Equal([6.5, -0.5, -0.5, -3.5], y.ToDoubleArray());
        Assert.Equal([4, 5, 2], layer.Forward(Tensor.Ones([4, 5, 3], DType.Float64)).Shape);
        Assert.Equal([2], layer.Forward(Tensor.Ones([3], DType.Float64)).Shape);
    }

    [Fact]
    public void LinearRejectsAWrongInputWidth()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear(784, 10).Forward(Tensor.Zeros(32, 100)));
        Assert.StartsWith("Linear: expected input with last dim 784, got [32, 100] float32", e.Message);
        Assert.Contains("inFeatures must be positive, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(0, 3)).Message);
    }

    [Fact]
    public void LinearInitialisationMatchesPyTorchBounds()
    {
        var layer = new Linear(400, 300, generator: new Generator(7));
        double bound = 1 / Math.Sqrt(400);
        var w = layer.Weight.ToDoubleArray();
        var b = layer.Bias!.ToDoubleArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.All(b, v => Assert.InRange(v, -bound, bound));
        double std = Math.Sqrt(w.Select(v => v * v).Average());
        Assert.InRange(std, 0.97 * bound / Math.Sqrt(3), 1.03 * bound / Math.Sqrt(3));
        Assert.Equal(w, new Linear(400, 300, generator: new Generator(7)).Weight.ToDoubleArray());
    }

    [Fact]
    public void LinearGradientsMatchFiniteDifferences()
    {
        CheckLayer(new Linear(4, 3, dtype: DType.Float64, generator: new Generator(1)), NNTestUtil.Sample(1, 5, 4));
        CheckLayer(new Linear(3, 2, bias: false, dtype: DType.Float64, generator: new Generator(2)), NNTestUtil.Sample(2, 2, 4, 3));
    }

    [Fact]
    public void NormalisationGradientsMatchFiniteDifferences()
    {
        var ln = new LayerNorm([3, 4], dtype: DType.Float64);
        Randomise(ln, 3);
        CheckLayer(ln, NNTestUtil.Sample(4, 2, 3, 4));
        var gn = new GroupNorm(2, 4, dtype: DType.Float64);
        Randomise(gn, 5);
        CheckLayer(gn, NNTestUtil.Sample(6, 3, 4, 5));
        var bn1 = new BatchNorm1d(3, dtype: DType.Float64);
        Randomise(bn1, 7);
        CheckLayer(bn1, NNTestUtil.Sample(8, 5, 3));
        var bn2 = new BatchNorm2d(2, dtype: DType.Float64);
        Randomise(bn2, 9);
        CheckLayer(bn2, NNTestUtil.Sample(10, 2, 2, 3, 3));
        bn2.Eval();
        CheckLayer(bn2, NNTestUtil.Sample(11, 2, 2, 3, 3));
    }

    private static void Randomise(Module m, int seed)
    {
        foreach (var p in m.Parameters()) Init.Normal(p, 1, 0.5, new Generator((ulong)seed));
    }

    [Fact]
    public void EmbeddingResidualAndActivationGradientsMatchFiniteDifferences()
    {
        var emb = new Embedding(6, 3, dtype: DType.Float64, generator: new Generator(3));
        CheckLayer(emb, Tensor.FromArray(new long[] { 1, 5, 1, 0, 2, 2 }, 2, 3), includeInput: false);

        var residual = new Residual(new Sequential(new Linear(3, 4, dtype: DType.Float64), new Tanh()), new Linear(3, 4, bias: false, dtype: DType.Float64));
        CheckLayer(residual, NNTestUtil.Sample(12, 5, 3));

        Module[] activations = [new ReLU(), new LeakyReLU(0.2), new ELU(0.7), new GELU(), new Sigmoid(), new Tanh(), new SiLU(),
            new Softplus(2, 3), new Softmax(0), new LogSoftmax(1), new Flatten(), new Identity()];
        foreach (var act in activations) CheckLayer(act, NNTestUtil.Sample(13, 3, 4, 2));
    }

    [Fact]
    public void ActivationsMatchTheirDefinitions()
    {
        var x = Tensor.FromArray([-2.0, -0.5, 0.5, 3.0]);
        Assert.Equal([0.0, 0, 0.5, 3], new ReLU().Forward(x).ToDoubleArray());
        Assert.Equal([-0.2, -0.05, 0.5, 3], new LeakyReLU(0.1).Forward(x).ToDoubleArray());
        Assert.Equal(Math.Tanh(0.5), new Tanh().Forward(x).ItemAt(2), 15);
        Assert.Equal(1 / (1 + Math.Exp(2.0)), new Sigmoid().Forward(x).ItemAt(0), 15);
        Assert.Equal(2 * (Math.Exp(-2.0) - 1), new ELU(2).Forward(x).ItemAt(0), 15);
        Assert.Equal(3.0, new Softplus(1, threshold: 2).Forward(x).ItemAt(3));
        Assert.Equal(1.0, new Softmax().Forward(x).Sum().Item(), 15);
        Assert.Equal("LeakyReLU(negative_slope=0.1)", new LeakyReLU(0.1).ToString());
        Assert.Equal("Softplus(beta=2.0, threshold=20.0)", new Softplus(2).ToString());
    }

    [Fact]
    public void EmbeddingLooksUpRowsAndSkipsThePaddingRow()
    {
        var emb = new Embedding(5, 2, paddingIdx: -1, generator: new Generator(1));
        Assert.Equal(4, emb.PaddingIdx);
        Assert.Equal([0.0, 0.0], emb.Weight.Narrow(0, 4, 1).ToDoubleArray());
        var idx = Tensor.FromArray(new long[] { 4, 1, 4, 0 }, 2, 2);
        var y = emb.Forward(idx);
        Assert.Equal([2, 2, 2], y.Shape);
        Assert.Equal(emb.Weight.Narrow(0, 1, 1).ToDoubleArray(), y.Narrow(0, 0, 1).Narrow(1, 1, 1).ToDoubleArray());
        y.Sum().Backward();
        Assert.Equal([1.0, 1, 1, 1, 0, 0, 0, 0, 0, 0], emb.Weight.Grad!.ToDoubleArray());

        Assert.StartsWith("Embedding: index 5 is out of range for 5 embeddings",
            Assert.Throws<ArgumentOutOfRangeException>(() => emb.Forward(Tensor.FromArray(new long[] { 0, 5 }))).Message);
        Assert.StartsWith("Embedding: the indices must be int64, got [2] float32",
            Assert.Throws<ArgumentException>(() => emb.Forward(Tensor.FromArray([0f, 1f]))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(5, 2, paddingIdx: 5));
    }

    [Fact]
    public void FlattenAndIdentityKeepData()
    {
        var x = Tensor.Randn(2, 3, 4, 5);
        Assert.Equal([2, 60], new Flatten().Forward(x).Shape);
        Assert.Equal([2, 12, 5], new Flatten(1, 2).Forward(x).Shape);
        Assert.Same(x, new Identity().Forward(x));
    }

    [Fact]
    public void ResidualAddsTheShortcutAndExplainsShapeMismatches()
    {
        var x = Tensor.Randn(4, 3);
        var block = new Linear(3, 3);
        var y = new Residual(block).Forward(x);
        Assert.True(y.AllClose(x + block.Forward(x), 1e-6, 1e-6));
        var e = Assert.Throws<InvalidOperationException>(() => new Residual(new Linear(3, 5)).Forward(x));
        Assert.Contains("maps [4, 3] float32 to [4, 5] float32", e.Message);
        Assert.Contains("pass a projection", e.Message);
        Assert.Equal([4, 5], new Residual(new Linear(3, 5), new Linear(3, 5)).Forward(x).Shape);
    }

    [Fact]
    public void DropoutZeroesAboutPAndKeepsTheMean()
    {
        var x = Tensor.Ones(200, 500);
        var y = new Dropout(0.3, new Generator(42)).Forward(x).ToDoubleArray();
        double zeros = y.Count(v => v == 0) / (double)y.Length;
        Assert.InRange(zeros, 0.29, 0.31);
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.7) < 1e-6));
        Assert.InRange(y.Average(), 0.98, 1.02);

        var again = new Dropout(0.3, new Generator(42)).Forward(x).ToDoubleArray();
        Assert.Equal(y, again);
    }

    [Fact]
    public void DropoutIsTheIdentityInEvaluationAndAtTheEdges()
    {
        var x = Tensor.Randn(10, 10).SetRequiresGrad();
        var d = new Dropout(0.5);
        d.Eval();
        Assert.Same(x, d.Forward(x));
        Assert.Same(x, new Dropout(0).Forward(x));
        Assert.All(new Dropout(1).Forward(x).ToDoubleArray(), v => Assert.Equal(0, v));
        Assert.StartsWith("Dropout: p must be in [0, 1], got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5)).Message);

        var train = new Dropout(0.5, new Generator(3));
        var y = train.Forward(x);
        y.Sum().Backward();
        var kept = y.ToDoubleArray().Select(v => v != 0 ? 2.0 : 0.0);
        Assert.Equal(kept, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void LayerNormAndGroupNormNormalise()
    {
        var x = NNTestUtil.Sample(1, 4, 6) * 3 + 2;
        var y = new LayerNorm(6, dtype: DType.Float64).Forward(x);
        NNTestUtil.AssertClose(new double[4], [4], y.Mean(1), 1e-12, "layer norm mean");
        NNTestUtil.AssertClose(Enumerable.Repeat(1.0, 4).ToArray(), [4], y.Var(1, correction: 0), 1e-4, "layer norm var");
        Assert.StartsWith("LayerNorm: expected input with trailing shape [6], got [4, 5] float32",
            Assert.Throws<ArgumentException>(() => new LayerNorm(6).Forward(Tensor.Zeros(4, 5))).Message);

        var g = new GroupNorm(2, 4, affine: false, dtype: DType.Float64).Forward(NNTestUtil.Sample(2, 3, 4, 5)).Reshape(3, 2, 10);
        NNTestUtil.AssertClose(new double[6], [3, 2], g.Mean(2), 1e-12, "group norm mean");
        Assert.Empty(new GroupNorm(2, 4, affine: false).Parameters());
        Assert.Contains("numChannels (6) must be a positive multiple of numGroups (4)", Assert.Throws<ArgumentException>(() => new GroupNorm(4, 6)).Message);
        Assert.StartsWith("GroupNorm: expected input (N, 4, *), got [2, 3, 5] float32",
            Assert.Throws<ArgumentException>(() => new GroupNorm(2, 4).Forward(Tensor.Zeros(2, 3, 5))).Message);
    }

    [Fact]
    public void ConvolutionLayersPrintCheckAndInitialiseLikePyTorch()
    {
        Assert.Equal("Conv1d(4, 6, kernel_size=(3,), stride=(1,))", new Conv1d(4, 6, 3).ToString());
        Assert.Equal("Conv1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), groups=2, bias=False)",
            new Conv1d(4, 6, 3, stride: 2, padding: 1, dilation: 2, groups: 2, bias: false).ToString());
        Assert.Equal("Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1))", new Conv2d(4, 6, 3).ToString());
        var conv2 = new Conv2d(4, 6, (3, 2), (1, 2), (0, 1), (2, 1), groups: 2, bias: false);
        Assert.Equal("Conv2d(4, 6, kernel_size=(3, 2), stride=(1, 2), padding=(0, 1), dilation=(2, 1), groups=2, bias=False)", conv2.ToString());
        Assert.Equal(((3, 2), (1, 2), (0, 1), (2, 1)), (conv2.KernelSize, conv2.Stride, conv2.Padding, conv2.Dilation));
        Assert.Equal([6, 2, 3, 2], conv2.Weight.Shape);
        Assert.Null(conv2.Bias);

        // Kaiming uniform with a = √5 and the bias both stay within 1/√fan_in, fan_in = C_in/groups · ∏kernel.
        var conv1 = new Conv1d(4, 6, 3, groups: 2, generator: new Generator(3));
        double bound = 1 / Math.Sqrt(2 * 3);
        Assert.All(conv1.Weight.ToDoubleArray().Concat(conv1.Bias!.ToDoubleArray()), v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.Equal((3, 1, 0, 1), (conv1.KernelSize, conv1.Stride, conv1.Padding, conv1.Dilation));

        Assert.StartsWith("Conv1d: expected input (N, 4, L), got [2, 3, 5] float32",
            Assert.Throws<ArgumentException>(() => conv1.Forward(Tensor.Ones([2, 3, 5]))).Message);
        Assert.StartsWith("Conv2d: expected input (N, 4, H, W), got [2, 4, 5] float32",
            Assert.Throws<ArgumentException>(() => new Conv2d(4, 6, 3).Forward(Tensor.Ones([2, 4, 5]))).Message);
        Assert.StartsWith("Conv2d: kernel size, stride and dilation must be positive, got 0",
            Assert.Throws<ArgumentException>(() => new Conv2d(4, 6, (3, 0), (1, 1), (0, 0), (1, 1))).Message);
        Assert.StartsWith("Conv1d: padding must be non-negative, got -1",
            Assert.Throws<ArgumentException>(() => new Conv1d(4, 6, 3, padding: -1)).Message);
        Assert.StartsWith("Conv1d: inChannels (3) must be positive and divisible by groups (2)",
            Assert.Throws<ArgumentException>(() => new Conv1d(3, 6, 3, groups: 2)).Message);
    }
}
