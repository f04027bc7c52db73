namespace Nabla.Optim.Schedulers;

/// <summary>
/// The progress of a schedule, the counterpart of PyTorch's <c>scheduler.state_dict()</c>. A schedule's
/// settings come from its constructor; this holds what changes as it steps, in plain JSON-serialisable values.
/// </summary>
public sealed record LRSchedulerState
{
    /// <summary>The index of the last step (<c>last_epoch</c>).</summary>
    public int LastEpoch { get; init; }

    /// <summary>The learning rate each group's schedule starts from (<c>base_lrs</c>).</summary>
    public IReadOnlyList<double> BaseLRs { get; init; } = [];

    /// <summary>The learning rates the last step set (<c>_last_lr</c>).</summary>
    public IReadOnlyList<double> LastLR { get; init; } = [];

    /// <summary>Other scalars of a schedule's progress, under PyTorch's names (ReduceLROnPlateau's <c>best</c>, for example).</summary>
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>The states of the schedules a composite schedule drives (SequentialLR), in order.</summary>
    public IReadOnlyList<LRSchedulerState> Schedulers { get; init; } = [];
}
