using System.Text.RegularExpressions;
using Nabla.Data;
using Nabla.IO;
using Nabla.Optim;
using Nabla.Optim.Schedulers;
using Nabla.Tests.Data;
using Nabla.Training;
using static Nabla.Tests.Training.TrainingTestUtil;

namespace Nabla.Tests.Training;

[Collection(GlobalStateCollection.Name)]
public class CheckpointValidationTests
{
    private static (Trainer Trainer, DataLoader Train, LRSchedulerCallback Scheduler) Setup()
    {
        var model = Mlp(new Generator(1));
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var scheduler = new LRSchedulerCallback(new CosineAnnealingLR(optimizer, tMax: 4));
        var train = Loader(Moons(80).Train, batchSize: 16);
        return (new Trainer(model, optimizer, BinaryLoss), train, scheduler);
    }

    /// <summary>Each case edits one metadata entry of a valid checkpoint; the phrase is what the error must say.</summary>
    public static TheoryData<string, string, string, string> Edits() => new()
    {
        { "optimizer", "\"step\":\\d+", "\"step\":-1", "has step -1" },
        { "optimizer", "\"step\":\\d+", "\"step\":1e30", "malformed" },
        { "optimizer", "\"step\":\\d+", "\"step\":\"3\"", "malformed" },
        { "optimizer", "\"param_groups\":\\[", "\"param_groups\":null,\"x\":[", "'param_groups' is missing" },
        { "optimizer", "\"params\":\\[", "\"params\":[-4,", "index -4" },
        { "optimizer", "\\}$", "", "not valid JSON" },
        { "scheduler", "\"BaseLRs\":\\[[^\\]]*\\]", "\"BaseLRs\":null", "null BaseLRs" },
        { "scheduler", "\"LastEpoch\":\\d+", "\"LastEpoch\":-7", "LastEpoch is -7" },
        { "scheduler", "\"LastLR\":\\[[^\\]]*\\]", "\"LastLR\":[\"NaN\"]", "learning rate NaN" },
        { "scheduler", "^.*$", "null", "schedule state is null" },
        { "meta.trainer.history", "\\]$", "", "history is malformed" },
        { "meta.trainer.history", "^.*$", "[null]", "history is malformed" },
        { "meta.trainer.history", "\"epoch\":1", "\"epoch\":1e20", "history is malformed" },
        { "meta.trainer.generators", "^.*$", "[\"0000000000000000,0000000000000000,0000000000000000,0000000000000000,0000000000000000,0000000000000000\"]", "all zeros" },
        { "meta.trainer.generators", "^.*$", "[42]", "generator states are malformed" },
        { "rng_state", "^.*$", "0000000000000000,0000000000000000,0000000000000000,0000000000000000,0000000000000000,0000000000000000", "all zeros" },
        { "step", "^.*$", "-1", "is not a non-negative integer" },
        { "epoch", "^.*$", "99999999999", "is not a non-negative integer" },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void AnImpossibleFieldIsInvalidDataNamingTheFileAndTheField(string key, string pattern, string replacement, string phrase)
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.safetensors");
        var (trainer, train, scheduler) = Setup();
        trainer.Fit(train, 1, callbacks: [scheduler]);
        trainer.SaveCheckpoint(path, train, scheduler);

        var file = SafeTensors.Load(path);
        var metadata = file.Metadata.ToDictionary();
        string edited = Regex.Replace(metadata[key], pattern, replacement);
        Assert.NotEqual(metadata[key], edited);
        metadata[key] = edited;
        SafeTensors.Save(path, file.Tensors, metadata);

        var (fresh, freshTrain, freshScheduler) = Setup();
        var e = Assert.Throws<InvalidDataException>(() => fresh.LoadCheckpoint(path, freshTrain, freshScheduler));
        Assert.Contains(path, e.Message);
        Assert.Contains(phrase, e.Message);
    }

    [Fact]
    public void NonFiniteWeightsInACheckpointAreRefused()
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.safetensors");
        var (trainer, train, scheduler) = Setup();
        trainer.SaveCheckpoint(path, train, scheduler);
        var file = SafeTensors.Load(path);
        var tensors = file.Tensors.ToDictionary();
        tensors["model.0.bias"] = Tensor.Full([16], double.NaN);
        SafeTensors.Save(path, tensors, file.Metadata);
        var e = Assert.Throws<InvalidDataException>(() => Setup().Trainer.LoadCheckpoint(path, train, scheduler));
        Assert.Contains("model.0.bias", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void AnAllZeroGeneratorStateIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Generator(1).SetState(new ulong[6]));
        Assert.Contains("all zero", e.Message);
    }
}
