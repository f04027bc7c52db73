using Nabla.Optim.Schedulers;

namespace Nabla.Training;

/// <summary>
/// Steps a learning-rate schedule during <see cref="Trainer.Fit"/>: an <see cref="LRScheduler"/> after every epoch
/// (PyTorch's usual place for <c>scheduler.step()</c>) or after every batch (for OneCycleLR and CyclicLR), or a
/// <see cref="ReduceLROnPlateau"/> after every epoch with the value of a monitored metric.
/// </summary>
public sealed class LRSchedulerCallback : Callback
{
    private readonly LRScheduler? _scheduler;
    private readonly ReduceLROnPlateau? _plateau;
    private readonly Monitor? _monitor;

    /// <summary>Steps <paramref name="scheduler"/> once per epoch, or once per batch with <paramref name="perBatch"/>.</summary>
    public LRSchedulerCallback(LRScheduler scheduler, bool perBatch = false)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        PerBatch = perBatch;
    }

    /// <summary>Steps <paramref name="scheduler"/> after every epoch with the epoch's value of <paramref name="monitor"/>.</summary>
    /// <param name="scheduler">The plateau detector; its own mode says whether the metric should fall or rise.</param>
    /// <param name="monitor">The metric to feed it, a name of <see cref="EpochLog"/>.</param>
    public LRSchedulerCallback(ReduceLROnPlateau scheduler, string monitor = "val_loss")
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _plateau = scheduler;
        _monitor = new Monitor("LRSchedulerCallback", monitor, scheduler.Mode == PlateauMode.Max ? MonitorMode.Max : MonitorMode.Min, minDelta: 0);
    }

    /// <summary>Whether the schedule steps after every batch rather than every epoch.</summary>
    public bool PerBatch { get; }

    /// <summary>Steps a per-batch schedule.</summary>
    public override void OnBatchEnd(Trainer trainer, BatchLog batch)
    {
        if (PerBatch) _scheduler!.Step();
    }

    /// <summary>Steps a per-epoch schedule, or feeds the plateau detector the monitored metric.</summary>
    public override void OnEpochEnd(Trainer trainer, EpochLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (_plateau is not null) _plateau.Step(_monitor!.Read(log));
        else if (!PerBatch) _scheduler!.Step();
    }

    /// <summary>The schedule's progress, for a checkpoint (<see cref="Trainer.SaveCheckpoint"/>).</summary>
    public LRSchedulerState StateDict() => _plateau?.StateDict() ?? _scheduler!.StateDict();

    /// <summary>Restores progress saved by <see cref="StateDict"/> into a schedule built the same way.</summary>
    public void LoadStateDict(LRSchedulerState state)
    {
        if (_plateau is not null) _plateau.LoadStateDict(state);
        else _scheduler!.LoadStateDict(state);
    }
}
