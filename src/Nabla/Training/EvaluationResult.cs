namespace Nabla.Training;

/// <summary>What <see cref="Trainer.Evaluate"/> measured on a dataset.</summary>
public sealed record EvaluationResult
{
    /// <summary>The mean loss over the examples (each batch's loss weighted by its size); NaN for an empty dataset.</summary>
    public required double Loss { get; init; }

    /// <summary>The fraction of predictions that are right (one per example, or per position of a sequence), when <see cref="TrainerOptions.ComputeAccuracy"/> is set.</summary>
    public double? Accuracy { get; init; }

    /// <summary>exp(<see cref="Loss"/>), when <see cref="TrainerOptions.ComputePerplexity"/> is set.</summary>
    public double? Perplexity { get; init; }

    /// <summary>The number of examples evaluated.</summary>
    public required int Count { get; init; }

    /// <summary>The predicted class of every example, int64 (N), when predictions were asked for.</summary>
    public Tensor? Predictions { get; init; }

    /// <summary>The true class of every example, int64 (N), when predictions were asked for.</summary>
    public Tensor? Targets { get; init; }

    /// <summary>Counts[t, p] of true class t predicted as p (<see cref="Metrics.ConfusionMatrix"/>); needs the predictions.</summary>
    /// <param name="numClasses">The number of classes.</param>
    /// <exception cref="InvalidOperationException">The evaluation did not keep its predictions.</exception>
    public long[,] ConfusionMatrix(int numClasses)
    {
        if (Predictions is null || Targets is null)
            throw new InvalidOperationException("EvaluationResult.ConfusionMatrix: the evaluation kept no predictions; call Trainer.Evaluate with collectPredictions: true.");
        return Metrics.ConfusionMatrix(Predictions, Targets, numClasses);
    }
}
