using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Training;
using static Nabla.Tests.Training.TrainingTestUtil;

namespace Nabla.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void FitLowersTheLossAndLearnsMoons()
    {
        var (train, test) = Moons();
        var trainer = MoonsTrainer();
        var history = trainer.Fit(Loader(train), epochs: 25, validation: Loader(test, 100, shuffleSeed: null));

        Assert.Equal(25, history.Count);
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss / 5, $"train loss went from {history[0].TrainLoss} to {history[^1].TrainLoss}");
        Assert.True(history[^1].ValidationAccuracy >= 0.95, $"validation accuracy {history[^1].ValidationAccuracy}");
        var result = trainer.Evaluate(Loader(test, 100, shuffleSeed: null));
        Assert.Equal(history[^1].ValidationLoss, result.Loss);
        Assert.Equal(history[^1].ValidationAccuracy, result.Accuracy);
        Assert.Equal(80, result.Count);
    }

    [Fact]
    public void HistoryHasOneLogPerEpochWithItsMetrics()
    {
        var (train, test) = Moons(100);
        var trainer = MoonsTrainer(options: new TrainerOptions { ComputeAccuracy = true, ValidationName = "test" });
        var history = trainer.Fit(Loader(train, 16), epochs: 3, validation: Loader(test, 50, shuffleSeed: null));

        Assert.Equal([1, 2, 3], history.Select(e => e.Epoch));
        Assert.Equal(3, trainer.Epoch);
        Assert.Equal(3 * 5, trainer.GlobalStep);
        Assert.All(history, e =>
        {
            Assert.Equal(0.01, e.LearningRate);
            Assert.True(e.Seconds > 0);
            Assert.InRange(e.TrainAccuracy!.Value, 0, 1);
            Assert.Equal(["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "seconds"], e.NamedValues().Select(m => m.Key));
        });
        Assert.Equal(history.Select(e => e.TrainLoss), history.Values("train_loss"));
        Assert.Equal(history.Select(e => e.ValidationAccuracy!.Value), history.Values("test_accuracy"));
        Assert.True(history[2].TryGetMetric("loss", out double loss) && loss == history[2].TrainLoss);
        Assert.False(history[2].TryGetMetric("val_loss", out _));
        var lines = history.ToString().Split(Environment.NewLine);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("epoch 2/3  train_loss ", lines[1]);
        Assert.Contains("  test_accuracy ", lines[2]);
        Assert.Equal("History (no epochs)", new History().ToString());

        // Fit continues the numbering; without validation data or accuracy the log has neither.
        var plain = MoonsTrainer(options: new TrainerOptions());
        plain.Fit(Loader(train, 16), epochs: 2);
        var log = plain.Fit(Loader(train, 16), epochs: 1)[^1];
        Assert.Equal(3, log.Epoch);
        Assert.Null(log.TrainAccuracy);
        Assert.Null(log.ValidationLoss);
        Assert.Equal(["epoch", "train_loss", "lr", "seconds"], log.NamedValues().Select(m => m.Key));
    }

    [Fact]
    public void TrainLossIsTheExampleWeightedMeanOfTheBatchLosses()
    {
        var (train, _) = Moons(90);
        var losses = new List<(double Loss, int Size)>();
        var trainer = MoonsTrainer();
        var log = trainer.Fit(Loader(train, 32), epochs: 1, callbacks: [new LambdaCallback(onBatchEnd: (_, b) => losses.Add((b.Loss, b.Size)))])[0];
        Assert.Equal([32, 32, 8], losses.Select(l => l.Size));
        Assert.Equal(losses.Sum(l => l.Loss * l.Size) / 72, log.TrainLoss, 12);
    }

    [Fact]
    public void SameSeedsGiveIdenticalLosses()
    {
        double[] Run()
        {
            var (train, test) = Moons(200);
            var trainer = MoonsTrainer(seed: 5, dropout: new Generator(11));
            var history = trainer.Fit(Loader(train, 16, shuffleSeed: 9), epochs: 4, validation: Loader(test, 40, shuffleSeed: null));
            return [.. history.Values("train_loss"), .. history.Values("val_loss")];
        }
        var first = Run();
        Assert.Equal(first, Run());

        var (train, _) = Moons(200);
        var other = MoonsTrainer(seed: 5, dropout: new Generator(11)).Fit(Loader(train, 16, shuffleSeed: 10), epochs: 4);
        Assert.NotEqual(first[..4], other.Values("train_loss"));
    }

    [Fact]
    public void EvaluateRunsInEvalModeWithoutGradientsAndRestoresEachModulesMode()
    {
        var (_, test) = Moons(100);
        var trainer = MoonsTrainer(dropout: new Generator(4));
        var model = (Sequential)trainer.Model;
        model[3].Eval();
        var before = model.Modules().Select(m => m.IsTraining).ToArray();
        var weights = model.Parameters().Select(p => p.ToDoubleArray()).ToList();

        var first = trainer.Evaluate(Loader(test, 7, shuffleSeed: null));
        var second = trainer.Evaluate(Loader(test, 20, shuffleSeed: null));

        Assert.Equal(before, model.Modules().Select(m => m.IsTraining));
        Assert.True(model[2].IsTraining);
        Assert.False(model[3].IsTraining);
        // Dropout off: the same data gives the same loss however it is batched.
        Assert.Equal(first.Loss, second.Loss, 6);
        Assert.Equal(first.Accuracy, second.Accuracy);
        Assert.Equal(weights, model.Parameters().Select(p => p.ToDoubleArray()));
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void EvaluateCollectsPredictionsForAConfusionMatrix()
    {
        var (train, test) = Moons();
        var trainer = MoonsTrainer();
        trainer.Fit(Loader(train), epochs: 5);
        var result = trainer.Evaluate(Loader(test, 30, shuffleSeed: null), collectPredictions: true);

        var confusion = result.ConfusionMatrix(2);
        Assert.Equal(80, confusion.Cast<long>().Sum());
        Assert.Equal(result.Accuracy!.Value, (confusion[0, 0] + confusion[1, 1]) / 80.0, 12);
        Assert.Equal(test.Target.ToArray<long>(), result.Targets!.ToArray<long>());
        Assert.Throws<InvalidOperationException>(() => trainer.Evaluate(Loader(test, 30, shuffleSeed: null)).ConfusionMatrix(2));
    }

    [Fact]
    public void GradientClippingBoundsEveryUpdate()
    {
        var (train, _) = Moons(64);
        var model = Mlp(new Generator(2));
        // With plain SGD at lr 1 the update is the clipped gradient itself.
        var trainer = new Trainer(model, new SGD(model.Parameters(), lr: 1), BinaryLoss, new TrainerOptions { ClipGradNorm = 1e-3 });
        var steps = new List<double>();
        var previous = Snapshot(model);
        trainer.Fit(Loader(train, 16), epochs: 1, callbacks: [new LambdaCallback(onBatchEnd: (_, _) =>
        {
            var now = Snapshot(model);
            steps.Add(Math.Sqrt(now.Zip(previous, (a, b) => (a - b) * (a - b)).Sum()));
            previous = now;
        })]);
        Assert.Equal(4, steps.Count);
        Assert.All(steps, s => Assert.InRange(s, 0.999e-3, 1.0001e-3));

        static double[] Snapshot(Module m) => [.. m.Parameters().SelectMany(p => p.ToDoubleArray())];
    }

    [Fact]
    public void ProgressLinesGoToTheOutputWriter()
    {
        var (train, test) = Moons(100);
        var output = new StringWriter();
        var trainer = MoonsTrainer(options: new TrainerOptions { ComputeAccuracy = true, LogInterval = 2, Output = output });
        trainer.Fit(Loader(train, 16), epochs: 2, validation: Loader(test, 20, shuffleSeed: null));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 * 2 + 2, lines.Length);
        Assert.StartsWith("  epoch 1/2  batch 2/5  loss ", lines[0]);
        Assert.StartsWith("epoch 1/2  train_loss ", lines[2]);
        Assert.Contains("val_accuracy", lines[2]);
        Assert.StartsWith("epoch 2/2  ", lines[5]);
    }

    [Fact]
    public void BadOptionsAndLossesAreReported()
    {
        var model = Mlp(new Generator(1));
        var optimizer = new Adam(model.Parameters());
        var clip = Assert.Throws<ArgumentException>(() => new Trainer(model, optimizer, BinaryLoss, new TrainerOptions { ClipGradNorm = 0 }));
        Assert.Contains("ClipGradNorm", clip.Message);
        Assert.Contains("got 0", clip.Message);
        Assert.Contains("LogInterval", Assert.Throws<ArgumentException>(() => new Trainer(model, optimizer, BinaryLoss, new TrainerOptions { LogInterval = -1 })).Message);
        Assert.Contains("ValidationName", Assert.Throws<ArgumentException>(() => new Trainer(model, optimizer, BinaryLoss, new TrainerOptions { ValidationName = "train" })).Message);

        var (train, _) = Moons(40);
        var perExample = new Trainer(model, optimizer, (o, t) => Functional.BinaryCrossEntropyWithLogits(o, t.To(o.DType).Unsqueeze(1), reduction: Reduction.None));
        var error = Assert.Throws<InvalidOperationException>(() => perExample.Fit(Loader(train, 8), epochs: 1));
        Assert.Contains("single value", error.Message);
        Assert.Contains("[8, 1]", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => perExample.Fit(Loader(train, 8), epochs: -1));
    }

    [Fact]
    public void PerplexityIsTheExponentialOfTheMeanLossAndIsLogged()
    {
        var (train, test) = Moons(100);
        var trainer = MoonsTrainer(options: new TrainerOptions { ComputePerplexity = true, ValidationName = "test" });
        var history = trainer.Fit(Loader(train, 16), epochs: 2, validation: Loader(test, 50, shuffleSeed: null));

        Assert.All(history, e =>
        {
            Assert.Equal(Math.Exp(e.TrainLoss), e.TrainPerplexity);
            Assert.Equal(Math.Exp(e.ValidationLoss!.Value), e.ValidationPerplexity);
            Assert.Equal(["epoch", "train_loss", "train_perplexity", "test_loss", "test_perplexity", "lr", "seconds"], e.NamedValues().Select(m => m.Key));
        });
        var result = trainer.Evaluate(Loader(test, 50, shuffleSeed: null));
        Assert.Equal(Math.Exp(result.Loss), result.Perplexity);
        Assert.Null(result.Accuracy);
        var back = EpochLog.FromJson(history[1].ToJson(), "test");
        Assert.Equal(history[1].TrainPerplexity, back.TrainPerplexity);
        Assert.Equal(history[1].ValidationPerplexity, back.ValidationPerplexity);
        Assert.Null(MoonsTrainer().Evaluate(Loader(test, 50, shuffleSeed: null)).Perplexity);
    }

    [Fact]
    public void AccuracyOfASequenceModelCountsEveryPosition()
    {
        // (N, T, C) scores predict one class per position: 5 of these 6 are right.
        var scores = Tensor.FromArray(new float[]
        {
            1, 0, 0,  0, 1, 0,  0, 0, 1,
            0, 1, 0,  0, 1, 0,  1, 0, 0,
        }, 2, 3, 3);
        var targets = Tensor.FromArray(new long[] { 0, 1, 2, 1, 1, 2 }, 2, 3);
        Assert.Equal(new long[] { 0, 1, 2, 1, 1, 0 }, Metrics.PredictedClasses(scores).ToArray<long>());
        Assert.Equal([2, 3], Metrics.PredictedClasses(scores).Shape);
        Assert.Equal(5.0 / 6, Metrics.Accuracy(scores, targets), 12);

        // The trainer counts predictions, not examples: 2 windows of 3 positions give accuracy 5/6, not a multiple of 1/2.
        var model = new Sequential(new Identity());
        var trainer = new Trainer(model, new SGD([Tensor.Zeros([1], DType.Float32, requiresGrad: true)], lr: 0),
            (o, t) => Functional.CrossEntropy(o.Reshape(-1, 3), t.Reshape(-1)), new TrainerOptions { ComputeAccuracy = true });
        var result = trainer.Evaluate(new DataLoader(new TensorDataset(scores, targets), batchSize: 2));
        Assert.Equal(5.0 / 6, result.Accuracy!.Value, 12);
        Assert.Equal(2, result.Count);
    }
}
