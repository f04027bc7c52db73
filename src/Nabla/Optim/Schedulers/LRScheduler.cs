namespace Nabla.Optim.Schedulers;

/// <summary>
/// The base of the learning-rate schedules, the counterpart of PyTorch's <c>torch.optim.lr_scheduler</c>
/// base class. A schedule wraps an optimizer and, at every <see cref="Step"/> (once per epoch or once per
/// batch, as the schedule intends), sets each parameter group's learning rate:
/// <code>
/// var sched = new CosineAnnealingLR(opt, tMax: epochs);
/// for (int epoch = 0; epoch &lt; epochs; epoch++) { Train(opt); sched.Step(); }
/// </code>
/// Construction already applies step 0. Schedules are chainable like PyTorch's: most compute the new rate
/// from the group's current one, so two schedules can act on one optimizer and the values match
/// PyTorch's step for step. A derived schedule sets its fields, then calls <see cref="InitialStep"/> at the
/// end of its constructor.
/// </summary>
public abstract class LRScheduler
{
    /// <summary>
    /// Attaches to <paramref name="optimizer"/>: a group without an <see cref="ParamGroup.InitialLearningRate"/>
    /// gets its current learning rate as one, and those become <see cref="BaseLRs"/>.
    /// </summary>
    protected LRScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        foreach (var group in optimizer.ParamGroups) group.InitialLearningRate ??= group.LearningRate;
        BaseLRs = [.. optimizer.ParamGroups.Select(g => g.InitialLearningRate!.Value)];
        LastLR = [.. optimizer.ParamGroups.Select(g => g.LearningRate)];
        LastEpoch = -1;
    }

    /// <summary>The optimizer whose learning rates this schedule sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The index of the last step: 0 after construction, then one more per <see cref="Step"/>.</summary>
    public int LastEpoch { get; internal set; }

    /// <summary>The learning rate each group's schedule starts from.</summary>
    public IReadOnlyList<double> BaseLRs { get; protected set; }

    /// <summary>The learning rates the last step set, one per group (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLR { get; protected set; }

    /// <summary>The number of parameter groups.</summary>
    protected int GroupCount => Optimizer.ParamGroups.Count;

    /// <summary>Starts the schedule at step 0; derived constructors call it last.</summary>
    protected internal void InitialStep() => Step();

    /// <summary>Advances the schedule by one step and sets the groups' learning rates.</summary>
    public void Step()
    {
        LastEpoch++;
        Apply(GetLR());
    }

    /// <summary>
    /// Jumps to step <paramref name="epoch"/> using the closed form where there is one, as PyTorch's
    /// deprecated <c>step(epoch)</c> does; SequentialLR restarts a schedule this way at its milestone.
    /// </summary>
    internal void StepTo(int epoch)
    {
        LastEpoch = epoch;
        Apply(GetClosedFormLR() ?? GetLR());
    }

    /// <summary>The learning rates for step <see cref="LastEpoch"/>, one per group, usually computed from the groups' current rates.</summary>
    protected abstract double[] GetLR();

    /// <summary>The learning rates for step <see cref="LastEpoch"/> computed from <see cref="BaseLRs"/> alone, or null when the schedule has no closed form.</summary>
    protected virtual double[]? GetClosedFormLR() => null;

    /// <summary>
    /// Resolves the per-group bounds of the momentum (or β₁) that a cyclical schedule moves inversely to the learning
    /// rate, and sets each group's to the one the cycle starts from; throws when the optimizer has no such coefficient
    /// (see <see cref="OptimizerOptions.CycledMomentum"/>).
    /// </summary>
    private protected (double[] Start, double[] Other) StartCycledMomentum(string cycleArgument, GroupValues start, string startArgument, GroupValues other, string otherArgument)
    {
        string name = GetType().Name;
        if (Optimizer.Defaults.CycledMomentum is null)
            throw new ArgumentException($"{name}: {Optimizer.GetType().Name} has no momentum or beta1 to cycle; pass {cycleArgument}: false.", cycleArgument);
        var starts = start.ForGroups(name, startArgument, GroupCount);
        var others = other.ForGroups(name, otherArgument, GroupCount);
        for (int i = 0; i < GroupCount; i++) SetCycledMomentum(i, starts[i]);
        return (starts, others);
    }

    /// <summary>Sets the cycled momentum (or β₁) of group <paramref name="group"/>.</summary>
    private protected void SetCycledMomentum(int group, double value)
    {
        var g = Optimizer.ParamGroups[group];
        g.Options = g.Options.WithCycledMomentum(value);
    }

    /// <summary>The groups' current learning rates, in a new array.</summary>
    protected double[] GroupLRs() => [.. Optimizer.ParamGroups.Select(g => g.LearningRate)];

    private void Apply(double[] lrs)
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++) groups[i].LearningRate = lrs[i];
        LastLR = GroupLRs();
    }

    /// <summary>The schedule's progress (PyTorch's <c>state_dict()</c>); its settings stay those of the constructor.</summary>
    public virtual LRSchedulerState StateDict() =>
        new() { LastEpoch = LastEpoch, BaseLRs = [.. BaseLRs], LastLR = [.. LastLR] };

    /// <summary>Restores progress saved by <see cref="StateDict"/> from a schedule built the same way over the same groups.</summary>
    public virtual void LoadStateDict(LRSchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.BaseLRs.Count != GroupCount || state.LastLR.Count != GroupCount)
            throw new ArgumentException($"{GetType().Name}.LoadStateDict: the state has {state.BaseLRs.Count} base learning rates and {state.LastLR.Count} last learning rates, but the optimizer has {GroupCount} parameter groups.", nameof(state));
        LastEpoch = state.LastEpoch;
        BaseLRs = [.. state.BaseLRs];
        LastLR = [.. state.LastLR];
    }
}
