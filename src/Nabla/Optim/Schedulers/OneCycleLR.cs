namespace Nabla.Optim.Schedulers;

/// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine: <c>end + (start − end)/2 · (1 + cos(π·pct))</c>.</summary>
    Cos,

    /// <summary>A straight line: <c>start + (end − start)·pct</c>.</summary>
    Linear,
}

/// <summary>
/// The 1cycle policy of Smith &amp; Topin, "Super-Convergence: Very Fast Training of Neural Networks Using
/// Large Learning Rates" (2017), as PyTorch's <c>OneCycleLR</c>: the learning rate rises from
/// max_lr / divFactor to max_lr over the first <see cref="PctStart"/> of the steps, then falls to
/// max_lr / (divFactor · finalDivFactor); with <c>threePhase</c> it first returns symmetrically to the
/// initial rate and only then falls to the minimum. Momentum (SGD, RMSprop) or β₁ (Adam, AdamW) is
/// cycled inversely between maxMomentum and baseMomentum. Step once per batch, at most
/// <see cref="TotalSteps"/> times.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private readonly Phase[] _phases;
    private readonly double[] _initialLRs, _maxLRs, _minLRs;
    private readonly double[]? _baseMomentums, _maxMomentums;

    /// <summary>A one-cycle schedule over <paramref name="totalSteps"/> steps, or <paramref name="epochs"/> × <paramref name="stepsPerEpoch"/>.</summary>
    /// <param name="optimizer">The optimizer to schedule.</param>
    /// <param name="maxLR">The peak learning rate, for all groups or one per group.</param>
    /// <param name="totalSteps">The number of steps in the cycle; if null, <paramref name="epochs"/> × <paramref name="stepsPerEpoch"/>.</param>
    /// <param name="epochs">The number of epochs, used with <paramref name="stepsPerEpoch"/> when <paramref name="totalSteps"/> is null.</param>
    /// <param name="stepsPerEpoch">The number of steps per epoch.</param>
    /// <param name="pctStart">The fraction of the cycle spent increasing the learning rate; in [0, 1].</param>
    /// <param name="annealStrategy">Cosine or linear annealing.</param>
    /// <param name="cycleMomentum">Cycle momentum (or β₁) inversely to the learning rate.</param>
    /// <param name="baseMomentum">The momentum at the learning-rate peak (default 0.85), for all groups or one per group.</param>
    /// <param name="maxMomentum">The momentum at the start and end (default 0.95), for all groups or one per group.</param>
    /// <param name="divFactor">initial_lr = max_lr / divFactor.</param>
    /// <param name="finalDivFactor">min_lr = initial_lr / finalDivFactor.</param>
    /// <param name="threePhase">Use the paper's three phases instead of fastai's two.</param>
    public OneCycleLR(Optimizer optimizer, GroupValues maxLR, int? totalSteps = null, int? epochs = null, int? stepsPerEpoch = null,
        double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos, bool cycleMomentum = true,
        GroupValues? baseMomentum = null, GroupValues? maxMomentum = null, double divFactor = 25, double finalDivFactor = 1e4,
        bool threePhase = false) : base(optimizer)
    {
        if (totalSteps is { } total)
        {
            if (total <= 0) throw new ArgumentException($"OneCycleLR: expected a positive integer totalSteps, but got {total}.", nameof(totalSteps));
            TotalSteps = total;
        }
        else if (epochs is { } e && stepsPerEpoch is { } s)
        {
            if (e <= 0) throw new ArgumentException($"OneCycleLR: expected a positive integer epochs, but got {e}.", nameof(epochs));
            if (s <= 0) throw new ArgumentException($"OneCycleLR: expected a positive integer stepsPerEpoch, but got {s}.", nameof(stepsPerEpoch));
            TotalSteps = e * s;
        }
        else
        {
            throw new ArgumentException("OneCycleLR: you must define either totalSteps or (epochs and stepsPerEpoch).", nameof(totalSteps));
        }

        if (!(pctStart >= 0 && pctStart <= 1))
            throw new ArgumentException($"OneCycleLR: expected pctStart between 0 and 1, but got {pctStart}.", nameof(pctStart));
        if (!(divFactor > 0)) throw new ArgumentException($"OneCycleLR: divFactor must be greater than 0, got {divFactor}.", nameof(divFactor));
        if (!(finalDivFactor > 0)) throw new ArgumentException($"OneCycleLR: finalDivFactor must be greater than 0, got {finalDivFactor}.", nameof(finalDivFactor));
        PctStart = pctStart;
        AnnealStrategy = annealStrategy;
        _phases = threePhase
            ?
            [
                new(pctStart * TotalSteps - 1, Level.Initial, Level.Max),
                new(2 * pctStart * TotalSteps - 2, Level.Max, Level.Initial),
                new(TotalSteps - 1, Level.Initial, Level.Min),
            ]
            :
            [
                new(pctStart * TotalSteps - 1, Level.Initial, Level.Max),
                new(TotalSteps - 1, Level.Max, Level.Min),
            ];

        _maxLRs = maxLR.ForGroups("OneCycleLR", nameof(maxLR), GroupCount);
        _initialLRs = [.. _maxLRs.Select(m => m / divFactor)];
        _minLRs = [.. _initialLRs.Select(i => i / finalDivFactor)];
        for (int i = 0; i < GroupCount; i++) optimizer.ParamGroups[i].InitialLearningRate = _initialLRs[i];
        BaseLRs = [.. _initialLRs];

        if (cycleMomentum)
            (_maxMomentums, _baseMomentums) = StartCycledMomentum(nameof(cycleMomentum), maxMomentum ?? 0.95, nameof(maxMomentum), baseMomentum ?? 0.85, nameof(baseMomentum));
        InitialStep();
    }

    /// <summary>The number of steps in the cycle.</summary>
    public int TotalSteps { get; }

    /// <summary>The fraction of the cycle spent increasing the learning rate.</summary>
    public double PctStart { get; }

    /// <summary>Cosine or linear annealing.</summary>
    public AnnealStrategy AnnealStrategy { get; }

    /// <inheritdoc/>
    protected override double[] GetLR()
    {
        int stepNum = LastEpoch;
        if (stepNum > TotalSteps)
            throw new InvalidOperationException($"OneCycleLR: tried to step {stepNum + 1} times; the specified number of total steps is {TotalSteps}.");
        var lrs = new double[GroupCount];
        for (int i = 0; i < GroupCount; i++)
        {
            double startStep = 0;
            for (int k = 0; k < _phases.Length; k++)
            {
                var phase = _phases[k];
                if (stepNum <= phase.EndStep || k == _phases.Length - 1)
                {
                    double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    lrs[i] = Anneal(LR(phase.Start, i), LR(phase.End, i), pct);
                    if (_maxMomentums is not null)
                        SetCycledMomentum(i, Anneal(Momentum(phase.Start, i), Momentum(phase.End, i), pct));
                    break;
                }
                startStep = phase.EndStep;
            }
        }
        return lrs;
    }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    private double LR(Level level, int group) => level switch
    {
        Level.Initial => _initialLRs[group],
        Level.Max => _maxLRs[group],
        _ => _minLRs[group],
    };

    // The momentum falls while the learning rate rises: the initial and minimum rates go with the
    // maximum momentum and the peak rate with the base momentum.
    private double Momentum(Level level, int group) => level == Level.Max ? _baseMomentums![group] : _maxMomentums![group];

    private enum Level { Initial, Max, Min }

    private readonly record struct Phase(double EndStep, Level Start, Level End);
}
