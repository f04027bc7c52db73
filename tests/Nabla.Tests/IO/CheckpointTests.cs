using System.Text.Json;
using Nabla.IO;

namespace Nabla.Tests.IO;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static CheckpointData Sample(Generator rng) => new()
    {
        Model = new Dictionary<string, Tensor>
        {
            ["0.weight"] = Tensor.Randn([4, 3], DType.Float32, rng),
            ["0.bias"] = Tensor.Randn([4], DType.Float32, rng),
            ["bn.num_batches_tracked"] = Tensor.Scalar(17, DType.Int64),
        },
        OptimizerTensors = new Dictionary<string, Tensor>
        {
            ["0.weight.exp_avg"] = Tensor.Randn([4, 3], DType.Float32, rng),
            ["0.weight.exp_avg_sq"] = Tensor.Randn([4, 3], DType.Float64, rng).Square(),
        },
        OptimizerJson = "{\"type\":\"Adam\",\"lr\":0.001,\"betas\":[0.9,0.999],\"step\":120}",
        SchedulerJson = "{\"type\":\"StepLR\",\"last_epoch\":3}",
        Epoch = 3,
        Step = 120,
        RngState = rng.GetState(),
        Metadata = new Dictionary<string, string> { ["run"] = "moons-01", ["format"] = "user value may reuse a reserved word" },
    };

    [Fact]
    public void RoundTripsEveryMember()
    {
        var rng = new Generator(7);
        rng.NextGaussian(); // leave a spare Gaussian in the state, the part most easily lost
        var data = Sample(rng);
        string path = PathOf("ckpt.safetensors");

        Checkpoint.Save(path, data);
        var loaded = Checkpoint.Load(path);

        Assert.Equal(data.Model.Keys.Order(), loaded.Model.Keys.Order());
        foreach (var (name, t) in data.Model)
        {
            Assert.Equal(t.DType, loaded.Model[name].DType);
            Assert.Equal(t.Shape, loaded.Model[name].Shape);
            Assert.Equal(t.ToDoubleArray(), loaded.Model[name].ToDoubleArray());
        }
        Assert.Equal(data.OptimizerTensors.Keys.Order(), loaded.OptimizerTensors.Keys.Order());
        foreach (var (name, t) in data.OptimizerTensors) Assert.Equal(t.ToDoubleArray(), loaded.OptimizerTensors[name].ToDoubleArray());
        Assert.Equal(data.OptimizerJson, loaded.OptimizerJson);
        Assert.Equal(data.SchedulerJson, loaded.SchedulerJson);
        Assert.Equal(3, loaded.Epoch);
        Assert.Equal(120L, loaded.Step);
        Assert.Equal(data.RngState, loaded.RngState);
        Assert.Equal(data.Metadata.OrderBy(kv => kv.Key), loaded.Metadata.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void RestoredRandomStateContinuesTheSameSequence()
    {
        var rng = new Generator(11);
        rng.NextGaussian();
        Checkpoint.Save(PathOf("rng.safetensors"), new CheckpointData { RngState = rng.GetState() });
        var expected = Enumerable.Range(0, 5).Select(_ => rng.NextGaussian()).ToArray();

        var restored = new Generator(0);
        restored.SetState(Checkpoint.Load(PathOf("rng.safetensors")).RngState);

        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => restored.NextGaussian()));
    }

    [Fact]
    public void DefaultsRoundTripWithoutAScheduler()
    {
        Checkpoint.Save(PathOf("empty.safetensors"), new CheckpointData());
        var loaded = Checkpoint.Load(PathOf("empty.safetensors"));
        Assert.Empty(loaded.Model);
        Assert.Empty(loaded.OptimizerTensors);
        Assert.Equal("{}", loaded.OptimizerJson);
        Assert.Null(loaded.SchedulerJson);
        Assert.Equal(0, loaded.Epoch);
        Assert.Empty(loaded.RngState);
        Assert.Empty(loaded.Metadata);
    }

    [Fact]
    public void TheFileIsAnOrdinarySafetensorsFile()
    {
        string path = PathOf("ckpt.safetensors");
        Checkpoint.Save(path, Sample(new Generator(3)));
        var raw = SafeTensors.Load(path);

        Assert.Equal(["model.0.bias", "model.0.weight", "model.bn.num_batches_tracked", "optim.0.weight.exp_avg", "optim.0.weight.exp_avg_sq"],
            raw.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Checkpoint.Format, raw.Metadata["format"]);
        Assert.Equal("3", raw.Metadata["epoch"]);
        Assert.Equal("120", raw.Metadata["step"]);
        Assert.Equal("moons-01", raw.Metadata["meta.run"]);
        using var optimizer = JsonDocument.Parse(raw.Metadata["optimizer"]);
        Assert.Equal(0.001, optimizer.RootElement.GetProperty("lr").GetDouble());
    }

    [Fact]
    public void SaveValidatesItsInput()
    {
        var negative = Assert.Throws<ArgumentException>(() => Checkpoint.Save(PathOf("x"), new CheckpointData { Epoch = -1 }));
        Assert.Contains("Epoch is -1", negative.Message);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(PathOf("x"), new CheckpointData { Step = -5 }));
        var json = Assert.Throws<ArgumentException>(() => Checkpoint.Save(PathOf("x"), new CheckpointData { OptimizerJson = "{lr: 0.1" }));
        Assert.Contains("OptimizerJson is not valid JSON", json.Message);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(PathOf("x"), new CheckpointData { SchedulerJson = "]" }));
        Assert.False(File.Exists(PathOf("x")));
    }

    [Fact]
    public void LoadRejectsAPlainStateDict()
    {
        string path = PathOf("plain.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["weight"] = Tensor.Ones(2) });
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("'format' is missing", ex.Message);
    }

    [Fact]
    public void LoadRejectsMalformedState()
    {
        var good = new Dictionary<string, string>
        {
            ["format"] = Checkpoint.Format,
            ["epoch"] = "1",
            ["step"] = "2",
            ["optimizer"] = "{}",
            ["rng_state"] = "00000000000000ff",
        };
        void Fails(Dictionary<string, string> meta, Dictionary<string, Tensor> tensors, string fragment)
        {
            string path = PathOf("bad.safetensors");
            SafeTensors.Save(path, tensors, meta);
            var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
            Assert.Contains(fragment, ex.Message);
        }
        var none = new Dictionary<string, Tensor>();

        Fails(new(good) { ["epoch"] = "-1" }, none, "epoch '-1'");
        Fails(new(good) { ["step"] = "many" }, none, "step 'many'");
        Fails(new(good) { ["optimizer"] = "{" }, none, "'optimizer' entry is not valid JSON");
        Fails(new(good) { ["rng_state"] = "12,zz" }, none, "word 1 of 'rng_state'");
        Fails(new(good) { ["format"] = "nabla.checkpoint/9" }, none, "'nabla.checkpoint/9'");
        Fails(new(good) { ["surprise"] = "1" }, none, "unexpected metadata entry 'surprise'");
        Fails(good.Where(kv => kv.Key != "step").ToDictionary(), none, "'step' is missing");
        Fails(good, new Dictionary<string, Tensor> { ["weights"] = Tensor.Ones(1) }, "tensor 'weights' is neither");
        Assert.Equal(255UL, LoadGood(good).RngState[0]);
    }

    private CheckpointData LoadGood(Dictionary<string, string> meta)
    {
        string path = PathOf("good.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor>(), meta);
        return Checkpoint.Load(path);
    }
}
