using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Optim.Schedulers;
using Nabla.Tests.Data;
using Nabla.Training;
using static Nabla.Tests.Training.TrainingTestUtil;

namespace Nabla.Tests.Training;

[Collection(GlobalStateCollection.Name)]
public class CheckpointResumeTests
{
    /// <summary>
    /// Everything a run is made of, built from scratch as a new process would: a model with one dropout layer on its own
    /// generator and one on <see cref="Generator.Default"/>, Adam, a cosine schedule and a shuffling loader. Different
    /// seeds make a run whose every random state differs, so only a complete restore can reproduce another run.
    /// </summary>
    private sealed class Run
    {
        public Run(ulong seed)
        {
            var (train, test) = Moons(160, seed: 3);
            Dropout = new Generator(seed + 100);
            Model = new Sequential(
                new Linear(2, 16, generator: new Generator(seed)), new ReLU(), new Dropout(0.2, Dropout),
                new Linear(16, 16, generator: new Generator(seed + 1)), new ReLU(), new Dropout(0.1),
                new Linear(16, 1, generator: new Generator(seed + 2)));
            var optimizer = new Adam(Model.Parameters(), lr: 0.02);
            Scheduler = new LRSchedulerCallback(new CosineAnnealingLR(optimizer, tMax: 4));
            Trainer = new Trainer(Model, optimizer, BinaryLoss, new TrainerOptions { ComputeAccuracy = true });
            Train = new DataLoader(train, batchSize: 16, shuffle: true, generator: new Generator(seed + 3));
            Test = new DataLoader(test, batchSize: 32);
        }

        public Sequential Model { get; }
        public Generator Dropout { get; }
        public LRSchedulerCallback Scheduler { get; }
        public Trainer Trainer { get; }
        public DataLoader Train { get; }
        public DataLoader Test { get; }

        public History Fit(int epochs) => Trainer.Fit(Train, epochs, Test, [Scheduler]);

        public void Save(string path) => Trainer.SaveCheckpoint(path, Train, Scheduler, [Dropout]);

        public void Load(string path) => Trainer.LoadCheckpoint(path, Train, Scheduler, [Dropout]);
    }

    [Fact]
    public void ResumingFromACheckpointReproducesTheUninterruptedRunExactly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.safetensors");

        Generator.ManualSeed(42);
        var whole = new Run(seed: 1).Fit(4);

        Generator.ManualSeed(42);
        var first = new Run(seed: 1);
        first.Fit(2);
        first.Save(path);
        Generator.ManualSeed(7);
        var resumed = new Run(seed: 500);
        resumed.Load(path);
        Assert.Equal(2, resumed.Trainer.Epoch);
        Assert.Equal(first.Trainer.GlobalStep, resumed.Trainer.GlobalStep);
        Assert.Equal(first.Trainer.History, resumed.Trainer.History);
        var history = resumed.Fit(2);

        Assert.Equal([1, 2, 3, 4], history.Select(e => e.Epoch));
        Assert.Equal(whole.Values("train_loss"), history.Values("train_loss"));
        Assert.Equal(whole.Values("val_loss"), history.Values("val_loss"));
        Assert.Equal(whole.Values("train_accuracy"), history.Values("train_accuracy"));
        Assert.Equal(whole.Values("lr"), history.Values("lr"));
        Assert.Equal(8 * 4, resumed.Trainer.GlobalStep);
    }

    [Fact]
    public void TheCheckpointHoldsTheModelAndTheOptimizerState()
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.safetensors");
        var run = new Run(seed: 2);
        run.Fit(1);
        run.Save(path);

        var data = Nabla.IO.Checkpoint.Load(path);
        Assert.Equal(1, data.Epoch);
        Assert.Equal(8, data.Step);
        Assert.Equal(run.Model.StateDict().Keys.Order(), data.Model.Keys.Order());
        Assert.Equal(run.Model.StateDict()["0.weight"].ToDoubleArray(), data.Model["0.weight"].ToDoubleArray());
        // Adam keeps two moments per parameter: six parameters, twelve tensors.
        Assert.Equal(12, data.OptimizerTensors.Count);
        Assert.Contains("state.0.exp_avg", data.OptimizerTensors.Keys);
        Assert.Contains("\"optimizer\":\"Adam\"", data.OptimizerJson);
        Assert.Contains("\"LastEpoch\":1", data.SchedulerJson);
        Assert.Equal(Generator.Default.GetState().Length, data.RngState.Length);
    }

    [Fact]
    public void ACheckpointOfAnotherRunIsRejectedWithTheReason()
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.safetensors");
        var run = new Run(seed: 3);
        run.Fit(1);
        run.Save(path);

        var wider = new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 1));
        var other = new Trainer(wider, new Adam(wider.Parameters()), BinaryLoss);
        var error = Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(path, run.Train, run.Scheduler, [run.Dropout]));
        Assert.Contains("does not fit", error.Message);
        Assert.Contains("0.weight", error.Message);

        var generators = Assert.Throws<InvalidDataException>(() => new Run(seed: 3).Trainer.LoadCheckpoint(path, run.Train));
        Assert.Contains("2 generator(s)", generators.Message);
        Assert.Contains("1 were given", generators.Message);

        var noSchedule = Assert.Throws<InvalidDataException>(() =>
        {
            var plain = new Run(seed: 3);
            plain.Trainer.SaveCheckpoint(path, plain.Train, generators: [plain.Dropout]);
            plain.Load(path);
        });
        Assert.Contains("no schedule state", noSchedule.Message);
    }
}
