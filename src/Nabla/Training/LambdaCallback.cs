namespace Nabla.Training;

/// <summary>A callback made of delegates, for one-off hooks without a class (Keras's <c>LambdaCallback</c>).</summary>
/// <param name="onTrainBegin">Runs as <see cref="Callback.OnTrainBegin"/>, or null.</param>
/// <param name="onEpochBegin">Runs as <see cref="Callback.OnEpochBegin"/>, or null.</param>
/// <param name="onBatchEnd">Runs as <see cref="Callback.OnBatchEnd"/>, or null.</param>
/// <param name="onEpochEnd">Runs as <see cref="Callback.OnEpochEnd"/>, or null.</param>
/// <param name="onTrainEnd">Runs as <see cref="Callback.OnTrainEnd"/>, or null.</param>
public sealed class LambdaCallback(
    Action<Trainer>? onTrainBegin = null,
    Action<Trainer, int>? onEpochBegin = null,
    Action<Trainer, BatchLog>? onBatchEnd = null,
    Action<Trainer, EpochLog>? onEpochEnd = null,
    Action<Trainer>? onTrainEnd = null) : Callback
{
    /// <inheritdoc/>
    public override void OnTrainBegin(Trainer trainer) => onTrainBegin?.Invoke(trainer);

    /// <inheritdoc/>
    public override void OnEpochBegin(Trainer trainer, int epoch) => onEpochBegin?.Invoke(trainer, epoch);

    /// <inheritdoc/>
    public override void OnBatchEnd(Trainer trainer, BatchLog batch) => onBatchEnd?.Invoke(trainer, batch);

    /// <inheritdoc/>
    public override void OnEpochEnd(Trainer trainer, EpochLog log) => onEpochEnd?.Invoke(trainer, log);

    /// <inheritdoc/>
    public override void OnTrainEnd(Trainer trainer) => onTrainEnd?.Invoke(trainer);
}
