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
        public Run(ulong seed, bool augment = false)
        {
            var (moons, test) = Moons(160, seed: 3);
            // A random transform that draws on the training thread (no prefetch), for an interrupted epoch to resume exactly.
            Augmentation = new Generator(seed + 200);
            Augmented = augment;
            IDataset train = augment ? new TransformedDataset(moons, new RandomHorizontalFlip(0.3, Augmentation)) : moons;
            Dropout = new Generator(seed + 100);
            Model = new Sequential(
                new Linear(2, 16, generator: new Generator(seed)), new ReLU(), new Dropout(0.2, Dropout),
                new Linear(16, 16, generator: new Generator(seed + 1)), new ReLU(), new Dropout(0.1),
                new Linear(16, 1, generator: new Generator(seed + 2)));
            var optimizer = new Adam(Model.Parameters(), lr: 0.02);
            Scheduler = new LRSchedulerCallback(new CosineAnnealingLR(optimizer, tMax: 4));
            Trainer = new Trainer(Model, optimizer, BinaryLoss, new TrainerOptions { ComputeAccuracy = true });
            Train = new DataLoader(train, batchSize: 16, shuffle: true, generator: new Generator(seed + 3), prefetch: !augment);
            Test = new DataLoader(test, batchSize: 32);
        }

        public Sequential Model { get; }
        public Generator Dropout { get; }
        public Generator Augmentation { get; }
        public bool Augmented { get; }
        public LRSchedulerCallback Scheduler { get; }
        public Trainer Trainer { get; }
        public DataLoader Train { get; }
        public DataLoader Test { get; }

        public History Fit(int epochs) => Trainer.Fit(Train, epochs, Test, [Scheduler]);

        public History Fit(int epochs, CancellationToken token, params Callback[] more) => Trainer.Fit(Train, epochs, Test, [Scheduler, .. more], token);

        public Generator[] Generators => Augmented ? [Dropout, Augmentation] : [Dropout];

        public void Save(string path) => Trainer.SaveCheckpoint(path, Train, Scheduler, Generators);

        public void Load(string path) => Trainer.LoadCheckpoint(path, Train, Scheduler, Generators);
    }

    [Theory]
    [InlineData(1, 3, false)]
    [InlineData(3, 1, true)]
    [InlineData(2, 7, true)]
    public void AnEpochInterruptedAfterABatchResumesWithTheNextExactly(int epoch, int batch, bool augment)
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.safetensors");
        Generator.ManualSeed(42);
        var uninterrupted = new Run(seed: 1, augment);
        var whole = uninterrupted.Fit(4);

        Generator.ManualSeed(42);
        var first = new Run(seed: 1, augment);
        using var interrupt = new CancellationTokenSource();
        var stopper = new LambdaCallback(onBatchEnd: (_, b) => { if (b.Epoch == epoch && b.Batch == batch) interrupt.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => first.Fit(4, interrupt.Token, stopper));
        Assert.Equal(epoch - 1, first.Trainer.Epoch);
        Assert.Equal(batch, first.Trainer.EpochBatch);
        Assert.Equal((epoch - 1) * 8 + batch, first.Trainer.GlobalStep);
        first.Save(path);
        Assert.Contains("trainer.position", Nabla.IO.Checkpoint.Load(path).Metadata.Keys);

        Generator.ManualSeed(7);
        var resumed = new Run(seed: 500, augment);
        resumed.Load(path);
        Assert.Equal(batch, resumed.Trainer.EpochBatch);
        var history = resumed.Fit(4 - resumed.Trainer.Epoch);

        Assert.Equal([1, 2, 3, 4], history.Select(e => e.Epoch));
        Assert.Equal(whole.Values("train_loss"), history.Values("train_loss"));
        Assert.Equal(whole.Values("train_accuracy"), history.Values("train_accuracy"));
        Assert.Equal(whole.Values("val_loss"), history.Values("val_loss"));
        Assert.Equal(whole.Values("lr"), history.Values("lr"));
        Assert.Equal(0, resumed.Trainer.EpochBatch);
        Assert.Equal(4 * 8, resumed.Trainer.GlobalStep);
        foreach (var (name, value) in uninterrupted.Model.StateDict())
            Assert.Equal(value.ToDoubleArray(), resumed.Model.StateDict()[name].ToDoubleArray());
    }

    [Fact]
    public void AMidEpochCheckpointNeedsTheTrainingLoaderAndAMatchingOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.File("checkpoint.safetensors");
        var first = new Run(seed: 1);
        using var interrupt = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => first.Fit(2, interrupt.Token, new LambdaCallback(onBatchEnd: (_, b) => { if (b.Batch == 2) interrupt.Cancel(); })));
        first.Save(path);

        var error = Assert.Throws<InvalidDataException>(() => new Run(seed: 1).Trainer.LoadCheckpoint(path));
        Assert.Contains("in the middle of epoch 1 (after batch 2)", error.Message);

        var data = Nabla.IO.Checkpoint.Load(path);
        data.Metadata["trainer.order"] = Convert.ToBase64String(new byte[] { 0, 0, 0, 0 });
        Nabla.IO.Checkpoint.Save(path, data);
        var other = new Run(seed: 1);
        error = Assert.Throws<InvalidDataException>(() => other.Load(path));
        Assert.Contains("the interrupted epoch's order has 1 examples, but the training loader's sampler draws 128", error.Message);
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
