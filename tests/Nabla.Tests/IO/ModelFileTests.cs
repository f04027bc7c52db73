using System.Text.Json.Nodes;
using Nabla.IO;
using Nabla.NN;
using Nabla.Tests.Data;

namespace Nabla.Tests.IO;

/// <summary>Whole models in one file: architecture and weights out and back, hostile architectures refused.</summary>
public class ModelFileTests
{
    private static Tensor Input(params int[] shape) => Tensor.Randn(shape, DType.Float32, new Generator(7));

    public static TheoryData<string> Models => ["cnn", "recurrent", "transformer", "residual", "float64", "generator"];

    private static (Module Model, Func<Module, Tensor> Run) Make(string kind) => kind switch
    {
        "cnn" => (Cnn(), m => m.Forward(Input(2, 1, 8, 8))),
        "recurrent" => (Recurrent(), RunRecurrent),
        "transformer" => (Transformer(), m => ((Sequential)m)[1].Forward(((Sequential)m)[0].Forward(Input(2, 5, 8)))),
        "residual" => (Residuals(), RunResiduals),
        "generator" => (GeneratorNet(), m => m.Forward(Input(2, 8))),
        _ => (new Sequential(new Linear(3, 4, dtype: DType.Float64), new Tanh(), new BatchNorm1d(4, momentum: null, dtype: DType.Float64), new Linear(4, 1, dtype: DType.Float64)),
            m => m.Forward(Input(5, 3).To(DType.Float64))),
    };

    private static Sequential Cnn() =>
        new(new Conv2d(1, 4, 3, padding: 1, bias: false), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Conv2d(4, 2, (3, 1), (1, 1), (1, 0), (2, 1)),
            new AvgPool2d(2, ceilMode: true), new AdaptiveAvgPool2d(2, 3), new Flatten(), new Dropout(0.3), new Linear(12, 5), new LeakyReLU(0.2), new LogSoftmax(1));

    private static Sequential GeneratorNet() =>
        new(new Unflatten(1, [8, 1, 1]), new ConvTranspose2d(8, 6, 4, 1, 0, bias: false), new BatchNorm2d(6), new GELU("tanh"),
            new ConvTranspose2d(6, 4, (3, 3), (2, 2), (1, 1), (1, 1), 2, true, (1, 1)), new Upsample(scaleFactor: 2.0, mode: "bilinear", alignCorners: false),
            new Conv2d(4, 8, 3, padding: "same", paddingMode: "reflect"), new PixelShuffle(2), new Dropout2d(0.2), new AlphaDropout(0.1),
            new UpsamplingNearest2d(size: 8), new Tanh());

    private static Sequential Recurrent() =>
        new(("embed", new Embedding(11, 6, paddingIdx: 0)), ("lstm", new LSTM(6, 5, numLayers: 2, bidirectional: true, batchFirst: true)),
            ("gru", new GRUCell(3, 4)), ("cell", new RNNCell(3, 2, nonlinearity: "relu")));

    private static Tensor RunRecurrent(Module m)
    {
        var s = (Sequential)m;
        var (output, _) = ((LSTM)s[1]).Forward(s[0].Forward(Tensor.FromArray(new long[] { 1, 4, 0, 10, 3, 2 }).Reshape(2, 3)));
        return Tensor.Cat([output.Reshape(-1), s[2].Forward(Input(2, 3)).Reshape(-1), s[3].Forward(Input(2, 3)).Reshape(-1)]);
    }

    private static Sequential Transformer() =>
        new(new PositionalEmbedding(16, 8, batchFirst: true),
            new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, 0, "gelu", batchFirst: true, normFirst: true), 2, new LayerNorm(8)), new GroupNorm(2, 4));

    private static ModuleList Residuals() =>
        new(new Residual(new Sequential(new Linear(4, 4), new ELU(0.5), new LayerNorm([4], elementwiseAffine: false))),
            new Residual(new Linear(4, 3), projection: new Linear(4, 3, bias: false)), new Bilinear(3, 2, 2), new Softplus(2, 10), new MultiheadAttention(4, 2, kdim: 3, vdim: 5));

    private static Tensor RunResiduals(Module m)
    {
        var list = (ModuleList)m;
        var h = list[1].Forward(list[0].Forward(Input(3, 4)));
        var attention = ((MultiheadAttention)list[4]).Forward(Input(2, 1, 4), Input(3, 1, 3), Input(3, 1, 5)).Output;
        return Tensor.Cat([((Bilinear)list[2]).Forward(h, Input(3, 2)).Reshape(-1), list[3].Forward(h).Reshape(-1), attention.Reshape(-1)]);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AModelComesBackWithItsArchitectureAndWeights(string kind)
    {
        var (model, run) = Make(kind);
        // A training-mode pass moves the batch-norm statistics away from their initial values.
        if (kind == "cnn") model.Forward(Input(4, 1, 8, 8));
        if (kind == "float64") model.Forward(Input(6, 3).To(DType.Float64));
        model.Eval();
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "model.safetensors");
        ModelFile.Save(path, model, new Dictionary<string, string> { ["note"] = "kept" });
        var loaded = ModelFile.Load(path);
        loaded.Eval();
        Assert.Equal(model.GetType(), loaded.GetType());
        Assert.Equal(model.ToString(), loaded.ToString());
        Assert.Equal(ModelFile.Describe(model), ModelFile.Describe(loaded));
        Assert.Equal(run(model).ToDoubleArray(), run(loaded).ToDoubleArray());
        Assert.Equal("kept", SafeTensors.Load(path).Metadata["note"]);
    }

    private sealed class TwoHeads : Module
    {
        private readonly Linear _trunk;
        private readonly Sequential _head;

        public TwoHeads(int width)
        {
            Width = width;
            _trunk = RegisterModule("trunk", new Linear(2, width));
            _head = RegisterModule("head", new Sequential(new ReLU(), new Linear(width, 1)));
        }

        public int Width { get; }

        public override Tensor Forward(Tensor input) => _head.Forward(_trunk.Forward(input));
    }

    [Fact]
    public void AModelClassOfOnesOwnIsRegisteredOnce()
    {
        var model = new TwoHeads(6);
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "custom.safetensors");
        Assert.Contains("TwoHeads is not a registered module type", Assert.Throws<ArgumentException>(() => ModelFile.Save(path, model)).Message);
        ModelFile.Register<TwoHeads>("TwoHeads", m => new ModuleConfig().Set("width", m.Width), c => new TwoHeads(c.Int("width")));
        ModelFile.Save(path, model);
        var loaded = ModelFile.Load<TwoHeads>(path);
        Assert.Equal(6, loaded.Width);
        var x = Input(3, 2);
        Assert.Equal(model.Forward(x).ToDoubleArray(), loaded.Forward(x).ToDoubleArray());
        Assert.Contains("already belongs to TwoHeads", Assert.Throws<ArgumentException>(() => ModelFile.Register<Identity>("TwoHeads", _ => new ModuleConfig(), _ => new Identity())).Message);
    }

    public static TheoryData<string, string> HostileArchitectures => new()
    {
        { """{"type":"Os.Process","config":{}}""", "model: 'Os.Process' is not a registered module type" },
        { """{"type":"Linear"}""", "model: the module 'Linear' has no 'config' object" },
        { """{"type":"Linear","config":{"in_features":"4","out_features":2,"bias":true,"dtype":"float32"}}""", "model: the setting 'in_features' is \"4\", not an integer" },
        { """{"type":"Linear","config":{"in_features":-4,"out_features":2,"bias":true,"dtype":"float32"}}""", "its constructor refuses: Linear: inFeatures must be positive" },
        { """{"type":"Linear","config":{"in_features":4,"out_features":2,"bias":true,"dtype":"complex"}}""", "names the unknown dtype 'complex'" },
        { """{"type":"Sequential","config":{"modules":[{"name":"0","module":{"type":"Tanh","config":{}}}]}}""", "the weights do not fit the architecture: " },
        { """[1, 2]""", "the architecture is not a JSON object" },
        { """{"type":"Linear","config":{""", "the architecture is not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(HostileArchitectures))]
    public void HostileArchitecturesAreRefusedByName(string architecture, string fragment)
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "hostile.safetensors");
        var weights = new Linear(4, 2).StateDict();
        SafeTensors.Save(path, weights, new Dictionary<string, string> { [ModelFile.ArchitectureKey] = architecture });
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith($"ModelFile.Load: '{path}': ", e.Message);
    }

    [Fact]
    public void DeepNestingAndPlainTensorFilesAreRefused()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "deep.safetensors");
        JsonNode node = new JsonObject { ["type"] = "Identity", ["config"] = new JsonObject() };
        for (int i = 0; i < 100; i++) node = new JsonObject { ["type"] = "Residual", ["config"] = new JsonObject { ["block"] = node } };
        SafeTensors.Save(path, new Dictionary<string, Tensor>(), new Dictionary<string, string> { [ModelFile.ArchitectureKey] = node.ToJsonString() });
        Assert.Contains("nest deeper than 64 levels", Assert.Throws<InvalidDataException>(() => ModelFile.Load(path)).Message);

        SafeTensors.Save(path, new Linear(2, 2).StateDict());
        Assert.Contains("holds tensors, not a model", Assert.Throws<InvalidDataException>(() => ModelFile.Load(path)).Message);
    }
}
