namespace Nabla.Training;

/// <summary>
/// Stops training when a monitored metric has stopped improving (Keras's <c>EarlyStopping</c>, same rules): after
/// every epoch the metric is compared with the best value so far; an improvement by more than
/// <see cref="MinDelta"/> resets the count of waiting epochs, and once <see cref="Patience"/> epochs in a row have
/// not improved, <see cref="Trainer.StopTraining"/> is set. With <see cref="RestoreBestWeights"/> the model's
/// parameters and buffers are put back to those of the best epoch when training ends.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private readonly Monitor _monitor;
    private int _wait;
    private int _epochsSeen;
    private Dictionary<string, Tensor>? _bestWeights;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric to watch, a name of <see cref="EpochLog"/> such as <c>val_loss</c> or <c>val_accuracy</c>.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement; at least 0.</param>
    /// <param name="patience">The number of epochs without improvement after which training stops; at least 0.</param>
    /// <param name="mode">Whether the metric should fall or rise; <see cref="MonitorMode.Auto"/> decides by its name.</param>
    /// <param name="restoreBestWeights">At the end of training, restore the model's state from the epoch with the best value.</param>
    /// <param name="baseline">A value the metric must beat before the waiting count resets; null for none.</param>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
        bool restoreBestWeights = false, double? baseline = null)
    {
        if (patience < 0) throw new ArgumentException($"EarlyStopping: patience must be at least 0, got {patience}.", nameof(patience));
        _monitor = new Monitor("EarlyStopping", monitor, mode, minDelta);
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
        Baseline = baseline;
        Best = _monitor.Worst;
    }

    /// <summary>The watched metric.</summary>
    public string MonitorName => _monitor.Metric;

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta => _monitor.MinDelta;

    /// <summary>The number of epochs without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>Whether the best epoch's state is restored at the end of training.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The value the metric must beat before waiting resets, or null.</summary>
    public double? Baseline { get; }

    /// <summary>The best value seen so far (±∞ before the first epoch).</summary>
    public double Best { get; private set; }

    /// <summary>The epoch that reached <see cref="Best"/>, or 0.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The epoch after which training was stopped, or 0 when it was not.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>Resets the callback, so one instance can serve several runs.</summary>
    public override void OnTrainBegin(Trainer trainer)
    {
        _wait = 0;
        _epochsSeen = 0;
        _bestWeights = null;
        Best = _monitor.Worst;
        BestEpoch = 0;
        StoppedEpoch = 0;
    }

    /// <summary>Compares the epoch's metric with the best and stops training when patience has run out.</summary>
    public override void OnEpochEnd(Trainer trainer, EpochLog log)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        double current = _monitor.Read(log);
        if (RestoreBestWeights && _bestWeights is null)
        {
            _bestWeights = Snapshot(trainer);
            BestEpoch = log.Epoch;
        }
        _wait++;
        _epochsSeen++;
        if (_monitor.IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = log.Epoch;
            if (RestoreBestWeights) _bestWeights = Snapshot(trainer);
            if (Baseline is not { } baseline || _monitor.IsImprovement(current, baseline)) _wait = 0;
            return;
        }
        // As in Keras, the first epoch of a run never stops it (it can only fail to beat the baseline).
        if (_wait >= Patience && _epochsSeen > 1)
        {
            StoppedEpoch = log.Epoch;
            trainer.StopTraining = true;
        }
    }

    /// <summary>Restores the best epoch's state when <see cref="RestoreBestWeights"/> is set.</summary>
    public override void OnTrainEnd(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        if (RestoreBestWeights && _bestWeights is not null) trainer.Model.LoadStateDict(_bestWeights);
        if (StoppedEpoch > 0)
            trainer.Options.Output?.WriteLine($"early stopping after epoch {StoppedEpoch}: {MonitorName} last improved at epoch {BestEpoch}");
    }

    private static Dictionary<string, Tensor> Snapshot(Trainer trainer)
    {
        using var noGrad = Autograd.NoGrad();
        return trainer.Model.StateDict().ToDictionary(e => e.Key, e => e.Value.Clone());
    }
}
