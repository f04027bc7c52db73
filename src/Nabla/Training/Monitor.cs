namespace Nabla.Training;

/// <summary>A watched metric of the epoch log and the rule for when it improved, shared by the callbacks that monitor one.</summary>
internal sealed class Monitor
{
    private readonly string _owner;

    public Monitor(string owner, string metric, MonitorMode mode, double minDelta)
    {
        ArgumentException.ThrowIfNullOrEmpty(metric);
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"{owner}: unknown mode {mode}.", nameof(mode));
        if (!(minDelta >= 0) || double.IsInfinity(minDelta))
            throw new ArgumentException($"{owner}: minDelta must be a finite number >= 0, got {minDelta}.", nameof(minDelta));
        _owner = owner;
        Metric = metric;
        MinDelta = minDelta;
        Maximize = mode == MonitorMode.Max || (mode == MonitorMode.Auto && metric.Contains("acc", StringComparison.Ordinal));
    }

    public string Metric { get; }

    public double MinDelta { get; }

    public bool Maximize { get; }

    /// <summary>The starting "best" that any finite value improves on.</summary>
    public double Worst => Maximize ? double.NegativeInfinity : double.PositiveInfinity;

    /// <summary>The metric's value in <paramref name="log"/>; a metric the log lacks is a configuration error, reported with the names it has.</summary>
    public double Read(EpochLog log)
    {
        if (log.TryGetMetric(Metric, out double value)) return value;
        throw new InvalidOperationException(
            $"{_owner}: the monitored metric '{Metric}' is not in the epoch log, which has {string.Join(", ", log.NamedValues().Select(m => m.Key))}. " +
            "Validation metrics need validation data in Fit, accuracies need TrainerOptions.ComputeAccuracy, perplexities TrainerOptions.ComputePerplexity.");
    }

    /// <summary>Keras's rule: better than <paramref name="best"/> by more than <see cref="MinDelta"/>; NaN never improves.</summary>
    public bool IsImprovement(double current, double best) =>
        Maximize ? current - MinDelta > best : current + MinDelta < best;
}
