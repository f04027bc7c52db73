using Nabla.NN;

namespace Nabla.Tests.NN;

public sealed class ModuleTests
{
    private sealed class Net : Module
    {
        private readonly Linear _fc1;
        private readonly BatchNorm1d _bn;
        private readonly Linear _fc2;

        public Net(ulong seed = 1)
        {
            var g = new Generator(seed);
            _fc1 = RegisterModule("fc1", new Linear(2, 16, generator: g));
            _bn = RegisterModule("bn", new BatchNorm1d(16));
            _fc2 = RegisterModule("fc2", new Linear(16, 1, generator: g));
        }

        public override Tensor Forward(Tensor x) => _fc2.Forward(_bn.Forward(_fc1.Forward(x)).Relu());
    }

    private sealed class WithScratch : Module
    {
        public WithScratch()
        {
            RegisterParameter("scale", Tensor.Ones(3));
            RegisterBuffer("scratch", Tensor.Zeros(3), persistent: false);
            RegisterBuffer("count", Tensor.Zeros(1));
        }

        public override Tensor Forward(Tensor x) => x * GetParameter("scale");

        public void Register(string name, Tensor t) => RegisterParameter(name, t);

        public void RegisterBuf(string name, Tensor t) => RegisterBuffer(name, t);
    }

    [Fact]
    public void NamesFollowRegistrationOrder()
    {
        var net = new Net();
        Assert.Equal(["fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight", "fc2.bias"], net.NamedParameters().Select(p => p.Name));
        Assert.Equal(["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"], net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(["", "fc1", "bn", "fc2"], net.NamedModules().Select(m => m.Name));
        Assert.Equal(3, net.Children().Count());
        Assert.Equal(["fc1", "bn", "fc2"], net.NamedChildren().Select(c => c.Name));
        Assert.Equal(2 * 16 + 16 + 16 + 16 + 16 + 1, net.ParameterCount());
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad && p.IsLeaf));
    }

    [Fact]
    public void SharedModulesAndParametersAreCountedOnce()
    {
        var shared = new Linear(4, 4);
        var seq = new Sequential(shared, new ReLU(), shared);
        Assert.Equal(2, seq.Parameters().Count());
        Assert.Equal(20, seq.ParameterCount());
        Assert.Equal(["0.weight", "0.bias"], seq.NamedParameters().Select(p => p.Name));
        Assert.Equal(["", "0", "1"], seq.NamedModules().Select(m => m.Name));
    }

    [Fact]
    public void StateDictHoldsParametersAndPersistentBuffersInOrder()
    {
        var net = new Net();
        var state = net.StateDict();
        Assert.Equal(["fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "fc2.weight", "fc2.bias"],
            state.Keys);
        Assert.All(state.Values, t => Assert.False(t.RequiresGrad));
        Assert.Equal(DType.Int64, state["bn.num_batches_tracked"].DType);

        var scratch = new WithScratch();
        Assert.Equal(["scale", "count"], scratch.StateDict().Keys);
        Assert.Equal(["scratch", "count"], scratch.NamedBuffers().Select(b => b.Name));
    }

    [Fact]
    public void StateDictRoundTripCopiesValuesIntoTheSameTensors()
    {
        var source = new Net(seed: 1);
        var x = NNTestUtil.Sample(3, 8, 2).To(DType.Float32);
        source.Forward(x);
        source.Eval();
        var target = new Net(seed: 2).Eval();
        var before = target.Parameters().ToList();
        Assert.False(source.Forward(x).AllClose(target.Forward(x)));

        var result = target.LoadStateDict(source.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(before, target.Parameters());
        Assert.True(source.Forward(x).AllClose(target.Forward(x), 0, 0));
        Assert.Equal(1.0, target.StateDict()["bn.num_batches_tracked"].Item());

        using (Autograd.NoGrad()) source.Parameters().First().Fill(7);
        Assert.NotEqual(7.0, target.Parameters().First().ItemAt(0, 0));
    }

    [Fact]
    public void StrictLoadReportsEveryProblemAndChangesNothing()
    {
        var net = new Net();
        var state = new Net(seed: 5).StateDict();
        state.Remove("fc2.bias");
        state["extra"] = Tensor.Zeros(1);
        state["fc1.weight"] = Tensor.Zeros(16, 3);
        state["bn.weight"] = Tensor.Zeros([16], DType.Float64);
        var original = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());

        var e = Assert.Throws<ArgumentException>(() => net.LoadStateDict(state));
        Assert.Contains("missing keys: 'fc2.bias'", e.Message);
        Assert.Contains("unexpected keys: 'extra'", e.Message);
        Assert.Contains("size mismatch for 'fc1.weight': expected [16, 2] float32, found [16, 3] float32", e.Message);
        Assert.Contains("dtype mismatch for 'bn.weight': expected [16] float32, found [16] float64", e.Message);
        foreach (var (name, t) in net.StateDict()) Assert.True(t.AllClose(original[name], 0, 0), name);
    }

    [Fact]
    public void NonStrictLoadReturnsMissingAndUnexpectedKeysAndConvertsDTypes()
    {
        var net = new Net();
        var state = new Net(seed: 5).StateDict();
        state.Remove("fc2.bias");
        state["extra"] = Tensor.Zeros(1);
        state["bn.weight"] = Tensor.Full([16], 3, DType.Float64);
        var result = net.LoadStateDict(state, strict: false);
        Assert.Equal(["fc2.bias"], result.MissingKeys);
        Assert.Equal(["extra"], result.UnexpectedKeys);
        Assert.Equal(DType.Float32, net.StateDict()["bn.weight"].DType);
        Assert.Equal(3.0, net.StateDict()["bn.weight"].ItemAt(5));

        state["fc1.weight"] = Tensor.Zeros(2, 16);
        var e = Assert.Throws<ArgumentException>(() => net.LoadStateDict(state, strict: false));
        Assert.Contains("size mismatch for 'fc1.weight'", e.Message);
    }

    [Fact]
    public void TrainAndEvalPropagateToDescendants()
    {
        var net = new Sequential(new Linear(2, 2), new Sequential(new Dropout(), new BatchNorm1d(2)));
        Assert.All(net.Modules(), m => Assert.True(m.IsTraining));
        Assert.Same(net, net.Eval());
        Assert.All(net.Modules(), m => Assert.False(m.IsTraining));
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.IsTraining));
    }

    [Fact]
    public void ZeroGradSetsGradientsToNull()
    {
        var net = new Linear(3, 2);
        net.Forward(Tensor.Ones(4, 3)).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void FreezingStopsGradients()
    {
        var frozen = new Linear(3, 4);
        var head = new Linear(4, 1);
        var model = new Sequential(frozen, new Tanh(), head);
        frozen.SetRequiresGrad(false);
        Assert.Equal(5, model.ParameterCount(trainableOnly: true));
        Assert.Equal(21, model.ParameterCount());
        model.Forward(Tensor.Ones(2, 3)).Sum().Backward();
        Assert.Null(frozen.Weight.Grad);
        Assert.NotNull(head.Weight.Grad);
    }

    [Fact]
    public void ToConvertsFloatingParametersAndBuffersOnly()
    {
        var model = new Sequential(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, 2, bias: false));
        var w = ((Linear)model[0]).Weight;
        // Rows that differ: batch norm of identical rows would normalise rounding noise, which float32 and float64 round differently.
        var input = Tensor.Linspace(-1, 1, 15).Reshape(5, 3);
        model.Forward(input).Sum().Backward();
        var expected = model.Forward(input).ToDoubleArray();

        model.To(DType.Float64);
        Assert.All(model.Parameters(), p => Assert.True(p.DType == DType.Float64 && p.IsLeaf && p.RequiresGrad && p.Grad!.DType == DType.Float64));
        Assert.Equal(DType.Float64, ((BatchNorm1d)model[1]).RunningMean!.DType);
        Assert.Equal(DType.Int64, ((BatchNorm1d)model[1]).NumBatchesTracked!.DType);
        Assert.Equal(w.ToDoubleArray(), ((Linear)model[0]).Weight.ToDoubleArray());
        var y = model.Forward(input.To(DType.Float64));
        Assert.Equal(DType.Float64, y.DType);
        NNTestUtil.AssertClose(expected, [5, 2], y, 1e-5, "float64 output");
        Assert.Throws<ArgumentException>(() => model.To(DType.Int64));
    }

    [Fact]
    public void ApplyVisitsChildrenBeforeParents()
    {
        var inner = new Sequential(new ReLU(), new Tanh());
        var outer = new Sequential(new Linear(1, 1), inner);
        var visited = new List<string>();
        outer.Apply(m => visited.Add(m.GetType().Name));
        Assert.Equal(["Linear", "ReLU", "Tanh", "Sequential", "Sequential"], visited);
        outer.Apply(m => { if (m is Linear l) Init.Constant(l.Weight, 0.5); });
        Assert.Equal(0.5, ((Linear)outer[0]).Weight.ItemAt(0, 0));
    }

    [Fact]
    public void ToStringPrintsTheTreeLikePyTorch()
    {
        var model = new Sequential(new Linear(784, 256), new ReLU(), new Dropout(0.2),
            new Sequential(new Linear(256, 10, bias: false), new LogSoftmax(dim: 1)), new BatchNorm2d(3, momentum: null));
        Assert.Equal(
            """
            Sequential(
              (0): Linear(in_features=784, out_features=256, bias=True)
              (1): ReLU()
              (2): Dropout(p=0.2)
              (3): Sequential(
                (0): Linear(in_features=256, out_features=10, bias=False)
                (1): LogSoftmax(dim=1)
              )
              (4): BatchNorm2d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)
            )
            """.ReplaceLineEndings("\n"), model.ToString());
        Assert.Equal("LayerNorm((3, 4), eps=1e-05, elementwise_affine=True)", new LayerNorm([3, 4]).ToString());
        Assert.Equal("LayerNorm((8,), eps=0.001, elementwise_affine=False)", new LayerNorm(8, eps: 1e-3, elementwiseAffine: false).ToString());
        Assert.Equal("Embedding(10, 3, padding_idx=0)", new Embedding(10, 3, paddingIdx: 0).ToString());
        Assert.Equal("Residual(\n  (block): Linear(in_features=2, out_features=2, bias=True)\n)", new Residual(new Linear(2, 2)).ToString());
    }

    [Fact]
    public void SummaryListsShapesAndCounts()
    {
        var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        ((Linear)model[2]).SetRequiresGrad(false);
        var summary = model.Summary();
        Assert.Contains("0.weight", summary);
        Assert.Contains("[256, 784]", summary);
        Assert.Contains("200,704", summary);
        Assert.EndsWith("Total parameters: 203,530 (trainable 200,960)", summary);
    }

    [Fact]
    public void RegistrationValidatesNamesAndTensors()
    {
        var m = new WithScratch();
        Assert.Contains("contain no '.'", Assert.Throws<ArgumentException>(() => m.Register("a.b", Tensor.Zeros(1))).Message);
        Assert.Contains("already registered", Assert.Throws<ArgumentException>(() => m.Register("scratch", Tensor.Zeros(1))).Message);
        var computed = Tensor.Ones(2).SetRequiresGrad() * 2;
        Assert.Contains("leaf", Assert.Throws<ArgumentException>(() => m.Register("c", computed)).Message);
        Assert.Contains("float32 or float64", Assert.Throws<ArgumentException>(() => m.Register("d", Tensor.Arange(3))).Message);
        Assert.Contains("requires grad", Assert.Throws<ArgumentException>(() => m.RegisterBuf("e", Tensor.Ones(2).SetRequiresGrad())).Message);
        m.Register("scale", Tensor.Full([3], 2.0));
        Assert.Equal(2.0, m.GetParameter("scale").ItemAt(0));
        Assert.Single(m.Parameters());
        Assert.Throws<KeyNotFoundException>(() => m.GetParameter("nope"));
    }

    [Fact]
    public void MultiInputForwardDispatches()
    {
        var relu = new ReLU();
        Assert.Equal([0.0, 2.0], relu.Forward([Tensor.FromArray([-1f, 2f])]).ToDoubleArray());
        Assert.Throws<ArgumentException>(() => relu.Forward(Tensor.Ones(1), Tensor.Ones(1)));
        var mse = new MSELoss();
        Assert.Equal(1.0, mse.Forward(Tensor.Ones(2), Tensor.Zeros(2)).Item());
        Assert.Equal(1.0, mse.Forward([Tensor.Ones(2), Tensor.Zeros(2)]).Item());
        Assert.Contains("MSELoss takes two inputs", Assert.Throws<NotSupportedException>(() => mse.Forward(Tensor.Ones(2))).Message);
    }

    [Fact]
    public void SequentialAndModuleListAreIndexableCollections()
    {
        var seq = new Sequential { new Linear(2, 3), new ReLU() };
        seq.Add("head", new Linear(3, 1));
        Assert.Equal(3, seq.Count);
        Assert.IsType<ReLU>(seq[1]);
        Assert.IsType<Linear>(seq[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => seq[3]);
        Assert.Equal(["0.weight", "0.bias", "head.weight", "head.bias"], seq.NamedParameters().Select(p => p.Name));
        Assert.Equal([5, 1], seq.Forward(Tensor.Ones(5, 2)).Shape);
        Assert.Throws<ArgumentException>(() => seq.Add("head", new ReLU()));

        var named = new Sequential(("enc", new Linear(2, 2)), ("act", new Tanh()));
        Assert.Equal(["enc", "act"], named.NamedChildren().Select(c => c.Name));

        var list = new ModuleList(new Linear(2, 2), new Linear(2, 2));
        list.Add(new Linear(2, 1));
        Assert.Equal(3, list.Count);
        Assert.Equal(6, list.Parameters().Count());
        Assert.Equal("2.weight", list.NamedParameters().ElementAt(4).Name);
        Assert.Throws<NotSupportedException>(() => list.Forward(Tensor.Ones(1, 2)));
        var x = Tensor.Ones(1, 2);
        foreach (var layer in list) x = layer.Forward(x);
        Assert.Equal([1, 1], x.Shape);
    }
}
