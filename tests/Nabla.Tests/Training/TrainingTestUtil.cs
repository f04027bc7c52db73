using Nabla.Data;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Training;

namespace Nabla.Tests.Training;

/// <summary>Tests that reseed or draw from <see cref="Generator.Default"/>, or run the CLI, which does, run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "Training: uses Generator.Default";
}

/// <summary>Small, fully seeded training setups for the trainer tests.</summary>
internal static class TrainingTestUtil
{
    /// <summary>make_moons (noise 0.1) split 80/20, int64 labels.</summary>
    public static (TensorDataset Train, TensorDataset Test) Moons(int n = 400, ulong seed = 3)
    {
        var (x, y) = Synthetic.MakeMoons(n, noise: 0.1, generator: new Generator(seed));
        var (xTrain, xTest, yTrain, yTest) = Splits.TrainTestSplit(x, y, testFraction: 0.2, seed: seed);
        return (new TensorDataset(xTrain, yTrain), new TensorDataset(xTest, yTest));
    }

    /// <summary>A 2-16-16-1 ReLU MLP, optionally with dropout after each hidden layer drawing from <paramref name="dropout"/>.</summary>
    public static Sequential Mlp(Generator init, Generator? dropout = null, double p = 0.2)
    {
        var model = new Sequential();
        model.Add(new Linear(2, 16, generator: init)).Add(new ReLU());
        if (dropout is not null) model.Add(new Dropout(p, dropout));
        model.Add(new Linear(16, 16, generator: init)).Add(new ReLU());
        if (dropout is not null) model.Add(new Dropout(p, dropout));
        return model.Add(new Linear(16, 1, generator: init));
    }

    /// <summary>Binary cross-entropy on one logit against int64 labels.</summary>
    public static Tensor BinaryLoss(Tensor output, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(output, target.To(output.DType).Unsqueeze(1));

    /// <summary>A trainer over <see cref="Mlp"/> with Adam (lr 0.01), accuracy on.</summary>
    public static Trainer MoonsTrainer(ulong seed = 1, Generator? dropout = null, TrainerOptions? options = null)
    {
        var model = Mlp(new Generator(seed), dropout);
        return new Trainer(model, new Adam(model.Parameters(), lr: 0.01), BinaryLoss, options ?? new TrainerOptions { ComputeAccuracy = true });
    }

    public static DataLoader Loader(IDataset data, int batchSize = 32, ulong? shuffleSeed = 7) =>
        shuffleSeed is { } seed ? new DataLoader(data, batchSize, shuffle: true, generator: new Generator(seed)) : new DataLoader(data, batchSize);

    /// <summary>An epoch log with the given validation loss and accuracy, for driving callbacks directly.</summary>
    public static EpochLog Epoch(int epoch, double valLoss, double valAccuracy = 0.5, double lr = 0.01) =>
        new() { Epoch = epoch, TrainLoss = valLoss, ValidationLoss = valLoss, ValidationAccuracy = valAccuracy, LearningRate = lr };
}
