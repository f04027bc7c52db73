namespace Nabla.Training;

/// <summary>
/// Code that <see cref="Trainer.Fit"/> runs at fixed points of training, like a Keras callback: override the hooks
/// you need. Every hook gets the trainer, so a callback can read the model, the optimizer and the history, or set
/// <see cref="Trainer.StopTraining"/> to end training after the current epoch. Hooks run outside the training
/// step's <see cref="TensorScope"/>, so tensors they create are ordinary objects.
/// </summary>
public abstract class Callback
{
    /// <summary>Runs once when <see cref="Trainer.Fit"/> starts, before the first epoch.</summary>
    public virtual void OnTrainBegin(Trainer trainer) { }

    /// <summary>Runs before each epoch; <paramref name="epoch"/> counts from 1 over the whole run.</summary>
    public virtual void OnEpochBegin(Trainer trainer, int epoch) { }

    /// <summary>Runs after each optimizer step.</summary>
    public virtual void OnBatchEnd(Trainer trainer, BatchLog batch) { }

    /// <summary>Runs after each epoch and its validation, with the epoch's metrics (already added to <see cref="Trainer.History"/>).</summary>
    public virtual void OnEpochEnd(Trainer trainer, EpochLog log) { }

    /// <summary>Runs once when <see cref="Trainer.Fit"/> ends, after the last epoch or an early stop.</summary>
    public virtual void OnTrainEnd(Trainer trainer) { }
}
