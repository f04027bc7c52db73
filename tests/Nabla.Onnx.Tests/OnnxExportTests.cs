using Nabla.NN;
using static Nabla.Onnx.Tests.OnnxRuntimeCheck;

namespace Nabla.Onnx.Tests;

public class OnnxExportTests
{
    private static Tensor Randn(ulong seed, params int[] shape) => Tensor.Randn(shape, DType.Float32, new Generator(seed));

    /// <summary>Trains the model's running statistics on a few random batches, so evaluation mode differs from training mode.</summary>
    private static void WarmUp(Module model, int[] shape)
    {
        model.Train();
        using (Autograd.NoGrad())
            for (ulong i = 0; i < 3; i++) model.Forward(Randn(100 + i, shape) * 2 + 0.5);
        model.Eval();
    }

    [Fact]
    public void AnMlpMatchesOnEveryBatchSize()
    {
        var g = new Generator(1);
        var model = new Sequential(new Linear(6, 16, generator: g), new ReLU(), new Linear(16, 8, generator: g), new Tanh(), new Linear(8, 3, generator: g));
        AssertMatches(model, Randn(2, 4, 6), Randn(3, 4, 6), Randn(4, 1, 6), Randn(5, 17, 6));
    }

    [Fact]
    public void ACnnWithBatchNormPoolingAndDropoutMatchesOnEveryBatchSize()
    {
        var g = new Generator(2);
        var model = new Sequential(
            new Conv2d(1, 8, 3, padding: 1, bias: false, generator: g), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, padding: 1, generator: g), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Dropout(0.25, g), new Linear(16 * 3 * 3, 32, generator: g), new ReLU(), new Dropout(0.25, g), new Linear(32, 10, generator: g));
        WarmUp(model, [8, 1, 12, 12]);
        model.Train();
        using (var dir = new TempDirectory()) model.ExportOnnx(dir.File("cnn.onnx"), Randn(3, 2, 1, 12, 12));
        Assert.True(model.Modules().All(m => m.IsTraining), "the export restores the training mode");
        AssertMatches(model, Randn(3, 2, 1, 12, 12), Randn(4, 2, 1, 12, 12), Randn(5, 5, 1, 12, 12), Randn(6, 1, 1, 12, 12));
    }

    /// <summary>One model per supported layer, with its sample input shape (batch 2; each is also run at batch 3).</summary>
    private static readonly Dictionary<string, (Func<Module> Make, int[] Shape)> LayerModels = new()
    {
        ["Linear on (N, T, F)"] = (() => new Linear(5, 4, generator: new Generator(3)), [2, 3, 5]),
        ["Linear without bias"] = (() => new Linear(5, 4, bias: false, generator: new Generator(3)), [2, 5]),
        ["Conv1d"] = (() => new Conv1d(4, 6, 3, stride: 2, padding: 1, groups: 2, generator: new Generator(4)), [2, 4, 11]),
        ["Conv1d same, even kernel"] = (() => new Conv1d(3, 5, 4, padding: "same", dilation: 1, generator: new Generator(4)), [2, 3, 9]),
        ["Conv2d"] = (() => new Conv2d(4, 6, (3, 2), (2, 1), (1, 2), (2, 1), groups: 2, generator: new Generator(5)), [2, 4, 9, 8]),
        ["Conv2d reflect"] = (() => new Conv2d(2, 3, 3, padding: 1, paddingMode: "reflect", generator: new Generator(5)), [2, 2, 6, 5]),
        ["Conv2d replicate"] = (() => new Conv2d(2, 3, 3, padding: 2, paddingMode: "replicate", generator: new Generator(5)), [2, 2, 6, 5]),
        ["ConvTranspose1d"] = (() => new ConvTranspose1d(4, 6, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, generator: new Generator(6)), [2, 4, 7]),
        ["ConvTranspose2d"] = (() => new ConvTranspose2d(3, 4, (3, 4), (2, 3), (1, 0), (1, 2), 1, true, (1, 1), generator: new Generator(6)), [2, 3, 5, 4]),
        ["ConvTranspose2d dilated"] = (() => new ConvTranspose2d(2, 2, 3, stride: 1, padding: 1, dilation: 2, generator: new Generator(6)), [2, 2, 5, 5]),
        ["BatchNorm1d on (N, C)"] = (() => new BatchNorm1d(5), [2, 5]),
        ["BatchNorm1d on (N, C, L) without affine"] = (() => new BatchNorm1d(5, affine: false), [2, 5, 7]),
        ["InstanceNorm2d"] = (() => Affine(new InstanceNorm2d(3, affine: true)), [2, 3, 5, 4]),
        ["InstanceNorm1d with running statistics"] = (() => new InstanceNorm1d(3, trackRunningStats: true), [2, 3, 8]),
        ["LayerNorm"] = (() => Affine(new LayerNorm([4, 5])), [2, 3, 4, 5]),
        ["LayerNorm without bias"] = (() => Affine(new LayerNorm(6, bias: false)), [2, 6]),
        ["GroupNorm"] = (() => Affine(new GroupNorm(2, 6)), [2, 6, 4, 3]),
        ["GroupNorm without affine"] = (() => new GroupNorm(3, 6, affine: false), [2, 6, 5]),
        ["MaxPool2d"] = (() => new MaxPool2d(3, stride: 2, padding: 1), [2, 3, 9, 8]),
        ["MaxPool2d dilated"] = (() => new MaxPool2d(2, stride: 1, dilation: 2), [2, 2, 7, 6]),
        ["MaxPool2d ceil mode"] = (() => new MaxPool2d(3, stride: 2, ceilMode: true), [2, 2, 8, 7]),
        ["AvgPool2d ceil mode"] = (() => new AvgPool2d(3, stride: 2, padding: 1, ceilMode: true), [2, 2, 8, 7]),
        ["AvgPool2d"] = (() => new AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false), [2, 3, 9, 8]),
        ["AvgPool2d counting padding"] = (() => new AvgPool2d(2, padding: 1), [2, 3, 7, 6]),
        ["AdaptiveAvgPool2d 1×1"] = (() => new AdaptiveAvgPool2d(1), [2, 3, 5, 7]),
        ["AdaptiveAvgPool2d 2×3"] = (() => new AdaptiveAvgPool2d(2, 3), [2, 3, 4, 6]),
        ["Flatten"] = (() => new Flatten(), [2, 3, 4, 5]),
        ["Flatten from dim 2"] = (() => new Flatten(2), [2, 3, 4, 5]),
        ["Flatten dims 1 to 2"] = (() => new Flatten(1, 2), [2, 3, 4, 5]),
        ["Unflatten"] = (() => new Unflatten(1, [2, -1]), [2, 6, 5]),
        ["Standardize"] = (() => Fitted(new Standardize(4)), [2, 4]),
        ["PixelShuffle"] = (() => new PixelShuffle(2), [2, 8, 3, 3]),
        ["ZeroPad2d"] = (() => new ZeroPad2d((1, 2, 0, 1)), [2, 3, 4, 4]),
        ["ConstantPad1d"] = (() => new ConstantPad1d(2, 1.5), [2, 3, 4]),
        ["ReflectionPad2d"] = (() => new ReflectionPad2d(1), [2, 3, 4, 4]),
        ["ReplicationPad1d"] = (() => new ReplicationPad1d((1, 3)), [2, 3, 4]),
        ["ReLU"] = (() => new ReLU(), [2, 7]),
        ["LeakyReLU"] = (() => new LeakyReLU(0.2), [2, 7]),
        ["ELU"] = (() => new ELU(0.5), [2, 7]),
        ["GELU"] = (() => new GELU(), [2, 7]),
        ["GELU tanh"] = (() => new GELU("tanh"), [2, 7]),
        ["Sigmoid"] = (() => new Sigmoid(), [2, 7]),
        ["Tanh"] = (() => new Tanh(), [2, 7]),
        ["SiLU"] = (() => new SiLU(), [2, 7]),
        ["Softplus"] = (() => new Softplus(), [2, 7]),
        ["Softplus with beta and threshold"] = (() => new Softplus(beta: 2, threshold: 3), [2, 7]),
        ["Softmax"] = (() => new Softmax(1), [2, 4, 3]),
        ["LogSoftmax"] = (() => new LogSoftmax(), [2, 4, 3]),
        ["Identity"] = (() => new Identity(), [2, 3]),
        ["Dropout2d"] = (() => new Sequential(new Dropout2d(0.5), new Linear(3, 2, generator: new Generator(7))), [2, 4, 3]),
        ["Residual"] = (() => new Residual(new Sequential(new Linear(4, 4, generator: new Generator(8)), new ReLU())), [2, 4]),
        ["Residual with a projection"] = (() => new Residual(new Linear(4, 3, generator: new Generator(8)), new Linear(4, 3, generator: new Generator(9))), [2, 4]),
    };

    /// <summary>The names of <see cref="LayerModels"/>, one test case each.</summary>
    public static TheoryData<string> Layers() => [.. LayerModels.Keys];

    [Theory]
    [MemberData(nameof(Layers))]
    public void EachLayerMatches(string layer)
    {
        var (make, shape) = LayerModels[layer];
        var model = make();
        WarmUp(model, [4, .. shape[1..]]);
        // Inputs of spread 3 reach the linear part of Softplus above its threshold and the flat parts of the activations.
        AssertMatches(model, Randn(10, shape) * 3, Randn(11, shape) * 3, Randn(12, [3, .. shape[1..]]) * 3);
    }

    /// <summary>Gives a normalisation layer a weight and bias that are not ones and zeros.</summary>
    private static Module Affine(Module norm)
    {
        using var noGrad = Autograd.NoGrad();
        ulong seed = 20;
        foreach (var p in norm.Parameters()) p.CopyFrom(Randn(seed++, [.. p.Shape]) * 0.5 + 1);
        return norm;
    }

    private static Standardize Fitted(Standardize layer)
    {
        layer.Fit(Randn(30, 50, 4) * 3 + 2);
        return layer;
    }

    [Fact]
    public void AnEmbeddingTakesInt64Indices()
    {
        var model = new Sequential(new Embedding(10, 4, generator: new Generator(12)), new Flatten(), new Linear(12, 2, generator: new Generator(13)));
        var sample = Tensor.FromArray(new long[] { 1, 2, 3, 9, 0, 4 }, 2, 3);
        AssertMatches(model, sample, sample, Tensor.FromArray(new long[] { 5, 5, 7, 8, 1, 0, 2, 2, 6, 3, 3, 9 }, 4, 3));
    }

    [Fact]
    public void AFloat64ModelExportsFloat64()
    {
        var g = new Generator(14);
        var model = new Sequential(new Linear(3, 8, dtype: DType.Float64, generator: g), new Tanh(), new LayerNorm(8, dtype: DType.Float64),
            new Linear(8, 2, dtype: DType.Float64, generator: g), new LogSoftmax());
        var sample = Tensor.Randn([2, 3], DType.Float64, new Generator(15));
        AssertMatches(model, sample, Tensor.Randn([5, 3], DType.Float64, new Generator(16)));
    }

    [Fact]
    public void ATiedWeightIsStoredOnce()
    {
        var first = new Linear(4, 4, generator: new Generator(17));
        var second = new Linear(4, 4, generator: new Generator(18)) { Weight = first.Weight };
        var model = new Sequential(first, new Tanh(), second);
        var bytes = OnnxExport.ToOnnx(model, Randn(19, 2, 4), "input", "output", dynamicBatch: true);
        var single = OnnxExport.ToOnnx(new Sequential(first, new Tanh(), new Linear(4, 4, generator: new Generator(18))), Randn(19, 2, 4), "input", "output", dynamicBatch: true);
        Assert.True(bytes.Length < single.Length - (16 * sizeof(float)), $"{bytes.Length} bytes with the tied weight, {single.Length} without");
        AssertMatches(model, Randn(19, 2, 4), Randn(20, 3, 4));
    }

    [Fact]
    public void AFixedBatchModelTakesOnlyTheSampleBatch()
    {
        var model = new Sequential(new Flatten(0), new Softmax(0));
        using var dir = new TempDirectory();
        model.ExportOnnx(dir.File("fixed.onnx"), Randn(21, 2, 3), dynamicBatch: false);
        AssertSame(model, dir.File("fixed.onnx"), Randn(22, 2, 3));
        Assert.ThrowsAny<Exception>(() => Run(dir.File("fixed.onnx"), Randn(23, 4, 3)));

        var e = Assert.Throws<NotSupportedException>(() => model.ExportOnnx(dir.File("dynamic.onnx"), Randn(21, 2, 3)));
        Assert.Contains("'0' (Nabla.NN.Flatten)", e.Message, StringComparison.Ordinal);
        Assert.Contains("dynamicBatch: false", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("dynamic.onnx")));
    }

    [Fact]
    public void AnUnsupportedModuleIsRefusedByPathAndType()
    {
        var model = new Sequential(("encoder", new Sequential(new Linear(4, 4, generator: new Generator(24)), new LSTM(4, 3))), ("head", new Linear(3, 2)));
        using var dir = new TempDirectory();
        var e = Assert.Throws<NotSupportedException>(() => model.ExportOnnx(dir.File("model.onnx"), Randn(25, 2, 5, 4)));
        Assert.Contains("the module 'encoder.1' (Nabla.NN.LSTM)", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));

        e = Assert.Throws<NotSupportedException>(() => new Sequential(new Scaled()).ExportOnnx(dir.File("model.onnx"), Randn(25, 2, 4)));
        Assert.Contains("the module '0' (Nabla.Onnx.Tests.OnnxExportTests+Scaled)", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<NotSupportedException>(() => new BatchNorm2d(3, trackRunningStats: false).ExportOnnx(dir.File("model.onnx"), Randn(25, 2, 3, 4, 4)));
        Assert.Contains("'(root)' (Nabla.NN.BatchNorm2d)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<NotSupportedException>(() => new AdaptiveAvgPool2d(3).ExportOnnx(dir.File("model.onnx"), Randn(25, 2, 3, 4, 4)));
        Assert.Contains("unequal sizes", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A user's module: the exporter cannot know what its Forward computes.</summary>
    private sealed class Scaled : Module
    {
        public override Tensor Forward(Tensor input) => input * 2;
    }
}
