namespace Nabla.Optim.Schedulers;

/// <summary>
/// Runs schedules one after another, switching at milestone steps (PyTorch's <c>SequentialLR</c>); each
/// schedule after the first restarts from its own step 0 at its milestone. A linear warm-up followed by
/// cosine annealing:
/// <code>
/// var warmup = new LinearLR(opt, startFactor: 0.1, totalIters: 5);
/// var cosine = new CosineAnnealingLR(opt, tMax: 95);
/// var sched = new SequentialLR(opt, [warmup, cosine], milestones: [5]);
/// </code>
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    private readonly LRScheduler[] _schedulers;
    private readonly int[] _milestones;

    /// <summary>Chains <paramref name="schedulers"/>, switching to schedule k at step <c>milestones[k − 1]</c>.</summary>
    /// <param name="optimizer">The optimizer every schedule belongs to.</param>
    /// <param name="schedulers">The schedules, built on <paramref name="optimizer"/>, in order.</param>
    /// <param name="milestones">The increasing steps at which the next schedule takes over; one fewer than the schedules.</param>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR: expected at least one scheduler.", nameof(schedulers));
        for (int i = 0; i < schedulers.Count; i++)
        {
            if (!ReferenceEquals(schedulers[i]?.Optimizer, optimizer))
                throw new ArgumentException($"SequentialLR: expects all schedulers to belong to the same optimizer, but the scheduler at index {i} belongs to another one.", nameof(schedulers));
        }
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"SequentialLR: expects one more scheduler than milestones, but got {schedulers.Count} schedulers and {milestones.Count} milestones.", nameof(milestones));
        for (int i = 1; i < milestones.Count; i++)
        {
            if (milestones[i] <= milestones[i - 1])
                throw new ArgumentException($"SequentialLR: milestones must be increasing, got {string.Join(", ", milestones)}.", nameof(milestones));
        }
        _schedulers = [.. schedulers];
        _milestones = [.. milestones];

        // Building the schedules applied their step 0 one after another; undo that and restart from the
        // first one alone, as PyTorch does.
        LastEpoch = 0;
        foreach (var group in optimizer.ParamGroups) group.LearningRate = group.InitialLearningRate!.Value;
        foreach (var s in _schedulers) s.LastEpoch--;
        _schedulers[0].InitialStep();
        LastLR = [.. _schedulers[0].LastLR];
    }

    /// <summary>The chained schedules, in order.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => _schedulers;

    /// <summary>The steps at which the next schedule takes over.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        int index = _milestones.Count(m => m <= LastEpoch);
        var scheduler = _schedulers[index];
        if (index > 0 && _milestones[index - 1] == LastEpoch) scheduler.StepTo(0);
        else scheduler.Step();
        return [.. scheduler.LastLR];
    }

    /// <inheritdoc/>
    public override LRSchedulerState StateDict() => base.StateDict() with { Schedulers = [.. _schedulers.Select(s => s.StateDict())] };

    /// <inheritdoc/>
    public override void LoadStateDict(LRSchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Schedulers.Count != _schedulers.Length)
            throw new ArgumentException($"SequentialLR.LoadStateDict: the state has {state.Schedulers.Count} schedulers, but this SequentialLR chains {_schedulers.Length}.", nameof(state));
        base.LoadStateDict(state);
        for (int i = 0; i < _schedulers.Length; i++) _schedulers[i].LoadStateDict(state.Schedulers[i]);
    }
}
