namespace Nabla.Optim.Schedulers;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a metric that should fall or rise.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss).</summary>
    Min,

    /// <summary>Higher is better (an accuracy).</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a metric improved significantly.</summary>
public enum ThresholdMode
{
    /// <summary>Better than best · (1 ∓ threshold).</summary>
    Rel,

    /// <summary>Better than best ∓ threshold.</summary>
    Abs,
}

/// <summary>
/// Reduces the learning rate when a metric stops improving (PyTorch's <c>ReduceLROnPlateau</c>): after more
/// than <see cref="Patience"/> consecutive steps without a significant improvement, every group's rate
/// becomes <c>max(lr · factor, min_lr)</c>, and the next <see cref="Cooldown"/> steps do not count as bad.
/// Unlike the other schedules it steps with the metric: <c>sched.Step(validationLoss)</c>.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly double[] _minLRs;
    private double _best;
    private int _numBadEpochs;
    private int _cooldownCounter;

    /// <summary>A plateau detector over <paramref name="optimizer"/>'s learning rates.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="mode">Whether the metric should fall (<see cref="PlateauMode.Min"/>) or rise.</param>
    /// <param name="factor">The factor the rate is multiplied by; in (0, 1).</param>
    /// <param name="patience">The number of bad steps tolerated before reducing; at least 0.</param>
    /// <param name="threshold">The minimal significant improvement; at least 0.</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative or absolute.</param>
    /// <param name="cooldown">Steps to wait after a reduction before counting bad steps again; at least 0.</param>
    /// <param name="minLR">The lowest learning rate (default 0), for all groups or one per group.</param>
    /// <param name="eps">Reductions smaller than this are skipped.</param>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0,
        GroupValues? minLR = null, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor > 0 && factor < 1)) throw new ArgumentException($"ReduceLROnPlateau: factor must be in (0, 1), got {factor}.", nameof(factor));
        if (patience < 0) throw new ArgumentException($"ReduceLROnPlateau: patience must be at least 0, got {patience}.", nameof(patience));
        if (!(threshold >= 0)) throw new ArgumentException($"ReduceLROnPlateau: threshold must be at least 0, got {threshold}.", nameof(threshold));
        if (cooldown < 0) throw new ArgumentException($"ReduceLROnPlateau: cooldown must be at least 0, got {cooldown}.", nameof(cooldown));
        if (!(eps >= 0)) throw new ArgumentException($"ReduceLROnPlateau: eps must be at least 0, got {eps}.", nameof(eps));
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"ReduceLROnPlateau: unknown mode {mode}.", nameof(mode));
        if (!Enum.IsDefined(thresholdMode)) throw new ArgumentException($"ReduceLROnPlateau: unknown threshold mode {thresholdMode}.", nameof(thresholdMode));
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        _minLRs = (minLR ?? 0.0).ForGroups("ReduceLROnPlateau", nameof(minLR), optimizer.ParamGroups.Count);
        _best = WorstValue;
        LastLR = CurrentLRs();
    }

    /// <summary>The optimizer whose learning rates this schedule sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Whether the metric should fall or rise.</summary>
    public PlateauMode Mode { get; }

    /// <summary>The factor the rate is multiplied by on a plateau.</summary>
    public double Factor { get; }

    /// <summary>The number of bad steps tolerated before reducing.</summary>
    public int Patience { get; }

    /// <summary>The minimal significant improvement.</summary>
    public double Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; }

    /// <summary>Steps to wait after a reduction before counting bad steps again.</summary>
    public int Cooldown { get; }

    /// <summary>Reductions smaller than this are skipped.</summary>
    public double Eps { get; }

    /// <summary>The number of steps taken.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The best metric seen so far (±∞ before the first step).</summary>
    public double Best => _best;

    /// <summary>The groups' learning rates after the last step.</summary>
    public IReadOnlyList<double> LastLR { get; private set; }

    private double WorstValue => Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records one value of the watched metric and reduces the learning rates on a plateau.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, _best))
        {
            _best = metric;
            _numBadEpochs = 0;
        }
        else
        {
            _numBadEpochs++;
        }

        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _numBadEpochs = 0;
        }
        if (_numBadEpochs > Patience)
        {
            ReduceLR();
            _cooldownCounter = Cooldown;
            _numBadEpochs = 0;
        }
        LastLR = CurrentLRs();
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };

    private void ReduceLR()
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++)
        {
            double oldLR = groups[i].LearningRate;
            double newLR = Math.Max(oldLR * Factor, _minLRs[i]);
            if (oldLR - newLR > Eps) groups[i].LearningRate = newLR;
        }
    }

    private double[] CurrentLRs() => [.. Optimizer.ParamGroups.Select(g => g.LearningRate)];

    /// <summary>The detector's progress: <c>best</c>, <c>num_bad_epochs</c> and <c>cooldown_counter</c> under <see cref="LRSchedulerState.Values"/>.</summary>
    public LRSchedulerState StateDict() => new()
    {
        LastEpoch = LastEpoch,
        LastLR = [.. LastLR],
        Values = new Dictionary<string, double>
        {
            ["best"] = _best,
            ["num_bad_epochs"] = _numBadEpochs,
            ["cooldown_counter"] = _cooldownCounter,
        },
    };

    /// <summary>Restores progress saved by <see cref="StateDict"/>.</summary>
    public void LoadStateDict(LRSchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var key in (string[])["best", "num_bad_epochs", "cooldown_counter"])
        {
            if (!state.Values.ContainsKey(key))
                throw new ArgumentException($"ReduceLROnPlateau.LoadStateDict: the state has no '{key}' value.", nameof(state));
        }
        if (state.LastLR.Count != Optimizer.ParamGroups.Count)
            throw new ArgumentException($"ReduceLROnPlateau.LoadStateDict: the state has {state.LastLR.Count} learning rates, but the optimizer has {Optimizer.ParamGroups.Count} parameter groups.", nameof(state));
        LastEpoch = state.LastEpoch;
        LastLR = [.. state.LastLR];
        _best = state.Values["best"];
        _numBadEpochs = (int)state.Values["num_bad_epochs"];
        _cooldownCounter = (int)state.Values["cooldown_counter"];
    }
}
