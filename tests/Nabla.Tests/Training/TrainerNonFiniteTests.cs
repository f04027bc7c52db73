using Nabla.Optim;
using Nabla.Training;
using static Nabla.Tests.Training.TrainingTestUtil;

namespace Nabla.Tests.Training;

public class TrainerNonFiniteTests
{
    /// <summary>Binary cross-entropy that turns NaN at the given call (counted from 1).</summary>
    private static Func<Tensor, Tensor, Tensor> NaNAt(int call)
    {
        int calls = 0;
        return (output, target) =>
        {
            var loss = BinaryLoss(output, target);
            return ++calls == call ? loss * double.NaN : loss;
        };
    }

    [Fact]
    public void TheFirstNonFiniteLossStopsTrainingNamingEpochAndBatchBeforeTheStep()
    {
        var (train, _) = Moons(160);
        var model = Mlp(new Generator(1));
        var trainer = new Trainer(model, new Adam(model.Parameters(), lr: 0.01), NaNAt(7));
        var loader = Loader(train, batchSize: 32);
        Assert.Equal(4, loader.Count);
        float[]? weights = null;
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(loader, 3, callbacks: [new LambdaCallback(onBatchEnd: (_, log) =>
            weights = model.Parameters().First().ToArray<float>())]));
        Assert.Equal(2, e.Epoch);
        Assert.Equal(3, e.Batch);
        Assert.Contains("epoch 2, batch 3", e.Message);
        Assert.Contains("the loss is NaN", e.Message);
        Assert.Contains("Autograd.DetectAnomaly", e.Message);
        Assert.Equal(weights, model.Parameters().First().ToArray<float>());
        Assert.All(model.Parameters(), p => Assert.Null(Nabla.Autograd.FindNonFinite(p)));
    }

    [Fact]
    public void ANonFiniteGradientNormStopsTrainingWhenClipping()
    {
        var (train, _) = Moons(64);
        var model = Mlp(new Generator(1));
        // √(0·w) is 0 going forward, but its gradient is ∞ · 0 = NaN: the loss stays finite, the gradient does not.
        Tensor Loss(Tensor o, Tensor t) => BinaryLoss(o, t) + (model.Parameters().First() * 0).Sqrt().Sum();
        var trainer = new Trainer(model, new SGD(model.Parameters(), lr: 0.1), Loss, new TrainerOptions { ClipGradNorm = 1 });
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(Loader(train, batchSize: 64), 1));
        Assert.Contains("epoch 1, batch 1", e.Message);
        Assert.Contains("gradient norm", e.Message);
    }

    [Fact]
    public void AllowNonFiniteTrainsOn()
    {
        var (train, _) = Moons(160);
        var model = Mlp(new Generator(1));
        var trainer = new Trainer(model, new Adam(model.Parameters(), lr: 0.01), NaNAt(2), new TrainerOptions { AllowNonFinite = true });
        var history = trainer.Fit(Loader(train, batchSize: 32), 1);
        Assert.True(double.IsNaN(history[0].TrainLoss));
    }
}
