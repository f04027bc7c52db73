using System.Globalization;
using Nabla.IO;

namespace Nabla.Training;

/// <summary>
/// Saves the model's state dict (<see cref="NN.Module.StateDict"/>) as a safetensors file after each epoch, or with
/// <see cref="SaveBestOnly"/> only after epochs that improve a monitored metric (Keras's <c>ModelCheckpoint</c> with
/// <c>save_weights_only</c>). The file is written atomically, so a crash during a save leaves the previous one
/// intact, and loads back with <see cref="SafeTensors.Load(string)"/> and <see cref="NN.Module.LoadStateDict"/>.
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    private readonly Monitor _monitor;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The file to write; <c>{epoch}</c> in it is replaced by the epoch number, to keep one file per epoch.</param>
    /// <param name="monitor">The metric that decides which epochs are best, a name of <see cref="EpochLog"/>.</param>
    /// <param name="saveBestOnly">Save only when <paramref name="monitor"/> improves on the best value so far.</param>
    /// <param name="mode">Whether the metric should fall or rise; <see cref="MonitorMode.Auto"/> decides by its name.</param>
    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _monitor = new Monitor("ModelCheckpoint", monitor, mode, minDelta: 0);
        Path = path;
        SaveBestOnly = saveBestOnly;
        Best = _monitor.Worst;
    }

    /// <summary>The file name pattern.</summary>
    public string Path { get; }

    /// <summary>Whether only improving epochs are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>The watched metric.</summary>
    public string MonitorName => _monitor.Metric;

    /// <summary>The best value of the metric seen so far (±∞ before the first save).</summary>
    public double Best { get; private set; }

    /// <summary>The epoch of the last save, or 0 when nothing has been saved.</summary>
    public int LastSavedEpoch { get; private set; }

    /// <summary>Saves the model when due.</summary>
    public override void OnEpochEnd(Trainer trainer, EpochLog log)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(log);
        if (SaveBestOnly)
        {
            double current = _monitor.Read(log);
            if (!_monitor.IsImprovement(current, Best)) return;
            Best = current;
        }
        string path = Path.Replace("{epoch}", log.Epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        SafeTensors.Save(path, trainer.Model.StateDict());
        LastSavedEpoch = log.Epoch;
    }
}
