using System.Text.Json;
using Nabla.IO;
using Nabla.NN;
using Nabla.Optim.Schedulers;
using Nabla.Tests.Data;
using Nabla.Training;
using static Nabla.Tests.Training.TrainingTestUtil;

namespace Nabla.Tests.Training;

public class CallbackTests
{
    /// <summary>Feeds <paramref name="callback"/> one epoch per value, as Fit would, and returns the epoch after which it stopped training (0 if none).</summary>
    private static int Drive(Callback callback, Trainer trainer, params double[] valLosses)
    {
        trainer.StopTraining = false;
        callback.OnTrainBegin(trainer);
        int stopped = 0;
        for (int i = 0; i < valLosses.Length && !trainer.StopTraining; i++)
        {
            callback.OnEpochEnd(trainer, Epoch(i + 1, valLosses[i]));
            if (trainer.StopTraining) stopped = i + 1;
        }
        callback.OnTrainEnd(trainer);
        return stopped;
    }

    [Fact]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement()
    {
        var trainer = MoonsTrainer();
        // Best 0.9 at epoch 2; epochs 3 and 4 do not beat it, so patience 2 runs out after epoch 4.
        var stopper = new EarlyStopping(patience: 2);
        Assert.Equal(4, Drive(stopper, trainer, 1.0, 0.9, 0.95, 0.96, 0.8, 0.7));
        Assert.Equal(4, stopper.StoppedEpoch);
        Assert.Equal(2, stopper.BestEpoch);
        Assert.Equal(0.9, stopper.Best);

        // An improvement resets the wait: 0.85 at epoch 4 restarts the count.
        Assert.Equal(6, Drive(new EarlyStopping(patience: 2), trainer, 1.0, 0.9, 0.95, 0.85, 0.86, 0.87, 0.5));
        // Improvements smaller than minDelta do not count.
        Assert.Equal(3, Drive(new EarlyStopping(patience: 2, minDelta: 0.05), trainer, 1.0, 0.97, 0.96, 0.5));
        // Patience 0 stops at the first epoch without improvement, but never after the first epoch of a run.
        Assert.Equal(3, Drive(new EarlyStopping(patience: 0), trainer, double.NaN, 1.0, 1.0));
        // No stop while the metric keeps improving.
        Assert.Equal(0, Drive(new EarlyStopping(patience: 1), trainer, 5, 4, 3, 2, 1));
    }

    [Fact]
    public void EarlyStoppingOnAccuracyMaximises()
    {
        var trainer = MoonsTrainer();
        var stopper = new EarlyStopping("val_accuracy", patience: 1);
        stopper.OnTrainBegin(trainer);
        double[] accuracies = [0.5, 0.7, 0.6, 0.9];
        int epoch = 0;
        while (!trainer.StopTraining) stopper.OnEpochEnd(trainer, Epoch(++epoch, valLoss: 1, valAccuracy: accuracies[epoch - 1]));
        Assert.Equal(3, stopper.StoppedEpoch);
        Assert.Equal(0.7, stopper.Best);

        var wrongName = new EarlyStopping("val_acuracy");
        wrongName.OnTrainBegin(trainer);
        var error = Assert.Throws<InvalidOperationException>(() => wrongName.OnEpochEnd(trainer, Epoch(1, 1)));
        Assert.Contains("'val_acuracy'", error.Message);
        Assert.Contains("val_accuracy", error.Message);
        Assert.Contains("patience", Assert.Throws<ArgumentException>(() => new EarlyStopping(patience: -1)).Message);
        Assert.Contains("minDelta", Assert.Throws<ArgumentException>(() => new EarlyStopping(minDelta: -0.1)).Message);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestEpochsWeights()
    {
        var trainer = MoonsTrainer();
        var weight = ((Linear)((Sequential)trainer.Model)[0]).Weight;
        var stopper = new EarlyStopping(patience: 2, restoreBestWeights: true);
        stopper.OnTrainBegin(trainer);
        double[] losses = [0.6, 0.4, 0.5, 0.7];
        for (int epoch = 1; epoch <= losses.Length && !trainer.StopTraining; epoch++)
        {
            using (Autograd.NoGrad()) weight.Fill(epoch);
            stopper.OnEpochEnd(trainer, Epoch(epoch, losses[epoch - 1]));
        }
        Assert.Equal(4, stopper.StoppedEpoch);
        stopper.OnTrainEnd(trainer);
        Assert.All(weight.ToDoubleArray(), v => Assert.Equal(2, v));
    }

    [Fact]
    public void EarlyStoppingEndsFit()
    {
        var (train, _) = Moons(64);
        var trainer = MoonsTrainer();
        // The learning rate never changes, so it stops improving after the first epoch.
        var history = trainer.Fit(Loader(train), epochs: 10, callbacks: [new EarlyStopping("lr", patience: 2)]);
        Assert.Equal(3, history.Count);
        Assert.Equal(3, trainer.Epoch);
    }

    [Fact]
    public void ModelCheckpointSavesOnlyOnImprovement()
    {
        using var dir = new TempDirectory();
        var trainer = MoonsTrainer();
        var weight = ((Linear)((Sequential)trainer.Model)[0]).Weight;
        string path = dir.File("best.safetensors");
        var checkpoint = new ModelCheckpoint(path, saveBestOnly: true);
        double[] losses = [0.5, 0.7, 0.4, 0.6];
        var savedWeight = new List<double>();
        for (int epoch = 1; epoch <= losses.Length; epoch++)
        {
            using (Autograd.NoGrad()) weight.Fill(epoch);
            checkpoint.OnEpochEnd(trainer, Epoch(epoch, losses[epoch - 1]));
            savedWeight.Add(SafeTensors.Load(path).Tensors["0.weight"].ToDoubleArray()[0]);
        }
        Assert.Equal([1, 1, 3, 3], savedWeight);
        Assert.Equal(3, checkpoint.LastSavedEpoch);
        Assert.Equal(0.4, checkpoint.Best);

        // The saved file is the model's state dict.
        var fresh = Mlp(new Generator(99));
        fresh.LoadStateDict(SafeTensors.Load(path).Tensors);
        Assert.All(((Linear)fresh[0]).Weight.ToDoubleArray(), v => Assert.Equal(3, v));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp*"));
    }

    [Fact]
    public void ModelCheckpointCanKeepEveryEpoch()
    {
        using var dir = new TempDirectory();
        var (train, _) = Moons(64);
        var trainer = MoonsTrainer(options: new TrainerOptions());
        trainer.Fit(Loader(train), epochs: 3, callbacks: [new ModelCheckpoint(Path.Combine(dir.Path, "runs", "epoch-{epoch}.safetensors"))]);
        Assert.Equal(["epoch-1.safetensors", "epoch-2.safetensors", "epoch-3.safetensors"],
            Directory.GetFiles(Path.Combine(dir.Path, "runs")).Select(Path.GetFileName).Order());
        var last = SafeTensors.Load(Path.Combine(dir.Path, "runs", "epoch-3.safetensors")).Tensors;
        Assert.Equal(trainer.Model.StateDict().Keys.Order(), last.Keys.Order());
        Assert.Equal(trainer.Model.StateDict()["4.bias"].ToDoubleArray(), last["4.bias"].ToDoubleArray());
    }

    [Fact]
    public void LRSchedulerCallbackStepsPerEpochOrPerBatch()
    {
        var (train, _) = Moons(64);
        var perEpoch = MoonsTrainer();
        perEpoch.Optimizer.LearningRate = 1;
        var history = perEpoch.Fit(Loader(train), epochs: 5, callbacks: [new LRSchedulerCallback(new StepLR(perEpoch.Optimizer, stepSize: 2, gamma: 0.1))]);
        Assert.Equal([1, 1, 0.1, 0.1, 0.01], history.Values("lr"), new ToleranceComparer(1e-12));

        var perBatch = MoonsTrainer();
        var schedule = new ExponentialLR(perBatch.Optimizer, gamma: 0.5);
        perBatch.Fit(Loader(train, 16), epochs: 2, callbacks: [new LRSchedulerCallback(schedule, perBatch: true)]);
        Assert.Equal(8, schedule.LastEpoch);
        Assert.Equal(0.01 * Math.Pow(0.5, 8), perBatch.Optimizer.LearningRate, 15);
    }

    [Fact]
    public void ReduceLROnPlateauIsFedTheMonitoredMetric()
    {
        var trainer = MoonsTrainer();
        var plateau = new ReduceLROnPlateau(trainer.Optimizer, factor: 0.5, patience: 1);
        var callback = new LRSchedulerCallback(plateau, monitor: "val_loss");
        double[] losses = [1.0, 0.8, 0.9, 0.85, 0.7];
        var rates = new List<double>();
        for (int i = 0; i < losses.Length; i++)
        {
            callback.OnEpochEnd(trainer, Epoch(i + 1, losses[i]));
            rates.Add(trainer.Optimizer.LearningRate);
        }
        // Epochs 3 and 4 do not beat 0.8: after the second bad epoch (more than patience 1) the rate halves.
        Assert.Equal([0.01, 0.01, 0.01, 0.005, 0.005], rates);
        Assert.Equal(0.7, plateau.Best);

        var restored = new LRSchedulerCallback(new ReduceLROnPlateau(MoonsTrainer().Optimizer, factor: 0.5, patience: 1));
        restored.LoadStateDict(callback.StateDict());
        Assert.Equal(callback.StateDict().Values, restored.StateDict().Values);
    }

    [Fact]
    public void LambdaCallbackHooksRunInOrder()
    {
        var (train, test) = Moons(40);
        var events = new List<string>();
        var trainer = MoonsTrainer();
        trainer.Fit(Loader(train, 16), epochs: 2, validation: Loader(test, 8, shuffleSeed: null), callbacks:
        [
            new LambdaCallback(
                onTrainBegin: _ => events.Add("train begin"),
                onEpochBegin: (_, e) => events.Add($"epoch {e} begin"),
                onBatchEnd: (_, b) => events.Add($"batch {b.Epoch}.{b.Batch} step {b.GlobalStep} size {b.Size}"),
                onEpochEnd: (t, log) => events.Add($"epoch {log.Epoch} end, history {t.History.Count}"),
                onTrainEnd: t => events.Add($"train end after {t.Epoch}")),
        ]);
        Assert.Equal(
        [
            "train begin",
            "epoch 1 begin", "batch 1.1 step 1 size 16", "batch 1.2 step 2 size 16", "epoch 1 end, history 1",
            "epoch 2 begin", "batch 2.1 step 3 size 16", "batch 2.2 step 4 size 16", "epoch 2 end, history 2",
            "train end after 2",
        ], events);
    }

    [Fact]
    public void JsonlLoggerWritesOneParseableObjectPerEpoch()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "out", "metrics.jsonl");
        var (train, test) = Moons(64);
        var trainer = MoonsTrainer(options: new TrainerOptions { ComputeAccuracy = true, ValidationName = "test" });
        trainer.Fit(Loader(train), epochs: 2, validation: Loader(test, 16, shuffleSeed: null), callbacks: [new JsonlLogger(path)]);
        trainer.Fit(Loader(train), epochs: 1, validation: Loader(test, 16, shuffleSeed: null), callbacks: [new JsonlLogger(path, append: true)]);

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var root = json.RootElement;
            Assert.Equal(["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(i + 1, root.GetProperty("epoch").GetInt32());
            Assert.Equal(trainer.History[i].TrainLoss, root.GetProperty("train_loss").GetDouble());
            Assert.Equal(trainer.History[i].ValidationAccuracy, root.GetProperty("test_accuracy").GetDouble());
            Assert.Equal(trainer.History[i], EpochLog.FromJson(lines[i], "test"));
        }

        // A fresh run without append starts the file again.
        MoonsTrainer().Fit(Loader(train), epochs: 1, callbacks: [new JsonlLogger(path)]);
        Assert.Single(File.ReadAllLines(path));
    }

    [Fact]
    public void EpochLogJsonKeepsNonFiniteValues()
    {
        var log = new EpochLog { Epoch = 2, TrainLoss = double.NaN, ValidationLoss = double.PositiveInfinity, LearningRate = 0.1, Seconds = 1.5 };
        string json = log.ToJson();
        Assert.Equal("{\"epoch\":2,\"train_loss\":\"NaN\",\"val_loss\":\"Infinity\",\"lr\":0.1,\"seconds\":1.5}", json);
        Assert.Equal(log, EpochLog.FromJson(json));
        Assert.Contains("'train_loss' is missing", Assert.Throws<FormatException>(() => EpochLog.FromJson("{\"epoch\":1,\"lr\":0.1,\"seconds\":1}")).Message);
    }

    [Fact]
    public void CsvLoggerWritesAHeaderAndOneRowPerEpoch()
    {
        using var dir = new TempDirectory();
        string path = dir.File("log.csv");
        var (train, test) = Moons(64);
        var trainer = MoonsTrainer();
        trainer.Fit(Loader(train), epochs: 2, validation: Loader(test, 16, shuffleSeed: null), callbacks: [new CsvLogger(path)]);
        trainer.Fit(Loader(train), epochs: 1, callbacks: [new CsvLogger(path, append: true)]);

        var lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds", lines[0]);
        var row = lines[2].Split(',');
        Assert.Equal("2", row[0]);
        Assert.Equal(trainer.History[1].TrainLoss, double.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture));
        // The appended epoch had no validation: its columns stay empty under the existing header.
        Assert.Equal(["3", "", ""], lines[3].Split(',').Where((_, i) => i is 0 or 3 or 4));
        Assert.Throws<ArgumentException>(() => new CsvLogger(path, separator: '.'));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
