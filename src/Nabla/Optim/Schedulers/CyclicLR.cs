namespace Nabla.Optim.Schedulers;

/// <summary>The built-in amplitude policies of <see cref="CyclicLR"/>.</summary>
public enum CyclicLRMode
{
    /// <summary>A triangle of constant amplitude.</summary>
    Triangular,

    /// <summary>A triangle whose amplitude halves every cycle.</summary>
    Triangular2,

    /// <summary>A triangle whose amplitude is scaled by γ^iteration.</summary>
    ExpRange,
}

/// <summary>Whether a custom <see cref="CyclicLR"/> scale function is evaluated on the cycle number or on the step count.</summary>
public enum CyclicScaleMode
{
    /// <summary>Evaluate the scale function on the cycle number (1, 2, ...).</summary>
    Cycle,

    /// <summary>Evaluate the scale function on the number of steps taken.</summary>
    Iterations,
}

/// <summary>
/// The cyclical learning rates of Smith, "Cyclical Learning Rates for Training Neural Networks"
/// (WACV 2017), as PyTorch's <c>CyclicLR</c>: the rate climbs from baseLR to maxLR over stepSizeUp steps
/// and falls back over stepSizeDown, the amplitude scaled by the mode's policy; momentum (SGD, RMSprop)
/// or β₁ (Adam, AdamW) is cycled inversely. Step once per batch. With x the position within the cycle,
/// <c>lr = base_lr + (max_lr − base_lr) · h(x) · scale</c>, h rising linearly from 0 to 1 and back.
/// </summary>
public sealed class CyclicLR : LRScheduler
{
    private readonly double[] _maxLRs;
    private readonly double[]? _baseMomentums, _maxMomentums;
    private readonly double _totalSize, _stepRatio;
    private readonly Func<double, double> _scaleFn;
    private readonly CyclicScaleMode _scaleMode;

    /// <summary>A cyclical schedule between <paramref name="baseLR"/> and <paramref name="maxLR"/>.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="baseLR">The lower learning-rate bound, for all groups or one per group; it replaces the groups' rates.</param>
    /// <param name="maxLR">The upper learning-rate bound, for all groups or one per group.</param>
    /// <param name="stepSizeUp">Steps in the increasing half of a cycle; at least 1.</param>
    /// <param name="stepSizeDown">Steps in the decreasing half; null means <paramref name="stepSizeUp"/>.</param>
    /// <param name="mode">The amplitude policy, ignored when <paramref name="scaleFn"/> is given.</param>
    /// <param name="gamma">γ of <see cref="CyclicLRMode.ExpRange"/>.</param>
    /// <param name="scaleFn">A custom amplitude scale in [0, 1], replacing <paramref name="mode"/>.</param>
    /// <param name="scaleMode">What <paramref name="scaleFn"/> is evaluated on.</param>
    /// <param name="cycleMomentum">Cycle momentum (or β₁) inversely to the learning rate.</param>
    /// <param name="baseMomentum">The momentum at the learning-rate peak (default 0.8); it replaces the groups' momentum.</param>
    /// <param name="maxMomentum">The momentum at the learning-rate trough (default 0.9).</param>
    public CyclicLR(Optimizer optimizer, GroupValues baseLR, GroupValues maxLR, int stepSizeUp = 2000, int? stepSizeDown = null,
        CyclicLRMode mode = CyclicLRMode.Triangular, double gamma = 1.0, Func<double, double>? scaleFn = null,
        CyclicScaleMode scaleMode = CyclicScaleMode.Cycle, bool cycleMomentum = true,
        GroupValues? baseMomentum = null, GroupValues? maxMomentum = null) : base(optimizer)
    {
        if (stepSizeUp < 1) throw new ArgumentException($"CyclicLR: stepSizeUp must be at least 1, got {stepSizeUp}.", nameof(stepSizeUp));
        if (stepSizeDown is < 1) throw new ArgumentException($"CyclicLR: stepSizeDown must be at least 1, got {stepSizeDown}.", nameof(stepSizeDown));
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"CyclicLR: unknown mode {mode}.", nameof(mode));
        var baseLRs = baseLR.ForGroups("CyclicLR", nameof(baseLR), GroupCount);
        _maxLRs = maxLR.ForGroups("CyclicLR", nameof(maxLR), GroupCount);
        for (int i = 0; i < GroupCount; i++) optimizer.ParamGroups[i].LearningRate = baseLRs[i];
        BaseLRs = baseLRs;

        double up = stepSizeUp, down = stepSizeDown ?? stepSizeUp;
        _totalSize = up + down;
        _stepRatio = up / _totalSize;
        Mode = mode;
        Gamma = gamma;
        (_scaleFn, _scaleMode) = scaleFn is not null ? (scaleFn, scaleMode) : mode switch
        {
            CyclicLRMode.Triangular => (static _ => 1.0, CyclicScaleMode.Cycle),
            CyclicLRMode.Triangular2 => (static x => 1 / Math.Pow(2.0, x - 1), CyclicScaleMode.Cycle),
            _ => ((Func<double, double>)(x => Math.Pow(gamma, x)), CyclicScaleMode.Iterations),
        };

        if (cycleMomentum)
            (_baseMomentums, _maxMomentums) = StartCycledMomentum(nameof(cycleMomentum), baseMomentum ?? 0.8, nameof(baseMomentum), maxMomentum ?? 0.9, nameof(maxMomentum));
        InitialStep();
    }

    /// <summary>The amplitude policy (ignored when a custom scale function was given).</summary>
    public CyclicLRMode Mode { get; }

    /// <summary>γ of <see cref="CyclicLRMode.ExpRange"/>.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        double cycle = Math.Floor(1 + LastEpoch / _totalSize);
        double x = 1.0 + LastEpoch / _totalSize - cycle;
        double scaleFactor = x <= _stepRatio ? x / _stepRatio : (x - 1) / (_stepRatio - 1);
        double scale = _scaleFn(_scaleMode == CyclicScaleMode.Cycle ? cycle : LastEpoch);
        var lrs = new double[GroupCount];
        for (int i = 0; i < GroupCount; i++)
            lrs[i] = BaseLRs[i] + (_maxLRs[i] - BaseLRs[i]) * scaleFactor * scale;
        if (_maxMomentums is not null)
        {
            for (int i = 0; i < GroupCount; i++)
                SetCycledMomentum(i, _maxMomentums[i] - (_maxMomentums[i] - _baseMomentums![i]) * scaleFactor * scale);
        }
        return lrs;
    }
}
