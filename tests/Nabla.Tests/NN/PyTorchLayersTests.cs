using System.Diagnostics;
using Nabla.NN;
using Nabla.Optim;

namespace Nabla.Tests.NN;

/// <summary>
/// The layers real PyTorch programs use, beside their golden values (<c>LayersGoldenTests</c>): printouts, parameter
/// layouts and initialisation, argument checks, dropout statistics from fixed seeds, and weights shared between layers.
/// </summary>
public sealed class PyTorchLayersTests
{
    [Fact]
    public void TransposedConvolutionsPrintCheckAndInitialiseLikePyTorch()
    {
        Assert.Equal("ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(1, 1))", new ConvTranspose2d(4, 6, 3).ToString());
        var t2 = new ConvTranspose2d(4, 6, (3, 2), (2, 1), (1, 0), (1, 0), 2, false, (1, 2));
        Assert.Equal("ConvTranspose2d(4, 6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), output_padding=(1, 0), groups=2, bias=False)", t2.ToString());
        Assert.Equal([4, 3, 3, 2], t2.Weight.Shape);
        Assert.Equal("ConvTranspose1d(4, 6, kernel_size=(3,), stride=(2,), output_padding=(1,))", new ConvTranspose1d(4, 6, 3, stride: 2, outputPadding: 1).ToString());

        // PyTorch's fan_in is weight dim 1 · ∏kernel, here C_out/groups · k² = 3 · 9, for the weight and the bias alike.
        var layer = new ConvTranspose2d(4, 6, 3, groups: 2, generator: new Generator(5));
        Assert.Equal([4, 3, 3, 3], layer.Weight.Shape);
        double bound = 1 / Math.Sqrt(3 * 9);
        var weights = layer.Weight.ToDoubleArray();
        Assert.All(weights.Concat(layer.Bias!.ToDoubleArray()), v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.True(weights.Max(Math.Abs) > 0.9 * bound, "the weights should fill their range");

        var y = new ConvTranspose2d(4, 6, 3, stride: 2, padding: 1, outputPadding: 1).Forward(Tensor.Ones([2, 4, 5, 5]));
        Assert.Equal([2, 6, 10, 10], y.Shape);
        Assert.Equal([1, 2, 9], new ConvTranspose1d(3, 2, 3, stride: 3, padding: 1, outputPadding: 2).Forward(Tensor.Ones([1, 3, 3])).Shape);

        Assert.StartsWith("ConvTranspose2d: output padding must be non-negative and smaller than either stride or dilation, got output padding [2, 2], stride [2, 2], dilation [1, 1]",
            Assert.Throws<ArgumentException>(() => new ConvTranspose2d(4, 6, 3, stride: 2, outputPadding: 2)).Message);
        Assert.StartsWith("ConvTranspose2d: output padding must be smaller than either stride or dilation",
            Assert.Throws<ArgumentException>(() => Functional.ConvTranspose2d(Tensor.Ones([1, 4, 3, 3]), Tensor.Ones([4, 2, 3, 3]), outputPadding: 1)).Message);
        Assert.StartsWith("ConvTranspose2d: only the \"zeros\" padding mode is supported",
            Assert.Throws<ArgumentException>(() => new ConvTranspose2d(4, 6, 3, paddingMode: "reflect")).Message);
        Assert.StartsWith("ConvTranspose2d: expected input (N, 4, H, W), got [1, 3, 5, 5] float32",
            Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Ones([1, 3, 5, 5]))).Message);
        Assert.StartsWith("ConvTranspose2d: input [1, 3, 5, 5] float32 has 3 channels, but weight [4, 3, 3, 3] float32",
            Assert.Throws<ArgumentException>(() => Tensor.Ones([1, 3, 5, 5]).ConvTranspose2d(layer.Weight, groups: 2)).Message);
        Assert.StartsWith("ConvTranspose1d: input [1, 4, 3] float64, weight [4, 3, 3] float32 must share a dtype",
            Assert.Throws<ArgumentException>(() => Tensor.Ones([1, 4, 3], DType.Float64).ConvTranspose1d(Tensor.Ones([4, 3, 3]))).Message);
        Assert.StartsWith("ConvTranspose2d: bias must have shape [6]",
            Assert.Throws<ArgumentException>(() => Tensor.Ones([1, 4, 3, 3]).ConvTranspose2d(layer.Weight, Tensor.Ones([3]), groups: 2)).Message);
    }

    [Fact]
    public void TransposedConvolutionReachesARequestedOutputSize()
    {
        // As PyTorch's forward(input, output_size): sizes from (5 − 1)·2 − 2 + 2 + 1 = 9 to 9 + stride − 1 = 10.
        var layer = new ConvTranspose2d(4, 6, 3, stride: 2, padding: 1, dtype: DType.Float64);
        var x = Tensor.Randn([1, 4, 5, 5], DType.Float64, new Generator(8));
        var y = layer.Forward(x, [10, 9]);
        NNTestUtil.AssertClose(x.ConvTranspose2d(layer.Weight, layer.Bias, (2, 2), (1, 1), (1, 0), 1, (1, 1)), y, 1e-15, "output size");
        Assert.Equal([1, 6, 10, 10], layer.Forward(x, [1, 6, 10, 10]).Shape);
        Assert.StartsWith("ConvTranspose2d: requested an output size of [11, 9], but valid sizes of dim 2 range from 9 to 10",
            Assert.Throws<ArgumentException>(() => layer.Forward(x, [11, 9])).Message);
        Assert.Throws<InvalidOperationException>(() => new Conv2d(4, 6, 3).Forward(Tensor.Ones([1, 4, 5, 5]), [3, 3]));
    }

    [Fact]
    public void TransposedConvolutionIsTheAdjointOfConvolution()
    {
        // ⟨convT(y, w), x⟩ = ⟨y, conv(x, w)⟩ for every x and y: the transposed convolution is the convolution's adjoint.
        var g = new Generator(11);
        var x = Tensor.Randn([2, 4, 7, 6], DType.Float64, g);
        var w = Tensor.Randn([6, 2, 3, 2], DType.Float64, g);
        var conv = x.Conv2d(w, null, (2, 1), (1, 1), (1, 2), groups: 2);
        var y = Tensor.Randn([.. conv.Shape], DType.Float64, g);
        var back = y.ConvTranspose2d(w, null, (2, 1), (1, 1), (0, 0), 2, (1, 2));
        Assert.Equal(x.Shape, back.Shape);
        Assert.Equal((conv * y).Sum().Item(), (back * x).Sum().Item(), 10);
    }

    [Fact]
    public void ConvolutionPaddingByNameAndModes()
    {
        Assert.Equal("Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=reflect)",
            new Conv2d(4, 6, 3, padding: "same", paddingMode: "reflect").ToString());
        Assert.Equal("Conv1d(4, 6, kernel_size=(3,), stride=(1,), padding=valid)", new Conv1d(4, 6, 3, padding: "valid").ToString());
        Assert.Equal("Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=circular)",
            new Conv2d(4, 6, 3, padding: 1, paddingMode: "circular").ToString());
        Assert.Equal("Conv2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))", new Conv2d(4, 6, 3, 2, 1).ToString());

        // "same" keeps every size, even kernels and dilations included; the layer reports the amount before each dim.
        var same = new Conv2d(2, 3, (2, 4), (1, 1), "same", (3, 1));
        Assert.Equal([1, 3, 5, 6], same.Forward(Tensor.Ones([1, 2, 5, 6])).Shape);
        Assert.Equal(((1, 1), "same"), (same.Padding, same.PaddingString));
        Assert.Equal([2, 3, 7], new Conv1d(2, 3, 4, padding: "same", paddingMode: "replicate").Forward(Tensor.Ones([2, 2, 7])).Shape);
        Assert.Equal([2, 3, 3], Functional.Conv1d(Tensor.Ones([2, 2, 7]), Tensor.Ones([3, 2, 3]), null, 2, "valid").Shape);

        // Padding modes read the input's edges: a replicate-padded constant input stays constant under a sum kernel.
        var replicate = new Conv2d(1, 1, 3, padding: 1, bias: false, paddingMode: "replicate", dtype: DType.Float64);
        using (Autograd.NoGrad()) replicate.Weight.Fill(1);
        Assert.All(replicate.Forward(Tensor.Full([1, 1, 4, 4], 2.0, DType.Float64)).ToDoubleArray(), v => Assert.Equal(18, v, 12));

        Assert.StartsWith("Conv2d: padding='same' is not supported for strided convolutions",
            Assert.Throws<ArgumentException>(() => new Conv2d(4, 6, 3, stride: 2, padding: "same")).Message);
        Assert.StartsWith("Conv2d: padding='same' is not supported for strided convolutions",
            Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Ones([1, 4, 5, 5]), Tensor.Ones([6, 4, 3, 3]), null, 2, "same")).Message);
        Assert.StartsWith("Conv1d: invalid padding string 'full', should be one of 'valid', 'same'",
            Assert.Throws<ArgumentException>(() => new Conv1d(4, 6, 3, padding: "full")).Message);
        Assert.StartsWith("Conv2d: paddingMode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'",
            Assert.Throws<ArgumentException>(() => new Conv2d(4, 6, 3, paddingMode: "mirror")).Message);
    }

    [Fact]
    public void UpsamplingLayersPrintLikePyTorchAndCheckTheirArguments()
    {
        Assert.Equal("Upsample(scale_factor=2.0, mode=nearest)", new Upsample(scaleFactor: 2).ToString());
        Assert.Equal("Upsample(size=(4, 5), mode=bilinear)", new Upsample(size: [4, 5], mode: "bilinear").ToString());
        Assert.Equal("UpsamplingNearest2d(size=4, mode=nearest)", new UpsamplingNearest2d(size: 4).ToString());
        Assert.Equal("UpsamplingBilinear2d(scale_factor=(1.5, 2.0), mode=bilinear)", new UpsamplingBilinear2d(scaleFactor: [1.5, 2]).ToString());

        var x = Tensor.Randn([1, 2, 3, 4], DType.Float64, new Generator(2));
        NNTestUtil.AssertClose(Functional.Interpolate(x, [5, 7], mode: "bilinear", alignCorners: true), new UpsamplingBilinear2d(size: [5, 7]).Forward(x), 1e-15, "UpsamplingBilinear2d");
        var nearest = new UpsamplingNearest2d(scaleFactor: 2).Forward(x);
        Assert.Equal([1, 2, 6, 8], nearest.Shape);
        Assert.Equal(x.ItemAt(0, 1, 2, 3), nearest.ItemAt(0, 1, 5, 7));

        Assert.Contains("only one of size and scaleFactor", Assert.Throws<ArgumentException>(() => Functional.Interpolate(x, [4, 4], [2.0, 2.0])).Message);
        Assert.Contains("either size or scaleFactor", Assert.Throws<ArgumentException>(() => Functional.Interpolate(x, (int[]?)null)).Message);
        Assert.StartsWith("Interpolate: alignCorners can only be set with the interpolating modes",
            Assert.Throws<ArgumentException>(() => Functional.Interpolate(x, scaleFactor: 2, alignCorners: false)).Message);
        Assert.StartsWith("Interpolate: got a 3-D input, but \"bilinear\" mode needs a 4-D input",
            Assert.Throws<ArgumentException>(() => Functional.Interpolate(Tensor.Ones([1, 2, 3]), size: 4, mode: "bilinear")).Message);
        Assert.StartsWith("Interpolate: the input has 2 spatial dim(s), but size holds 3 value(s)",
            Assert.Throws<ArgumentException>(() => Functional.Interpolate(x, [1, 2, 3])).Message);
        Assert.StartsWith("Interpolate: unknown mode \"bicubic\"",
            Assert.Throws<ArgumentException>(() => Functional.Interpolate(x, size: 4, mode: "bicubic")).Message);
    }

    [Fact]
    public void PixelShuffleAndUnshuffleAreInverses()
    {
        Assert.Equal("PixelShuffle(upscale_factor=3)", new PixelShuffle(3).ToString());
        Assert.Equal("PixelUnshuffle(downscale_factor=2)", new PixelUnshuffle(2).ToString());
        var x = Tensor.Randn([2, 8, 3, 5], DType.Float64, new Generator(4));
        var up = new PixelShuffle(2).Forward(x);
        Assert.Equal([2, 2, 6, 10], up.Shape);
        // Output (c, h·r + i, w·r + j) is input (c·r² + i·r + j, h, w).
        Assert.Equal(x.ItemAt(1, (1 * 4) + (1 * 2) + 0, 2, 3), up.ItemAt(1, 1, (2 * 2) + 1, (3 * 2) + 0));
        Assert.Equal(x.ToDoubleArray(), new PixelUnshuffle(2).Forward(up).ToDoubleArray());
        Assert.StartsWith("PixelShuffle: the channel dim (-3) of input [1, 5, 2, 2] float32 is 5, not divisible by upscaleFactor² = 4",
            Assert.Throws<ArgumentException>(() => Functional.PixelShuffle(Tensor.Ones([1, 5, 2, 2]), 2)).Message);
        Assert.StartsWith("PixelUnshuffle: the height 3 and width 4 of input [1, 1, 3, 4] float32 must be divisible by downscaleFactor 2",
            Assert.Throws<ArgumentException>(() => Functional.PixelUnshuffle(Tensor.Ones([1, 1, 3, 4]), 2)).Message);
        Assert.StartsWith("PixelShuffle: expected an input with at least 3 dims",
            Assert.Throws<ArgumentException>(() => Functional.PixelShuffle(Tensor.Ones([4, 2]), 2)).Message);
    }

    [Fact]
    public void ChannelDropoutZeroesWholeChannelsReproducibly()
    {
        var x = Tensor.Ones([64, 32, 3, 4], DType.Float64);
        var layer = new Dropout2d(0.25, new Generator(7));
        Assert.Equal("Dropout2d(p=0.25)", layer.ToString());
        var y = layer.Forward(x);
        var slices = y.Reshape(64 * 32, 12).ToDoubleArray().Chunk(12).ToArray();
        Assert.All(slices, s => Assert.True(s.All(v => v == 0) || s.All(v => Math.Abs(v - (1 / 0.75)) < 1e-15), "a channel is dropped or scaled as a whole"));
        double dropped = slices.Count(s => s[0] == 0) / (double)slices.Length;
        Assert.InRange(dropped, 0.22, 0.28);
        Assert.Equal(y.ToDoubleArray(), new Dropout2d(0.25, new Generator(7)).Forward(x).ToDoubleArray());
        layer.Eval();
        Assert.Same(x, layer.Forward(x));

        // Unbatched inputs of Dropout1d and Dropout3d drop the channels of dim 0.
        var d1 = Functional.Dropout1d(Tensor.Ones([200, 5]), 0.5, generator: new Generator(1)).ToDoubleArray().Chunk(5).ToArray();
        Assert.All(d1, s => Assert.True(s.All(v => v == 0) || s.All(v => v == 2)));
        Assert.InRange(d1.Count(s => s[0] == 0), 80, 120);
        var d3 = Functional.Dropout3d(Tensor.Ones([100, 2, 2, 3]), 0.5, generator: new Generator(2)).ToDoubleArray().Chunk(12).ToArray();
        Assert.All(d3, s => Assert.True(s.All(v => v == 0) || s.All(v => v == 2)));
        Assert.StartsWith("Dropout1d: expected a 2-D or 3-D input, got [2, 3, 4, 5] float32",
            Assert.Throws<ArgumentException>(() => new Dropout1d().Forward(Tensor.Ones([2, 3, 4, 5]))).Message);
        Assert.StartsWith("Dropout2d: dropping channels needs at least 2 dims", Assert.Throws<ArgumentException>(() => Functional.Dropout2d(Tensor.Ones([5]))).Message);

        // The gradient is the mask.
        var leaf = Tensor.Ones([4, 6, 2], DType.Float64).SetRequiresGrad();
        var z = Functional.Dropout1d(leaf, 0.5, generator: new Generator(3));
        z.Sum().Backward();
        Assert.Equal(z.ToDoubleArray(), leaf.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Dropout2dWarnsAboutTheRanksPyTorchWarnsAbout()
    {
        var messages = new List<string>();
        using var listener = new CollectingListener(messages);
        Trace.Listeners.Add(listener);
        try
        {
            Assert.Equal([2, 3, 4], Functional.Dropout2d(Tensor.Ones([2, 3, 4]), 0.5, generator: new Generator(1)).Shape);
            Functional.Dropout2d(Tensor.Ones([2, 3, 4, 5, 6]), 0.5, generator: new Generator(1));
            Functional.Dropout3d(Tensor.Ones([2, 3, 4]), 0.5, generator: new Generator(1));
        }
        finally
        {
            Trace.Listeners.Remove(listener);
        }
        Assert.Contains(messages, m => m.Contains("Dropout2d: received a 3-D input [2, 3, 4] float32 and dropping its channels as those of (N, C, L)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Dropout2d: received a 5-D input", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Dropout3d: received a 3-D input", StringComparison.Ordinal));
    }

    [Fact]
    public void AlphaDropoutKeepsZeroMeanAndUnitVariance()
    {
        const double P = 0.2;
        var x = Tensor.Randn([400_000], DType.Float64, new Generator(9));
        var layer = new AlphaDropout(P, new Generator(10));
        Assert.Equal("AlphaDropout(p=0.2)", layer.ToString());
        var y = layer.Forward(x);
        Assert.InRange(y.Mean().Item(), -0.01, 0.01);
        Assert.InRange(y.Std().Item(), 0.99, 1.01);

        // PyTorch's formula: a = 1/√((α'²p + 1)(1 − p)); a dropped element is a·α'·(p − 1), a kept one a·x + a·α'·p.
        const double Alpha = 1.7580993408473766;
        double a = 1 / Math.Sqrt(((Alpha * Alpha * P) + 1) * (1 - P));
        var xs = x.ToDoubleArray();
        var ys = y.ToDoubleArray();
        int droppedCount = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            bool dropped = Math.Abs(ys[i] - (a * Alpha * (P - 1))) < 1e-12 && Math.Abs(ys[i] - ((a * xs[i]) + (a * Alpha * P))) > 1e-9;
            if (dropped) droppedCount++;
            else Assert.Equal((a * xs[i]) + (a * Alpha * P), ys[i], 12);
        }
        Assert.InRange(droppedCount / (double)xs.Length, 0.19, 0.21);
        Assert.Equal(ys, new AlphaDropout(P, new Generator(10)).Forward(x).ToDoubleArray());
        layer.Eval();
        Assert.Same(x, layer.Forward(x));
        Assert.Same(x, Functional.AlphaDropout(x, P));

        var feature = Functional.FeatureAlphaDropout(Tensor.Zeros([50, 4, 3], DType.Float64), 0.5, training: true, generator: new Generator(1));
        Assert.All(feature.ToDoubleArray().Chunk(3), s => Assert.True(s.Distinct().Count() == 1, "one draw per channel"));
    }

    [Fact]
    public void GeluTanhApproximationAndUnflatten()
    {
        Assert.Equal("GELU(approximate='none')", new GELU().ToString());
        Assert.Equal("GELU(approximate='tanh')", new GELU(approximate: "tanh").ToString());
        var x = Tensor.FromArray([-3.0, -0.5, 0.25, 2.0]);
        var expected = x.ToDoubleArray().Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v))))).ToArray();
        NNTestUtil.AssertClose(expected, [4], Functional.Gelu(x, approximate: "tanh"), 1e-15, "tanh GELU");
        Assert.StartsWith("GELU: approximate must be \"none\" or \"tanh\"", Assert.Throws<ArgumentException>(() => new GELU("erf")).Message);

        Assert.Equal("Unflatten(dim=1, unflattened_size=(2, 5))", new Unflatten(1, [2, 5]).ToString());
        Assert.Equal([3, 2, 5, 4], new Unflatten(1, [2, -1]).Forward(Tensor.Ones([3, 10, 4])).Shape);
        Assert.Equal([3, 4, 2, 5], Tensor.Ones([3, 4, 10]).Unflatten(-1, 2, 5).Shape);
        Assert.StartsWith("Unflatten: sizes [3, 4] don't multiply up to the size of dim 1 (10)",
            Assert.Throws<ArgumentException>(() => Tensor.Ones([3, 10]).Unflatten(1, 3, 4)).Message);
        Assert.StartsWith("Unflatten: sizes [-1, -1] may hold one -1", Assert.Throws<ArgumentException>(() => Tensor.Ones([3, 10]).Unflatten(1, -1, -1)).Message);
    }

    /// <summary>The word_language_model's tied encoder and decoder: one table, used at both ends.</summary>
    private sealed class TiedLanguageModel : Module
    {
        public TiedLanguageModel(int vocabulary, int dim, Generator generator)
        {
            Encoder = RegisterModule("encoder", new Embedding(vocabulary, dim, dtype: DType.Float64, generator: generator));
            Decoder = RegisterModule("decoder", new Linear(dim, vocabulary, dtype: DType.Float64, generator: generator));
            Decoder.Weight = Encoder.Weight;
        }

        public Embedding Encoder { get; }

        public Linear Decoder { get; }

        public override Tensor Forward(Tensor input) => Decoder.Forward(Encoder.Forward(input).Tanh());
    }

    [Fact]
    public void TiedWeightsAccumulateTheGradientOfEveryUse()
    {
        var model = new TiedLanguageModel(10, 4, new Generator(3));
        Assert.Same(model.Encoder.Weight, model.Decoder.Weight);
        Assert.Equal(["encoder.weight", "decoder.bias"], model.NamedParameters().Select(p => p.Name));
        Assert.Equal(["encoder.weight", "decoder.weight", "decoder.bias"], model.StateDict().Keys);

        var tokens = Tensor.FromArray(new long[] { 1, 4, 4, 9, 0, 2 }, 2, 3);
        var target = Tensor.FromArray(new long[] { 4, 4, 9, 0, 2, 7 });
        Tensor Loss(Module m) => Functional.CrossEntropy(m.Forward(tokens).Reshape(-1, 10), target);
        Loss(model).Backward();

        // The same model untied: its two copies of the table receive the two uses' gradients, which the tied one sums.
        var encoder = new Embedding(10, 4, dtype: DType.Float64);
        var decoder = new Linear(4, 10, dtype: DType.Float64);
        using (Autograd.NoGrad())
        {
            encoder.Weight.CopyFrom(model.Encoder.Weight);
            decoder.Weight.CopyFrom(model.Encoder.Weight);
            decoder.Bias!.CopyFrom(model.Decoder.Bias!);
        }
        var untied = new Sequential(encoder, new Tanh(), decoder);
        Loss(untied).Backward();
        NNTestUtil.AssertClose(encoder.Weight.Grad! + decoder.Weight.Grad!, model.Encoder.Weight.Grad!, 1e-12, "tied gradient");

        // An optimizer sees the shared table once, and both layers see its update.
        var before = model.Encoder.Weight.ToDoubleArray();
        new SGD(model.Parameters(), lr: 0.5).Step();
        var after = model.Decoder.Weight.ToDoubleArray();
        var grad = model.Encoder.Weight.Grad!.ToDoubleArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i] - (0.5 * grad[i]), after[i], 12);

        Assert.StartsWith("Linear: parameter 'weight' is [10, 4] float64; it cannot be replaced by [4, 10] float64",
            Assert.Throws<ArgumentException>(() => model.Decoder.Weight = Tensor.Zeros([4, 10], DType.Float64)).Message);
        Assert.StartsWith("Linear: parameter 'weight' is [10, 4] float64; it cannot be replaced by [10, 4] float32",
            Assert.Throws<ArgumentException>(() => model.Decoder.Weight = Tensor.Zeros([10, 4])).Message);
        Assert.StartsWith("Linear: no parameter named 'bias' to replace",
            Assert.Throws<ArgumentException>(() => new Linear(2, 3, bias: false).Bias = Tensor.Zeros([3])).Message);
    }

    /// <summary>A layer derived from a built-in one, as PyTorch users subclass <c>nn.Linear</c>.</summary>
    private sealed class ScaledLinear(int inFeatures, int outFeatures) : Linear(inFeatures, outFeatures, dtype: DType.Float64)
    {
        public override Tensor Forward(Tensor input) => base.Forward(input) * 2.0;
    }

    /// <summary>A convolution that records its inputs' shapes, as a subclass overriding Forward would.</summary>
    private sealed class LoggingConv2d() : Conv2d(1, 2, 3, padding: "same")
    {
        public List<int[]> Seen { get; } = [];

        public override Tensor Forward(Tensor input)
        {
            Seen.Add([.. input.Shape]);
            return base.Forward(input);
        }
    }

    [Fact]
    public void BuiltInLayersCanBeSubclassed()
    {
        var layer = new ScaledLinear(3, 2);
        var x = Tensor.Ones([1, 3], DType.Float64);
        NNTestUtil.AssertClose(Functional.Linear(x, layer.Weight, layer.Bias) * 2.0, layer.Forward(x), 1e-15, "subclassed Linear");
        var conv = new LoggingConv2d();
        Assert.Equal([1, 2, 4, 5], conv.Forward(Tensor.Ones([1, 1, 4, 5])).Shape);
        Assert.Equal([1, 1, 4, 5], Assert.Single(conv.Seen));
        var cell = new LSTMCell(3, 4, dtype: DType.Float64);
        var shared = new LSTMCell(3, 4, dtype: DType.Float64);
        shared.WeightIh = cell.WeightIh;
        Assert.Same(cell.WeightIh, shared.WeightIh);
    }

    private sealed class CollectingListener(List<string> messages) : TraceListener
    {
        public override void Write(string? message)
        {
            lock (messages) messages.Add(message ?? "");
        }

        public override void WriteLine(string? message) => Write(message);
    }
}
